"""Calendar windows (`previous month`, `previous 4 complete weeks`, `month to date`) in
UTC and local zones, the `monthly` and `cron` schedules, and the fit of both: consecutive
scheduled runs read windows that tile time, without gaps or overlaps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocpispec import calendar_windows
from ocpispec.language import cron, schedule, syntax
from ocpispec.diagnostics.source import Span

NOWHERE = Span(0, 0)
ZONES = ("UTC", "Europe/Amsterdam", "America/New_York", "Australia/Sydney", "Asia/Kolkata",
         "Pacific/Auckland", "America/Sao_Paulo")
# a run this many hours after the period's local start is safely after it in every zone
SCHEDULES = {
    "day": ("daily", None), "week": ("weekly", None), "month": ("monthly", None),
    "quarter": ("cron", "0 {hour} 1 1,4,7,10 *"), "year": ("cron", "0 {hour} 1 1 *"),
}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _schedule(unit: str, hour: int) -> syntax.Schedule:
    time = syntax.Text(f"{hour:02d}:00", NOWHERE)
    kind, line = SCHEDULES[unit]
    if kind == "daily":
        return syntax.Daily(time, NOWHERE)
    if kind == "weekly":
        return syntax.Weekly(syntax.Ident("tuesday", NOWHERE), time, NOWHERE)
    if kind == "monthly":
        return syntax.Monthly(2, time, NOWHERE)
    return syntax.Cron(syntax.Text(line.format(hour=hour), NOWHERE), NOWHERE)


# ---- resolving -------------------------------------------------------------------------


@pytest.mark.parametrize(("unit", "amount", "zone", "now", "start", "end"), [
    ("month", 1, None, "2024-03-01T06:00Z", "2024-02-01T00:00Z", "2024-03-01T00:00Z"),
    ("month", 1, "Europe/Amsterdam", "2024-03-01T06:00Z", "2024-01-31T23:00Z",
     "2024-02-29T23:00Z"),
    ("day", 1, "Europe/Amsterdam", "2024-04-01T06:00Z", "2024-03-30T23:00Z",
     "2024-03-31T22:00Z"),  # the spring-forward day lasts 23 hours
    ("day", 1, "Europe/Amsterdam", "2024-10-28T06:00Z", "2024-10-26T22:00Z",
     "2024-10-27T23:00Z"),  # the fall-back day lasts 25 hours
    ("week", 1, None, "2026-01-01T06:00Z", "2025-12-22T00:00Z", "2025-12-29T00:00Z"),
    ("week", 4, None, "2026-01-05T00:00Z", "2025-12-08T00:00Z", "2026-01-05T00:00Z"),
    ("month", 3, None, "2026-01-15T00:00Z", "2025-10-01T00:00Z", "2026-01-01T00:00Z"),
    ("quarter", 1, None, "2024-05-20T00:00Z", "2024-01-01T00:00Z", "2024-04-01T00:00Z"),
    ("year", 1, "Asia/Kolkata", "2025-01-01T00:00Z", "2023-12-31T18:30Z",
     "2024-12-31T18:30Z"),
])
def test_previous_periods(unit, amount, zone, now, start, end) -> None:
    assert calendar_windows.previous(unit, amount, zone, at(now)) == (at(start), at(end))


def test_month_to_date_runs_from_the_local_month_start_to_the_run() -> None:
    now = at("2024-07-15T10:00Z")
    assert calendar_windows.to_date("month", "Europe/Amsterdam", now) == (
        at("2024-06-30T22:00Z"), now)


def test_unknown_zone_is_a_lookup_error() -> None:
    with pytest.raises(LookupError):
        calendar_windows.zone_of("Europe/Amsterdan")


# ---- the property: windows of consecutive runs tile time -------------------------------


@settings(max_examples=60, deadline=None)
@given(unit=st.sampled_from(calendar_windows.UNITS), zone=st.sampled_from(ZONES),
       hour=st.integers(14, 23), first=st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1)))
def test_calendar_windows_of_consecutive_scheduled_runs_tile_time(unit, zone, hour, first):
    """Runs on the period's schedule, at a UTC hour that falls after local midnight
    in every zone tested (14:00-23:00 UTC is the next local day east of UTC+10 and
    the same day west of it), read one whole local period each, and each window starts
    where the previous one ended: across month ends, February 29 and DST changes."""
    rule = _schedule(unit, hour)
    tz = ZoneInfo(zone)
    moment = first.replace(tzinfo=UTC)
    windows = []
    for _ in range(14):
        moment = schedule.next_run(rule, moment)
        windows.append(calendar_windows.previous(unit, 1, zone, moment))
    for (start, end), (next_start, next_end) in zip(windows, windows[1:]):
        assert start < end
        assert next_start == end, (unit, zone, hour, start, end, next_start)
        local_start, local_end = start.astimezone(tz), end.astimezone(tz)
        assert calendar_windows.period_start(local_start.date(), unit) == local_start.date()
        assert calendar_windows.shift(local_start.date(), 1, unit) == local_end.date()


@settings(max_examples=40, deadline=None)
@given(unit=st.sampled_from(calendar_windows.UNITS), amount=st.integers(1, 5),
       zone=st.sampled_from(ZONES), first=st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1)),
       steps=st.lists(st.integers(0, 400), min_size=2, max_size=6))
def test_windows_are_whole_periods_ending_at_the_current_period(unit, amount, zone, first,
                                                                 steps) -> None:
    """Whenever a run happens, its window is `amount` whole local periods that end at
    the start of the run's own period: never a partial week or month."""
    moment = first.replace(tzinfo=UTC)
    for step in steps:
        moment += timedelta(hours=step * 7)
        start, end = calendar_windows.previous(unit, amount, zone, moment)
        tz = ZoneInfo(zone)
        local_now, local_start, local_end = (moment.astimezone(tz), start.astimezone(tz),
                                             end.astimezone(tz))
        assert local_end.date() == calendar_windows.period_start(local_now.date(), unit)
        assert calendar_windows.shift(local_start.date(), amount, unit) == local_end.date()
        assert start < end <= moment


