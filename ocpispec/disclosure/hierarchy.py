"""Generalisation hierarchies for local recoding, derived from a column's generaliser.

A k-anonymity rule that finds a class of fewer than k drivers first moves that class's
rows one level up the hierarchy of every quasi-identifier it names, and suppresses only
what is still too small at the top. The levels follow the generaliser the spec already
uses, so a recoded value has the same form as the released ones, only coarser:

| generaliser | levels above it |
|---|---|
| `truncate(t, hour)` | 4 hours, day, week |
| `truncate(t, day)` | week, month, year |
| `truncate(t, month)` | quarter, year |
| `prefix(x, 4)` | 3, 2 characters |
| `grid(c, 0.01)` | 0.05°, 0.1°, 0.5° |
| `round(x, 1)` | steps of 1, 10 (and so on, two levels) |

Recoding works on the released value, never on the raw one: a value a level up is
exactly what the coarser generaliser would have released.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from ocpispec.timestamps import format_timestamp, read_timestamp, truncate_moment

TIME_LEVELS = ("minute", "quarter_hour", "hour", "4 hours", "day", "week", "month", "quarter",
               "year")
GRID_LEVELS = ("0.01", "0.05", "0.1", "0.5", "1")
MIN_PREFIX = 2
MAX_LEVELS = 3


def levels_for(function: str, argument: Any) -> tuple[str, ...]:
    """The levels above a generaliser (`truncate`, `prefix`, `grid`, `round_coords`,
    `round`) with its literal argument; () when there is no hierarchy."""
    match function:
        case "truncate" if str(argument) in TIME_LEVELS:
            above = TIME_LEVELS[TIME_LEVELS.index(str(argument)) + 1:]
            # a quarter is a step only from a month: a day's or a week's levels stay
            # week, month, year (three levels; a quarter would take the year's place)
            skipped = ("quarter_hour",) if argument == "month" else ("quarter_hour", "quarter")
            return tuple(level for level in above if level not in skipped)[:MAX_LEVELS]
        case "prefix":
            length = int(argument)
            return tuple(str(n) for n in range(length - 1, MIN_PREFIX - 1, -1))[:MAX_LEVELS]
        case "grid":
            cell = Decimal(str(argument))
            return tuple(level for level in GRID_LEVELS if Decimal(level) > cell)[:MAX_LEVELS]
        case "round_coords":
            digits = int(argument)
            return tuple(level for level in GRID_LEVELS
                         if Decimal(level) > Decimal(1).scaleb(-digits))[:MAX_LEVELS]
        case "round":
            digits = int(argument) if argument is not None else 0
            step = Decimal(1).scaleb(-digits)
            return (_decimal_text(step * 10), _decimal_text(step * 100))
    return ()


def describe(kind: str, levels: tuple[str, ...]) -> str:
    """`4 hours → day → week` for a plan or a review."""
    unit = {"prefix": " characters", "grid": "°", "round": ""}.get(kind, "")
    shown = [f"{level}{unit}" if kind != "round" else f"steps of {level}" for level in levels]
    return " → ".join(shown)


def kind_of(function: str) -> str:
    return {"truncate": "time", "prefix": "prefix", "grid": "grid",
            "round_coords": "grid", "round": "round"}.get(function, function)


def recoder(kind: str, level: str) -> Callable[[Any], Any]:
    """The function that moves a released value to `level` (None stays None)."""
    match kind:
        case "time":
            return _none_safe(lambda value: _coarser_time(value, level))
        case "prefix":
            length = int(level)
            return _none_safe(lambda value: str(value)[:length])
        case "grid":
            return _none_safe(_gridder(Decimal(level)))
        case "round":
            step = Decimal(level)
            return _none_safe(lambda value: _tidy(round(float(value) / float(step)) * step))
    raise ValueError(f"unknown hierarchy `{kind}`")


def _none_safe(function: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else function(value)


def _coarser_time(value: Any, level: str) -> str:
    moment = read_timestamp(value)
    if level == "4 hours":
        start = truncate_moment(moment, "hour")
        return format_timestamp(start - timedelta(hours=start.hour % 4))
    return format_timestamp(truncate_moment(moment, level))


def _gridder(cell: Decimal) -> Callable[[Any], Any]:
    decimals = max(0, -int(cell.as_tuple().exponent)) + 1

    def snap(coordinate: float) -> float:
        index = Decimal(repr(float(coordinate))) / cell
        centre = (Decimal(int(index.to_integral_value(rounding="ROUND_FLOOR"))) +
                  Decimal("0.5")) * cell
        return float(round(centre, decimals))

    def grid(value: Any) -> Any:
        if isinstance(value, dict):
            return {"latitude": snap(value["latitude"]), "longitude": snap(value["longitude"])}
        return value

    return grid


def _tidy(number: Decimal) -> int | float:
    return int(number) if number == number.to_integral_value() else float(number)


def _decimal_text(number: Decimal) -> str:
    return format(number.normalize(), "f")
