"""The one OCPI timestamp module: every form read, one form written, fast truncation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocpispec.execute.functions import TransformError, custom_functions
from ocpispec.execute.jmes_compile import compile_expression
from ocpispec.timestamps import (
    TimestampError,
    canonical_timestamp,
    format_timestamp,
    normalise_timestamp,
    parse_timestamp,
    read_timestamp,
    shift_back,
    truncate_moment,
)

NOON = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
FUNCTIONS = custom_functions(b"test-key-" * 4, "export")
EVERY_FORM = [
    "2025-03-01T12:00:00Z", "2025-03-01T12:00:00", "2025-03-01T12:00:00.000Z", "2025-03-01T12:00:00.123456789Z",
    "2025-03-01T13:00:00+01:00", "2025-03-01T13:00:00+0100", "2025-03-01T12:00:00+00:00", "2025-03-01 12:00:00",
    "2025-03-01T12:00Z", " 2025-03-01T12:00:00z ", "2025-03-01T12:00:00.5Z", "2025-03-01T07:30:00-04:30",
    "2025-03-01t12:00:00z", "2025-03-01t13:00:00.25+01:00"]


@pytest.mark.parametrize("text", EVERY_FORM)
def test_every_timestamp_form(text: str) -> None:
    parsed = parse_timestamp(text)
    assert parsed is not None and parsed.replace(microsecond=0) == NOON
    assert parsed.tzinfo is UTC
    assert normalise_timestamp(text) == "2025-03-01T12:00:00Z"


@pytest.mark.parametrize("text", EVERY_FORM)
def test_the_executor_reads_every_form_too(text: str) -> None:
    moment = read_timestamp(text)
    assert moment.replace(microsecond=0) == NOON and moment.utcoffset().total_seconds() == 0


@pytest.mark.parametrize("text", ["None", "", "2025-13-01T00:00:00Z", "yesterday", "2025-03-01", "12:00",
                                  "2025-03-01T12:00:00+99:99", "2025-03-01T12:00:00+01:75",
                                  "2025-03-01T12:00:00-24:00"])
def test_not_timestamps(text: str) -> None:
    assert parse_timestamp(text) is None and normalise_timestamp(text) == text


def test_fractions_keep_microseconds() -> None:
    assert parse_timestamp("2025-03-01T12:00:00.123456789Z").microsecond == 123456
    assert parse_timestamp("2025-03-01T12:00:00.5Z").microsecond == 500000
    assert parse_timestamp("2025-03-01T12:00:00.1234567890Z") is None  # ten digits


@pytest.mark.parametrize("value, message", [
    (None, "expected a timestamp, got a value of another type"), (12, "expected a timestamp, got a number"),
    (True, "expected a timestamp, got a boolean"), ({}, "expected a timestamp, got an object"),
    ("2025-02-30T00:00:00Z", "not an ISO 8601 timestamp"), ("soon", "not an ISO 8601 timestamp")])
def test_read_errors_never_show_the_value(value: object, message: str) -> None:
    with pytest.raises(TimestampError) as caught:
        read_timestamp(value)
    assert str(caught.value) == message


def test_dates_are_midnight_utc() -> None:
    assert canonical_timestamp("2026-01-01") == "2026-01-01T00:00:00Z"
    assert canonical_timestamp("2026-01-01T10:30") == "2026-01-01T10:30:00Z"
    assert canonical_timestamp("2026-01-01T10:30:00+02:00") == "2026-01-01T08:30:00Z"


@given(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1)))
def test_format_parse_round_trip(value: datetime) -> None:
    aware = value.replace(microsecond=0, tzinfo=UTC)
    assert parse_timestamp(format_timestamp(aware)) == aware
    assert read_timestamp(format_timestamp(aware)) == aware
    assert format_timestamp(value.replace(microsecond=0)) == format_timestamp(aware)  # naive is UTC


@pytest.mark.parametrize("unit, expected", [
    ("minute", "2026-01-07T10:23:00Z"), ("quarter_hour", "2026-01-07T10:15:00Z"), ("hour", "2026-01-07T10:00:00Z"),
    ("day", "2026-01-07T00:00:00Z"), ("week", "2026-01-05T00:00:00Z"), ("month", "2026-01-01T00:00:00Z"),
    ("year", "2026-01-01T00:00:00Z")])
def test_truncate_moment(unit: str, expected: str) -> None:
    assert format_timestamp(truncate_moment(read_timestamp("2026-01-07T10:23:45Z"), unit)) == expected


@pytest.mark.parametrize("amount, unit, expected", [
    (7, "days", "2026-03-24T10:00:00Z"), (2, "hours", "2026-03-31T08:00:00Z"), (1, "week", "2026-03-24T10:00:00Z"),
    (1, "month", "2026-02-28T10:00:00Z"), (1, "year", "2025-03-31T10:00:00Z"), (13, "months", "2025-02-28T10:00:00Z")])
def test_shift_back(amount: int, unit: str, expected: str) -> None:
    assert format_timestamp(shift_back(read_timestamp("2026-03-31T10:00:00Z"), amount, unit)) == expected


def test_unknown_units_are_refused() -> None:
    with pytest.raises(TimestampError, match="unknown time unit `fortnight`"):
        truncate_moment(NOON, "fortnight")
    with pytest.raises(TimestampError, match="unknown time unit `fortnight`"):
        shift_back(NOON, 1, "fortnight")


@pytest.mark.parametrize("text", ["2026-01-05T10:23:45Z", "2026-01-05T10:23:45.120Z",
                                  "2026-01-05T10:23:60Z", "2026-01-05T10:63:45Z",
                                  "2026-01-05T24:23:45Z", "2026-02-30T10:23:45Z",
                                  "2026-01-05T10:23:45", "2026-01-05T10:23:45+02:00",
                                  "2026-01-05T10:23:4XZ", "2026-01-05 10:23:45Z"])
@pytest.mark.parametrize("unit", ["minute", "quarter_hour", "hour", "day", "week", "month"])
def test_truncate_fast_paths_agree_with_parsing(text: str, unit: str) -> None:
    truncate = compile_expression(f"truncate(t, '{unit}')", FUNCTIONS)
    for _ in range(2):  # the second call meets a warm cache
        try:
            expected = format_timestamp(truncate_moment(read_timestamp(text), unit))
        except TimestampError:
            with pytest.raises(TransformError):
                truncate({"t": text})
            continue
        assert truncate({"t": text}) == expected


@pytest.mark.parametrize("unit, seconds_per_unit, decimals",
                         [("minutes", 60, 8), ("hours", 3600, 10)])
def test_elapsed_time_equals_rounding_the_quotient(unit: str, seconds_per_unit: int,
                                                   decimals: int) -> None:
    """`minutes`/`hours` skip `round()` for whole seconds; the float must be the same."""
    elapsed = compile_expression(f"{unit}(a, b)", FUNCTIONS)
    start = datetime(2026, 1, 5, 10, 23, 45, tzinfo=UTC)
    spans = [*range(-4000, 4000, 7), *range(0, 400 * 86400, 86400 // 7 + 1), 10**8 + 13]
    for seconds in spans:
        end = start + timedelta(seconds=seconds)
        got = elapsed({"a": format_timestamp(start), "b": format_timestamp(end)})
        assert repr(got) == repr(round(seconds / seconds_per_unit, decimals)), seconds
    fraction = elapsed({"a": "2026-01-05T10:00:00Z", "b": "2026-01-05T10:00:00.5Z"})
    assert fraction == round(0.5 / seconds_per_unit, decimals)


EDGE_YEARS = st.sampled_from(["0001-01-01", "0001-01-02", "9999-12-31", "9999-12-30", "2025-03-01"])
EDGE_TIMES = st.sampled_from(["00:00:00", "00:30:00", "23:30:00", "23:59:59.999"])
EDGE_ZONES = st.sampled_from(["Z", "", "+01:00", "-01:00", "+14:00", "-12:00", "+0530", "-99"])


@given(day=EDGE_YEARS, time=EDGE_TIMES, zone=EDGE_ZONES,
       function=st.sampled_from(["truncate(t, 'week')", "truncate(t, 'year')",
                                 "minutes(t, u)", "hours(u, t)", "weekday(t)", "hour_of_day(t)"]))
def test_timestamps_at_the_edge_of_the_calendar_never_crash(day, time, zone, function) -> None:
    """`9999-12-31T23:30:00-01:00` is after the year 9999 in UTC: not a timestamp (None,
    TimestampError, a counted TransformError), never an OverflowError."""
    text = f"{day}T{time}{zone}"
    parsed = parse_timestamp(text)
    assert parsed is None or parsed.tzinfo is UTC
    assert normalise_timestamp(text) in (text, format_timestamp(parsed) if parsed else text)
    try:
        read_timestamp(text)
    except TimestampError as error:
        assert text not in str(error)
    try:
        compile_expression(function, FUNCTIONS)({"t": text, "u": "2025-03-01T12:00:00Z"})
    except TransformError:
        pass


@pytest.mark.parametrize("stamp", ["2026-03-01 05:00:00Z", "2026-03-01t05:00:00Z"])
def test_a_stamp_with_another_separator_is_loose_and_judged_by_its_instant(stamp: str) -> None:
    """`2026-03-01 05:00:00Z` (RFC 3339 allows the space and a lowercase `t`) has the
    canonical length and `Z`, so the window compared it as text, where ` ` and `t` sort
    around `T`: a record updated at 05:00 was taken for one before the window starting at
    midnight and left out of every run (tests/independent_cpo.py, quirk `spaced stamps`)."""
    from ocpispec.execute.window_guard import WindowGuard
    from ocpispec.timestamps import loose_timestamps

    assert loose_timestamps(b'{"data": [{"last_updated": "%s"}]}' % stamp.encode())
    window = WindowGuard(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC))
    assert window.side(stamp) == 0
    assert WindowGuard(datetime(2026, 2, 28, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)).side(stamp) == 1


def test_a_stamp_in_digits_of_another_script_is_no_datetime() -> None:
    """`٢٠٢٦-03-01T05:00:00Z` (Arabic-Indic digits) was read as 2026-03-01 05:00 by the
    pattern's Unicode `\\d`, so its record was valid, while the window compared it as text,
    after every ASCII stamp: taken for the next window's in every run, it never left.
    Now it is no DateTime, and its record is invalid (counted, the run fails loudly)."""
    from ocpispec.ocpi.objects import ObjectCheck

    stamp = "\u0662\u0660\u0662\u0666-03-01T05:00:00Z"
    assert parse_timestamp(stamp) is None
    check = ObjectCheck("2.2.1", "tokens", None)
    token = {"uid": "a", "last_updated": stamp, "country_code": "NL", "party_id": "ABC",
             "type": "RFID", "contract_id": "x", "issuer": "i", "valid": True,
             "whitelist": "ALWAYS"}
    assert check.judge(token, check.reader(token)) == "`last_updated` is not a DateTime"


def _week_date(stamp: str) -> str:
    """The same instant in ISO 8601's week-date form, as long as the canonical one."""
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    year, week, day = moment.isocalendar()
    return f"{year}-W{week:02d}-{day}T{moment:%H:%M:%S}Z"