# ---- schedules -------------------------------------------------------------------------


@pytest.mark.parametrize(("line", "after", "expected"), [
    ("0 6 * * 1-5", "2026-01-02T07:00Z", "2026-01-05T06:00Z"),  # Friday -> Monday
    ("*/15 * * * *", "2026-01-01T00:14Z", "2026-01-01T00:15Z"),
    ("30 2 29 2 *", "2024-03-01T00:00Z", "2028-02-29T02:30Z"),
    ("0 6 1 jan,apr,jul,oct *", "2026-01-01T06:00Z", "2026-04-01T06:00Z"),
    ("0 0 13 * fri", "2026-02-01T00:00Z", "2026-02-06T00:00Z"),  # day OR weekday
    ("0 12 * * 7", "2026-01-01T00:00Z", "2026-01-04T12:00Z"),  # 7 is Sunday
])
def test_cron_next_run(line, after, expected) -> None:
    assert cron.next_after(cron.parse(line), at(after)) == at(expected)


@pytest.mark.parametrize(("line", "words"), [
    ("0 6 * *", "five fields"), ("61 * * * *", "not a minute"), ("0 5-2 * * *", "backwards"),
    ("0 0 31 2 *", "no date"), ("*/0 * * * *", "not a minute"), ("0 0 * foo *", "not a month"),
])
def test_bad_cron_lines(line, words) -> None:
    with pytest.raises(cron.CronError, match=words):
        cron.parse(line)


def test_monthly_schedule_words_cron_and_next_run() -> None:
    rule = syntax.Monthly(1, syntax.Text("06:00", NOWHERE), NOWHERE)
    assert schedule.describe(rule) == "monthly on day 1 at 06:00 UTC"
    assert schedule.cron_line(rule) == "0 6 1 * *"
    assert schedule.next_run(rule, at("2024-02-01T06:00Z")) == at("2024-03-01T06:00Z")


