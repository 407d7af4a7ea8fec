"""What a stopped `run` or `get` says (OCX558), however early the stop came.

A stop (Ctrl-C, or SIGTERM: `launch.stop`) that arrives while the command line is still
loading (click, the command's modules) or being parsed reaches neither command's own
handler; click would end it with a bare "Aborted!". `launch.main` and the command
group report such an early stop here, with the same diagnostic and exit code 1 as a
later one. Other commands end a stop as click does, early or late.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.launch.stop import stop_name

_VALUED = frozenset({"--log-file", "--log-format"})   # the group's options that take a value


# what `get` of a module whose lines wait for the list's end (`cli.held_lines`) says when
# it ends early
HELD_NOTE = ("nothing was written to stdout: it is written once the list has ended (a copy "
             "sent later may say an object is a home's)")


def run_interrupted(how: str) -> Diagnostic:
    return error("OCX558", f"the run was interrupted ({how})",
                 notes=["no output was written and the `since last run` state did not change"],
                 help="run the same command again; it repeats the same window")


def get_interrupted(how: str, held: bool = False) -> Diagnostic:
    """`held`: the command held its lines until the list ended (`cli.held_lines`)."""
    return error("OCX558", f"`get` was interrupted ({how})",
                 notes=[HELD_NOTE if held else "the objects written to stdout so far are an incomplete dump"],
                 help="run it again; narrow it with `--date-from`/`--date-to` or `--limit`")


_DIAGNOSTICS = {"run": run_interrupted, "get": get_interrupted}


def command_of(argv: Sequence[str]) -> str | None:
    """The command an `ocpispec` command line names (its first word after the group's
    options), or None."""
    words = iter(argv)
    for word in words:
        if word == "--":
            return next(words, None)
        if word in _VALUED:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def report_early_stop(command: str | None, stop: KeyboardInterrupt) -> bool:
    """For `run` and `get`: write their OCX558 diagnostic to stderr and return True; for
    any other command False (the caller ends it as click does)."""
    diagnostic = _DIAGNOSTICS.get(command or "")
    if diagnostic is None:
        return False
    from ocpispec.diagnostics.report import render

    color = sys.stderr.isatty() and "NO_COLOR" not in os.environ
    text = render([diagnostic(stop_name(stop))], {}, color=color).rstrip("\n") + "\n"
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    return True
