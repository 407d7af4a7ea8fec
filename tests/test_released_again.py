"""An aggregate released once per window, over real HTTP against the demo CPO: a window
run again after late records arrived gave the late sessions away as the difference of
two files (OCX546)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from ocpispec.demo import Faults

AS_OF = "2026-01-01T00:00:00Z"
DAY_LATER = "2026-01-02T00:00:00Z"
SPEC = '''export released_again
  consumer "Test consumer"
  purpose "Tests of windows released again"
  legal basis public task "test"
  retention 1 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions as monthly
  {window}
  join locations on location_id
group by
  prefix(location.postal_code, 2) as district
compute
  count() as sessions
  sum(kwh) as energy_kwh
  minimum group size 5
output csv to "out.csv"
'''
MONTHLY = "previous month\n  window on start_date_time"


@pytest.fixture
def server(demo_server_factory):
    return demo_server_factory(version="2.2.1", size=1000, faults=Faults(late_records=30))


@pytest.fixture
def run(run_cli, tmp_path: Path, server):
    """`ocpispec run SPEC` of the spec with `window` into `out`; returns (result, rows)."""

    def invoke(window: str, out: str, *args: str, spec: str = SPEC):
        path = tmp_path / "spec.ocx"
        path.write_text(spec.format(window=window))
        target = tmp_path / out
        env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token}
        result = run_cli("run", str(path), "--out", str(target), *args, env=env)
        rows = None
        if result.exit_code == 0:
            with target.open(newline="") as handle:
                rows = {row["district"]: row for row in csv.DictReader(handle)}
        return result, rows

    return invoke


def test_a_window_run_again_after_late_records_is_refused(run, tmp_path: Path,
                                                          snapshot) -> None:
    first, before = run(MONTHLY, "a.csv", "--as-of", AS_OF)
    assert first.exit_code == 0, first.stderr
    again, _ = run(MONTHLY, "b.csv", "--as-of", DAY_LATER)
    assert again.exit_code == 1
    assert again.stderr.replace(str(tmp_path), "<tmp>") == snapshot
    assert not (tmp_path / "b.csv").exists()
    # what it would have released: groups that grew by fewer drivers than the minimum
    forced, after = run(MONTHLY, "b.csv", "--as-of", DAY_LATER, "--release-again")
    assert forced.exit_code == 0, forced.stderr
    grown = [district for district, row in after.items() if district in before
             and 0 < int(row["sessions"]) - int(before[district]["sessions"]) < 5]
    assert grown  # the late sessions, one by one, as the difference of two rows
    assert "released again over a window the run at 2026-01-01T00:00:00Z delivered" \
        in forced.stderr
    record = json.loads(max(tmp_path.rglob("runs/released_again/*.json")).read_text())
    assert record["options"]["release_again"] is True


def test_a_since_last_run_aggregate_is_refused_only_when_restarted(run) -> None:
    window = "since last run"
    for as_of in ("2025-12-20T00:00:00Z", "2025-12-21T00:00:00Z"):
        result, _ = run(window, f"{as_of[:10]}.csv", "--as-of", as_of, "--lookback", "2h")
        assert result.exit_code == 0, result.stderr
    restarted, _ = run(window, "all.csv", "--as-of", "2025-12-22T00:00:00Z", "--restart")
    assert restarted.exit_code == 1 and "error[OCX546]" in restarted.stderr


def test_a_sample_is_not_judged(run, tmp_path: Path) -> None:
    assert run(MONTHLY, "a.csv", "--as-of", AS_OF)[0].exit_code == 0
    sample, _ = run(MONTHLY, "s.csv", "--as-of", DAY_LATER, "--limit", "50")
    assert sample.exit_code == 0, sample.stderr


def test_a_fixed_window_without_a_schedule_run_again_is_refused(run) -> None:
    """A spec without a schedule is run by hand only: `between` run again once late
    records came is the same difference as a calendar window run again."""
    window = "between 2025-12-01 and 2026-01-01\n  window on start_date_time"
    assert run(window, "a.csv", "--as-of", AS_OF)[0].exit_code == 0
    again, _ = run(window, "b.csv", "--as-of", DAY_LATER)
    assert again.exit_code == 1 and "error[OCX546]" in again.stderr


def test_windows_that_follow_each_other_are_not_refused(run) -> None:
    for as_of, out in (("2025-12-01T00:00:00Z", "nov.csv"), (AS_OF, "dec.csv")):
        result, _ = run(MONTHLY, out, "--as-of", as_of)
        assert result.exit_code == 0, result.stderr


def test_a_name_given_later_does_not_hide_the_delivery(run_cli, tmp_path: Path, server) -> None:
    """Naming a dataset (`as monthly`) moves its state from the module's id; the windows
    that id delivered are the named dataset's."""
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token}
    spec = tmp_path / "spec.ocx"
    results = []
    for text, out, as_of in ((SPEC.replace(" as monthly", ""), "a.csv", AS_OF),
                             (SPEC, "b.csv", DAY_LATER)):
        spec.write_text(text.format(window=MONTHLY))
        results.append(run_cli("run", str(spec), "--out", str(tmp_path / out), "--as-of",
                               as_of, env=env))
    assert results[0].exit_code == 0, results[0].stderr
    assert results[1].exit_code == 1 and "error[OCX546]: `monthly`" in results[1].stderr


def test_a_rolling_window_its_schedule_tiles_is_judged(run) -> None:
    """`last 7 days` run weekly tiles, so a run between (by hand, `--as-of`) releases six
    of its days again; run daily it overlaps by design: `check` warns (OCX336)."""
    week = "last 7 days\n  window on start_date_time"
    weekly = SPEC.replace('output csv to "out.csv"\n',
                          'output csv to "out.csv"\nschedule weekly on monday at 00:00\n')
    daily = weekly.replace("weekly on monday", "daily")
    for spec, refused in ((weekly, True), (daily, False)):
        first, _ = run(week, "a.csv", "--as-of", "2025-12-29T00:00:00Z", spec=spec)
        again, _ = run(week, "b.csv", "--as-of", "2025-12-30T00:00:00Z", spec=spec)
        assert first.exit_code == 0, first.stderr
        assert again.exit_code == (1 if refused else 0), again.stderr
        assert ("error[OCX546]" in again.stderr) is refused


def test_a_dataset_renamed_does_not_hide_the_delivery(run, tmp_path: Path) -> None:
    """`as monthly` renamed `as by_district` is a dataset ocpispec never saw, with no
    previous name: its window was delivered as `monthly` all the same."""
    assert run(MONTHLY, "a.csv", "--as-of", AS_OF)[0].exit_code == 0
    renamed = SPEC.replace(" as monthly", " as by_district")
    again, _ = run(MONTHLY, "b.csv", "--as-of", DAY_LATER, spec=renamed)
    assert again.exit_code == 1, again.stderr
    assert "error[OCX546]: `by_district` would release its groups again over records the " \
           "run at 2026-01-01T00:00:00Z released as `monthly`, a dataset of sessions the " \
           "spec no longer has" in " ".join(again.stderr.split())
    assert not (tmp_path / "b.csv").exists()
    # the next month under the new name is no release again
    later, _ = run(MONTHLY, "c.csv", "--as-of", "2026-02-01T00:00:00Z", spec=renamed)
    assert later.exit_code == 0, later.stderr
