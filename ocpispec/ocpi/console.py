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


class ConsoleEvents:
    """Progress bar (only when `progress`, i.e. stderr is a terminal) and warnings."""

    def __init__(self, *, progress: bool | None = None, stream: TextIO | None = None) -> None:
        self._stream = stream
        self._want_progress = _is_terminal(stream) if progress is None else progress
        self._progress = None
        self._tasks: dict[str, int] = {}

    def __enter__(self) -> ConsoleEvents:
        if self._want_progress:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
            console = Console(file=self._stream or sys.stderr)
            self._progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                      TimeElapsedColumn(), console=console, transient=True)
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
        if module not in self._tasks:
            self._tasks[module] = self._progress.add_task(f"fetching {module}", total=total)
        self._progress.update(self._tasks[module], completed=objects, total=total)

    def warn(self, message: str) -> None:
        text = f"warning: {message}"
        if self._progress is not None:
            self._progress.console.print(text, markup=False, highlight=False)
        else:
            click.echo(text, err=True, file=self._stream)


def show_diagnostic(diagnostic: Diagnostic) -> None:
    """Render a label-less (runtime) diagnostic to stderr."""
    from ocpispec.report import render
    click.echo(render([diagnostic], {}), err=True, nl=False)


def _is_terminal(stream: TextIO | None) -> bool:
    target = stream or sys.stderr
    try:
        return target.isatty()
    except (AttributeError, ValueError):
        return False
