"""The time functions of a spec: `truncate`, `minutes`, `hours`, `weekday`,
`hour_of_day`, their forms in a time zone (`truncate(t, month, "Europe/Amsterdam")`),
and comparisons of timestamps in any OCPI form. Null gives null; a value that is no
timestamp is a `TransformError`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from ocpispec import calendar_windows
from ocpispec.execute.errors import TransformError
from ocpispec.timestamps import (
    TimestampError,
    format_timestamp,
    read_timestamp,
    slicer,
    truncate_moment,
)

_fromisoformat = datetime.fromisoformat
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

Unary = Callable[[Any], Any]


def _moment(value: Any):
    try:
        return read_timestamp(value)
    except TimestampError as exc:
        raise TransformError(str(exc)) from None


def truncator(unit: str) -> Unary:
    truncate_moment(read_timestamp("2000-01-01T00:00:00Z"), unit)  # validates the unit

    def truncate(value: Any) -> str | None:
        if value is None:
            return None
        return format_timestamp(truncate_moment(_moment(value), unit))

    return slicer(unit, truncate)


def _elapsed(start: Any, end: Any, seconds_per_unit: int) -> float | None:
    if start is None or end is None:
        return None
    try:  # both in the common `...Z` form: aware UTC straight from fromisoformat
        if start[-1] == "Z" and end[-1] == "Z":
            return _in_units(_fromisoformat(end) - _fromisoformat(start), seconds_per_unit)
    except (TypeError, ValueError, IndexError, KeyError):
        pass
    return _in_units(_moment(end) - _moment(start), seconds_per_unit)


# decimals of a duration, fine enough that a ratio over it (`kwh / hours(a, b)`) is exact
# to the 6 decimals an aggregate releases: at 4 an hour was up to 0.18 s off, a 10-second
# charge's power 1% off, and a grid operator's weekly 95th percentile of power 0.003%
_DECIMALS = {60: 8, 3600: 10}
# per unit, 10**D and the scaled part of each remainder of seconds, r * 10**D / unit to
# the nearest whole number (never a tie: 10**D / unit is a whole number over 3 or 9):
# whole seconds are whole * 10**D + part, an integer below 2**53 and so an exact double,
# divided once by 10**D (also exact), the correctly rounded `round(s / unit, D)`
_TABLES: dict[int, tuple[float, list[float]]] = {}  # built on first use (0.4 ms for hours)


def _table(unit: int) -> tuple[float, list[float]]:
    scale, twice = 10 ** _DECIMALS[unit], 2 * unit
    step = 2 * scale
    built = _TABLES[unit] = (float(scale), [float((unit + step * r) // twice)
                                            for r in range(unit)])
    return built


def _in_units(delta: timedelta, unit: int) -> float:
    """`round(seconds / unit, D)` (D of `_DECIMALS`), without `round`'s decimal
    conversion for whole seconds (`_TABLES`)."""
    if not delta.microseconds:
        seconds = delta.days * 86400 + delta.seconds
        if -100_000_000 < seconds < 100_000_000:
            whole = seconds // unit
            try:
                scale, parts = _TABLES[unit]
            except KeyError:
                scale, parts = _table(unit)
            return (whole * scale + parts[seconds - whole * unit]) / scale
    return round(delta.total_seconds() / unit, _DECIMALS[unit])


def minutes(start: Any, end: Any) -> float | None:
    try:  # the common case, inlined: both `...Z`, aware UTC straight from fromisoformat
        if start[-1] == "Z" and end[-1] == "Z":
            return _in_units(_fromisoformat(end) - _fromisoformat(start), 60)
    except (TypeError, ValueError, IndexError, KeyError):
        pass
    return _elapsed(start, end, 60)


def hours(start: Any, end: Any) -> float | None:
    return _elapsed(start, end, 3600)


def weekday(value: Any) -> str | None:
    return None if value is None else _WEEKDAYS[_moment(value).weekday()]


def hour_of_day(value: Any) -> int | None:
    return None if value is None else _moment(value).hour


def _zone(name: Any):
    """The zone called `name` (None for UTC); the checker refused unknown names."""
    try:
        return calendar_windows.zone_of(str(name))
    except LookupError:
        raise TransformError(f"`{name}` is not a time zone") from None


def local_truncator(unit: str, zone_name: str) -> Unary:
    """`truncate` at the zone's local boundaries: the start of the local unit, labelled
    with its offset (`2026-03-01T00:00:00+01:00`), as `spread` labels local slots; in
    UTC the plain `truncate`."""
    zone = _zone(zone_name)
    if zone is None:
        return truncator(unit)
    truncate_moment(read_timestamp("2000-01-01T00:00:00Z"), unit)  # validates the unit

    def truncate(value: Any) -> str | None:
        if value is None:
            return None
        return truncate_moment(_moment(value).astimezone(zone), unit).isoformat()

    return truncate


def local_weekday(zone_name: str) -> Unary:
    zone = _zone(zone_name)
    if zone is None:
        return weekday
    return lambda value: None if value is None else \
        _WEEKDAYS[_moment(value).astimezone(zone).weekday()]


def local_hour_of_day(zone_name: str) -> Unary:
    zone = _zone(zone_name)
    if zone is None:
        return hour_of_day
    return lambda value: None if value is None else _moment(value).astimezone(zone).hour


_ORDER = {"=": "__eq__", "!=": "__ne__", "<": "__lt__", "<=": "__le__", ">": "__gt__",
          ">=": "__ge__"}


def time_compare(left: Any, op: str, right: Any) -> bool | None:
    """Compare two timestamps in any OCPI form; null when either is missing."""
    if left is None or right is None:
        return None
    return getattr(_moment(left), _ORDER[op])(_moment(right))
