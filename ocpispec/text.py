"""Small helpers for the words every view prints."""

from __future__ import annotations


def count(number: int, noun: str, plural: str | None = None, *, grouped: bool = False) -> str:
    """`1 warning`, `2 warnings`, `3 fields withheld`; `grouped` prints `12,500`."""
    amount = f"{number:,}" if grouped else str(number)
    return f"{amount} {noun if number == 1 else plural or noun + 's'}"


def duration(seconds: float) -> str:
    """`45 seconds`, `10 minutes`, `3 hours`, `2 days`: rounded to the largest unit of
    which it holds at least two."""
    seconds = round(abs(seconds))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= 2 * size:
            return count(round(seconds / size), unit)
    return count(seconds, "second")