# ---- the check: does the schedule fit the window? --------------------------------------


def _codes(window: str, rule: str) -> list[str]:
    from frontend_helpers import codes_of

    return codes_of(f"from sessions\n  {window}\n  join locations on location_id\n"
                           "group by prefix(location.postal_code, 4) as area\n"
                           "compute count() as n minimum group size 10\n"
                           f'output csv to "out/{{run.timestamp}}.csv"\nschedule {rule}\n')


@pytest.mark.parametrize(("window", "rule", "codes"), [
    ('previous month in "Europe/Amsterdam"', "monthly on day 1 at 06:00", []),
    ("previous month", 'cron "0 3 1 * *"', []),
    ("previous day", "daily at 00:30", []),
    ('previous day in "Europe/Amsterdam"', "daily at 22:30", ["OCX424"]),  # DST
    ("previous week", "weekly on monday at 06:00", []),
    ("previous week", "monthly on day 1 at 06:00", ["OCX424"]),
    ("previous 4 complete weeks", "weekly on monday at 06:00", []),  # sliding, whole weeks
    ("previous 4 complete weeks", "monthly on day 1 at 06:00", ["OCX424"]),
    ("previous 3 complete months", "daily at 06:00", ["OCX424"]),
    ("last 1 month", "daily at 06:00", ["OCX424"]),
    ("last 1 month", "monthly on day 1 at 06:00", []),
    ("last 7 days", "weekly on monday at 06:00", []),
    ("month to date", "daily at 06:00", []),
    ("previous quarter", 'cron "0 6 1 1,4,7,10 *"', []),
    ('previous month in "America/New_York"', 'cron "30 4 1 * *"', ["OCX424"]),  # EST/EDT
    ('previous year in "Pacific/Honolulu"', 'cron "0 6 1 1 *"', []),  # late, but tiles
])
def test_schedule_and_window_fit(window, rule, codes) -> None:
    # OCX336 (an aggregate released again over the same records) is the privacy side of
    # overlapping windows: tests/privacy/test_differencing.py
    assert [c for c in _codes(window, rule) if c not in ("OCX412", "OCX336")] == codes


@pytest.mark.parametrize(("text", "code"), [
    ('previous fortnight', "OCX213"), ("previous 0 complete weeks", "OCX213"),
    ('month to date in "CET+1"', "OCX231"),
])
def test_bad_calendar_windows(text, code) -> None:
    assert code in _codes(text, "daily at 06:00")


@pytest.mark.parametrize("rule", ["monthly on day 31 at 06:00", 'cron "0 6 * *"',
                                  "monthly on day 1 at 25:00"])
def test_bad_schedules(rule) -> None:
    assert "OCX409" in _codes("previous month", rule)


def test_a_zone_name_is_known_exactly_when_the_tz_database_lists_it():
    """`is_zone_name` looks the name up where zoneinfo would find it, and says what
    `name in zone_names()` (every zone listed) says, for every zone and for names that
    are not one: another spelling, a path that leaves or doubles a folder, the folders
    zoneinfo leaves out, the database's own files."""
    from ocpispec.calendar_windows import is_zone_name, zone_names

    names = zone_names()
    tricky = {"europe/amsterdam", "EUROPE/AMSTERDAM", "Europe//Amsterdam", "Europe/./Amsterdam",
              "Europe/../Europe/Amsterdam", "/Europe/Amsterdam", "Europe/Amsterdam/", "Europe",
              "right/Europe/Amsterdam", "posix/Europe/Amsterdam", "right", "posix", "posixrules",
              "localtime", "zone.tab", "zone1970.tab", "iso3166.tab", "tzdata.zi", "leapseconds",
              "leap-seconds.list", "+VERSION", "SECURITY", "", ".", "..", "Etc/UTC", "UTC",
              "Factory", "Europe/Amsterdam\0", "Mars/Olympus_Mons"}
    for name in sorted(names | tricky):
        assert is_zone_name(name) == (name in names), name
    assert "Europe/Amsterdam" in names and is_zone_name("Europe/Amsterdam")
