"""`ocpispec check SPEC...`: parse and check specs without touching the network."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ocpispec.diagnostics import report
from ocpispec.gc_tuning import paused
from ocpispec.diagnostics import CompileError, Diagnostic, has_errors
from ocpispec.diagnostics.source import SourceFile


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("specs", nargs=-1, required=True, metavar="SPEC|DIR...")
@click.option("--format", "fmt", type=click.Choice([*report.FORMATS, "sarif"]), default="full",
              show_default=True, help="full: with source snippets; concise: one line per "
              "problem; json: one document on stdout with a result per file, for CI; sarif: "
              "SARIF 2.1.0 on stdout, for code-scanning views.")
@click.option("--max-errors", type=click.IntRange(min=1), default=50, show_default=True,
              help="Stop reporting a spec after this many errors.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto",
              show_default=True, help="Colour the diagnostics (auto: only on a terminal and "
              "when NO_COLOR is not set; always: also when piped).")
def check(specs: tuple[str, ...], fmt: str, max_errors: int, color: str) -> None:
    """Check export specs against the OCPI schema and the privacy rules.

    Reads each SPEC (an .ocx file; a folder stands for every .ocx file below it, hidden
    folders left out), resolves every field against the OCPI data model of all supported
    versions and applies the privacy rules. Makes no network call.

    Exit status: 0 when every spec is valid (warnings allowed), 1 when a spec has
    errors, 2 on a usage error.

    \b
    Examples:
      ocpispec check specs/*.ocx
      ocpispec check --format concise specs/municipality_sessions.ocx
      ocpispec check --format json specs/*.ocx > check.json
      ocpispec check --format sarif specs > ocpispec.sarif
    """
    with paused():
        results = _check_all(_expand(specs), max_errors)
    _show(results, fmt, _use_color(color))
    if any(has_errors(diagnostics) for _, _, diagnostics in results):
        sys.exit(1)


def _check_all(paths: list[str], max_errors: int) -> list[tuple[str, SourceFile | None, list[Diagnostic]]]:
    from ocpispec.check.compiler import compile_source, read_source

    results: list[tuple[str, SourceFile | None, list[Diagnostic]]] = []
    for path in paths:
        source: SourceFile | None = None
        try:
            source = read_source(path)
            diagnostics = list(compile_source(source, max_errors=max_errors).warnings)
        except CompileError as exc:
            diagnostics = list(exc.diagnostics)
        results.append((path, source, diagnostics))
    return results


def _expand(specs: tuple[str, ...]) -> list[str]:
    """Each argument, with a folder replaced by the `.ocx` files below it (sorted; hidden
    folders such as `.git` and `.venv` left out). A folder without specs stays, so it is
    reported rather than silently checking nothing."""
    paths: list[str] = []
    for spec in specs:
        folder = Path(spec)
        if not folder.is_dir():
            paths.append(spec)
            continue
        found = sorted(str(path) for path in folder.rglob("*.ocx") if path.is_file()
                       and not any(part.startswith(".") for part in path.relative_to(folder).parts))
        paths.extend(found or [spec])
    return paths


def _use_color(choice: str) -> bool:
    if choice != "auto":
        return choice == "always"
    return not os.environ.get("NO_COLOR") and sys.stderr.isatty()


def _show(results, fmt: str, color: bool) -> None:
    entries = [(d, source, path) for path, source, diagnostics in results for d in diagnostics]
    if fmt == "json":
        files = [{"file": path, "valid": not has_errors(diagnostics),
                  "error_count": sum(1 for d in diagnostics if d.is_error),
                  "warning_count": sum(1 for d in diagnostics if not d.is_error)}
                 for path, _, diagnostics in results]
        click.echo(report.json_document(entries, files=files))
        return
    if fmt == "sarif":
        from ocpispec.diagnostics.sarif import sarif_document

        click.echo(sarif_document(entries))
        return
    for path, source, diagnostics in results:
        sources = {path: source} if source is not None else {}
        text = report.render(diagnostics, sources, format=fmt, color=color, file=path)
        click.echo(text, nl=False, err=True, color=color)
        click.echo(report.summary_line(diagnostics, path), err=True, color=color)
    if len(results) > 1:
        valid = sum(1 for _, _, ds in results if not has_errors(ds))
        click.echo(f"Checked {len(results)} specs: {valid} valid, {len(results) - valid} "
                   "with errors.", err=True)
