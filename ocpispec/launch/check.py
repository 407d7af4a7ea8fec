"""What `ocpispec check` does, without click: the click command (`cli/check.py`) and
the fast entry point (`launch.main`) both call `run_check`."""

from __future__ import annotations

import functools
import os
import re
import sys
TYPE_CHECKING = False  # typing costs a cold `check` 3 ms; annotations only need it for mypy
if TYPE_CHECKING:
    from typing import TextIO

from ocpispec.diagnostics import CompileError, Diagnostic, has_errors, report
from ocpispec.diagnostics.source import SourceFile
from ocpispec.gc_tuning import paused
from ocpispec.launch.arguments import CheckArguments

Results = list[tuple[str, SourceFile | None, list[Diagnostic]]]


def run_check(arguments: CheckArguments) -> int:
    """Check every spec, print the report; the exit status (1 when a spec has errors)."""
    with paused():
        results = check_all(expand(arguments.specs), arguments.max_errors)
    show(results, arguments.fmt, use_color(arguments.color))
    return 1 if any(has_errors(diagnostics) for _, _, diagnostics in results) else 0


def check_all(paths: list[str], max_errors: int) -> Results:
    """Each spec alone, then the valid ones together: two exports to one consumer can
    give away by their difference what each withholds (`check/across.py`)."""
    from ocpispec.check.compiler import compile_source, read_source

    results: Results = []
    valid = []
    for path in paths:
        source: SourceFile | None = None
        try:
            source = read_source(path)
            checked = compile_source(source, max_errors=max_errors)
            diagnostics = list(checked.warnings)
            valid.append((len(results), checked))
        except CompileError as exc:
            diagnostics = list(exc.diagnostics)
        results.append((path, source, diagnostics))
    if len(valid) > 1:
        _add_across(results, valid)
    return results


def _add_across(results: Results, valid: list) -> None:
    from ocpispec.check.across import check_across

    for (index, _), found in zip(valid, check_across([checked for _, checked in valid])):
        path, source, diagnostics = results[index]
        results[index] = (path, source, diagnostics + found)


def expand(specs: tuple[str, ...]) -> list[str]:
    """Each argument, with a folder replaced by the `.ocx` files below it (sorted; hidden
    folders such as `.git` and `.venv` left out). A folder without specs stays, so it is
    reported rather than silently checking nothing."""
    paths: list[str] = []
    for spec in specs:
        if not os.path.isdir(spec):
            paths.append(spec)
            continue
        from pathlib import Path  # only for a folder: a check of files needs no pathlib

        folder = Path(spec)
        found = sorted(str(path) for path in folder.rglob("*.ocx") if path.is_file()
                       and not any(part.startswith(".") for part in path.relative_to(folder).parts))
        paths.extend(found or [spec])
    return paths


def use_color(choice: str) -> bool:
    if choice != "auto":
        return choice == "always"
    return not os.environ.get("NO_COLOR") and sys.stderr.isatty()


def show(results: Results, fmt: str, color: bool) -> None:
    entries = [(d, source, path) for path, source, diagnostics in results for d in diagnostics]
    if fmt == "json":
        files = [{"file": path, "valid": not has_errors(diagnostics),
                  "error_count": sum(1 for d in diagnostics if d.is_error),
                  "warning_count": sum(1 for d in diagnostics if not d.is_error)}
                 for path, _, diagnostics in results]
        echo(report.json_document(entries, files=files) + "\n", sys.stdout)
        return
    if fmt == "sarif":
        from ocpispec.diagnostics.sarif import sarif_document

        echo(sarif_document(entries) + "\n", sys.stdout)
        return
    for path, source, diagnostics in results:
        sources = {path: source} if source is not None else {}
        text = report.render(diagnostics, sources, format=fmt, color=color, file=path)
        echo(text, sys.stderr, color)
        echo(report.summary_line(diagnostics, path) + "\n", sys.stderr, color)
    if len(results) > 1:
        valid = sum(1 for _, _, ds in results if not has_errors(ds))
        echo(f"Checked {len(results)} specs: {valid} valid, {len(results) - valid} "
             "with errors.\n", sys.stderr)


@functools.cache
def _ansi_style() -> re.Pattern[str]:
    """Compiled on first need: a report holds a terminal style only when coloured."""
    return re.compile(r"\033\[[;?0-9]*[a-zA-Z]")


def echo(text: str, stream: TextIO | None, color: bool | None = None) -> None:
    """Write and flush, as `click.echo` does: terminal styles are kept only when colour
    was asked for, or (not said) when the stream is a terminal; nothing when the process
    was started without the stream (`>&-`)."""
    if stream is None:
        return
    keep_styles = stream.isatty() if color is None else color
    stream.write(text if keep_styles or "\033" not in text else _ansi_style().sub("", text))
    stream.flush()
