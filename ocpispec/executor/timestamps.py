"""OCPI timestamps: parse every form servers send, format the one form we emit.

OCPI says `YYYY-MM-DDTHH:MM:SS(.fff)Z`, but servers also send no zone (meaning UTC),
up to nine fraction digits and offsets such as `+02:00`. Everything is converted to
UTC; output is always `YYYY-MM-DDTHH:MM:SSZ`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta


class TimestampError(ValueError):
    """A value that is not a timestamp; the message never contains the value."""


def parse_timestamp(value: object) -> datetime:
    """An aware UTC datetime for an OCPI timestamp string."""
    if not isinstance(value, str):
        raise TimestampError(f"expected a timestamp, got {_kind(value)}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise TimestampError("not an ISO 8601 timestamp") from None
    zone = parsed.tzinfo
    if zone is UTC:
        return parsed
    if zone is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


# `2026-01-05T10:23:45Z` and `...45.123Z`: the common form, truncated by slicing
_CANONICAL = re.compile(r"\d{4}-\d\d-\d\dT([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?Z\Z")
_SLICE_UNITS = {"minute": (16, ":00Z"), "hour": (13, ":00:00Z"), "day": (10, "T00:00:00Z"),
                "month": (7, "-01T00:00:00Z"), "year": (4, "-01-01T00:00:00Z")}
_valid_dates: set[str] = set()
# every valid `:MM:SS` (hour) and `:SS` (minute) tail of a canonical timestamp
_TAILS = {"hour": frozenset(f":{m:02d}:{s:02d}" for m in range(60) for s in range(60)),
          "minute": frozenset(f":{s:02d}" for s in range(60))}


def slicer(unit: str) -> Callable[[str], str | None]:
    """A function truncating canonical UTC timestamps (`...Z`) to `unit` by slicing, or
    returning None for any other form (the caller then parses it)."""
    if unit not in _SLICE_UNITS:
        return lambda value: None
    cut, suffix = _SLICE_UNITS[unit]
    match = _CANONICAL.match
    done: dict[str, str] = {}
    tails = _TAILS.get(unit, frozenset())

    def sliced(value: str) -> str | None:
        # fast path: `...THH:MM:SSZ` whose valid tail and seen prefix need no regex
        if len(value) == 20 and value[cut:19] in tails:
            found = done.get(value[:cut])
            if found is not None and value[19] == "Z":
                return found
        if match(value) is None:
            return None
        prefix = value[:cut]
        found = done.get(prefix)
        if found is None:
            if not _valid_date(value[:10]):
                return None
            if len(done) > 20_000:
                done.clear()
            found = done[prefix] = prefix + suffix
        return found

    return sliced


def _valid_date(text: str) -> bool:
    if text in _valid_dates:
        return True
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    if len(_valid_dates) > 100_000:
        _valid_dates.clear()
    _valid_dates.add(text)
    return True


def format_timestamp(moment: datetime) -> str:
    moment = moment.astimezone(UTC) if moment.tzinfo else moment
    return (f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T"
            f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}Z")


def canonical_timestamp(text: str) -> str:
    """`2026-01-01` -> `2026-01-01T00:00:00Z`: the form sent as `date_from`/`date_to`."""
    return format_timestamp(parse_timestamp(text))


def truncate_moment(moment: datetime, unit: str) -> datetime:
    """The start of the `unit` that contains `moment` (weeks start on Monday)."""
    match unit:
        case "minute":
            return moment.replace(second=0, microsecond=0)
        case "quarter_hour":
            return moment.replace(minute=moment.minute - moment.minute % 15, second=0,
                                  microsecond=0)
        case "hour":
            return moment.replace(minute=0, second=0, microsecond=0)
        case "day":
            return moment.replace(hour=0, minute=0, second=0, microsecond=0)
        case "week":
            day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
            return day - timedelta(days=day.weekday())
        case "month":
            return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        case "year":
            return moment.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    raise TimestampError(f"unknown time unit `{unit}`")


UNIT_DELTAS = {
    "minute": timedelta(minutes=1), "minutes": timedelta(minutes=1),
    "hour": timedelta(hours=1), "hours": timedelta(hours=1),
    "day": timedelta(days=1), "days": timedelta(days=1),
    "week": timedelta(weeks=1), "weeks": timedelta(weeks=1),
}


def shift_back(moment: datetime, amount: int, unit: str) -> datetime:
    """`moment` minus `amount` units; months and years are calendar months/years."""
    unit = unit.rstrip("s") if unit not in UNIT_DELTAS else unit
    if unit in ("month", "year"):
        months = amount * (12 if unit == "year" else 1)
        total = moment.year * 12 + moment.month - 1 - months
        year, month = divmod(total, 12)
        day = min(moment.day, _days_in_month(year, month + 1))
        return moment.replace(year=year, month=month + 1, day=day)
    if unit not in UNIT_DELTAS:
        raise TimestampError(f"unknown time unit `{unit}`")
    return moment - UNIT_DELTAS[unit] * amount


def _days_in_month(year: int, month: int) -> int:
    following = datetime(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def _kind(value: object) -> str:
    match value:
        case bool():
            return "a boolean"
        case int() | float():
            return "a number"
        case dict():
            return "an object"
        case list():
            return "a list"
    return "a value of another type"
