"""The five time fields of a crontab line (`minute hour day-of-month month day-of-week`),
parsed and stepped forward, in UTC.

Each field is `*`, a number, a range `a-b`, a step `*/n` or `a-b/n`, or a list of these
separated by commas; months and weekdays may be written as English three-letter names
(`jan`, `mon`), and weekday 7 is Sunday like 0. When both day fields are restricted, a
day matches either, as in Vixie cron. No `@daily`, `L`, `W` or `#`: the spec has
`daily`, `weekly` and `monthly` for those.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ocpispec.frozen import frozen
from ocpispec.text import with_article

_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                "dec")
_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# name, lowest, highest, names (index + lowest)
_FIELDS = (("minute", 0, 59, ()), ("hour", 0, 23, ()), ("day of the month", 1, 31, ()),
           ("month", 1, 12, _MONTH_NAMES), ("day of the week", 0, 7, _DAY_NAMES))
# the longest a valid line waits between runs: February 29 (`0 0 29 2 *`) can be 8 years
# away (2096 to 2104)
_HORIZON_DAYS = 366 * 8 + 2


class CronError(ValueError):
    """A line that is not five valid crontab fields; the message says which and why."""


@frozen
class CronRule:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    any_day: bool  # day of the month is `*`
    any_weekday: bool  # day of the week is `*`

    def matches_day(self, moment: datetime) -> bool:
        if moment.month not in self.months:
            return False
        weekday = (moment.weekday() + 1) % 7
        on_day, on_weekday = moment.day in self.days, weekday in self.weekdays
        if self.any_day or self.any_weekday:
            return on_day and on_weekday
        return on_day or on_weekday


def parse(line: str) -> CronRule:
    parts = line.split()
    if len(parts) != 5:
        raise CronError(f"a cron line has five fields (minute hour day month weekday), "
                        f"this one has {len(parts)}")
    values = [_field(part, *spec) for part, spec in zip(parts, _FIELDS)]
    weekdays = frozenset(day % 7 for day in values[4])
    rule = CronRule(*values[:4], weekdays, parts[2] == "*", parts[4] == "*")
    if not any(rule.matches_day(day) for day in _calendar_sample()):
        raise CronError("no date has this day of the month in these months")
    return rule


def next_after(rule: CronRule, after: datetime) -> datetime:
    """The first matching minute strictly after `after` (UTC)."""
    after = after.astimezone(UTC).replace(second=0, microsecond=0)
    day = after.replace(hour=0, minute=0)
    for offset in range(_HORIZON_DAYS):
        candidate = day + timedelta(days=offset)
        if not rule.matches_day(candidate):
            continue
        for hour in sorted(rule.hours):
            for minute in sorted(rule.minutes):
                moment = candidate.replace(hour=hour, minute=minute)
                if moment > after:
                    return moment
    raise CronError("the line never runs")


def _calendar_sample() -> list[datetime]:
    start = datetime(2024, 1, 1, tzinfo=UTC)  # a leap year and the next: every month day
    return [start + timedelta(days=n) for n in range(366 * 2)]


def _field(text: str, name: str, low: int, high: int, names: tuple[str, ...]) -> frozenset[int]:
    found: set[int] = set()
    for item in text.split(","):
        found.update(_item(item, name, low, high, names))
    return frozenset(found)


def _item(item: str, name: str, low: int, high: int, names: tuple[str, ...]) -> range:
    base, _, step_text = item.partition("/")
    step = _number(step_text, name, (), 0, 1, high) if step_text else 1
    if base == "*":
        first, last = low, high
    elif "-" in base:
        first_text, _, last_text = base.partition("-")
        first = _number(first_text, name, names, low, low, high)
        last = _number(last_text, name, names, low, low, high)
        if first > last:
            raise CronError(f"the {name} range `{base}` runs backwards")
    else:
        first = _number(base, name, names, low, low, high)
        last = high if step_text else first
    return range(first, last + 1, step)


def _number(text: str, name: str, names: tuple[str, ...], offset: int, low: int,
            high: int) -> int:
    if text.lower() in names:
        return names.index(text.lower()) + offset
    if not text.isdigit():
        raise CronError(f"`{text}` is not {with_article(name)}")
    value = int(text)
    if not low <= value <= high:
        raise CronError(f"`{text}` is not {with_article(name)} ({low}-{high})")
    return value
