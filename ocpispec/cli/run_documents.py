"""`run --summary json` prints a document on every path that ends the command with exit
code 1, also where the run never started: a spec with errors, a missing approval, a bad
`ocpispec.toml`, `--follow`'s check before its first run, a stop while starting; and
where a bug ends it (exit code 70). A scheduler parsing stdout then reads `failed` with
the diagnostic that stderr showed, where it got an empty stdout before."""

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
    _plan[0] = None   # a command run before in this process (tests) planned another spec
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
    except (click.ClickException, click.exceptions.Exit, click.Abort, OSError):
        raise   # usage errors (exit 2); stdout or the disk failing (`launch.guard`)
    except Exception as bug:   # `launch.guard` says it on stderr and exits with 70
        from ocpispec.launch.guard import out_of_memory

        if _printed[0] == before and out_of_memory(bug) is None:
            print_document(_internal_json(bug))
        raise


def _internal_json(bug: Exception) -> str:
    """As `launch.guard.internal_error` says it: the type, never the text (it may hold a
    value or a URL)."""
    import json

    from ocpispec.render.run_json import SUMMARY_FORMAT

    plan = _plan[0]
    return json.dumps({"summary_format": SUMMARY_FORMAT,
                       "export": plan.export.name if plan is not None else None,
                       "plan_fingerprint": plan.fingerprint if plan is not None else None,
                       "outcome": "failed",
                       "error": {"code": None, "message": f"internal error: {type(bug).__name__}",
                                 "notes": ["this is a bug in ocpispec, not in your spec or platform"],
                                 "help": "report it with the command you ran (leave out tokens "
                                         "and keys); OCPISPEC_DEBUG=1 shows the traceback"}},
                      indent=2, ensure_ascii=False)
