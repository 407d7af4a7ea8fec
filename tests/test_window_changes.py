"""A spec whose window rule (or zone) changes between runs: the deliveries before and
after the change tile time, each record once. `since last run` -> `previous day` once
delivered the hours of the day before the change twice, `previous day` -> `since last
run` resumed from the last `since last run` watermark and delivered every day in
between twice, and `previous day in UTC` -> `in "Europe/Amsterdam"` an hour twice."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from independent_cpo import IndependentCpo

from ocpispec.ledger.query import logged_runs

KEY = {"TEST_PSEUDONYM_KEY": "6a1f0c9e3d7b24e8a5c1f9d0b3e6a27c4f8d1b5e9a0c3f7d2b6e4a8c1f5d9b03"}
SPEC = """export window_change_test
  consumer "Test consumer"
  purpose "Tests that a changed window neither repeats nor loses records"
  legal basis public task "test"
  retention 1 months
  pseudonym key env TEST_PSEUDONYM_KEY
source {source}
from sessions {window}
select pseudonymize(id) as session
output csv to "{out}/sessions-{{window.start}}-{{window.end}}.csv"
"""
DEMO_SOURCE = "ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN"
SINCE, DAY = "since last run", "previous day"
# a midnight between a test's reading of today and its runs moves their windows
pytestmark = pytest.mark.usefixtures("clear_of_midnight")
AMSTERDAM = 'previous day in "Europe/Amsterdam"'


@pytest.fixture
def demo(demo_server_factory):
    server = demo_server_factory(version="2.2.1", size=3000)
    return {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token, **KEY}


def _run(run_cli, tmp_path: Path, env: dict, window: str, *args: str, ledger: str = "ledger",
         out: str = "out", source: str = DEMO_SOURCE):
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(source=source, window=window, out=tmp_path / out))
    result = run_cli("run", str(spec), "--state", str(tmp_path / f"{ledger}.sqlite"), *args,
                     env=env)
    assert result.exit_code == 0, result.output
    return result


_NAMED = re.compile(r"sessions-(\d{8}T\d{6}(?:Z|[+-]\d{4}))-(\d{8}T\d{6}(?:Z|[+-]\d{4}))\.csv")


def _instant(text: str) -> datetime:
    """A window bound as a file name writes it: UTC (`...Z`) or a zone's clock with its
    offset (`20250604T000000+0200`, a calendar window in that zone)."""
    return datetime.strptime(text.replace("Z", "+0000"), "%Y%m%dT%H%M%S%z")


def _delivered(folder: Path) -> tuple[list[str], list[tuple[datetime, datetime]]]:
    """Every session delivered into `folder`, and the windows of its files in order."""
    sessions, windows = [], []
    named = [(_NAMED.fullmatch(path.name), path) for path in folder.glob("sessions-*.csv")]
    assert all(found is not None for found, _ in named), [path.name for _, path in named]
    for found, path in sorted(named, key=lambda item: _instant(item[0].group(1))):
        windows.append((_instant(found.group(1)), _instant(found.group(2))))
        rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
        sessions += [row["session"] for row in rows]
    return sessions, windows


def _tiled(windows: list[tuple[datetime, datetime]]) -> bool:
    return all(end == start for (_, end), (start, _) in zip(windows, windows[1:]))


STEPS = {
    "since last run, then previous day": [(SINCE, "2025-06-03T10:00:00Z"),
                                          (DAY, "2025-06-04T00:10:00Z"),
                                          (DAY, "2025-06-05T00:10:00Z")],
    "previous day, then since last run": [(SINCE, "2025-06-02T00:00:00Z"),
                                          (DAY, "2025-06-03T00:10:00Z"),
                                          (SINCE, "2025-06-03T09:00:00Z"),
                                          (DAY, "2025-06-04T00:10:00Z"),
                                          (DAY, "2025-06-05T00:10:00Z"),
                                          (SINCE, "2025-06-05T12:00:00Z")],
    "UTC, then Europe/Amsterdam": [(SINCE, "2025-06-02T00:00:00Z"),
                                   (DAY, "2025-06-03T00:10:00Z"),
                                   (AMSTERDAM, "2025-06-03T23:10:00Z"),
                                   (AMSTERDAM, "2025-06-04T23:10:00Z")],
}


@pytest.mark.parametrize("steps", STEPS.values(), ids=STEPS.keys())
def test_a_changed_window_rule_delivers_every_record_once(steps, run_cli, demo,
                                                          tmp_path: Path) -> None:
    for window, moment in steps:
        _run(run_cli, tmp_path, demo, window, "--as-of", moment)
    sessions, windows = _delivered(tmp_path / "out")
    last = windows[-1][1]
    # the same export in one `since last run` window up to the last end: the same pseudonyms
    _run(run_cli, tmp_path, demo, SINCE, "--as-of",
         last.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), ledger="whole",
         out="whole")
    whole, _ = _delivered(tmp_path / "whole")
    assert len(whole) == len(set(whole)) > 100
    assert sorted(sessions) == sorted(whole)
    assert windows[0][0] == datetime(1970, 1, 1, tzinfo=UTC) and _tiled(windows), windows


def test_a_window_that_starts_where_the_last_delivery_ended_says_so(run_cli, demo,
                                                                    tmp_path: Path) -> None:
    _run(run_cli, tmp_path, demo, SINCE, "--as-of", "2025-06-03T10:00:00Z")
    result = _run(run_cli, tmp_path, demo, DAY, "--as-of", "2025-06-04T00:10:00Z")
    assert ("note: the window of `sessions` starts at 2025-06-03T10:00:00Z, where the last "
            "delivery ended, not at 2025-06-03T00:00:00Z (previous day in UTC)") in result.stderr


def test_the_same_calendar_window_run_again_is_whole_and_keeps_the_state(
        run_cli, demo, tmp_path: Path) -> None:
    """Running an earlier day again on purpose (`--as-of`) delivers that whole day (its
    own file replaced) and never moves the state back."""
    for moment in ("2025-06-04T00:10:00Z", "2025-06-05T00:10:00Z", "2025-06-04T00:20:00Z"):
        _run(run_cli, tmp_path, demo, DAY, "--as-of", moment)
    _, windows = _delivered(tmp_path / "out")
    assert windows == [(_instant("20250603T000000Z"), _instant("20250604T000000Z")),
                       (_instant("20250604T000000Z"), _instant("20250605T000000Z"))]
    shown = run_cli("state", "show", "window_change_test", "--state",
                    str(tmp_path / "ledger.sqlite"))
    assert "2025-06-05T00:00:00Z" in shown.output, shown.output


def test_since_last_run_then_previous_day_catches_up_from_where_it_ended(
        run_cli, tmp_path: Path) -> None:
    """The window rule changes from `since last run` to `previous day` two days after
    the last run: the catch-up delivers the rest of that day (not the whole day again),
    then the day before the run; every session updated before today arrives once."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    with IndependentCpo("2.2.1", records=0) as cpo:
        for hours in range(1, 60):
            cpo.add_session(today - timedelta(hours=hours, minutes=30))
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent").exit_code == 0
        last = (today - timedelta(days=2) + timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
        _run(run_cli, tmp_path, KEY, SINCE, "--as-of", last, source="profile independent")
        result = _run(run_cli, tmp_path, KEY, DAY, source="profile independent")
        assert result.stderr.count("catching up") == 1, result.stderr
        sessions, windows = _delivered(tmp_path / "out")
        assert len(sessions) == len(set(sessions)) == 59
        assert _tiled(windows) and windows[-1][1] == today


def test_a_catch_up_whose_commit_stopped_half_way_is_not_run_again(
        run_cli, tmp_path: Path, monkeypatch) -> None:
    """A full disk while the first caught-up window stores its state (its file is
    published, the commit pending): the next run finishes that commit and catches up
    only the windows after it, never that window a second time."""
    import sqlite3

    from ocpispec.ledger import store

    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    with IndependentCpo("2.2.1", records=0) as cpo:
        for hours in range(1, 100):
            cpo.add_session(today - timedelta(hours=hours, minutes=30))
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent").exit_code == 0
        first = (today - timedelta(days=3) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        _run(run_cli, tmp_path, KEY, DAY, "--as-of", first, source="profile independent")
        finish, failures = store._finish, []

        def disk_full_once(*args):
            if not failures:
                failures.append(1)
                raise sqlite3.OperationalError("database or disk is full")
            return finish(*args)

        monkeypatch.setattr(store, "_finish", disk_full_once)
        spec = tmp_path / "spec.ocx"
        failed = run_cli("run", str(spec), "--state", str(tmp_path / "ledger.sqlite"), env=KEY)
        assert failed.exit_code == 1 and "OCX553" in failed.output, failed.output
        result = _run(run_cli, tmp_path, KEY, DAY, source="profile independent")
        assert result.stderr.count("catching up") == 1, result.stderr
        sessions, windows = _delivered(tmp_path / "out")
        start = windows[0][0]
        inside = [r for r in cpo.lists["sessions"]
                  if start.strftime("%Y-%m-%dT%H:%M:%SZ") <= r["last_updated"]]
        assert len(sessions) == len(set(sessions)) == len(inside) and _tiled(windows)
        ends = [d["window_end"] for r in logged_runs(tmp_path / "ledger.sqlite")
                if r["outcome"] == "committed" for d in r["datasets"]]
        assert len(ends) == len(set(ends)) == 4, ends


def test_a_window_another_run_caught_up_meanwhile_is_not_delivered_again(
        run_cli, tmp_path: Path, monkeypatch) -> None:
    """Two runs of a `previous day` export start together (cron and a person, one with
    --wait-lock): both find the same missed days before either holds the lock. The one
    that gets the lock second skips the days the other delivered meanwhile."""
    import os
    import subprocess
    import sys

    from ocpispec.cli import catch_up

    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    with IndependentCpo("2.2.1", records=0) as cpo:
        for hours in range(1, 100):
            cpo.add_session(today - timedelta(hours=hours, minutes=30))
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent").exit_code == 0
        first = (today - timedelta(days=3) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        _run(run_cli, tmp_path, KEY, DAY, "--as-of", first, source="profile independent")
        spec, ledger = tmp_path / "spec.ocx", tmp_path / "ledger.sqlite"
        real = catch_up.missed

        def found_then_the_other_run_delivers(*args):
            found = real(*args)
            other = subprocess.run([sys.executable, "-m", "ocpispec", "run", str(spec),
                                    "--state", str(ledger)], env={**os.environ, **KEY},
                                   capture_output=True, text=True, timeout=120)
            assert other.returncode == 0, other.stderr
            return found

        monkeypatch.setattr(catch_up, "missed", found_then_the_other_run_delivers)
        result = run_cli("run", str(spec), "--state", str(ledger), env=KEY)
        assert result.exit_code == 0, result.output
        assert result.stderr.count("was delivered meanwhile") == 2, result.stderr
        ends = [d["window_end"] for r in logged_runs(ledger) if r["outcome"] == "committed"
                for d in r["datasets"]]
        # 1 + 3 by the other run; neither the two missed days nor the current day again
        assert "was delivered already; this run is skipped" in " ".join(result.stderr.split())
        assert len(set(ends)) == 4 and len(ends) == 4, ends
        assert not [r for r in logged_runs(ledger) if r["outcome"] != "committed"]


def test_missed_days_are_caught_up_beside_a_dataset_without_a_calendar_window(
        run_cli, tmp_path: Path) -> None:
    """A daily export of sessions with a locations list beside it (no window): the days
    a stopped machine missed were never caught up, and never delivered, because the
    two datasets' windows differ."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    with IndependentCpo("2.2.1", records=0) as cpo:
        for hours in range(1, 100):
            cpo.add_session(today - timedelta(hours=hours, minutes=30))
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent").exit_code == 0
        spec = tmp_path / "spec.ocx"
        spec.write_text(SPEC.format(source="profile independent", window=DAY,
                                    out=tmp_path / "out")
                        + "\nfrom locations\nselect id as location_id\n  country\n"
                        f'output csv to "{tmp_path}/loc/locations-{{window.end}}.csv"\n')
        first = (today - timedelta(days=3) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        for args in (("--as-of", first), ()):
            result = run_cli("run", str(spec), "--state", str(tmp_path / "ledger.sqlite"),
                             *args, env=KEY)
            assert result.exit_code == 0, result.output
        assert result.stderr.count("catching up") == 2, result.stderr
        sessions, windows = _delivered(tmp_path / "out")
        assert len(windows) == 4 and _tiled(windows), windows
        assert len(sessions) == len(set(sessions)) == 95


def _two_datasets(tmp_path: Path, second: str) -> Path:
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(source="profile independent", window=DAY, out=tmp_path / "out")
                    + f"\nfrom cdrs {second}\nselect pseudonymize(id) as cdr\n"
                    f'output csv to "{tmp_path}/cdrs/cdrs-{{window.start}}.csv"\n')
    return spec


@pytest.mark.parametrize("second, caught_up", (("previous day window on start_date_time", 2),
                                                ("previous week", 2)))
def test_calendar_windows_on_other_times_and_of_other_periods_are_caught_up(
        second: str, caught_up: int, run_cli, tmp_path: Path) -> None:
    """Sessions and CDRs by the previous day, one of them by its start: the missed days
    are caught up for both. Beside a week, the missed days are caught up too, the week
    with them where one ended (they were only warned about, and never delivered)."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    with IndependentCpo("2.2.1", records=0) as cpo:
        for hours in range(1, 100):
            cpo.add_session(today - timedelta(hours=hours, minutes=30))
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent").exit_code == 0
        spec = _two_datasets(tmp_path, second)
        first = (today - timedelta(days=3) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        for args in (("--as-of", first), ()):
            result = run_cli("run", str(spec), "--state", str(tmp_path / "ledger.sqlite"),
                             *args, env=KEY)
            assert result.exit_code == 0, result.output
        assert result.stderr.count("catching up") == caught_up, result.stderr
        warned = "they are not caught up: the spec's calendar windows are of different" \
            in result.stderr
        assert not warned, result.stderr
        sessions, windows = _delivered(tmp_path / "out")
        assert len(sessions) == len(set(sessions))
        assert len(windows) == 4 and _tiled(windows)


def test_missed_days_are_caught_up_when_the_spec_gained_a_dataset(run_cli,
                                                                   tmp_path: Path) -> None:
    """A `previous day` export of sessions gains a CDR dataset while the machine is off:
    the missed days of the sessions were never caught up (the new dataset had no
    delivery, which stopped the catch-up), so they were never delivered."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    with IndependentCpo("2.2.1", records=0) as cpo:
        for hours in range(1, 100):
            cpo.add_session(today - timedelta(hours=hours, minutes=30))
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent").exit_code == 0
        first = (today - timedelta(days=3) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        _run(run_cli, tmp_path, KEY, DAY, "--as-of", first, source="profile independent")
        spec = _two_datasets(tmp_path, DAY)
        result = run_cli("run", str(spec), "--state", str(tmp_path / "ledger.sqlite"), env=KEY)
        assert result.exit_code == 0, result.output
        assert result.stderr.count("catching up") == 2, result.stderr
        sessions, windows = _delivered(tmp_path / "out")
        assert len(windows) == 4 and _tiled(windows), windows
        assert len(sessions) == len(set(sessions)) == 95


ON_START = "previous day window on start_date_time"


def test_a_window_put_on_the_start_time_delivers_the_sessions_across_the_switch(
        run_cli, demo, tmp_path: Path) -> None:
    """`window on start_date_time` added to a daily window by `last_updated` (as OCX237
    advises): a session that started before the switch and was updated after it was in
    neither window, and was never delivered."""
    _run(run_cli, tmp_path, demo, SINCE, "--as-of", "2025-06-02T00:00:00Z")
    result = _run(run_cli, tmp_path, demo, ON_START, "--as-of", "2025-06-03T06:00:00Z")
    assert ("note: the window of `sessions` is on `start_date_time` now, where the last "
            "delivery was by `last_updated` up to 2025-06-02T00:00:00Z") in result.stderr
    sessions, _ = _delivered(tmp_path / "out")
    assert len(sessions) == len(set(sessions))
    # every session updated up to the end of the day the window is on now
    _run(run_cli, tmp_path, demo, SINCE, "--as-of", "2025-06-03T00:00:00Z", ledger="whole",
         out="whole")
    whole, _ = _delivered(tmp_path / "whole")
    assert set(whole) - set(sessions) == set()
    again = _run(run_cli, tmp_path, demo, ON_START, "--as-of", "2025-06-04T06:00:00Z")
    assert "is on `start_date_time` now" not in again.stderr  # the state knows it now
    more, _ = _delivered(tmp_path / "out")
    assert len(more) == len(set(more)) > len(sessions)


def test_a_window_taken_off_the_start_time_says_what_it_delivers_again(
        run_cli, demo, tmp_path: Path) -> None:
    _run(run_cli, tmp_path, demo, ON_START, "--as-of", "2025-06-03T06:00:00Z")
    result = _run(run_cli, tmp_path, demo, DAY, "--as-of", "2025-06-04T06:00:00Z")
    assert ("note: the window of `sessions` is on `last_updated` now, where the last delivery "
            "was on `start_date_time` up to 2025-06-03T00:00:00Z: records whose "
            "`start_date_time` lies before then and whose `last_updated` lies in this window "
            "were delivered already and are delivered again once"
            ) in " ".join(result.stderr.split())
