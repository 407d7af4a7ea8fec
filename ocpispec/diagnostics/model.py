"""Diagnostics as values: every stage reports problems with these, never with strings.

Rendering (full, concise, JSON) lives in `ocpispec.diagnostics.report`; explanations of each code in
`ocpispec.diagnostics.codes`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from ocpispec.diagnostics.source import Span
from ocpispec.frozen import frozen


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@frozen
class Label:
    span: Span
    message: str = ""
    primary: bool = True


@frozen
class Diagnostic:
    """One problem: a stable code, what is wrong, where, and how to fix it.

    Messages are lowercase without a final period, with identifiers in backticks.
    `help` states the fix; `notes` state the circumstances.
    """

    code: str
    severity: Severity
    message: str
    labels: tuple[Label, ...] = ()
    notes: tuple[str, ...] = ()
    help: str | None = None
    # source ranges holding a secret (a token, a password): every rendering of the
    # source shows them as `*`, in this diagnostic's snippet and in any other
    secrets: tuple[Span, ...] = ()

    @property
    def primary_span(self) -> Span | None:
        for label in self.labels:
            if label.primary:
                return label.span
        return self.labels[0].span if self.labels else None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


def error(code: str, message: str, span: Span | None = None, label: str = "", *,
          notes: Iterable[str] = (), help: str | None = None) -> Diagnostic:
    labels = (Label(span, label),) if span is not None else ()
    return Diagnostic(code, Severity.ERROR, message, labels, tuple(notes), help)


def warning(code: str, message: str, span: Span | None = None, label: str = "", *,
            notes: Iterable[str] = (), help: str | None = None) -> Diagnostic:
    labels = (Label(span, label),) if span is not None else ()
    return Diagnostic(code, Severity.WARNING, message, labels, tuple(notes), help)


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)


class CompileError(Exception):
    """Carries the diagnostics of a failed stage to the edge that renders them."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        first = self.diagnostics[0].message if self.diagnostics else "compile error"
        super().__init__(first)
