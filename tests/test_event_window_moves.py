"""`window on FIELD` against a platform whose records change while they are read: a
record of the event window updated before its page comes leaves the pinned list, and
the next window is another event-time window, so it must come now, exactly once."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from ocpispec.demo import DemoServer, Faults
from ocpispec.timestamps import read_timestamp

VERSION = "2.2.1"
WINDOW = (read_timestamp("2025-03-01T00:00:00Z"), read_timestamp("2025-09-01T00:00:00Z"))
SPEC = '''export started
  consumer "Test consumer"
  purpose "Exercise window on start_date_time"
  legal basis public task "test"
  retention 1 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
  between 2025-03-01 and 2025-09-01
  window on start_date_time
  include private locations because "the test counts every session"
select
  start_date_time because "the test compares exact times"
  kwh because "the test tells sessions apart"
output csv to stdout
'''


def _run(run_cli, server: DemoServer, tmp_path: Path, *args: str):
    spec = tmp_path / "started.ocx"
    spec.write_text(SPEC)
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token}
    return run_cli("run", str(spec), "--out", str(tmp_path / "started.csv"),
                   "--state", str(tmp_path / "ledger.sqlite"), *args, env=env)


def _expected(server: DemoServer) -> list[tuple[str, str]]:
    listing = server.listings[VERSION]["sessions"]
    found = []
    for index in range(listing.count):
        session = listing.render(index)
        if WINDOW[0] <= read_timestamp(session["start_date_time"]) < WINDOW[1]:
            found.append((session["start_date_time"], str(session["kwh"])))
    return sorted(found)


def _delivered(tmp_path: Path) -> list[tuple[str, str]]:
    text = (tmp_path / "started.csv").read_text()
    return sorted((row["start_date_time"], row["kwh"])
                  for row in csv.DictReader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("concurrency, faults", [
    ("1", Faults(update_unread=7)), ("4", Faults(update_unread=7)),
    ("4", Faults(update_unread=4, no_pagination_headers=True)),
    ("4", Faults(update_unread=7, lowercase_ids=True)),
    ("4", Faults(update_unread=7, inclusive_date_to=True, exclusive_date_from=True))],
    ids=["sequential", "concurrent", "no-headers", "lowercase-ids", "boundaries"])
def test_records_updated_before_their_page_are_delivered_once(
        run_cli, demo_server_factory, tmp_path: Path, concurrency: str, faults: Faults) -> None:
    server = demo_server_factory(version=VERSION, size=600, max_page_size=50, faults=faults)
    result = _run(run_cli, server, tmp_path, "--concurrency", concurrency)
    assert result.exit_code == 0, result.output
    moved = server.listings[VERSION]["sessions"].moved
    assert len(moved) == faults.update_unread
    expected = _expected(server)
    assert len(expected) > 200
    assert _delivered(tmp_path) == expected


def test_an_honest_platform_reads_the_list_of_updates_once_and_it_is_empty(
        run_cli, demo_server_factory, tmp_path: Path) -> None:
    server = demo_server_factory(version=VERSION, size=600, max_page_size=50)
    result = _run(run_cli, server, tmp_path)
    assert result.exit_code == 0, result.output
    assert _delivered(tmp_path) == _expected(server)
    lists = [q.target for q in server.request_log
             if "/sessions?" in q.target and "offset=0" in q.target]
    # the pinned list, the list of updates since the pin; the pinned list's check for objects
    # that left it while it was read (`count-shift`) asks for the latter's first page too
    assert len(lists) == 3, lists
    assert "date_to" not in lists[1] and lists[2] == lists[1]
    assert "the platform" not in result.output  # no warning about it


def test_a_version_left_out_gives_way_to_the_later_one(
        run_cli, demo_server_factory, tmp_path: Path) -> None:
    """Sessions of the first page, read, then updated while the rest is read: the version
    read first fails the filter, the later one passes it (as a session read while ACTIVE
    and updated to COMPLETED would), so the later one is delivered, once."""
    server = demo_server_factory(version=VERSION, size=600, max_page_size=50,
                                 faults=Faults(mutate_mid_crawl=3))
    spec = tmp_path / "started.ocx"
    spec.write_text(SPEC.replace("between 2025-03-01", "between 2025-01-01").replace(
        "window on start_date_time\n", "window on start_date_time\n  where last_updated >= 2026-06-01\n"))
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token}
    result = run_cli("run", str(spec), "--out", str(tmp_path / "started.csv"),
                     "--state", str(tmp_path / "ledger.sqlite"), env=env)
    assert result.exit_code == 0, result.output
    listing = server.listings[VERSION]["sessions"]
    assert len(listing.moved) == 3
    sessions = [listing.render(index) for index in listing.moved]
    assert all("2025-01" in s["start_date_time"] for s in sessions)   # inside the window
    assert _delivered(tmp_path) == sorted((s["start_date_time"], str(s["kwh"])) for s in sessions)
