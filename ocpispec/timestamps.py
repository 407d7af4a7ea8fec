"""OCPI timestamps: parse every form servers send, format the one form we emit.

OCPI says `YYYY-MM-DDTHH:MM:SS(.fff)Z`, but servers also send no zone (UTC by the 2.2+
rules), 1-9 fraction digits, a leap second (`23:59:60Z`, read as `23:59:59Z`), a space or a lowercase `t` for `T` and a lowercase `z` (RFC
3339 allows both), offsets such as `+02:00` or `+0200` (not compliant but common), and
white space around the value (a fixed-width formatter).
Everything is converted to UTC; output is always `YYYY-MM-DDTHH:MM:SSZ`, which also sorts correctly as text.

Two readers share one grammar: `parse_timestamp` says whether a wire value is an OCPI
DateTime (None when not), `read_timestamp` reads a value the executor meets, which may
also be a date (`2026-01-01` is midnight UTC), and raises `TimestampError`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from ocpispec.lazy_pattern import lazy

TYPE_CHECKING = False  # typing costs a cold `check` 3 ms; annotations only need it for mypy
if TYPE_CHECKING:
    from typing import Any

# ASCII digits only: `\d` of a str pattern takes any script's (`٢٠٢٦`), which `int` reads,
# while such a stamp compares as text after every ASCII one (the window's canonical test)
_DATETIME = lazy(
    r"^(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d{1,9}))?)?\s*(Z|z|[+-]\d\d(?::?\d\d)?)?$",
    re.ASCII)
# `\Z`, not `$`, which also matches before a final line break: `...Z\n` passed as
# canonical and was never rewritten, so it left with its line break in a column of times
CANONICAL = lazy(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\Z", re.ASCII)
# a DateTime in a JSON body that is not `YYYY-MM-DDTHH:MM:SSZ`: its tail differs (its
# separator too: `2026-03-01 05:00:00Z` sorts as text before `2026-03-01T00:00:00Z`), or
# it is padded in front (a space, no-break space or escaped white space: a right-aligned
# fixed-width formatter), which `parse_timestamp` strips and a column type does not
_TAIL = rb'(?:[t ]\d\d:\d\d|T\d\d:\d\d(?!:\d\dZ"))'
_PAD = rb'(?: |\xc2\xa0|\\[tnrf]|\\u00[aA]0|\\u0020)+'
LOOSE_IN_BODY = lazy(rb'"(?:' + _PAD + rb'\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d|\d{4}-\d\d-\d\d' + _TAIL + rb')')
# its tail, which starts with a literal the regex engine scans for quickly: every match
# of `LOOSE_IN_BODY` holds one or a string padded in front, so a body without either
# (almost every body) is done
_LOOSE_TAIL = lazy(rb'-\d\d' + _TAIL)
EPOCH_FLOOR = datetime(1970, 1, 1, tzinfo=UTC)
# the `date_from` a window from the floor asks for: a second early, as every window's
# (`execute.crawls.OVERLAP`), so that a platform reading `date_from` as exclusive
# (`last_updated > date_from`) still sends the records stamped at the Unix epoch (a lost
# update time, a common null default)
ASKED_FLOOR = EPOCH_FLOOR - timedelta(seconds=1)


class TimestampError(ValueError):
    """A value that is not a timestamp; the message never contains the value."""


def loose_timestamps(content: bytes) -> bool:
    """Whether some DateTime in the JSON body `content` is not `YYYY-MM-DDTHH:MM:SSZ`."""
    if _LOOSE_TAIL.search(content) is None and (b" " not in content or b'" ' not in content) \
            and (b"\\" not in content or b'"\\' not in content) \
            and (b"\xc2" not in content or b'"\xc2\xa0' not in content):
        # neither a loose tail nor a string padded in front: almost every body (memchr
        # finds one byte about 20 times faster than a pair is found: a compact body has
        # no space, a backslash and the no-break space's first byte are rare)
        return False
    return LOOSE_IN_BODY.search(content) is not None


def parse_timestamp(text: object) -> datetime | None:
    """An aware UTC datetime, or None when `text` is not an OCPI DateTime."""
    found = _DATETIME.match(text.strip()) if isinstance(text, str) else None
    if found is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = found.groups()
    leap = second == "60"
    try:
        value = datetime(int(year), int(month), int(day), int(hour), int(minute), 59 if leap else int(second or 0),
                         int((fraction or "0").ljust(6, "0")[:6]), tzinfo=UTC) - _offset(zone)
    except (ValueError, OverflowError):  # no such date or offset, or beyond year 1..9999 in UTC
        return None
    # a leap second is inserted after 23:59:59 UTC (RFC 3339 writes it `23:59:60Z`, or at
    # the local time of that instant); read as the second before, as POSIX time counts it
    return None if leap and (value.hour, value.minute) != (23, 59) else value


def _offset(zone: str | None) -> timedelta:
    """The offset a stamp names; ValueError beyond RFC 3339's (hours 00-23, minutes
    00-59): `+99:99` moved a record four days back, `+01:75` by 2 h 15 min."""
    if not zone or zone in ("Z", "z"):
        return timedelta(0)
    sign = 1 if zone[0] == "+" else -1
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4]) if len(digits) > 2 else 0
    if hours > 23 or minutes > 59:
        raise ValueError("no such offset")
    return timedelta(minutes=sign * (hours * 60 + minutes))


def read_timestamp(value: object) -> datetime:
    """An aware UTC datetime for a timestamp or date string; raises `TimestampError`."""
    if not isinstance(value, str):
        raise TimestampError(f"expected a timestamp, got {_kind(value)}")
    try:  # the C parser first: it takes the common forms and dates, fast
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        parsed = parse_timestamp(value)
        if parsed is None:
            raise TimestampError("not an ISO 8601 timestamp") from None
    zone = parsed.tzinfo
    if zone is UTC:
        return parsed
    if zone is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # `9999-12-31T23:30:00-01:00` is after the year 9999 in UTC
        raise TimestampError("outside the years 1 to 9999 in UTC") from None


def format_timestamp(moment: datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SSZ` in UTC; naive datetimes are taken as UTC."""
    moment = moment.astimezone(UTC) if moment.tzinfo else moment
    return (f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T"
            f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}Z")


