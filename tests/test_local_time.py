"""`truncate`, `weekday` and `hour_of_day` on a local clock: `truncate(t, month,
"Europe/Amsterdam")`. Without a zone they work in UTC, so a `previous month in
"Europe/Amsterdam"` grouped by `truncate(start_date_time, month)` put the sessions of
the first local hour of the month in the month before (a second, tiny row per file)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixtures_cli import cli_block
from frontend_helpers import HEADER, check_text, codes_of, only
from ocpispec.diagnostics import report
from ocpispec.diagnostics.source import SourceFile
from ocpispec.execute.functions import local_hour_of_day, local_truncator, local_weekday
from ocpispec.timestamps import format_timestamp, read_timestamp

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
AS_OF = "2026-01-01T00:00:00Z"
KEY = "9e4c1a7f3b08d26e5c9a0f7b3d1e84c6a2f5b09d7e3c16a8f4b2d90e5c7a3f1b"
RUN_HEADER = '''export local_time
  consumer "Test consumer"
  purpose "End-to-end tests of local time functions"
  legal basis public task "test"
  retention 1 months
  pseudonym key env TEST_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
'''


def test_a_zone_is_accepted_by_every_time_function() -> None:
    check_text('''from sessions
select
  truncate(start_date_time, month, "Europe/Amsterdam") as month
  weekday(start_date_time, "Europe/Amsterdam") as day
  hour_of_day(start_date_time, "America/New_York") as hour
  truncate(start_date_time, day, "UTC") as utc_day
output csv to "x.csv"
''')


@pytest.mark.parametrize("call", [
    'truncate(start_date_time, month, "Europe/Amsterdan")',
    'weekday(start_date_time, "CET+1")',
    'hour_of_day(start_date_time, 2)',
    'truncate(start_date_time, day, location.time_zone)',
])
def test_a_zone_that_is_not_a_quoted_iana_name_is_ocx203(call: str) -> None:
    body = (f'from sessions\n  join locations on location_id\nselect\n  {call} as t\n'
            'output csv to "x.csv"\n')
    assert codes_of(body) == ["OCX203"]


def test_the_misspelt_zone_diagnostic(snapshot) -> None:
    body = ('from sessions\nselect\n  truncate(start_date_time, month, "Europe/Amsterdan")'
            ' as month\noutput csv to "x.csv"\n')
    source = SourceFile("test.ocx", HEADER + body)
    found = only(body)
    text = report.render([found], {"test.ocx": source})
    assert 'write `"Europe/Amsterdam"`' in text
    assert text == snapshot


def test_a_fourth_argument_is_ocx202() -> None:
    body = ('from sessions\nselect\n  truncate(start_date_time, month, "UTC", "UTC") as m\n'
            'output csv to "x.csv"\n')
    assert codes_of(body) == ["OCX202"]


_INSTANTS = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31),
                         timezones=st.just(UTC)).map(lambda moment: moment.replace(microsecond=0))


@settings(max_examples=300, deadline=None)
@given(moment=_INSTANTS, unit=st.sampled_from(["hour", "day", "week", "month", "year"]),
       zone=st.sampled_from(["Europe/Amsterdam", "America/New_York", "Asia/Kolkata",
                             "Australia/Lord_Howe"]))
def test_a_local_cut_is_the_local_start_of_the_unit(moment: datetime, unit: str,
                                                     zone: str) -> None:
    text = format_timestamp(moment)
    cut = local_truncator(unit, zone)(text)
    start = datetime.fromisoformat(cut)
    local = moment.astimezone(ZoneInfo(zone))
    # the label's wall time is the start of the local unit holding the moment, and it
    # is not after the moment
    assert start.astimezone(UTC) <= moment
    assert start.replace(tzinfo=None) <= local.replace(tzinfo=None)
    match unit:
        case "hour":
            assert (start.date(), start.hour) == (local.date(), local.hour)
        case "day":
            assert start.date() == local.date() and start.time().hour == 0
        case "week":
            assert start.date() == local.date() - timedelta(days=local.weekday())
        case "month":
            assert (start.year, start.month, start.day) == (local.year, local.month, 1)
        case "year":
            assert (start.year, start.month, start.day) == (local.year, 1, 1)
    assert start.utcoffset() == start.replace(tzinfo=None).replace(
        tzinfo=ZoneInfo(zone), fold=start.fold).utcoffset()
    assert local_weekday(zone)(text) == local.strftime("%A").lower()
    assert local_hour_of_day(zone)(text) == local.hour


def test_utc_given_as_a_zone_is_the_plain_function() -> None:
    text = "2025-11-30T23:30:00Z"
    assert local_truncator("month", "UTC")(text) == "2025-11-01T00:00:00Z"
    assert local_truncator("month", "Europe/Amsterdam")(text) == "2025-12-01T00:00:00+01:00"
    assert local_weekday("UTC")(text) == "sunday"
    assert local_weekday("Europe/Amsterdam")(text) == "monday"
    assert local_hour_of_day("Europe/Amsterdam")(text) == 0
    assert local_truncator("day", "Europe/Amsterdam")(None) is None


def test_the_plan_and_the_review_say_which_clock(run_cli, tmp_path, snapshot) -> None:
    spec = tmp_path / "local.ocx"
    spec.write_text(RUN_HEADER + '''from sessions
  previous month in "Europe/Amsterdam"
  window on start_date_time
group by
  truncate(start_date_time, month, "Europe/Amsterdam") as month
  weekday(start_date_time, "Europe/Amsterdam") as day
  hour_of_day(start_date_time) as utc_hour
compute
  count() as sessions
  minimum group size 10
output csv to "exports/local.csv"
''')
    plan = run_cli("plan", str(spec), "--format", "json")
    assert plan.exit_code == 0, plan.stderr
    assert "truncate_in(start_date_time, 'month', 'Europe/Amsterdam')" in plan.stdout
    assert "weekday_in(start_date_time, 'Europe/Amsterdam')" in plan.stdout
    assert "hour_of_day(start_date_time)" in plan.stdout
    review = run_cli("review", str(spec), "--format", "markdown")
    assert review.exit_code == 0, review.stderr
    lines = [line for line in review.stdout.splitlines() if line.startswith("| `")]
    assert any("cut to the month (Europe/Amsterdam time)" in line for line in lines)
    assert any("day of the week of the start time (Europe/Amsterdam time)" in line
               for line in lines)
    assert any("hour of the day (0-23) of the start time (UTC)" in line for line in lines)
    assert "\n".join(lines) == snapshot


def _rows(path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


def test_a_run_labels_every_row_on_the_local_clock(run_cli, demo_server, tmp_path) -> None:
    """Against the demo CPO: each released row's local labels agree with its UTC start
    hour moved to Amsterdam time; the local month of a local calendar month is one."""
    spec = tmp_path / "local.ocx"
    spec.write_text(RUN_HEADER + '''from sessions as starts
  previous month in "Europe/Amsterdam"
  window on start_date_time
select
  pseudonymize(id) as session
  truncate(start_date_time, hour) as utc_hour
  truncate(start_date_time, hour, "Europe/Amsterdam") as local_hour
  truncate(start_date_time, month, "Europe/Amsterdam") as local_month
  weekday(start_date_time, "Europe/Amsterdam") as local_weekday
  hour_of_day(start_date_time, "Europe/Amsterdam") as local_hour_of_day
  truncate(start_date_time, month) as utc_month
output csv to "exports/local.csv"
''')
    env = {"OCPI_VERSIONS_URL": demo_server.versions_url, "OCPI_TOKEN": demo_server.token,
           "TEST_KEY": KEY}
    result = run_cli("run", str(spec), "--out", str(tmp_path / "local.csv"), "--as-of", AS_OF,
                     env=env)
    assert result.exit_code == 0, cli_block(result)
    rows = _rows(tmp_path / "local.csv")
    assert rows
    for row in rows:
        local = read_timestamp(row["utc_hour"]).astimezone(AMSTERDAM)
        assert read_timestamp(row["local_hour"]) == read_timestamp(row["utc_hour"])
        assert row["local_hour"] == local.isoformat()
        assert row["local_weekday"] == local.strftime("%A").lower()
        assert int(row["local_hour_of_day"]) == local.hour
    assert {row["local_month"] for row in rows} == {"2025-12-01T00:00:00+01:00"}
    # the UTC month is what the spec got before: a November for the first local hour
    first_hour = [row for row in rows if row["utc_hour"].startswith("2025-11-30T23")]
    assert all(row["utc_month"] == "2025-11-01T00:00:00Z" for row in first_hour)


@pytest.mark.parametrize("fmt", ["parquet", "xlsx"])
def test_typed_outputs_show_local_times_in_their_zone(run_cli, demo_server, tmp_path, fmt: str) -> None:
    """Parquet and XLSX hold instants, and a consumer reads them in pandas or Excel: a
    local day's label once read as 23:00 the day before. Parquet now carries the zone
    (pandas shows `2025-12-01 00:00+01:00`), XLSX the local wall clock (Excel has no zones)."""
    import pandas as pd

    spec = tmp_path / "local.ocx"
    spec.write_text(RUN_HEADER + f'''from sessions
  previous month in "Europe/Amsterdam"
  window on start_date_time
select
  truncate(start_date_time, day, "Europe/Amsterdam") as local_day
  truncate(start_date_time, hour) as utc_hour
output {fmt} to "exports/local.{fmt}"
''')
    env = {"OCPI_VERSIONS_URL": demo_server.versions_url, "OCPI_TOKEN": demo_server.token,
           "TEST_KEY": KEY}
    out = tmp_path / f"local.{fmt}"
    result = run_cli("run", str(spec), "--out", str(out), "--as-of", AS_OF, env=env)
    assert result.exit_code == 0, cli_block(result)
    frame = pd.read_parquet(out) if fmt == "parquet" else pd.read_excel(out)
    assert len(frame) > 10
    for local_day, utc_hour in zip(frame["local_day"], frame["utc_hour"]):
        hour = utc_hour.to_pydatetime()
        local = (hour if hour.tzinfo else hour.replace(tzinfo=UTC)).astimezone(AMSTERDAM)
        assert local_day.strftime("%Y-%m-%d %H:%M") == local.strftime("%Y-%m-%d 00:00")
    if fmt == "parquet":
        assert str(frame["local_day"].dt.tz) == "Europe/Amsterdam"
        assert str(frame["utc_hour"].dt.tz) == "UTC"


def test_parquet_declares_the_zone_of_a_local_cut(run_cli, demo_server, tmp_path) -> None:
    """A statistics office reading `truncate(start_date_time, month, "Europe/Amsterdam")`
    from Parquet got `2025-11-30 23:00:00+00:00`: `.dt.month` said November for December.
    The instants stay UTC; the column declares its zone, so readers show the local month;
    a UTC cut beside it stays UTC."""
    import pandas as pd

    spec = tmp_path / "local.ocx"
    spec.write_text(RUN_HEADER + '''from sessions as starts
  previous month in "Europe/Amsterdam"
  window on start_date_time
select
  truncate(start_date_time, day, "Europe/Amsterdam") as local_day
  truncate(start_date_time, month, "Europe/Amsterdam") as local_month
  truncate(start_date_time, hour) as utc_hour
output parquet to "exports/local.parquet"
''')
    env = {"OCPI_VERSIONS_URL": demo_server.versions_url, "OCPI_TOKEN": demo_server.token,
           "TEST_KEY": KEY}
    out = tmp_path / "local.parquet"
    result = run_cli("run", str(spec), "--out", str(out), "--as-of", AS_OF, env=env)
    assert result.exit_code == 0, cli_block(result)
    frame = pd.read_parquet(out)
    assert str(frame.local_month.dtype) == "datetime64[us, Europe/Amsterdam]"
    assert str(frame.utc_hour.dtype) == "datetime64[us, UTC]"
    assert set(frame.local_month.dt.month) == {12} and len(frame) > 10
    assert (frame.local_day.dt.hour == 0).all()
    assert (frame.local_day <= frame.utc_hour).all()  # the same instants as before


_LOCAL_WINDOW = '''from sessions
  previous month in "Europe/Amsterdam"
  window on start_date_time
group by {key} as key
compute count() as sessions
  minimum group size 10
output csv to "x.csv"
'''


@pytest.mark.parametrize("key", [
    "truncate(start_date_time, day)", "truncate(start_date_time, week)",
    "truncate(start_date_time, month)", "truncate(end_date_time, year)",
    "weekday(start_date_time)", "hour_of_day(start_date_time)",
])
def test_a_utc_cut_of_a_local_window_is_ocx236(key: str) -> None:
    found = only(_LOCAL_WINDOW.format(key=key))
    assert (found.code, found.severity.value) == ("OCX236", "warning")
    assert "Europe/Amsterdam" in found.message and "\"Europe/Amsterdam\")`" in found.help


@pytest.mark.parametrize("key", [
    'truncate(start_date_time, month, "Europe/Amsterdam")',
    'truncate(start_date_time, month, "UTC")',  # UTC on purpose, said so
    "truncate(start_date_time, hour)",  # Amsterdam's hours are UTC's hours
    'weekday(start_date_time, "Europe/Amsterdam")',
    'hour_of_day(start_date_time, "UTC")',
])
def test_a_cut_on_a_stated_clock_is_not_ocx236(key: str) -> None:
    assert codes_of(_LOCAL_WINDOW.format(key=key)) == []


@pytest.mark.parametrize("window", ['previous month', 'previous month in "UTC"', "last 30 days"])
def test_a_utc_window_cut_in_utc_is_not_ocx236(window: str) -> None:
    body = _LOCAL_WINDOW.format(key="truncate(start_date_time, month)").replace(
        'previous month in "Europe/Amsterdam"', window)
    assert "OCX236" not in codes_of(body)


_UTC_MONTHS = """export cbs_months
  consumer "CBS"
  purpose "Sessions started per month and postal district"
  legal basis public task
  retention 5 years
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
  WINDOW
  window on start_date_time
  join locations on location_id
