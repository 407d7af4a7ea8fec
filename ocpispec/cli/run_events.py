"""What a run tells on stderr as it goes: progress bars and dataset lines on a
terminal, the client's warnings alone when stderr is piped."""

from __future__ import annotations

import contextlib
import sys

import click

from ocpispec.cli.run_args import RunArgs


class Events:
    """Client warnings go to stderr (they never contain tokens or values)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet

    def page(self, module: str, objects: int, total: int | None) -> None:
        pass

    def warn(self, message: str) -> None:
        if not self.quiet:
            click.echo(f"warning: {message}", err=True)


def run_events(stack: contextlib.ExitStack, args: RunArgs):
    """Bars and dataset lines on a terminal; warnings alone when stderr is piped. Under
    --follow a warning an earlier run showed is not shown again."""
    if args.quiet or not sys.stderr.isatty():
        events = Events(args.quiet)
    else:
        from ocpispec.cli.run_progress import RunProgress

        events = stack.enter_context(RunProgress())
    return events if args.shown_warnings is None else Once(events, args.shown_warnings)


class Once:
    """Events whose warnings are shown once across the runs of --follow."""

    def __init__(self, events, shown: set) -> None:
        self.events, self._shown = events, shown

    def __getattr__(self, name: str):
        return getattr(self.events, name)

    def warn(self, message: str) -> None:
        if message not in self._shown:
            self._shown.add(message)
            self.events.warn(message)