def normalise_timestamp(text: str) -> str:
    """The canonical form of a DateTime string; anything else is returned unchanged."""
    if CANONICAL.match(text) and text[17:19] != "60":
        return text
    parsed = parse_timestamp(text)
    return text if parsed is None else format_timestamp(parsed)


def canonical_timestamp(text: str) -> str:
    """`2026-01-01` -> `2026-01-01T00:00:00Z`: the form sent as `date_from`/`date_to`."""
    return format_timestamp(read_timestamp(text))


def chronological(text: str) -> str | None:
    """A fixed-width UTC form of a timestamp that orders as its instant does
    (`YYYY-MM-DDTHH:MM:SS.ffffff`), or None when `text` is not one. Text order is only
    chronological among canonical `...Z` values: a local slot `02:00:00+01:00` is an
    hour after `02:00:00+02:00` and sorts before it as text."""
    if len(text) == 20 and CANONICAL.match(text):
        return text[:19] + ".000000"
    parsed = parse_timestamp(text)
    return None if parsed is None else parsed.strftime("%Y-%m-%dT%H:%M:%S.%f").rjust(26, "0")


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


# `2026-01-05T10:23:45Z` and `...45.123Z`: the common form, truncated by slicing
_SLICEABLE = re.compile(r"\d{4}-\d\d-\d\dT([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?Z\Z")
_SLICE_UNITS = {"minute": (16, ":00Z"), "hour": (13, ":00:00Z"), "day": (10, "T00:00:00Z"),
                "month": (7, "-01T00:00:00Z"), "quarter": (7, "-01T00:00:00Z"),
                "year": (4, "-01-01T00:00:00Z")}
