"""`ocpispec diff OLD NEW`: the privacy-relevant differences between two versions of a
spec, and a verdict whose exit code a CI job can gate merges on."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import click

FORMATS = ("text", "markdown", "json")


@click.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("--format", "format_", type=click.Choice(FORMATS), default="text",
              show_default=True, help="`markdown` for a pull-request comment, `json` for tools.")
def diff(old: str, new: str, format_: str) -> None:
    """Show what changed for privacy from OLD to NEW, and whether it needs a new review.

    Each side is a spec file or `REV:path`, read from git as `git show` reads it
    (e.g. `main:specs/a.ocx`, `HEAD~1:./a.ocx`). Compared are the columns (added,
    removed, renamed; treatments weakened or strengthened), filters, windows, joins,
    private-location handling, aggregate protections, consumer, purpose, legal basis,
    retention, schedule, pseudonym scope, destination and template contents: what the
    privacy fingerprint covers. Comments, layout, page size and concurrency are no
    change. Makes no network request.

    Exit codes: 0 no privacy-relevant change, 1 needs a new review (or a side has
    errors: they are shown on stderr), 2 usage error.
    """
    from ocpispec.privacy_summary import difference
    from ocpispec.render.privacy_diff import render_difference

    with tempfile.TemporaryDirectory(prefix="ocpispec-diff-") as workdir:
        old_plan = plan_side(old, Path(workdir) / "old")
        new_plan = plan_side(new, Path(workdir) / "new")
    if old_plan is None or new_plan is None:
        sys.exit(1)
    result = difference(old_plan, new_plan, old_name=old, new_name=new)
    click.echo(render_difference(result, format_), nl=False)
    sys.exit(1 if result.needs_review else 0)


def plan_side(argument: str, workdir: Path):
    """The plan of one side, or None after printing its diagnostics."""
    from ocpispec.cli.plan import show_diagnostics
    from ocpispec.check.compiler import compile_source, read_source
    from ocpispec.diagnostics import CompileError
    from ocpispec.plan.planner import plan
    from ocpispec.diagnostics.source import SourceFile
    from ocpispec.language.revisions import materialise

    source = None
    try:
        side = materialise(argument, workdir)
        source = read_source(side.path)
        return plan(compile_source(source))
    except CompileError as exc:
        shown = SourceFile(argument, source.text) if source is not None else None
        show_diagnostics(exc.diagnostics, shown, file=argument)
        return None