group by
  truncate(start_date_time, month, "Europe/Amsterdam") as month
compute
  count() as sessions
  minimum group size 10
output csv to "OUT"
"""


def test_local_months_in_a_utc_calendar_window_are_ocx236_and_lose_their_first_hour(
        run_cli, tmp_path, snapshot) -> None:
    """A statistics office's `previous month` (UTC) grouped by the Amsterdam month: the
    sessions of December's first local hour lie in November's UTC window and those of
    the first hour of January form a tiny January row, so December's count fell short
    of the month's without a word (OCX236 warned only for `between` and `since` at UTC
    midnights). Now warned, with the window in the zone, which counts them all."""
    counts = {}
    for index, window in enumerate(("previous month", 'previous month in "Europe/Amsterdam"')):
        spec = tmp_path / "months.ocx"
        out = tmp_path / f"months-{index}.csv"
        spec.write_text(_UTC_MONTHS.replace("WINDOW", window).replace("OUT", str(out)))
        done = run_cli("run", str(spec), "--demo")
        assert done.exit_code == 0, done.output
        counts[window] = {row["month"]: int(row["sessions"]) for row in
                          csv.DictReader(io.StringIO(out.read_text(), newline=""))}
        if window == "previous month":
            assert "warning[OCX236]" in done.stderr
            assert cli_block(run_cli("check", str(spec))).replace(str(tmp_path), "TMP") \
                == snapshot
        else:
            assert "OCX236" not in done.stderr
    december = "2025-12-01T00:00:00+01:00"
    assert list(counts['previous month in "Europe/Amsterdam"']) == [december]
    assert counts["previous month"][december] < \
        counts['previous month in "Europe/Amsterdam"'][december]


# ---- pseudonym scope periods follow the window's zone ---------------------------------


def test_a_calendar_scope_keys_a_local_window_by_local_periods() -> None:
    """`pseudonym scope per month` with `previous month in "Europe/Amsterdam"`: a
    session at 00:30 on 1 December local time (23:30 UTC on 30 November) was keyed in
    November's period, so its pseudonym was the driver's pseudonym of the November file
    (linking the two deliveries) and not the one of the other December rows."""
    from ocpispec.execute.pseudonyms import PseudonymDomain, periodic_pseudonymizer

    pseudonym = periodic_pseudonymizer(b"k" * 32, PseudonymDomain("x", "consumer"))
    card = "NL-TNM-C0123"
    first_hour = "2025-11-30T23:30:00Z"
    local = "per month in Europe/Amsterdam"
    assert pseudonym(card, "token", first_hour, local) == \
        pseudonym(card, "token", "2025-12-20T12:00:00Z", local)
    assert pseudonym(card, "token", first_hour, local) != \
        pseudonym(card, "token", "2025-11-20T12:00:00Z", local)
    # UTC periods as before, for windows in UTC
    assert pseudonym(card, "token", first_hour, "per month") == \
        pseudonym(card, "token", "2025-11-20T12:00:00Z", "per month")
    # the same label: records away from the boundary keep their pseudonyms
    assert pseudonym(card, "token", "2025-12-20T12:00:00Z", local) == \
        pseudonym(card, "token", "2025-12-20T12:00:00Z", "per month")


def test_the_plan_and_the_manifest_say_whose_months(run_cli, demo_server, tmp_path) -> None:
    spec = tmp_path / "scope.ocx"
    scoped = RUN_HEADER.replace("  pseudonym key env TEST_KEY\n",
                                "  pseudonym key env TEST_KEY\n  pseudonym scope per month\n")
    spec.write_text(scoped + '''from sessions
  previous month in "Europe/Amsterdam"
  window on start_date_time
select
  pseudonymize(cdr_token.contract_id) as driver
  truncate(start_date_time, hour) as started_hour
output csv to "exports/scope.csv"
''')
    plan = run_cli("plan", str(spec), "--format", "json")
    assert plan.exit_code == 0, plan.stderr
    assert "'per month in Europe/Amsterdam')" in plan.stdout
    env = {"OCPI_VERSIONS_URL": demo_server.versions_url, "OCPI_TOKEN": demo_server.token,
           "TEST_KEY": KEY}
    result = run_cli("run", str(spec), "--out", str(tmp_path / "scope.csv"), "--as-of", AS_OF,
                     env=env)
    assert result.exit_code == 0, cli_block(result)
    manifest = json.loads((tmp_path / "scope.csv.manifest.json").read_text())
    assert manifest["pseudonyms"]["scope"] == "per month"
    assert manifest["pseudonyms"]["period"] == \
        "the month of each record's `start_date_time` (Europe/Amsterdam time)"


@pytest.mark.parametrize(("local", "codes"), [
    ('truncate(start_date_time, hour, "Asia/Kathmandu")', ["OCX303"]),  # hours at UTC's :15
    ('hour_of_day(start_date_time, "Asia/Kathmandu")', ["OCX303"]),
    ('weekday(start_date_time, "Asia/Kathmandu")', ["OCX303"]),  # its days end at 18:15 UTC
    ('truncate(start_date_time, hour, "Asia/Kolkata")', []),  # :30: half the floor, tolerated
    ('hour_of_day(start_date_time, "Europe/Amsterdam")', []),  # whole hours: nothing finer
])
def test_one_time_cut_on_two_clocks_combines(local: str, codes: list[str]) -> None:
    """Beside `truncate(start_date_time, hour)` in UTC, a cut on a clock whose hours start
    at UTC's quarter past shows the start to the quarter hour."""
    body = f'''from sessions
select
  truncate(start_date_time, hour) as utc_hour
  {local} as local
output csv to "x.csv"
'''
    assert codes_of(body) == codes