# a quarter's label from its month's (`2025-05` -> `2025-04`), then as a month's
_QUARTER_MONTHS = {f"{m:02d}": f"{m - (m - 1) % 3:02d}" for m in range(1, 13)}
_valid_dates: set[str] = set()
# every valid `:MM:SSZ` (hour) and `:SSZ` (minute) tail of a canonical timestamp
@functools.cache
def _tails(unit: str) -> frozenset[str]:
    if unit == "hour":
        return frozenset(f":{m:02d}:{s:02d}Z" for m in range(60) for s in range(60))
    return frozenset(f":{s:02d}Z" for s in range(60)) if unit == "minute" else frozenset()


def slicer(unit: str, otherwise: Callable[[Any], str | None]) -> Callable[[Any], str | None]:
    """A function truncating canonical UTC timestamps (`...Z`) to `unit` by slicing;
    any other value (another form, null, not text) goes to `otherwise`."""
    if unit not in _SLICE_UNITS:
        return otherwise
    cut, suffix = _SLICE_UNITS[unit]
    match = _SLICEABLE.match
    done: dict[str, str] = {}
    tails = _tails(unit)

    def sliced(value: Any) -> str | None:
        if value.__class__ is not str:
            return otherwise(value)
        # fast path: `...THH:MM:SSZ` whose valid tail and seen prefix need no regex
        if value[cut:] in tails:
            found = done.get(value[:cut])
            if found is not None:
                return found
        if match(value) is None:
            return otherwise(value)
        prefix = value[:cut]
        found = done.get(prefix)
        if found is None:
            if not _valid_date(value[:10]):
                return otherwise(value)
            if len(done) > 20_000:
                done.clear()
            start = prefix if unit != "quarter" else prefix[:5] + _QUARTER_MONTHS[prefix[5:]]
            found = done[prefix] = start + suffix
        return found

    def inline(source: Any, texts: list[str]) -> str | None:
        """The fast path above, written into a generated expression (`jmes_codegen`)."""
        if len(texts) != 1:
            return None
        value, found = source.temp(), source.temp()
        seen, held, call = source.constant(tails), source.constant(done), source.constant(sliced)
        return (f"({found} if ({value} := {texts[0]}).__class__ is str and {value}[{cut}:] in "
                f"{seen} and ({found} := {held}.get({value}[:{cut}])) is not None "
                f"else {call}({value}))")

    sliced.inline = inline  # type: ignore[attr-defined]
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
        case "quarter":  # January, April, July, October
            return moment.replace(month=moment.month - (moment.month - 1) % 3, day=1, hour=0,
                                  minute=0, second=0, microsecond=0)
        case "year":
            return moment.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    raise TimestampError(f"unknown time unit `{unit}`")


# The parts of a timestamp each coarser part is made of whole (a key by the coarser part
# totals keys by these): a week is days, hours...; weeks straddle months and years, so a
# month or a year is never a sum of weeks, nor the hour of the day one of days.
TIME_PARTS_MADE_OF = {
    "quarter_hour": frozenset({"minute"}),
    "hour": frozenset({"minute", "quarter_hour"}),
    "day": frozenset({"minute", "quarter_hour", "hour"}),
    "week": frozenset({"minute", "quarter_hour", "hour", "day"}),
    "month": frozenset({"minute", "quarter_hour", "hour", "day"}),
    "quarter": frozenset({"minute", "quarter_hour", "hour", "day", "month"}),
    "year": frozenset({"minute", "quarter_hour", "hour", "day", "month", "quarter"}),
    "weekday": frozenset({"minute", "quarter_hour", "hour", "day"}),
    "hour_of_day": frozenset({"minute", "quarter_hour", "hour"}),
}


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
