"""A session's update time is its end, to the hour (adversarial review, round 3).

`truncate(start_date_time, hour)`, `truncate(end_date_time, hour)` and the duration
between them to 0.1 minute pin the start within the hour (OCX303, `check/time_pins.py`).
With `truncate(last_updated, hour)` in place of the end's hour the check said nothing,
yet OCPI updates a session when it ends (on the demo CPO 30 seconds to 10 minutes
later): the update's hour bounds the end, and the duration the start."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta
from pathlib import Path

from frontend_helpers import HEADER as CHECK_HEADER
from frontend_helpers import codes_of, diagnose_source

from ocpispec.diagnostics import report
from ocpispec.diagnostics.source import SourceFile

KEY = "7e2a9d4c1b8f3e6a0d5c2b9f4e7a1d8c3b6f0e9a2d5c8b1f4e7a0d3c6b9f2e5a"
HEADER = '''export charging_times
  consumer "Mobility research institute"
  purpose "Study when and how long drivers charge"
  legal basis legitimate interests "Art. 6(1)(f) GDPR; LIA-2026-3"
  retention 12 months
  pseudonym key env TIMES_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
'''


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_the_update_hour_and_the_duration_pin_the_start(run_cli, demo_server,
                                                        tmp_path: Path) -> None:
    out, truth = tmp_path / "exports" / "times.csv", tmp_path / "exports" / "truth.csv"
    spec = tmp_path / "times.ocx"
    spec.write_text(HEADER + f'''from sessions
  where status = "COMPLETED"
select
  pseudonymize(id) as session
  truncate(start_date_time, hour) as started
  round(minutes(start_date_time, end_date_time), 1) as minutes
  truncate(last_updated, hour) as updated
output csv to "{out}"

from sessions as truth
  where status = "COMPLETED"
select
  pseudonymize(id) as session
  start_date_time as start because "the exact start shows the test its truth only"
output csv to "{truth}"
''')
    checked = run_cli("check", str(spec), "--format", "json")
    found = [(d["code"], d["range"]["start"]["line"], d["notes"][1])
             for d in json.loads(checked.stdout)["diagnostics"] if d["code"] == "OCX303"]
    assert [(code, line) for code, line, _ in found] == [("OCX303", 13)], found
    assert "a session is last updated when it ends" in found[0][2]

    result = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", "--quiet",
                     env={"OCPI_VERSIONS_URL": demo_server.versions_url,
                          "OCPI_TOKEN": demo_server.token, "TIMES_KEY": KEY})
    assert result.exit_code == 0, result.stderr
    with truth.open() as file:
        starts = {row["session"]: _time(row["start"]) for row in csv.DictReader(file)}
    with out.open() as file:
        rows = list(csv.DictReader(file))
    narrow = 0
    for row in rows:
        # the session ended at its update or up to 10.5 minutes before (the demo's
        # lag), and the update's hour is released: with the start's hour and the
        # duration, the start lies in what both leave of that hour
        hour, updated = _time(row["started"]), _time(row["updated"])
        duration = timedelta(minutes=float(row["minutes"]))
        low = max(hour, updated - timedelta(minutes=10.5) - duration)
        high = min(hour + timedelta(hours=1), updated + timedelta(hours=1) - duration)
        assert low - timedelta(seconds=3) <= starts[row["session"]] < high + timedelta(seconds=3)
        narrow += high - low <= timedelta(minutes=15)
    # 9 of 238 sessions to a quarter of an hour or less (17 with the end's own hour)
    assert rows and narrow >= len(rows) // 40, (narrow, len(rows))


COLUMNS = ("truncate(start_date_time, hour) as started\n"
           "  round(minutes(start_date_time, end_date_time), 1) as minutes\n"
           "  truncate(last_updated, hour) as updated\n")


def test_the_warning_says_why(snapshot) -> None:
    source = SourceFile("times.ocx", CHECK_HEADER + "from sessions\nselect\n  " + COLUMNS
                        + "output csv to stdout\n")
    assert report.render(diagnose_source(source), {"times.ocx": source}) == snapshot


def test_a_cdrs_update_time_is_no_end() -> None:
    """A CDR is sent when the charge is billed, hours or weeks later (on the demo CPO up
    to 14 days): its update time bounds nothing."""
    assert "OCX303" not in codes_of("from cdrs\nselect\n  " + COLUMNS + "output csv to stdout\n")


def test_a_coarse_duration_beside_the_update_hour_passes() -> None:
    columns = COLUMNS.replace("round(minutes(start_date_time, end_date_time), 1) as minutes",
                              "round(hours(start_date_time, end_date_time), 0) as hours")
    assert codes_of("from sessions\nselect\n  " + columns + "output csv to stdout\n") == []
