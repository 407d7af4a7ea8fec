"""Exact pro-rata apportioning of a value over time slots.

A value is read as an integer number of units of its last decimal digit, at least
0.001 (`12.5` kWh is 12,500 units of 0.001; `0.12345` is 12,345 units of 0.00001).
The units are split over the slots in proportion to the microseconds of each slot the
interval covers, by the largest-remainder method: every slot gets the floor of its
exact share, and the units left over go one each to the slots with the largest
remainders (the earlier slot on a tie). The parts are whole units, so each is an exact
decimal, and they add up to exactly the value: nothing is created or lost by rounding.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from ocpispec import calendar_windows

_MICRO = 1_000_000
_QUARTER = 900 * _MICRO
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CACHE_LIMIT = 100_000


def units_of(value: int | float) -> tuple[int, int]:
    """(units, exponent) with value == units * 10**exponent exactly, exponent <= -3.
    A float counts as the decimal its repr shows (`0.1` is 1/10, not the binary
    fraction nearest it)."""
    if value.__class__ is int:
        return value * 1000, -3
    text = repr(value)
    point = text.find(".")
    if point < 0 or "e" in text:
        exponent = Decimal(text).as_tuple().exponent
        exponent = min(exponent if isinstance(exponent, int) else -3, -3)
        return int(Decimal(text).scaleb(-exponent)), exponent
    decimals = len(text) - point - 1
    digits = int(text[:point] + text[point + 1:])
    if decimals < 3:
        return digits * 10 ** (3 - decimals), -3
    return digits, -decimals


def value_of(units: int, exponent: int) -> float:
    """The float nearest units * 10**exponent (its repr is that decimal)."""
    return units / 10 ** -exponent


def split(units: int, weights: list[int]) -> list[int]:
    """`units` split in proportion to `weights` (positive integers) by largest
    remainder; the result sums to `units` exactly."""
    total = sum(weights)
    sign, amount = (-1, -units) if units < 0 else (1, units)
    shares = [amount * weight // total for weight in weights]
    left = amount - sum(shares)
    if left:
        remainders = [amount * weight % total for weight in weights]
        for index in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:left]:
            shares[index] += 1
    return [sign * share for share in shares] if sign < 0 else shares


def micros(moment: datetime) -> int:
    """Microseconds since the epoch, exactly."""
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * _MICRO + delta.microseconds


def utc_slots(length: int) -> Callable[[int, int], list[tuple[int, int]]]:
    """(slot start, microseconds covered) of each UTC slot of `length` seconds that
    [start, end) covers; `end > start`."""
    step = length * _MICRO

    def slots(start: int, end: int) -> list[tuple[int, int]]:
        first = start - start % step
        found = []
        edge = first
        while edge < end:
            upper = edge + step
            found.append((edge, min(upper, end) - max(edge, start)))
            edge = upper
        return found

    return slots


def utc_label(length: int) -> Callable[[int], str]:
    """The canonical UTC timestamp of a slot start, cached per slot."""
    cache: dict[int, str] = {}

    def label(start: int) -> str:
        text = cache.get(start)
        if text is None:
            if len(cache) >= _CACHE_LIMIT:
                cache.clear()
            moment = _EPOCH + timedelta(microseconds=start)
            text = cache[start] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        return text

    return label


def zone_of(name: object) -> ZoneInfo | None:
    """The IANA time zone called `name`, or None when there is none such: a name of the
    tz database as it spells it, never the machine's own `localtime`."""
    if not isinstance(name, str) or not name or name.startswith(("/", ".")) or ".." in name:
        return None
    if not calendar_windows.is_zone_name(name):
        return None
    try:
        return ZoneInfo(name)
    except (ValueError, OSError, KeyError):
        return None


def local_slots(unit: str) -> Callable[[ZoneInfo, int, int], list[tuple[str, int]]]:
    """(label, microseconds covered) of each local slot that [start, end) covers, in
    order. Every time zone offset in use is a multiple of 15 minutes, so the interval
    is walked by UTC quarter hours and consecutive quarters of one local slot merge.
    A label is the slot's local start with its offset (`2026-03-29T00:00:00+01:00`):
    the two 02:00 hours of a night that turns the clocks back are two slots."""
    cache: dict[tuple[str, int], str] = {}

    def label(zone: ZoneInfo, quarter: int) -> str:
        key = (zone.key, quarter)
        text = cache.get(key)
        if text is None:
            if len(cache) >= _CACHE_LIMIT:
                cache.clear()
            local = (_EPOCH + timedelta(microseconds=quarter)).astimezone(zone)
            text = cache[key] = _floor(local, unit).isoformat()
        return text

    def slots(zone: ZoneInfo, start: int, end: int) -> list[tuple[str, int]]:
        found: list[tuple[str, int]] = []
        edge = start - start % _QUARTER
        while edge < end:
            upper = edge + _QUARTER
            covered = min(upper, end) - max(edge, start)
            name = label(zone, edge)
            if found and found[-1][0] == name:
                found[-1] = (name, found[-1][1] + covered)
            else:
                found.append((name, covered))
            edge = upper
        return found

    return slots


def _floor(local: datetime, unit: str) -> datetime:
    match unit:
        case "quarter_hour":
            return local.replace(minute=local.minute - local.minute % 15, second=0,
                                 microsecond=0)
        case "hour":
            return local.replace(minute=0, second=0, microsecond=0)
    return local.replace(hour=0, minute=0, second=0, microsecond=0, fold=0)
