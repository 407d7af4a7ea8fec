"""`run --summary json` prints a document on every path that ends the command with exit
code 1, also where the run never started: a spec with errors, a missing approval, a bad
`ocpispec.toml`, `--follow`'s check before its first run, a stop while starting. A
scheduler parsing stdout then reads `failed` with the diagnostic that stderr showed,
where it got an empty stdout before."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import click

_printed = [0]                 # documents printed by this command
_plan: list[Any] = [None]      # the plan, once made


def planned(plan: Any) -> None:
    _plan[0] = plan


def print_document(text: str) -> None:
    click.echo(text)
    _printed[0] += 1


@contextlib.contextmanager
def one_on_every_failure(summary_format: str) -> Iterator[None]:
    """A failure that printed no document prints one: the last error shown on stderr."""
    if summary_format != "json":
        yield
        return
    from ocpispec.cli.show import shown_errors

    before, seen = _printed[0], len(shown_errors())
    try:
        yield
    except SystemExit as leaving:
        if leaving.code not in (0, None) and _printed[0] == before:
            from ocpispec.render.run_json import run_json, unplanned_json

            errors = shown_errors()[seen:]
            diagnostic = errors[-1] if errors else None
            print_document(run_json(_plan[0], None, diagnostic) if _plan[0] is not None
                           else unplanned_json(diagnostic))
        raise
