"""A bound off a column's grid cuts the cell at the edge narrower than the floor
(adversarial review, round 8).

`where start_date_time >= 2025-12-01T15:48:59Z` beside `truncate(start_date_time,
hour)` checked clean: the filter keeps an open range and the column reaches its floor.
Yet every row the file shows in the hour 15:00 of that day started between 15:48:59 and
16:00, eleven minutes; a bound one second before the hour ends tells those starts to the
second. The same holds for a fixed window (`between`, `window on start_date_time`), a
calendar window whose local midnights lie off the column's UTC hours (Asia/Kathmandu's
at :15), and a number (`kwh >= 23.51` beside `round(kwh, 1)`: the rows shown as 23.5 kWh
charged 23.51 to 23.55). OCX303 now warns (`check/edge_cells.py`)."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from frontend_helpers import HEADER, codes_of

KEY = "0f8e3a6c1d5b92e47a0c8f3d6b1e59a27c4f0d8b3e6a15c9f2d7b40e8a3c6f1d"


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _export(run_cli, tmp_path: Path, name: str, bound: datetime) -> tuple[Path, object]:
    out = tmp_path / f"{name}.csv"
    spec = tmp_path / f"{name}.ocx"
    spec.write_text(HEADER.replace("source profile demo", "source ocpi env U token env T")
                    + f"from sessions\n  where status = \"COMPLETED\" and start_date_time >= "
                    f"{_stamp(bound)}\nselect\n  truncate(start_date_time, hour) as started\n"
                    f"  round(kwh, 1) as energy\noutput csv to \"{out}\"\n")
    done = run_cli("run", str(spec), "--profile", "default", env={"TEST_KEY": KEY})
    assert done.exit_code == 0, done.stderr
    with out.open() as file:
        return spec, [row["started"] for row in csv.DictReader(file)]


def test_a_bound_one_minute_before_a_start_tells_that_start(run_cli, demo_profile,
                                                           tmp_path: Path) -> None:
    got = run_cli("get", "sessions", "--privacy-pass", "start_date_time")
    starts = [datetime.fromisoformat(s["start_date_time"].replace("Z", "+00:00"))
              for line in got.stdout.splitlines() if line.strip()
              for s in [json.loads(line)] if s["status"] == "COMPLETED"]
    _, exported = _export(run_cli, tmp_path, "all", datetime(2020, 1, 1, tzinfo=timezone.utc))
    # a session the file holds, late in its hour and the only one of its hour
    target = next(t for t in sorted(starts) if t.minute >= 40
                  and exported.count(_stamp(t.replace(minute=0, second=0))) == 1
                  and sum(u.replace(minute=0, second=0) == t.replace(minute=0, second=0)
                          for u in starts) == 1)
    hour, bound = target.replace(minute=0, second=0), target - timedelta(minutes=1)

    spec, late = _export(run_cli, tmp_path, "late", bound)
    # the file's hour holds the session that started in the minute after the bound: its
    # start is told to the 21 minutes at most up to the end of its hour, not to the hour
    assert late.count(_stamp(hour)) == 1
    assert hour + timedelta(hours=1) - bound <= timedelta(minutes=21)
    checked = run_cli("check", str(spec), "--format", "json")
    found = [(d["code"], d["message"]) for d in json.loads(checked.stdout)["diagnostics"]]
    assert found == [("OCX303", "the bound of the filter cuts a cell of `started` below the "
                                "floor of `start_date_time`")], found


ROWS = ("from sessions\n  {window}where {where}\n  join locations on location_id\nselect\n"
        "  prefix(location.postal_code, 4) as area\n  {column}\n"
        'output csv to "x/rows-{{run.date}}.csv"\n')


def _spec(where: str = 'status = "COMPLETED"', column: str = "round(kwh, 1) as energy",
          window: str = "") -> str:
    return ROWS.format(where=where, column=column, window=window)


HOUR = "truncate(start_date_time, hour) as started"


@pytest.mark.parametrize("body", [
    _spec("kwh >= 23.51"),
    _spec("kwh < 23.46"),
    _spec("not kwh < 23.51"),
    _spec("kwh >= 4.99", "bucket(kwh, [5, 10, 20]) as band"),
    _spec("start_date_time >= 2025-03-01T10:59:00Z", HOUR),
    _spec("start_date_time < 2025-03-01T10:10:00Z", HOUR),
    _spec('status = "COMPLETED"', HOUR,
          "between 2025-12-01T15:48:59Z and 2025-12-08T15:48:59Z\n  "
          "window on start_date_time\n  "),
    _spec('status = "COMPLETED"', HOUR,
          'previous day in "Asia/Kathmandu"\n  window on start_date_time\n  '),
], ids=["energy from", "energy below", "not below", "bucket", "start from", "start below",
        "between", "calendar zone"])
def test_a_bound_off_the_grid_is_warned(body: str) -> None:
    assert "OCX303" in codes_of(body)


@pytest.mark.parametrize("body", [
    _spec("kwh > 0"),                       # the README's own spec: a cell of 0.05
    _spec("kwh >= 23.55"),
    _spec("kwh >= 23.51", "round(kwh, 0) as energy"),
    _spec("start_date_time >= 2025-03-01T10:00:00Z", HOUR),
    _spec("start_date_time >= 2025-03-01T10:30:00Z", HOUR),
    _spec('kwh >= 23.51 because "the study looks at charges above the battery buffer"'),
    _spec("kwh >= 23.51", 'round(kwh, 1) as energy because "the study needs the energy '
          'as the charger measured it"'),
    _spec('status = "COMPLETED"', HOUR,
          "between 2025-12-01 and 2025-12-08\n  window on start_date_time\n  "),
    _spec('status = "COMPLETED"', HOUR, 'previous day in "Europe/Amsterdam"\n  '
          'window on start_date_time\n  '),
    # the window applies to `last_updated`, which no column cuts
    _spec('status = "COMPLETED"', HOUR, "between 2025-12-01T15:48:59Z and "
          "2025-12-08T15:48:59Z\n  "),
    "from sessions\n  where kwh >= 23.51\n  join locations on location_id\n"
    "group by round(kwh, 1) as energy\ncompute count() as n\n  minimum group size 10\n"
    'output csv to "x/agg.csv"\n',
], ids=["readme", "on the grid", "coarse grid", "on the hour", "half an hour", "justified",
        "justified column", "midnights", "whole-hour zone", "update time", "aggregate"])
def test_a_bound_on_the_grid_or_far_from_it_passes(body: str) -> None:
    assert "OCX303" not in codes_of(body)


def test_the_warning_renders(snapshot) -> None:
    from frontend_helpers import diagnose_source

    from ocpispec.diagnostics import report
    from ocpispec.diagnostics.source import SourceFile

    text = HEADER + _spec("start_date_time >= 2025-12-01T15:48:59Z", HOUR)
    found = diagnose_source(SourceFile("late.ocx", text))
    assert report.render(found, {"late.ocx": SourceFile("late.ocx", text)}) == snapshot


def test_a_rolling_window_run_a_minute_after_a_start_tells_that_start(
        run_cli, demo_profile, tmp_path: Path) -> None:
    """`last 7 days` on the start ends where the run does, and starts 7 days before:
    a run at 15:59 gives the rows of the window's first hour its last minute."""
    got = run_cli("get", "sessions", "--privacy-pass", "start_date_time")
    starts = sorted(datetime.fromisoformat(s["start_date_time"].replace("Z", "+00:00"))
                    for line in got.stdout.splitlines() if line.strip()
                    for s in [json.loads(line)] if s["status"] == "COMPLETED")
    _, exported = _export(run_cli, tmp_path, "all", datetime(2020, 1, 1, tzinfo=timezone.utc))
    target = next(t for t in starts if t.minute >= 40
                  and exported.count(_stamp(t.replace(minute=0, second=0))) == 1
                  and sum(u.replace(minute=0, second=0) == t.replace(minute=0, second=0)
                          for u in starts) == 1)
    hour, bound = target.replace(minute=0, second=0), target - timedelta(minutes=1)
    out = tmp_path / "week.csv"
    spec = tmp_path / "week.ocx"
    spec.write_text(HEADER.replace("source profile demo", "source ocpi env U token env T")
                    + "from sessions\n  last 7 days\n  window on start_date_time\n"
                    "  where status = \"COMPLETED\"\nselect\n"
                    "  truncate(start_date_time, hour) as started\n  round(kwh, 1) as energy\n"
                    f"output csv to \"{out}\"\n")
    done = run_cli("run", str(spec), "--profile", "default", "--as-of",
                   _stamp(bound + timedelta(days=7)), env={"TEST_KEY": KEY})
    assert done.exit_code == 0, done.stderr
    with out.open() as file:
        first = [row for row in csv.DictReader(file) if row["started"] == _stamp(hour)]
    assert len(first) == 1  # the one session of the 21 minutes after the window's start
    checked = run_cli("check", str(spec), "--format", "json")
    found = [(d["code"], d["message"]) for d in json.loads(checked.stdout)["diagnostics"]]
    assert found == [("OCX303", "the window ends at the moment of the run, which may cut a "
                                "cell of `started` below the floor of `start_date_time`")], found


