"""Implementations of the .ocx transformations as JMESPath custom functions.

The planner lowers `pseudonymize(cdr_token.uid)` to the JMESPath call
`pseudonymize(cdr_token.uid, 'token')`; this module implements those calls. Every
function maps null to null and never raises for a bad value except `TransformError`,
which the executor turns into an "invalid record" count with the error's reason.
Messages never contain the value itself: it may be personal.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from jmespath import exceptions as jmes_errors
from jmespath.functions import Functions

from ocpispec import calendar_windows
from ocpispec.execute.errors import TransformError
from ocpispec.execute.pseudonyms import PseudonymDomain, periodic_pseudonymizer, pseudonymizer
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


@dataclass(frozen=True, slots=True)
class Custom:
    """One custom function: its arity, a generic implementation, and optionally a
    specialiser that, given the literal values of every argument after the first,
    returns a one-argument function with the work for those literals done up front."""

    name: str
    arity: int
    call: Callable[..., Any]
    specialize: Callable[..., Unary] | None = None


# ---- time ---------------------------------------------------------------------------


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


def _in_units(delta: timedelta, unit: int) -> float:
    """`round(seconds / unit, 4)` without `round`'s decimal conversion for whole
    seconds: k / 10**4, k the nearest integer to seconds * 10**4 / unit, is the same
    correctly rounded float (for 60 and 3600 the quotient is never near a tie; an
    exact tie takes `round`)."""
    if not delta.microseconds:
        seconds = delta.days * 86400 + delta.seconds
        if -1_000_000_000 < seconds < 1_000_000_000:
            twice = seconds * 20_000
            if twice % (2 * unit) != unit:
                return ((twice + unit) // (2 * unit)) / 10_000
    return round(delta.total_seconds() / unit, 4)


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


# ---- time in a time zone: `truncate(t, month, "Europe/Amsterdam")` ----------------------


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


# ---- numbers ------------------------------------------------------------------------


def as_number(value: Any) -> float | int:
    kind = value.__class__
    if kind is float:
        if value - value != 0:  # inf or nan
            raise TransformError("expected a finite number")
        return value
    if kind is int:
        return value
    if isinstance(value, bool):
        raise TransformError("expected a number, got a boolean")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise TransformError("expected a finite number")
        return value
    if isinstance(value, str):  # some servers send numbers as strings
        try:
            return float(value)
        except ValueError:
            raise TransformError("expected a number, got text") from None
    raise TransformError("expected a number, got an object or a list")


def rounder(digits: Any) -> Unary:
    """Round half away from zero on the decimal value as written (2.675 -> 2.68), not
    on its binary approximation; exact ties take the slow decimal path."""
    digits = int(digits)
    quantum = Decimal(1).scaleb(-digits)
    scale = 10.0**digits

    def exact(number: float | int) -> int | float:
        try:
            rounded = Decimal(repr(number)).quantize(quantum, rounding=ROUND_HALF_UP)
        except InvalidOperation:
            raise TransformError("number out of range for rounding") from None
        return int(rounded) if digits <= 0 else float(rounded)

    def round_(value: Any) -> int | float | None:
        if value is None:
            return None
        kind = value.__class__
        number = value if kind is int or (kind is float and value - value == 0) \
            else as_number(value)
        scaled = number * scale
        if not -1e15 < scaled < 1e15 or 0.4999999 < scaled % 1.0 < 0.5000001:
            return exact(number)  # far out, or a tie that binary floats may misplace
        whole = round(scaled)
        if digits > 0:
            return whole / scale
        return whole if digits == 0 else int(round(whole / scale))

    return round_


def _edge_label(edge: float | int) -> str:
    return str(int(edge)) if float(edge).is_integer() else repr(float(edge))


def bucketer(edges: Any) -> Unary:
    if not isinstance(edges, list) or not edges:
        raise TransformError("bucket edges must be a non-empty list of numbers")
    bounds = sorted(as_number(edge) for edge in edges)
    labels = [f"{_edge_label(low)}-{_edge_label(high)}" for low, high in zip(bounds, bounds[1:])]
    below, above = f"<{_edge_label(bounds[0])}", f"{_edge_label(bounds[-1])}+"

    def bucket(value: Any) -> str | None:
        if value is None:
            return None
        number = as_number(value)
        if number < bounds[0]:
            return below
        for index, high in enumerate(bounds[1:]):
            if number < high:
                return labels[index]
        return above

    return bucket


def _arithmetic(operation: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """`+ - * /` on the numbers as written, in decimal, then the nearest double: the
    platform's 11.19 and 10.74 are decimals, and their difference is 0.45, where binary
    floats give 0.4499999999999993, which the consumer's file showed and `round(..., 1)`
    took down to 0.4 instead of up to 0.5; `round(kwh, 1) * 3` of 4.8 is 14.4, not
    14.399999999999999. Whole numbers stay whole (but for `/`); a result beyond the
    largest double is an infinity, which the writers stop at (OCX568)."""
    whole = operation is not _divide

    def apply(left: Any, right: Any) -> Any:
        if left is None or right is None:
            return None
        a, b = as_number(left), as_number(right)
        if whole and a.__class__ is int and b.__class__ is int:
            return operation(a, b)
        try:
            return float(operation(Decimal(repr(a)), Decimal(repr(b))))
        except (ZeroDivisionError, InvalidOperation):  # x / 0, and 0 / 0
            return None

    return apply


def _add(a: Any, b: Any) -> Any:
    return a + b


def _subtract(a: Any, b: Any) -> Any:
    return a - b


def _multiply(a: Any, b: Any) -> Any:
    return a * b


def _divide(a: Any, b: Any) -> Any:
    return a / b


# ---- text and places ----------------------------------------------------------------


def prefixer(length: Any) -> Unary:
    length = int(length)

    def prefix(value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, (dict, list, bool)):
            raise TransformError("expected text")
        return "".join(str(value).split())[:length]

    return prefix


def matcher(pattern: Any) -> Unary:
    """`*` any run of characters, `?` one; every other character matches itself (the
    checker refuses `[` and `]`, and no character class is ever built here)."""
    wildcards = {"*": ".*", "?": "."}
    regex = re.compile("".join(wildcards.get(ch) or re.escape(ch) for ch in str(pattern))
                       + r"\Z", re.DOTALL)

    def matches(value: Any) -> bool:
        return isinstance(value, str) and regex.match(value) is not None

    return matches


def _coordinates(value: Any) -> tuple[float, float]:
    if not isinstance(value, Mapping):
        raise TransformError("expected coordinates")
    try:
        latitude, longitude = float(value["latitude"]), float(value["longitude"])
    except (KeyError, TypeError, ValueError):
        raise TransformError("coordinates without a numeric latitude and longitude") from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise TransformError("coordinates out of range")
    return latitude, longitude


def _no_point(value: Any) -> bool:
    """Null, or half a point: a part the platform left out or sent as no number (read
    as null) is no point, for `round_coords` and `grid` as for coordinates kept as is
    (`writers.numeric_points`), not an invalid record that fails the run."""
    return value is None or (isinstance(value, Mapping) and (
        value.get("latitude") is None or value.get("longitude") is None))


def coordinate_rounder(digits: Any) -> Unary:
    round_ = rounder(digits)

    def round_coords(value: Any) -> dict[str, float] | None:
        if _no_point(value):
            return None
        latitude, longitude = _coordinates(value)
        return {"latitude": round_(latitude), "longitude": round_(longitude)}

    return round_coords


def gridder(size: Any) -> Unary:
    cell = Decimal(str(size))
    if cell <= 0:
        raise TransformError("grid size must be positive")
    decimals = max(0, -cell.as_tuple().exponent) + 1

    def snap(coordinate: float) -> float:
        centre = (Decimal(math.floor(Decimal(repr(coordinate)) / cell)) + Decimal("0.5")) * cell
        return float(round(centre, decimals))

    def grid(value: Any) -> dict[str, float] | None:
        if _no_point(value):
            return None
        latitude, longitude = _coordinates(value)
        return {"latitude": snap(latitude), "longitude": snap(longitude)}

    return grid


# ---- the table ----------------------------------------------------------------------


def _generic(factory: Callable[..., Unary]) -> Callable[..., Any]:
    def call(value: Any, *literals: Any) -> Any:
        return factory(*literals)(value)

    return call


def money_sum(amounts: Any) -> float | None:
    """The exact decimal sum of money amounts (one level of lists flattened, nulls
    skipped) as the float nearest to it: 10.0 + 1.23 is 11.23, as a platform that
    sends the total would say, not 11.229999999999999."""
    if not isinstance(amounts, list):
        raise TransformError("a money amount is not a number")
    total = Decimal(0)
    for item in amounts:
        for amount in item if isinstance(item, list) else (item,):
            if amount is None:
                continue
            if amount.__class__ is bool or not isinstance(amount, (int, float)):
                raise TransformError("a money amount is not a number")
            total += Decimal(repr(amount))
    return float(total)


def custom_functions(master: bytes, domain: PseudonymDomain | str) -> dict[str, Custom]:
    """The custom function table for one delivery: pseudonyms are keyed by `master`
    within `domain` (an export name alone: export scope, no consumer)."""
    pseudonym = lambda family: pseudonymizer(master, domain, family)  # noqa: E731
    if isinstance(domain, str):
        domain = PseudonymDomain(domain)
    table = [
        Custom("pseudonymize", 2, _generic(pseudonym), pseudonym),
        Custom("pseudonymize_in", 4, periodic_pseudonymizer(master, domain)),
        Custom("truncate", 2, _generic(truncator), truncator),
        Custom("round", 2, _generic(rounder), rounder),
        Custom("bucket", 2, _generic(bucketer), bucketer),
        Custom("prefix", 2, _generic(prefixer), prefixer),
        Custom("round_coords", 2, _generic(coordinate_rounder), coordinate_rounder),
        Custom("grid", 2, _generic(gridder), gridder),
        Custom("matches", 2, _generic(matcher), matcher),
        Custom("minutes", 2, minutes),
        Custom("hours", 2, hours),
        Custom("weekday", 1, weekday),
        Custom("hour_of_day", 1, hour_of_day),
        Custom("truncate_in", 3, _generic(local_truncator), local_truncator),
        Custom("weekday_in", 2, _generic(local_weekday), local_weekday),
        Custom("hour_of_day_in", 2, _generic(local_hour_of_day), local_hour_of_day),
        Custom("time_compare", 3, time_compare),
        Custom("add", 2, _arithmetic(_add)),
        Custom("subtract", 2, _arithmetic(_subtract)),
        Custom("multiply", 2, _arithmetic(_multiply)),
        Custom("divide", 2, _arithmetic(_divide)),
        Custom("money_sum", 1, money_sum),
    ]
    return {custom.name: custom for custom in table}


class OcxFunctions(Functions):
    """JMESPath's built-ins plus the custom table, for `jmespath.search` and for the
    compiler's fallback to the tree interpreter."""

    def __init__(self, custom: Mapping[str, Custom]) -> None:
        self.custom = dict(custom)

    def call_function(self, function_name: str, resolved_args: list[Any]) -> Any:
        custom = self.custom.get(function_name)
        if custom is None:
            return super().call_function(function_name, resolved_args)
        if len(resolved_args) != custom.arity:
            raise jmes_errors.ArityError(custom.arity, len(resolved_args), function_name)
        return custom.call(*resolved_args)


PLAN_TIME_KEY = b"\x00" * 32  # only for compiling at plan time; never used on data
