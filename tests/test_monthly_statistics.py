"""specs/monthly_statistics.ocx against the demo CPO: its numbers equal a reference
computed straight from the demo's records, and `window on start_date_time` puts each
session in the month it started (not the month it was last updated)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from pathlib import Path

import pytest

from ocpispec.timestamps import read_timestamp

AS_OF = "2026-01-01T00:00:00Z"  # 01:00 in Amsterdam: the previous month is December
DECEMBER = (read_timestamp("2025-11-30T23:00:00Z"), read_timestamp("2025-12-31T23:00:00Z"))
VERSION = "2.2.1"


@pytest.fixture(scope="module")
def server():
    from ocpispec.demo import DemoServer

    with DemoServer(version=VERSION, size=6000, max_page_size=500) as started:
        yield started


def _run(run_cli, server, spec: str, out: Path, *args: str):
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token}
    return run_cli("run", spec, "--out", str(out), "--state", str(out.parent / "ledger.sqlite"),
                   "--as-of", AS_OF, *args, env=env)


def _records(server, module: str) -> list[dict]:
    listing = server.listings[VERSION][module]
    return [listing.render(i) for i in range(listing.count)]


def _in_december(text: str | None) -> bool:
    return text is not None and DECEMBER[0] <= read_timestamp(text) < DECEMBER[1]


def _reference(server) -> dict[tuple[str, str], tuple[int, float]]:
    """(postal district, power type) -> (sessions, kWh) for groups of 10+ drivers."""
    locations = {loc["id"].lower(): loc for loc in _records(server, "locations")}
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for session in _records(server, "sessions"):
        location = locations.get(session["location_id"].lower())
        if session["status"] != "COMPLETED" or not _in_december(session["start_date_time"]) \
                or location is None or not location.get("publish", True):
            continue
        evse = next(e for e in location["evses"] if e["uid"].lower() == session["evse_uid"].lower())
        connector = next(c for c in evse["connectors"]
                         if c["id"].lower() == session["connector_id"].lower())
        groups[(location["postal_code"][:2], connector["power_type"])].append(session)
    released = {}
    for key, sessions in groups.items():
        token = [s["cdr_token"] for s in sessions]
        drivers = {(t.get("contract_id") or t["uid"]).lower() for t in token}
        if len(drivers) >= 10:
            released[key] = (len(sessions), sum(s["kwh"] for s in sessions))
    return released


def test_monthly_statistics_equal_the_reference(run_cli, server, tmp_path: Path) -> None:
    result = _run(run_cli, server, "specs/monthly_statistics.ocx", tmp_path / "stats.csv")
    assert result.exit_code == 0, result.output
    assert ("2025-11-30T23:00:00Z to 2025-12-31T23:00:00Z (previous month in "
            "Europe/Amsterdam, on start_date_time)") in result.output
    rows = list(csv.DictReader(io.StringIO((tmp_path / "stats.csv").read_text(), newline="")))
    found = {(r["postal_district"], r["power_type"]): (int(r["sessions"]), float(r["energy_kwh"]))
             for r in rows}
    expected = _reference(server)
    assert len(expected) >= 5
    assert found.keys() == expected.keys()
    for key, (sessions, kwh) in expected.items():
        assert found[key][0] == sessions, key
        assert found[key][1] == pytest.approx(kwh, abs=1e-6), key
    keys = [(r["postal_district"], r["power_type"]) for r in rows]
    assert keys == sorted(keys)  # `order by postal_district power_type`


def test_window_on_start_time_keeps_exactly_the_sessions_started_in_the_window(
        run_cli, server, tmp_path: Path) -> None:
    spec = tmp_path / "started.ocx"
    spec.write_text('''export started
  consumer "Test consumer"
  purpose "Exercise window on start_date_time"
  legal basis public task "test"
  retention 1 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
  previous month in "Europe/Amsterdam"
  window on start_date_time
  include private locations because "the test counts every session"
select
  start_date_time because "the test compares exact times"
order by start_date_time
output csv to stdout
''')
    result = _run(run_cli, server, str(spec), tmp_path / "started.csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO((tmp_path / "started.csv").read_text(), newline="")))
    started = sorted(s["start_date_time"] for s in _records(server, "sessions")
                     if _in_december(s["start_date_time"]))
    assert [read_timestamp(r["start_date_time"]) for r in rows] == \
        [read_timestamp(text) for text in started]
    updated = [s for s in _records(server, "sessions") if _in_december(s["last_updated"])]
    assert {s["start_date_time"] for s in updated} != set(started)  # the two windows differ