ROLLING = ("from sessions\n  {window}\n  window on start_date_time\n"
           "  where status = \"COMPLETED\"\n"
           "select\n  {column}\n  round(kwh, 1) as energy\n"
           'output csv to "x/rows-{{run.timestamp}}.csv"\n{schedule}')


@pytest.mark.parametrize("window, column, schedule, warned", [
    ("last 7 days", HOUR, "", True),
    ("last 7 days", HOUR, "schedule daily at 06:45\n", True),
    ("last 7 days", HOUR, "schedule daily at 06:00\n", False),
    ("last 7 days", HOUR, "schedule hourly\n", False),
    ("last 7 days", HOUR, "schedule every 20 minutes\n", True),
    ("last 80 minutes", HOUR, "schedule hourly\n", True),
    ("last 90 minutes", HOUR, "schedule hourly\n", False),  # half an hour: tolerated
    ("last 7 days", "truncate(start_date_time, day) as started", "schedule daily at 06:45\n",
     False),
    ("last 7 days", 'truncate(start_date_time, hour) as started because "the planners need '
     'the hour the window cuts as it is"', "", False),
    ("between 2025-12-01 and 2025-12-08", HOUR, "", False),
], ids=["no schedule", "at 06:45", "at 06:00", "hourly", "every 20 minutes", "80 minutes",
        "90 minutes",
        "days", "justified", "fixed"])
