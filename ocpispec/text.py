"""Small helpers for the words every view prints."""

from __future__ import annotations


def count(number: int, noun: str, plural: str | None = None, *, grouped: bool = False) -> str:
    """`1 warning`, `2 warnings`, `3 fields withheld`; `grouped` prints `12,500`."""
    amount = f"{number:,}" if grouped else str(number)
    return f"{amount} {noun if number == 1 else plural or noun + 's'}"
