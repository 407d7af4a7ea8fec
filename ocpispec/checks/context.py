"""What every check pass shares: the source, the catalogue, the pinned OCPI version
and the list the diagnostics are collected in."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ocpispec import syntax
from ocpispec.diagnostics import Diagnostic
from ocpispec.source import SourceFile, Span

if TYPE_CHECKING:
    from ocpispec.schema import Catalogue


@dataclass(slots=True)
class Context:
    source: SourceFile
    catalogue: Catalogue
    version: str | None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def emit(self, diagnostic: Diagnostic) -> None:
        self.diagnostics.append(diagnostic)

    def error_count(self) -> int:
        return sum(1 for d in self.diagnostics if d.is_error)

    def segment_span(self, ref: syntax.FieldRef, index: int) -> Span:
        """The span of one segment of a dotted path (the whole path for synthetic refs)."""
        text = self.source.text
        offset = ref.span.start
        for position, name in enumerate(ref.path):
            found = text.find(name, offset, ref.span.end)
            if found < 0:
                return ref.span
            if position == index:
                return Span(found, found + len(name))
            offset = found + len(name)
        return ref.span


def did_you_mean(word: str, options: Iterable[str]) -> str | None:
    """The closest option, if one is close enough to be a likely typo."""
    options = list(options)
    lowered = {option.lower(): option for option in options}
    if word.lower() in lowered:
        return lowered[word.lower()]
    close = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[close[0]] if close else None


def backticked(names: Iterable[str], limit: int = 12) -> str:
    """`a`, `b`, `c` (and N more)."""
    names = list(names)
    shown = ", ".join(f"`{name}`" for name in names[:limit])
    rest = len(names) - limit
    return f"{shown} and {rest} more" if rest > 0 else shown


def is_meaningful(text: str) -> bool:
    """A written justification a reviewer can act on: at least two words, ten letters."""
    words = text.split()
    return len(words) >= 2 and sum(ch.isalnum() for ch in text) >= 10
