"""How the values of a released column order where their text does not.

Rows are ordered (the aggregator's groups, `order by`) by value; a text orders by code
point, which is wrong for three kinds of generalised text:

- timestamps: a slot in the location's time zone carries its offset, and on the night
  the clocks go back `02:00:00+01:00` comes an hour after `02:00:00+02:00`;
- `bucket(...)` labels: `<5`, `5-10`, `10-20`, `50+` by their lower bound, not
  `10-20`, `5-10`, `50+`, `<5`;
- `weekday(...)`: Monday to Sunday, not `friday` to `wednesday`.

A rank is fixed-width bytes that order as the values do (None for a text that is not
of the column's kind, which orders after every ranked one); ties keep text order, so
two labels of one instant stay apart.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable, Iterable

from ocpispec.plan import ir
from ocpispec.timestamps import chronological

Rank = Callable[[str], bytes | None]

_WEEKDAYS = {day: bytes([index]) for index, day in enumerate(
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))}
_NUMBER = r"-?\d+(?:\.\d+)?(?:e[+-]?\d+)?"
_BUCKET = re.compile(rf"<({_NUMBER})|({_NUMBER})-{_NUMBER}|({_NUMBER})\+")


def ranks(columns: Iterable[ir.Column]) -> dict[str, Rank]:
    """The rank of each column whose values do not order as their text."""
    found = {column.name: rank for column in columns
             if (rank := _rank_of(column)) is not None}
    return found


def _rank_of(column: ir.Column) -> Rank | None:
    if column.type == "datetime":
        return _instant
    if column.expression.startswith("bucket("):
        return _lower_bound
    if column.expression.startswith(("weekday(", "weekday_in(")):
        return _WEEKDAYS.get
    return None


def _instant(text: str) -> bytes | None:
    instant = chronological(text)
    return None if instant is None else instant.encode("ascii")


def _lower_bound(text: str) -> bytes | None:
    """`<5` first, then each range by its lower edge, `50+` last (it starts at the top
    edge, which is the upper edge of the range before it)."""
    found = _BUCKET.fullmatch(text)
    if found is None:
        return None
    below, low, above = found.groups()
    if below is not None:
        return b"\x00" + sortable(float(below))
    return b"\x01" + sortable(float(low if low is not None else above)) + \
        (b"\x00" if low is not None else b"\x01")


def sortable(number: float) -> bytes:
    """8 bytes that order as the doubles do (sign bit flipped, negatives inverted)."""
    bits = struct.unpack(">Q", struct.pack(">d", number))[0]
    bits = bits ^ 0xFFFF_FFFF_FFFF_FFFF if bits >> 63 else bits | (1 << 63)
    return struct.pack(">Q", bits)
