"""What the executor needs from an OCPI client, and the executor's own error."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Protocol

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import Span


class Client(Protocol):
    """A connected OCPI client (`ocpispec.ocpi.OcpiClient` satisfies it)."""

    @property
    def version(self) -> str: ...

    def fetch(self, module: str, *, date_from: datetime | None = None,
              date_to: datetime | None = None, limit: int | None = None) -> Iterator[dict]: ...

    def count(self, module: str, *, date_from: datetime | None = None,
              date_to: datetime | None = None) -> int | None: ...

    def get_object(self, module: str, object_id: str) -> dict | None: ...


class RunError(Exception):
    """A run failed before or while writing; carries one OCX55x/OCX9xx diagnostic."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic
        super().__init__(diagnostic.message)

    @classmethod
    def of(cls, code: str, message: str, span: Span | None = None, label: str = "", *,
           notes: tuple[str, ...] = (), help: str | None = None) -> RunError:
        return cls(error(code, message, span, label, notes=notes, help=help))
