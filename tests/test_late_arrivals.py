"""Records that come into a `since last run` window after a run read it (a read replica
that lags its writes, a back-dated correction): the next run starts where that one
ended, so without `--lookback` they were never delivered and no run said so. A run now
asks the platform once more for the count of the last window and warns (OCX562); with
`--lookback`, every record is delivered once over many runs (`execute/late_arrivals.py`)."""

from __future__ import annotations

import csv
import dataclasses
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ocpispec.demo import DemoServer, Faults

KEY = "9c3e1a7f5b2d08e64a0c9f3b7d1e52a8c6f4b09e2d7a31c5f8b0d64e9a3c7f12"
SPEC = '''export late_test
  consumer "Test consumer"
  purpose "Late records in tests of ocpispec"
  legal basis public task "test"
  retention 1 months
  pseudonym key env TEST_PSEUDONYM_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions since last run
select pseudonymize(id) as session
output csv to "{out}/sessions-{{window.end}}.csv"
from cdrs since last run
select pseudonymize(id) as cdr
output csv to "{out}/cdrs-{{window.end}}.csv"
'''
LATE = re.compile(r"OCX562: the platform now lists (\d+) more `(\w+)`")


@pytest.fixture
def run(run_cli, tmp_path: Path):
    def invoke(server: DemoServer, folder: str, as_of: str, *args: str):
        spec = tmp_path / f"{folder}.ocx"
        spec.write_text(SPEC.format(out=tmp_path / folder))
        env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
               "TEST_PSEUDONYM_KEY": KEY}
        return run_cli("run", str(spec), "--state", str(tmp_path / f"{folder}.sqlite"),
                       "--as-of", as_of, *args, env=env)

    return invoke


def _delivered(folder: Path, module: str) -> list[str]:
    found = []
    for path in folder.glob(f"{module}-*.csv"):
        with path.open(newline="") as handle:
            found += [next(iter(row.values())) for row in csv.DictReader(handle)]
    return found


def _moments(count: int) -> list[str]:
    start = datetime(2025, 2, 1, tzinfo=UTC)
    return [(start + timedelta(days=5 * i, hours=7 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
            for i in range(count)]


def _lagging(server: DemoServer, as_of: str) -> None:
    """The replica lags two days behind the platform's now, the run's time."""
    moment = datetime.strptime(as_of, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    server.faults = dataclasses.replace(server.faults, replica_now=int(moment.timestamp()))


def test_records_that_came_late_are_named_by_the_next_run(run, demo_server_factory,
                                                          tmp_path: Path, snapshot) -> None:
    server = demo_server_factory(version="2.2.1", size=600, faults=Faults(late_records=4))
    first = run(server, "out", "2025-07-01T00:00:00Z")
    second = run(server, "out", "2026-01-01T00:00:00Z")
    assert first.exit_code == second.exit_code == 0, second.output
    warned = [line.strip() for line in second.stderr.splitlines() if "OCX562" in line]
    assert warned == snapshot
    reference = run(server, "all", "2026-01-01T00:00:00Z")
    assert reference.exit_code == 0 and "OCX562" not in reference.stderr + first.stderr
    lost = set(_delivered(tmp_path / "all", "sessions")) - set(_delivered(tmp_path / "out",
                                                                          "sessions"))
    assert [int(n) for n, module in LATE.findall(second.stderr) if module == "sessions"] \
        == [len(lost)] == [4]


def test_a_lagging_replica_is_named_each_run_and_lookback_delivers_every_record_once(
        run, demo_server_factory, tmp_path: Path) -> None:
    """Many runs against a replica two days behind: without a lookback each run's last
    two days came only later, back-dated, and were lost, each run told of them by the
    next; with `--lookback 3d` the union of the deliveries is one whole run's, each
    record once, and no run warns."""
    server = demo_server_factory(version="2.2.1", size=600, max_page_size=50,
                                 faults=Faults(visibility_lag=2 * 86400))
    moments = _moments(8)
    warned = {"sessions": 0, "cdrs": 0}
    for as_of in moments:
        _lagging(server, as_of)
        plain, lookback = run(server, "plain", as_of), run(server, "lookback", as_of,
                                                          "--lookback", "3d")
        assert plain.exit_code == lookback.exit_code == 0, plain.output + lookback.output
        assert "OCX562" not in lookback.stderr
        for count, module in LATE.findall(plain.stderr):
            warned[module] += int(count)
    reference = run(server, "all", moments[-1])
    assert reference.exit_code == 0
    for module in ("sessions", "cdrs"):
        whole = _delivered(tmp_path / "all", module)
        plain, lookback = (_delivered(tmp_path / name, module) for name in ("plain", "lookback"))
        assert len(whole) > 50
        assert sorted(lookback) == sorted(whole), module  # every record, each once
        assert len(set(plain)) == len(plain)
        lost = set(whole) - set(plain)
        # each record lost was counted by the run after the one whose window it came into
        assert warned[module] == len(lost) > 0, module


def test_a_dry_run_counts_the_request_that_asks_the_last_window_again(
        run, demo_server_factory) -> None:
    server = demo_server_factory(version="2.2.1", size=300, max_page_size=100)
    assert run(server, "out", "2025-05-01T00:00:00Z", "--concurrency", "1").exit_code == 0
    dry = run(server, "out", "2025-06-01T00:00:00Z", "--dry-run", "--concurrency", "1")
    estimated = int(re.search(r"Estimate: about (\d+) requests", dry.stderr).group(1))  # type: ignore[union-attr]
    before = len(server.request_log)
    real = run(server, "out", "2025-06-01T00:00:00Z", "--concurrency", "1")
    assert real.exit_code == 0, real.output
    data = [r for r in server.request_log[before:]
            if re.search(r"/(sessions|cdrs|locations)\?", r.target)]
    # and, for each list, two that ask which stamp the date filters apply to (`filtered_field`);
    # the locations both datasets judge sites by are read once (`shared_lookups`)
    assert estimated == len(data) == 14


def test_records_later_than_the_lookback_reaches_are_named_by_the_next_run(
        run, demo_server_factory, tmp_path: Path) -> None:
    """A replica two days behind, read with `--lookback 1d`: the records of each window's
    second-to-last day came later than the next run's re-read part reaches, so they were
    lost, and no run said so (a run with `--lookback` did not ask the last window's count
    again). Each run now names what came before its re-read part: beyond the late records
    that part found, the last window's count grew by the records lost."""
    server = demo_server_factory(version="2.2.1", size=600, max_page_size=50,
                                 faults=Faults(visibility_lag=2 * 86400))
    moments = _moments(8)
    warned = {"sessions": 0, "cdrs": 0}
    for as_of in moments:
        _lagging(server, as_of)
        done = run(server, "short", as_of, "--lookback", "1d")
        assert done.exit_code == 0, done.output
        for count, module in LATE.findall(done.stderr):
            warned[module] += int(count)
        assert "OCX562" not in done.stderr or "later than the lookback reaches" in done.stderr
    reference = run(server, "all", moments[-1])
    assert reference.exit_code == 0
    for module in ("sessions", "cdrs"):
        whole, short = (_delivered(tmp_path / name, module) for name in ("all", "short"))
        assert len(set(short)) == len(short)
        lost = set(whole) - set(short)
        # each record lost was counted by the run after the one whose window it came into
        assert warned[module] == len(lost) > 0, module