def test_a_rolling_window_s_edges_fall_at_the_runs(window: str, column: str, schedule: str,
                                                   warned: bool) -> None:
    body = ROLLING.format(window=window, column=column, schedule=schedule)
    assert ("OCX303" in codes_of(body)) is warned


def test_the_rolling_warning_renders(snapshot) -> None:
    from frontend_helpers import diagnose_source

    from ocpispec.diagnostics import report
    from ocpispec.diagnostics.source import SourceFile

    text = HEADER + ROLLING.format(window="last 24 hours", column=HOUR,
                                   schedule="schedule daily at 06:45\n")
    found = diagnose_source(SourceFile("week.ocx", text))
    assert report.render(found, {"week.ocx": SourceFile("week.ocx", text)}) == snapshot


@pytest.mark.parametrize("where, column, warned", [
    ("kwh * 1000 >= 23510", "round(kwh, 1) as energy", True),
    ("round(kwh, 2) >= 23.51", "round(kwh, 1) as energy", True),
    ("23.51 <= kwh + 0", "round(kwh, 1) as energy", True),
    ("0 - kwh <= -23.51", "round(kwh, 1) as energy", True),
    ("truncate(start_date_time, minute) >= 2025-12-01T15:59:00Z", HOUR, True),
    ("kwh * 1000 >= 23500", "round(kwh, 1) as energy", False),
    ("round(kwh, 0) >= 24", "round(kwh, 1) as energy", False),
    ("truncate(start_date_time, hour) >= 2025-12-01T15:00:00Z", HOUR, False),
], ids=["scaled", "rounded finer", "shifted", "negated", "minute", "on the grid",
        "cut to its floor", "hour"])
def test_a_computed_bound_is_laid_over_the_grid_too(where: str, column: str,
                                                    warned: bool) -> None:
    """The same bound written through arithmetic or a cut below the floor."""
    assert ("OCX303" in codes_of(_spec(where, column))) is warned


COORDINATES = ("from sessions\n  where {where}\n  join locations on location_id\nselect\n"
               "  {column} as cell\n  round(kwh, 1) as energy\n"
               'output geojson to "x/rows-{{run.date}}.geojson"\n')


@pytest.mark.parametrize("where, column, warned", [
    ('location.coordinates.latitude >= "52.0995"', "grid(location.coordinates, 0.05)", True),
    ('location.coordinates.longitude < "4.3004"', "grid(location.coordinates, 0.05)", True),
    ('"52.104" <= location.coordinates.latitude', "round_coords(location.coordinates, 2)",
     True),
    ('location.coordinates.latitude >= "52.1"', "grid(location.coordinates, 0.05)", False),
    ('location.coordinates.latitude >= "52.0905"', "grid(location.coordinates, 0.05)", False),
    ('location.coordinates.latitude >= "52.0995" because "the study covers the sites north '
     'of the motorway"', "grid(location.coordinates, 0.05)", False),
], ids=["latitude", "longitude", "flipped", "on the grid", "half a cell", "justified"])
def test_a_text_coordinate_bound_is_laid_over_the_grid(where: str, column: str,
                                                       warned: bool) -> None:
    """OCPI sends coordinates as decimal text: a bound written so is a number on the
    coordinates' grid all the same (`"52.0995"` leaves the cell from 52.05 the rows in
    its last 0.0005 degrees, some 50 m)."""
    body = COORDINATES.format(where=where, column=column)
    assert ("OCX303" in codes_of(body)) is warned