@pytest.mark.parametrize("stamp", ["2025-W07-3T08:33:40Z", "20250212T08:33:40.1Z", "2025-02-12T0833+0100"])
def test_iso_8601_s_other_forms_of_twenty_characters_are_no_datetime(stamp: str) -> None:
    """Python's `datetime.fromisoformat`, the wire reader's quick test of a 20-character
    DateTime, also reads a week date, the basic form and an offset without colons; no
    other reader here does (`parse_timestamp`)."""
    from ocpispec.ocpi.objects import ObjectCheck

    assert parse_timestamp(stamp) is None
    check = ObjectCheck("2.2.1", "tokens", None)
    token = {"uid": "a", "last_updated": stamp, "country_code": "NL", "party_id": "ABC",
             "type": "RFID", "contract_id": "x", "issuer": "i", "valid": True,
             "whitelist": "ALWAYS"}
    assert check.judge(token, check.reader(token)) == "`last_updated` is not a DateTime"


def test_a_week_dated_record_is_invalid_not_inside_a_later_window(run_cli, tmp_path) -> None:
    """A platform writing `last_updated` as a week date (`2025-W03-3T10:00:00Z`) that
    ignores the date filters: its records passed as valid, were never rewritten (no
    reader of stamps takes the form), and the window, comparing such a 20-character
    `...T...Z` as text, where `2025-W` sorts after every month of 2025, kept January's
    records in the window of October to December: delivered again in every window to the
    end of the year. They are invalid now, counted, and the run fails loudly."""
    from ocpispec.demo import DemoServer
    from ocpispec.demo.faults import Faults

    class _WeekDates(DemoServer):
        def render(self, version: str, module: str, index: int) -> dict:
            obj = super().render(version, module, index)
            if module == "sessions" and index % 10 == 0:
                obj["last_updated"] = _week_date(obj["last_updated"])
            return obj

    spec = tmp_path / "spec.ocx"
    spec.write_text(f'''export week_dates
  consumer "Gemeente Test"
  purpose "Sessions for planning"
  legal basis public task
  retention 12 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
  between 2025-10-01 and 2026-01-01
select
  truncate(last_updated, day) as updated_day
output csv to "{tmp_path}/s.csv"
''')
    with _WeekDates(version="2.2.1", size=200, max_page_size=100,
                    faults=Faults(ignore_date_filters=True)) as server:
        env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token}
        refused = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", env=env)
        accepted = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z",
                           "--allow-invalid", "20", env=env)
    assert refused.exit_code == 1 and "OCX570" in refused.output
    assert "20 `last_updated` is not a DateTime" in refused.output
    assert accepted.exit_code == 0, accepted.output
    days = (tmp_path / "s.csv").read_text().split()[1:]
    assert days and min(days) >= "2025-10-01"