@pytest.mark.parametrize("zone", ["localtime", "posixrules", "europe/amsterdam"])
def test_the_machines_own_zone_is_no_zone(zone: str) -> None:
    """`localtime` loads from the tz folder as the machine's own zone, and a name in
    other case loads on a case-insensitive file system: a spec naming either would mean
    another time on every machine. Refused in a window and a function alike, and a
    location the platform says is in `localtime` is spread in UTC (counted)."""
    from ocpispec.series.apportion import zone_of

    window = f'from sessions\n  previous month in "{zone}"\nselect\n  ' \
             f'truncate(start_date_time, day) as day\noutput csv to "x.csv"\n'
    assert codes_of(window) == ["OCX231"]
    function = f'from sessions\nselect\n  truncate(start_date_time, day, "{zone}") as day\n' \
               f'output csv to "x.csv"\n'
    assert codes_of(function) == ["OCX203"]
    assert zone_of(zone) is None
    assert zone_of("Europe/Amsterdam") is not None


@pytest.mark.parametrize(("slots", "codes"), [
    ("over day in utc", ["OCX236"]), ("over day in location time zone", []),
    ("over hour in utc", []),
])
def test_utc_day_slots_of_a_local_window_are_ocx236(slots: str, codes: list[str]) -> None:
    body = f'''from sessions
  previous month in "Europe/Amsterdam"
  window on start_date_time
  join locations on location_id
  each charging_periods as period
  spread period.energy_kwh {slots} as slot
group by
  slot
compute
  round(sum(period.energy_kwh), 1) as energy_kwh
  minimum group size 10
output csv to "x.csv"
'''
    assert codes_of(body) == codes


