"""A `since last run` export against a platform whose records move while the list is
read by offset: objects of a page read already are updated (they leave the pinned
window and the objects behind them shift down one place, onto that page), while as
many back-dated objects are inserted at the window's end, so `X-Total-Count` stays the
same and shows no shift. The run must not skip the shifted objects with exit 0: over
the runs, every session is delivered, and none twice in the same version."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path


from ocpispec.demo import DemoServer, Faults

VERSION = "2.2.1"
SPEC = '''export moving
  consumer "Test consumer"
  purpose "Exercise records moving while a list is read"
  legal basis public task "test"
  retention 1 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions since last run
  include private locations because "the test counts every session"
select
  start_date_time because "the test tells sessions apart"
  kwh because "the test tells sessions apart"
  last_updated because "the test tells versions apart"
output csv to "moving.csv"
'''


def _run(run_cli, server: DemoServer, tmp_path: Path, name: str, *args: str):
    spec = tmp_path / "moving.ocx"
    spec.write_text(SPEC)
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token}
    return run_cli("run", str(spec), "--out", str(tmp_path / name),
                   "--state", str(tmp_path / "ledger.sqlite"), *args, env=env)


def _rows(path: Path) -> list[tuple[str, str, str]]:
    if not path.exists():
        return []
    text = path.read_text()
    return [(row["start_date_time"], row["kwh"], row["last_updated"])
            for row in csv.DictReader(io.StringIO(text, newline=""))]


def _identities(listing) -> set[tuple[str, str]]:
    return {(s["start_date_time"], str(s["kwh"])) for s in map(listing.render, range(listing.count))}


def test_a_shift_the_count_does_not_show_fails_the_run_and_the_next_delivers_each_once(
        run_cli, demo_server_factory, tmp_path: Path, snapshot) -> None:
    server = demo_server_factory(version=VERSION, size=600, max_page_size=50,
                                 faults=Faults(mutate_mid_crawl=3, insert_mid_crawl=3))
    first = _run(run_cli, server, tmp_path, "first.csv", "--concurrency", "1")
    listing = server.listings[VERSION]["sessions"]
    assert len(listing.moved) == 3 and listing.late_state == "arrived"
    assert first.exit_code == 1, first.output    # it exited 0 without 3 sessions, for good
    assert "error[OCX571]" in first.output
    assert [line.strip() for line in first.output.splitlines() if "`X-Total-Count` did not fall" in line] == snapshot
    assert not (tmp_path / "first.csv").exists()
    server.faults = Faults()
    listing.moved_at -= 5     # updated seconds ago: inside the next window whatever the clock's second
    second = _run(run_cli, server, tmp_path, "second.csv")
    assert second.exit_code == 0, second.output
    delivered = _rows(tmp_path / "second.csv")
    assert max(Counter(delivered).values()) == 1
    assert {(start, kwh) for start, kwh, _ in delivered} == _identities(listing)
    assert len(delivered) == listing.count


def test_read_concurrently_a_run_is_whole_or_fails(run_cli, demo_server_factory, tmp_path: Path) -> None:
    """Pages in flight side by side meet the move before or after it is made, so the
    shift may skip objects or not: either every session arrives, or the run fails."""
    server = demo_server_factory(version=VERSION, size=600, max_page_size=50,
                                 faults=Faults(mutate_mid_crawl=3, insert_mid_crawl=3))
    result = _run(run_cli, server, tmp_path, "first.csv", "--concurrency", "4")
    listing = server.listings[VERSION]["sessions"]
    if result.exit_code != 0:
        assert result.exit_code == 1 and "OCX571" in result.output
        assert not (tmp_path / "first.csv").exists()
        return
    delivered = _rows(tmp_path / "first.csv")
    assert max(Counter(delivered).values()) == 1
    assert {(start, kwh) for start, kwh, _ in delivered} == _identities(listing)
