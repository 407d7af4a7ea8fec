"""Source text and spans: the coordinates every diagnostic points at."""

from __future__ import annotations

import os
from dataclasses import field

from ocpispec.frozen import frozen


@frozen
class Span:
    """A half-open range of character offsets into one source text."""

    start: int
    end: int

    def to(self, other: Span) -> Span:
        """The smallest span covering both."""
        return Span(min(self.start, other.start), max(self.end, other.end))


@frozen
class SourceFile:
    """A spec text together with the name it is reported under."""

    name: str
    text: str
    _line_starts: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        starts = [0]
        starts.extend(i + 1 for i, ch in enumerate(self.text) if ch == "\n")
        object.__setattr__(self, "_line_starts", tuple(starts))

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> SourceFile:
        # utf-8-sig: editors on Windows save a byte-order mark that is not part of the text
        with open(path, encoding="utf-8-sig") as file:
            return cls(os.fspath(path), file.read())

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        line = _bisect_right(self._line_starts, offset) - 1
        return line + 1, offset - self._line_starts[line] + 1

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its newline (a CRLF one's `\r` too: a spec
        saved on Windows would show it as a replacement character after every line)."""
        start = self._line_starts[line - 1]
        end = self.text.find("\n", start)
        text = self.text[start:] if end == -1 else self.text[start:end]
        return text[:-1] if text.endswith("\r") else text

    @property
    def line_count(self) -> int:
        return len(self._line_starts)

    def snippet(self, span: Span) -> str:
        return self.text[span.start : span.end]


def _bisect_right(values: tuple[int, ...], x: int) -> int:
    lo, hi = 0, len(values)
    while lo < hi:
        mid = (lo + hi) // 2
        if x < values[mid]:
            hi = mid
        else:
            lo = mid + 1
    return lo
