"""Diagnostics on stderr, for every command: the renderer with the terminal's colours."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from ocpispec.diagnostics import CompileError, Diagnostic

_ERRORS: list[Diagnostic] = []   # the errors shown so far (`run --summary json` reports one)


def shown_errors() -> tuple[Diagnostic, ...]:
    return tuple(_ERRORS)


def show_spec_diagnostics(diagnostics: Sequence[Diagnostic], spec: Path) -> None:
    """`show_diagnostics` about SPEC, with its source lines when it can be read."""
    from ocpispec.check.compiler import read_source

    try:
        source = read_source(spec)
    except CompileError:
        source = None
    show_diagnostics(diagnostics, source, file=str(spec))


def show_diagnostics(diagnostics: Sequence[Diagnostic], source=None, *,
                     file: str | None = None) -> None:
    """Render diagnostics to stderr, coloured only on a terminal without NO_COLOR;
    `file` names the spec when its source could not be read."""
    if not diagnostics:
        return
    from ocpispec.diagnostics.report import render

    _ERRORS.extend(d for d in diagnostics if d.is_error)

    sources = {source.name: source} if source is not None else {}
    stream = sys.stderr
    color = stream.isatty() and "NO_COLOR" not in os.environ
    text = render(list(diagnostics), sources, color=color,
                  file=source.name if source is not None else file)
    click.echo(text.rstrip("\n"), err=True)
