"""Showing client work on stderr: a progress bar on a terminal, warnings, errors.

`ConsoleEvents` is an `EventSink` for `OcpiClient.connect(events=...)`; `get` and
`run` share it. Nothing here writes to stdout, which carries results.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import TextIO

import click

from ocpispec.diagnostics import Diagnostic


def progress_columns() -> tuple:
    """The columns of every bar: what, bar, `done/total` with thousands separators,
    percentage, records per second, time left (`get` and `run` alike)."""
    from rich.progress import BarColumn, ProgressColumn, TaskProgressColumn, TextColumn, TimeRemainingColumn
    from rich.text import Text

    class Count(ProgressColumn):
        def render(self, task) -> Text:
            if task.fields.get("waiting"):
                return Text("")
            done = f"{int(task.completed):,}"
            return Text(f"{done}/{int(task.total):,}" if task.total else f"{done} records")

    class Rate(ProgressColumn):
        def render(self, task) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:,.0f}/s" if speed else "")

    return (TextColumn("{task.description}"), BarColumn(), Count(), TaskProgressColumn(), Rate(),
            TimeRemainingColumn())


_SHOWN_HELD = 1000


class ConsoleEvents:
    """Progress bar (only when `progress`, i.e. stderr is a terminal) and warnings;
    `limit` caps the bar's total (`get --limit`)."""

    def __init__(self, *, progress: bool | None = None, stream: TextIO | None = None,
                 limit: int | None = None) -> None:
        self._stream = stream
        self._want_progress = _is_terminal(stream) if progress is None else progress
        self._progress = None
        self._tasks: dict[str, int] = {}
        self._tally = ModuleTally()
        self._limit = limit
        self._shown: set[str] = set()
        self.warnings_shown = 0

    def __enter__(self) -> ConsoleEvents:
        if self._want_progress:
            from rich.console import Console
            from rich.progress import Progress
            console = Console(file=self._stream or sys.stderr)
            self._progress = Progress(*progress_columns(), console=console, transient=True)
            self._progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def page(self, module: str, objects: int, total: int | None) -> None:
        if self._progress is None:
            return
        objects, total = self._tally.add(module, objects, total)
        if self._limit is not None:
            total = self._limit if total is None else min(total, self._limit)
            objects = min(objects, total)
        if module not in self._tasks:
            self._tasks[module] = self._progress.add_task(f"fetching {module}", total=total)
        self._progress.update(self._tasks[module], completed=objects, total=total)

    def warn(self, message: str) -> None:
        # `get` reads the locations on a connection of its own beside the module's: a
        # platform's habit (no pagination headers, say) is told once, not once a list
        if message in self._shown:
            return
        if len(self._shown) < _SHOWN_HELD:
            self._shown.add(message)
        self.warnings_shown += 1
        text = f"warning: {message}"
        if self._progress is not None:
            self._progress.console.print(text, markup=False, highlight=False)
        else:
            click.echo(text, err=True, file=self._stream)


class ModuleTally:
    """Objects per module over the lists a client reads of it, for progress bars. A run
    reads a module's list and then a short list of the objects updated since its end:
    the count a crawl reports starts again at 0, and the bar goes on from where it was
    rather than falling back to "0 records"."""

    def __init__(self) -> None:
        self._lists: dict[str, tuple[int, int]] = {}  # module -> (earlier lists, this one)

    def add(self, module: str, objects: int, total: int | None) -> tuple[int, int | None]:
        """(objects so far, total so far) after a crawl reported (`objects`, `total`)."""
        earlier, last = self._lists.get(module, (0, 0))
        if objects < last:  # the count started again: a further list of the module
            earlier += last
        self._lists[module] = (earlier, objects)
        return earlier + objects, None if total is None else earlier + total


def show_diagnostic(diagnostic: Diagnostic) -> None:
    """Render a label-less (runtime) diagnostic to stderr."""
    from ocpispec.diagnostics.report import render
    click.echo(render([diagnostic], {}), err=True, nl=False)


def _is_terminal(stream: TextIO | None) -> bool:
    target = stream or sys.stderr
    try:
        return target.isatty()
    except (AttributeError, ValueError):
        return False
