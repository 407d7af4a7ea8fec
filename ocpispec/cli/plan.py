"""`ocpispec plan SPEC`: what a run would fetch, transform, release and withhold."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ocpispec.cli.show import show_diagnostics, show_spec_diagnostics  # noqa: F401 (re-exported)
from ocpispec.diagnostics import CompileError

FORMATS = ("text", "json")


def shaping_options(command):
    """`--limit`, `--page-size`, `--concurrency`: shared by `plan` and `run`."""
    command = click.option("--concurrency", type=click.IntRange(1, 32), default=4,
                           show_default=True, help="Pages fetched in parallel.")(command)
    command = click.option("--page-size", type=click.IntRange(1, 10_000), default=500,
                           show_default=True, help="Records asked for per request.")(command)
    command = click.option("--limit", type=click.IntRange(min=1), metavar="N",
                           help="Read at most N records of each dataset (a sample).")(command)
    return command


@click.command("plan")
@click.argument("spec", type=click.Path(path_type=Path))
@click.option("--format", "format_", type=click.Choice(FORMATS), default="text",
              show_default=True, help="`json` prints the plan IR (values compared to personal fields blanked out).")
@shaping_options
def plan(spec: Path, format_: str, limit: int | None, page_size: int, concurrency: int) -> None:
    """Show what a run of SPEC would fetch, transform, release and withhold.

    Makes no network request. Prints every step, every output column with its
    source fields and transformation, the fields default-deny withholds, a
    summary line and the plan fingerprint. Exit code 1 if the spec has errors.
    """
    from ocpispec.cli.configured import command_config, effective
    from ocpispec.render.plan_text import plan_text

    settings = command_config(spec)
    page_size = effective(settings, "page_size", page_size)
    concurrency = effective(settings, "concurrency", concurrency)
    result = build_plan(spec, limit=limit, page_size=page_size, concurrency=concurrency)
    click.echo(result.to_view_json() if format_ == "json" else plan_text(result), nl=False)


def build_plan(spec: Path, *, limit: int | None, page_size: int, concurrency: int,
               warnings: bool = True):
    """Compile and plan SPEC; on errors print the diagnostics and exit 1. `warnings`
    False leaves out the spec's warnings (`run -q`: `check` reported them)."""
    return build_checked_plan(spec, limit=limit, page_size=page_size,
                              concurrency=concurrency, warnings=warnings)[1]


def build_checked_plan(spec: Path, *, limit: int | None = None, page_size: int = 500,
                       concurrency: int = 4, warnings: bool = True):
    """`build_plan`, also returning the checked spec: (checked, plan)."""
    from ocpispec.check.compiler import compile_file
    from ocpispec.plan.planner import Options, plan as make_plan
    from ocpispec.schema import VERSIONS

    try:
        checked = compile_file(spec)
        if warnings:
            show_diagnostics(checked.warnings, checked.source)
        pinned = checked.spec.source.version
        versions = (pinned.name,) if pinned and pinned.name in VERSIONS else VERSIONS
        options = Options(page_size=page_size, concurrency=concurrency, sample=limit,
                          versions=versions)
        return checked, make_plan(checked, options)
    except CompileError as exc:
        show_spec_diagnostics(exc.diagnostics, spec)
        sys.exit(1)