_UTC_BOUNDS = '''from sessions as months
  {window}
  window on start_date_time
group by truncate(start_date_time, {unit}, "{zone}") as period
compute count() as sessions
  minimum group size 10
output csv to "x.csv"
'''


@pytest.mark.parametrize(("window", "unit", "zone", "codes"), [
    ("between 2025-01-01 and 2026-01-01", "month", "Europe/Amsterdam", ["OCX236"]),
    ("since 2025-01-01T00:00:00Z", "day", "America/New_York", ["OCX236"]),
    ("between 2024-12-31T23:00:00Z and 2025-12-31T23:00:00Z", "month", "Europe/Amsterdam",
     []),
    ("between 2025-01-01 and 2026-01-01", "month", "UTC", []),
    ("between 2025-01-01 and 2026-01-01", "month", "Europe/London", ["OCX236"]),
    ("between 2025-01-01 and 2026-01-01", "hour", "Europe/Amsterdam", []),
    ("between 2025-02-30 and 2026-01-01", "month", "Europe/Amsterdam", ["OCX213"]),
])
def test_local_periods_in_a_window_of_utc_midnights_are_ocx236(window, unit, zone,
                                                                codes) -> None:
    """A statistics office's `between 2025-01-01 and 2026-01-01` grouped by Amsterdam
    months: January lacked the sessions of its first local hour (before midnight UTC)
    and New Year's Eve's last local hour made a tiny row of January 2026; unwarned."""
    body = _UTC_BOUNDS.format(window=window, unit=unit, zone=zone)
    assert codes_of(body) == codes


def test_the_bounds_to_write_are_the_local_midnights(snapshot) -> None:
    body = _UTC_BOUNDS.format(window="between 2025-01-01 and 2026-01-01", unit="month",
                              zone="Europe/Amsterdam")
    found = only(body)
    assert found.help.startswith("bound the window at local midnights: `between "
                                 "2024-12-31T23:00:00Z and 2025-12-31T23:00:00Z`")
    assert report.render([found], {"test.ocx": SourceFile("test.ocx", HEADER + body)}) == \
        snapshot
    check_text(body.replace("between 2025-01-01 and 2026-01-01",
                            "between 2024-12-31T23:00:00Z and 2025-12-31T23:00:00Z"))