@pytest.mark.parametrize("tail", ["\n", "\r\n", " ", "\t"])
def test_a_stamp_with_a_line_break_after_it_leaves_canonical(run_cli, tmp_path, tail: str) -> None:
    """`2026-01-05T08:00:00Z\\n` (a platform's serialiser appending a line end) matched
    the canonical pattern, whose `$` also matches before a final line break: it was
    never rewritten and left, line break and all, in the open-data file's column of
    times, which its data package declares a datetime."""
    import csv

    from independent_cpo import IndependentCpo

    assert normalise_timestamp("2026-01-05T08:00:00Z" + tail) == "2026-01-05T08:00:00Z"
    spec = tmp_path / "spec.ocx"
    spec.write_text(f'''export stamps
  consumer "Gemeente Test"
  purpose "Public charging locations for the municipal map"
  legal basis public task
  retention 12 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from locations
  where publish = true
select
  id as site
  last_updated
output csv to "{tmp_path}/sites.csv"
''')
    with IndependentCpo("2.2.1", records=3) as cpo:
        for site in cpo.lists["locations"]:
            site["last_updated"] += tail
        done = run_cli("run", str(spec), "--as-of", "2026-02-01T00:00:00Z", env={
            "OCPI_VERSIONS_URL": cpo.versions_url, "OCPI_TOKEN": cpo.token})
    assert done.exit_code == 0, done.output
    with open(tmp_path / "sites.csv", newline="") as rows:
        stamps = [row["last_updated"] for row in csv.DictReader(rows)]
    assert stamps and all(len(stamp) == 20 and stamp.endswith("Z") for stamp in stamps), stamps


