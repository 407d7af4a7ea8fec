"""A year or month compared with a number (`year(t) = 2025`, `month(t) = 3`,
`extract(year from t) = 2025`): the language has no calendar part as a number; the
help writes the range of times the comparison meant, `t >= 2025-01-01 and t <
2026-01-01`, which checks clean. In a window on a local clock the range's edges are
that zone's midnights, written in UTC (a spec's times are UTC)."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

# `= 2025` after the call; `==` is pandas'
_COMPARED = re.compile(r"\s*==?\s*(?P<number>\d{1,4})\b(?!\s*[-.:])")
# the year a fixed window names, for a month compared alone
_WINDOW_YEAR = re.compile(r"^\s*between\s+(\d{4})-", re.MULTILINE)
# a calendar window on a local clock, as the parser sees it (before the check knows it)
_WINDOW_ZONE = re.compile(r'^\s*(?:previous|month to date)\b[^\n]*?\bin\s+"([^"]+)"',
                          re.MULTILINE)


def window_zone(text: str) -> str | None:
    """The zone of a calendar window written in `text` (the parser's view)."""
    found = _WINDOW_ZONE.search(text)
    return found.group(1) if found else None


def compared_period(text: str, end: int, unit: str) -> tuple[int, int] | None:
    """The number a year or month cut ending at `end` is compared with, and where the
    comparison ends; None when it is not compared with a plausible number."""
    found = _COMPARED.match(text, end)
    if found is None:
        return None
    number = int(found.group("number"))
    plausible = 1900 <= number <= 2200 if unit == "year" else 1 <= number <= 12
    return (number, found.end()) if plausible else None


def period_range(field: str, unit: str, number: int, text: str, zone: str | None) -> str | None:
    """`field >= START and field < END` for the year, or the month of the window's year;
    None for a month without a fixed window naming its year."""
    if unit == "year":
        start, end = datetime(number, 1, 1), datetime(number + 1, 1, 1)
    else:
        named = _WINDOW_YEAR.search(text)
        if named is None:
            return None
        year = int(named.group(1))
        start = datetime(year, number, 1)
        end = datetime(year + number // 12, number % 12 + 1, 1)
    return f"{field} >= {_edge(start, zone)} and {field} < {_edge(end, zone)}"


def _edge(midnight: datetime, zone: str | None) -> str:
    if zone is None:
        return midnight.date().isoformat()
    try:
        local = midnight.replace(tzinfo=ZoneInfo(zone))
    except (KeyError, ValueError):
        return midnight.date().isoformat()
    return local.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
