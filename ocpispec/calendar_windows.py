"""Calendar windows: `previous month`, `previous 4 complete weeks`, `month to date`,
in UTC or a stated IANA time zone (`in "Europe/Amsterdam"`), resolved from the run's
clock.

A window is whole calendar periods before the period the run falls in: it ends at the
start of the run's current period and starts `amount` periods earlier. Period starts
are local midnights (weeks start on Monday, as ISO 8601 has it; quarters in January,
April, July and October), turned into UTC instants with the zone's rules of that date,
so a local day across a DST change lasts 23 or 25 hours and February 29 belongs to its
month. Every boundary is a function of the local date alone, so the window one run ends
with is exactly where the next period's window starts: consecutive periods tile time.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, timedelta
TYPE_CHECKING = False  # typing costs a cold `check` 3 ms; annotations only need it for mypy

if TYPE_CHECKING:  # imported where used: loading zoneinfo reads the interpreter's build settings
    from zoneinfo import ZoneInfo

UNITS = ("day", "week", "month", "quarter", "year")
_MONTHS = {"month": 1, "quarter": 3, "year": 12}


def unit_of(word: str) -> str | None:
    """`month` or `months` -> `month`; None for a word that is not a calendar unit."""
    singular = word.lower().removesuffix("s")
    return singular if singular in UNITS else None


# names the tz database folder holds that are no zone of their own: `localtime` is the
# machine's zone, so a spec naming it would mean another time on every machine
_NOT_ZONES = frozenset({"localtime", "posixrules", "posix/localtime", "right/localtime"})


def zone_of(name: str | None) -> ZoneInfo | None:
    """The IANA zone (None for UTC); raises LookupError for an unknown name. Only names
    of the tz database count, spelt as it spells them: on a case-insensitive file system
    `europe/amsterdam` would load as well, and on another machine not."""
    if name is None or name == "UTC":
        return None
    if not is_zone_name(name):
        raise LookupError(name)
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise LookupError(name) from None


def zone_or_none(name: str | None) -> ZoneInfo | None:
    """The IANA zone called `name` when it is one other than UTC; None for UTC, for no
    name and for a name the tz database does not know (the checker reports those,
    OCX231)."""
    try:
        return zone_of(name)
    except LookupError:
        return None


@functools.cache
def zone_names() -> frozenset[str]:
    from zoneinfo import available_timezones

    return frozenset(available_timezones()) - _NOT_ZONES


def is_zone_name(name: str) -> bool:
    """`name in zone_names()`, without listing them (a twentieth of a second: every file
    of the tz database is opened) when the name is where zoneinfo looks for it."""
    if name in _NOT_ZONES:
        return False
    return _in_zone_folder(name) or name in zone_names()


def _in_zone_folder(name: str) -> bool:
    """Whether `available_timezones` lists `name` from a folder of the tz path: each part
    of it spelt as the folder spells it, through folders its walk enters (neither
    `right/` nor `posix/`, no link to a folder), to a file that starts as a zone does."""
    import os
    from zoneinfo import TZPATH

    parts = name.split("/")
    for folder in TZPATH:
        if len(parts) > 1 and parts[0] in ("right", "posix"):
            return False
        for depth, part in enumerate(parts):
            try:
                if part not in os.listdir(folder):
                    break
            except OSError:
                break
            path = os.path.join(folder, part)
            if depth < len(parts) - 1:
                if not os.path.isdir(path) or os.path.islink(path):
                    break
                folder = path
            elif not os.path.isdir(path) and _starts_as_a_zone(path):
                return True
    return False


def _starts_as_a_zone(path: str) -> bool:
    try:
        with open(path, "rb") as file:
            return file.read(4) == b"TZif"
    except OSError:
        return False


def previous(unit: str, amount: int, zone: str | None, now: datetime) -> tuple[datetime, datetime]:
    """`[start, end)` in UTC: the `amount` whole periods of `unit` before the period
    `now` falls in."""
    tz = zone_of(zone)
    current = period_start(_local_date(now, tz), unit)
    return _instant(shift(current, -amount, unit), tz), _instant(current, tz)


def to_date(unit: str, zone: str | None, now: datetime) -> tuple[datetime, datetime]:
    """`[start of the current period, now)` in UTC (`month to date`)."""
    tz = zone_of(zone)
    return _instant(period_start(_local_date(now, tz), unit), tz), now.astimezone(UTC)


def period_start(day: date, unit: str) -> date:
    """The first local date of the period holding `day`."""
    match unit:
        case "day":
            return day
        case "week":
            return day - timedelta(days=day.weekday())
        case "month":
            return day.replace(day=1)
        case "quarter":
            return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        case "year":
            return date(day.year, 1, 1)
    raise ValueError(f"not a calendar unit: {unit}")


def shift(start: date, amount: int, unit: str) -> date:
    """A period start moved by `amount` periods (start stays a period start)."""
    if unit == "day":
        return start + timedelta(days=amount)
    if unit == "week":
        return start + timedelta(weeks=amount)
    months = start.year * 12 + start.month - 1 + amount * _MONTHS[unit]
    return date(months // 12, months % 12 + 1, 1)


def next_boundary(boundary: datetime, amount: int, unit: str, zone: str | None) -> datetime:
    """The period start `amount` periods after the period start `boundary` (a UTC
    instant, as `previous` gives them): where a window that starts at `boundary` ends."""
    tz = zone_of(zone)
    return _instant(shift(period_start(_local_date(boundary, tz), unit), amount, unit), tz)


def describe(kind: str, unit: str | None, amount: int | None, zone: str | None) -> str:
    """`previous month in Europe/Amsterdam`, `previous 4 complete weeks in UTC`."""
    where = f" in {zone or 'UTC'}"
    if kind == "month-to-date":
        return f"month to date{where}"
    if amount is None:
        return f"previous {unit}{where}"
    return f"previous {amount} complete {unit}{'s' if amount != 1 else ''}{where}"


def _local_date(moment: datetime, tz: ZoneInfo | None) -> date:
    return moment.astimezone(tz or UTC).date()


def _instant(day: date, tz: ZoneInfo | None) -> datetime:
    """Local midnight of `day` as a UTC instant. Where midnight does not exist (a DST
    gap at midnight) the zone's offset before the change is used, the same for the
    window that ends there and the one that starts there."""
    return datetime(day.year, day.month, day.day, tzinfo=tz or UTC).astimezone(UTC)
