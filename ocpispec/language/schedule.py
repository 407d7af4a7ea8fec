"""When a spec's export runs: the `schedule` clause as words, as a cron line, and as
the next moment after a given time. All times are UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ocpispec.language import cron, syntax

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def describe(schedule: syntax.Schedule) -> str:
    """`weekly on monday at 06:00 UTC`, as the plan prints it."""
    match schedule:
        case syntax.Every(amount=amount, unit=unit):
            return f"every {amount} {_unit(unit.name)}"
        case syntax.Hourly():
            return "hourly, on the hour"
        case syntax.Daily(at=at):
            return f"daily at {at.value} UTC"
        case syntax.Weekly(day=day, at=at):
            return f"weekly on {day.name.lower()} at {at.value} UTC"
        case syntax.Monthly(day=day, at=at):
            return f"monthly on day {day} at {at.value} UTC"
        case syntax.Cron(expression=expression):
            return f"cron \"{' '.join(expression.value.split())}\" (UTC)"
    raise TypeError(f"not a schedule: {schedule!r}")


def cron_line(schedule: syntax.Schedule) -> str | None:
    """The crontab time fields for the schedule, or None where cron cannot say it
    (an interval that does not divide the hour or the day)."""
    match schedule:
        case syntax.Every(amount=amount, unit=unit) if _unit(unit.name) == "minutes":
            return f"*/{amount} * * * *" if 60 % amount == 0 else None
        case syntax.Every(amount=amount, unit=unit):
            return f"0 */{amount} * * *" if 24 % amount == 0 else None
        case syntax.Hourly():
            return "0 * * * *"
        case syntax.Daily(at=at):
            hour, minute = _clock(at.value)
            return f"{minute} {hour} * * *"
        case syntax.Weekly(day=day, at=at):
            hour, minute = _clock(at.value)
            return f"{minute} {hour} * * {(WEEKDAYS.index(day.name.lower()) + 1) % 7}"
        case syntax.Monthly(day=day, at=at):
            hour, minute = _clock(at.value)
            return f"{minute} {hour} {day} * *"
        case syntax.Cron(expression=expression):
            return " ".join(expression.value.split())
    return None


def next_run(schedule: syntax.Schedule, after: datetime) -> datetime:
    """The first scheduled moment strictly after `after` (an aware datetime)."""
    after = after.astimezone(UTC)
    match schedule:
        case syntax.Every(amount=amount, unit=unit):
            return _next_interval(after, amount, _unit(unit.name))
        case syntax.Hourly():
            return _next_interval(after, 1, "hours")
        case syntax.Daily(at=at):
            return _next_daily(after, _clock(at.value), days=range(7))
        case syntax.Weekly(day=day, at=at):
            return _next_daily(after, _clock(at.value),
                               days=(WEEKDAYS.index(day.name.lower()),))
        case syntax.Monthly() | syntax.Cron():
            return cron.next_after(cron.parse(cron_line(schedule) or ""), after)
    raise TypeError(f"not a schedule: {schedule!r}")


def _next_interval(after: datetime, amount: int, unit: str) -> datetime:
    """Intervals are aligned to midnight UTC, as cron aligns `*/15`, so runs land on
    predictable times whenever the process started."""
    step = timedelta(minutes=amount) if unit == "minutes" else timedelta(hours=amount)
    midnight = after.replace(hour=0, minute=0, second=0, microsecond=0)
    passed = (after - midnight) // step
    return midnight + (passed + 1) * step


def _next_daily(after: datetime, clock: tuple[int, int], *, days) -> datetime:
    hour, minute = clock
    day = after.replace(hour=hour, minute=minute, second=0, microsecond=0)
    for offset in range(8):
        candidate = day + timedelta(days=offset)
        if candidate > after and candidate.weekday() in days:
            return candidate
    raise AssertionError("a weekday repeats within eight days")


def _clock(text: str) -> tuple[int, int]:
    hour, minute = text.split(":")
    return int(hour), int(minute)


def _unit(name: str) -> str:
    return "minutes" if name.lower().startswith("minute") else "hours"