def test_a_stamp_with_an_offset_no_clock_has_is_invalid(run_cli, tmp_path) -> None:
    """`2026-01-05T08:00:00+99:99` (a platform writing its offset field from garbage):
    read as 99 h 99 min east of UTC, the record moved four days back and was delivered
    with that time, in whatever window that put it. An offset beyond RFC 3339's (hours
    00-23, minutes 00-59) is no DateTime: the record is invalid, counted, and the run
    fails loudly."""
    from ocpispec.demo import DemoServer

    class _GarbledOffsets(DemoServer):
        def render(self, version: str, module: str, index: int) -> dict:
            obj = super().render(version, module, index)
            if module == "sessions" and index % 10 == 0:
                obj["last_updated"] = obj["last_updated"][:19] + "+99:99"
            return obj

    spec = tmp_path / "spec.ocx"
    spec.write_text(f'''export offsets
  consumer "Gemeente Test"
  purpose "Sessions for planning"
  legal basis public task
  retention 12 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
select
  truncate(last_updated, day) as updated_day
output csv to "{tmp_path}/s.csv"
''')
    with _GarbledOffsets(version="2.2.1", size=100, max_page_size=50) as server:
        done = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", env={
            "OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token})
    assert done.exit_code == 1 and "OCX570" in done.output, done.output
    assert "10 `last_updated` is not a DateTime" in done.output
