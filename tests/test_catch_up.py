"""Calendar windows a stopped machine missed are delivered before the current one
(`ocpispec/cli/catch_up.py`), once each and in order, against the demo CPO."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_helpers import runs

from ocpispec import calendar_windows

# a midnight between a test's runs (or its reading of now) moves their windows
pytestmark = pytest.mark.usefixtures("clear_of_midnight")

KEY = {"TEST_PSEUDONYM_KEY": "6a1f0c9e3d7b24e8a5c1f9d0b3e6a27c4f8d1b5e9a0c3f7d2b6e4a8c1f5d9b03"}
SPEC = """export catch_up_test
  consumer "Test consumer"
  purpose "Tests that missed windows are delivered"
  legal basis public task "test"
  retention 1 months
  pseudonym key env TEST_PSEUDONYM_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions previous {unit} in "Europe/Amsterdam"
select round(kwh, 1) as energy_kwh
output csv to "{out}/sessions-{{window.start}}.csv"
"""


@pytest.fixture
def run(run_cli, demo_server_factory, tmp_path: Path):
    server = demo_server_factory(version="2.2.1", size=100)
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token, **KEY}

    def invoke(*args: str, unit: str = "day", schedule: str = ""):
        spec = tmp_path / "spec.ocx"
        spec.write_text(SPEC.format(unit=unit, out=tmp_path / "out") + schedule)
        return run_cli("run", str(spec), "--state", str(tmp_path / "ledger.sqlite"), *args,
                       env=env)

    return invoke


def _windows(tmp_path: Path) -> list[str]:
    return sorted(re.sub(r"^sessions-|\.csv$", "", p.name)
                  for p in (tmp_path / "out").glob("sessions-*.csv"))


def _said(stderr: str, start: str) -> str:
    """The lines starting with `start`, times scrubbed."""
    lines = [line for line in stderr.splitlines() if line.startswith(start)]
    return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "<time>", "\n".join(lines))


def test_the_days_a_stopped_machine_missed_are_delivered_in_order(run, tmp_path,
                                                                  snapshot) -> None:
    now = datetime.now(UTC)
    earlier = (now - timedelta(days=4)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert run("--as-of", earlier).exit_code == 0
    result = run()
    assert result.exit_code == 0, result.output
    assert result.stderr.count("catching up") == 3
    assert _said(result.stderr, "catching up") == snapshot
    delivered = _windows(tmp_path)
    assert len(delivered) == 5 and len(set(delivered)) == 5
    ends = [r for r in runs(tmp_path / "ledger.sqlite") if r["outcome"] == "committed"]
    assert len(ends) == 5
    again = run()  # nothing missed now: only the current window, again
    assert again.exit_code == 0 and "catching up" not in again.stderr
    assert _windows(tmp_path) == delivered


def test_nothing_is_caught_up_on_a_first_run_or_with_as_of(run, tmp_path) -> None:
    assert "catching up" not in run().stderr
    earlier = (datetime.now(UTC) - timedelta(days=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
    result = run("--as-of", earlier)
    assert result.exit_code == 0 and "catching up" not in result.stderr


@settings(max_examples=300, deadline=None)
@given(st.dates(date(1999, 1, 1), date(2040, 12, 31)),
       st.sampled_from(["day", "week", "month", "quarter", "year"]),
       st.integers(1, 4),
       st.sampled_from([None, "Europe/Amsterdam", "America/Santiago", "Australia/Lord_Howe",
                        "Asia/Beirut", "America/St_Johns", "Pacific/Chatham"]),
       st.integers(1, 40))
def test_caught_up_windows_tile_time(day, unit, amount, zone, steps) -> None:
    """The windows `previous` gives at each boundary `next_boundary` steps to start
    where the one before ended: no gap, no overlap, across DST changes, month ends and
    leap years."""
    now = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    start, end = calendar_windows.previous(unit, amount, zone, now)
    for _ in range(steps):
        following = calendar_windows.next_boundary(end, amount, unit, zone)
        assert following > end
        assert calendar_windows.previous(unit, amount, zone, following) == (end, following)
        end = following


def test_a_clock_behind_the_last_delivery_is_warned_about(run, tmp_path, monkeypatch,
                                                         snapshot) -> None:
    """The last delivery ended today at midnight; the clock now says two days ago."""
    import ocpispec.cli.catch_up as catch_up

    assert run().exit_code == 0
    behind = datetime.now(UTC) - timedelta(days=2)

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return behind

    monkeypatch.setattr(catch_up, "datetime", Clock)
    found = catch_up.missed(_plan(tmp_path), tmp_path / "ledger.sqlite", behind)
    assert found.behind is not None and found.moments == ()
    result = run()
    assert "catching up" not in result.stderr
    assert "the clock may be behind" in " ".join(result.stderr.split())
    assert _said(result.stderr, "warning: this run's window") == snapshot


def _plan(tmp_path: Path):
    from ocpispec.cli.plan import build_plan

    return build_plan(tmp_path / "spec.ocx", limit=None, page_size=100, concurrency=1,
                      warnings=False)


def test_follow_skips_a_window_it_delivered_already(run, run_cli, tmp_path, monkeypatch,
                                                    snapshot) -> None:
    """A followed `previous day` export whose window was delivered by the last run (a
    UTC schedule on both sides of a DST change, or the follow restarted the same day)
    does not deliver it again."""
    import ocpispec.cli.run_control as run_control

    assert run().exit_code == 0  # today's window: yesterday
    files = _windows(tmp_path)
    waits: list[datetime] = []

    def sleep_until(moment: datetime) -> None:
        waits.append(moment)
        raise KeyboardInterrupt

    monkeypatch.setattr(run_control, "sleep_until", sleep_until)
    result = run("--follow", schedule="schedule daily at 06:00\n")
    assert result.exit_code == 0, result.output
    assert waits and "Ran `catch_up_test`" not in result.stderr
    assert _windows(tmp_path) == files
    assert _said(result.stderr, "the window ending at") == snapshot



def test_follow_s_skipped_run_prints_its_json_summary(run, tmp_path, monkeypatch) -> None:
    """`run --follow --summary json` prints one document per scheduled run; the run it
    skipped, its window delivered already, printed none, so a reader of the stream
    never learnt that the schedule fired. It prints `skipped`, as a cron run does."""
    import json

    import ocpispec.cli.run_control as run_control

    assert run().exit_code == 0

    def sleep_until(moment: datetime) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(run_control, "sleep_until", sleep_until)
    result = run("--follow", "--summary", "json", schedule="schedule daily at 06:00\n")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["outcome"] == "skipped" and document["outputs"] == []
    assert document["notes"][0].startswith(f"the window ending at {document['window_end']} "
                                           "was delivered already")


def test_a_run_whose_window_was_delivered_already_delivers_nothing_again(
        run_cli, demo_server_factory, tmp_path, snapshot) -> None:
    """A cron job (not only `--follow`) that meets the window the last run delivered (a
    UTC schedule across a DST change of the window's zone, a job started twice) wrote it
    again into a new file when the destination names the run's time: every record of
    that day twice. It is skipped; `--as-of` still delivers a window again on purpose."""
    import time

    server = demo_server_factory(version="2.2.1", size=100)
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token, **KEY}
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(unit="day", out=tmp_path / "out")
                    .replace("{window.start}", "{run.timestamp}"))

    def run(*args: str):
        return run_cli("run", str(spec), "--state", str(tmp_path / "ledger.sqlite"), *args,
                       env=env)

    assert run().exit_code == 0
    first = sorted((tmp_path / "out").glob("*.csv"))
    time.sleep(1.02 - time.time() % 1)  # another `{run.timestamp}`: just past the next second
    again = run()
    assert again.exit_code == 0, again.output
    assert sorted((tmp_path / "out").glob("*.csv")) == first
    assert _said(again.stderr, "the window ending at") == snapshot
    committed = [r for r in runs(tmp_path / "ledger.sqlite") if r["outcome"] == "committed"]
    assert len(committed) == 1
    time.sleep(1.02 - time.time() % 1)
    on_purpose = run("--as-of", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert on_purpose.exit_code == 0 and len(list((tmp_path / "out").glob("*.csv"))) == 2


MIXED = """export mixed_periods_test
  consumer "Test consumer"
  purpose "Tests that calendar windows of different periods leave once"
  legal basis public task "test"
  retention 1 months
  pseudonym key env TEST_PSEUDONYM_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions previous day
select pseudonymize(id) as session
output csv to "{out}/sessions-{{run.date}}.csv"
from cdrs previous week
select pseudonymize(id) as cdr
output csv to "{out}/cdrs-{{run.date}}.csv"
"""


def test_a_week_beside_a_day_is_delivered_once_not_every_day(
        run_cli, demo_server_factory, tmp_path, monkeypatch, snapshot) -> None:
    """`previous day` beside `previous week`, run daily by cron: the week's window was
    delivered on Monday, and on Tuesday the run delivered it again (the skip of a window
    delivered already was all or nothing over the run): each CDR seven times a week."""
    import ocpispec.cli.catch_up as catch_up
    import ocpispec.execute as executor

    server = demo_server_factory(version="2.2.1", size=300)
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token, **KEY}
    spec = tmp_path / "spec.ocx"
    spec.write_text(MIXED.format(out=tmp_path / "out"))

    def run_at(moment: datetime):
        class Clock(datetime):
            @classmethod
            def now(cls, tz=None):
                return moment

        monkeypatch.setattr(catch_up, "datetime", Clock)
        monkeypatch.setattr(executor, "wall_clock", lambda: moment)
        return run_cli("run", str(spec), "--state", str(tmp_path / "ledger.sqlite"), env=env)

    monday = datetime(2025, 6, 2, 6, tzinfo=UTC)
    for day in range(3):  # Monday, Tuesday, Wednesday
        result = run_at(monday + timedelta(days=day))
        assert result.exit_code == 0, result.output
    files = sorted(p.name for p in (tmp_path / "out").glob("*.csv"))
    assert files == ["cdrs-2025-06-02.csv", "sessions-2025-06-02.csv",
                     "sessions-2025-06-03.csv", "sessions-2025-06-04.csv"]
    assert _said(result.stderr, "note: the window of `cdrs`") == snapshot
    again = run_at(monday + timedelta(days=2, hours=1))  # Wednesday, a job started twice
    assert again.exit_code == 0 and "this run is skipped (to deliver it again: --as-of " \
        "2025-06-04T00:00:00Z)" in " ".join(again.stderr.split())
    assert len(list((tmp_path / "out").glob("*.csv"))) == len(files)
    next_monday = run_at(monday + timedelta(days=7))  # the next week leaves
    assert next_monday.exit_code == 0 and (tmp_path / "out" / "cdrs-2025-06-09.csv").exists()


def test_days_and_weeks_a_stopped_machine_missed_are_caught_up_once_each(
        run_cli, demo_server_factory, tmp_path, monkeypatch) -> None:
    """Off from Tuesday to the Thursday of the week after: the missed days and the missed
    week are delivered, each once (windows of different periods were only warned about,
    and never delivered)."""
    import ocpispec.cli.catch_up as catch_up
    import ocpispec.execute as executor

    server = demo_server_factory(version="2.2.1", size=300)
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token, **KEY}
    spec = tmp_path / "spec.ocx"
    spec.write_text(MIXED.format(out=tmp_path / "out").replace("{run.date}", "{window.end}"))
    for moment in (datetime(2025, 6, 2, 6, tzinfo=UTC), datetime(2025, 6, 12, 6, tzinfo=UTC)):
        class Clock(datetime):
            @classmethod
            def now(cls, tz=None, moment=moment):
                return moment

        monkeypatch.setattr(catch_up, "datetime", Clock)
        monkeypatch.setattr(executor, "wall_clock", lambda moment=moment: moment)
        result = run_cli("run", str(spec), "--state", str(tmp_path / "ledger.sqlite"), env=env)
        assert result.exit_code == 0, result.output
    assert "never delivered, and they are not caught up" not in result.stderr
    ends = sorted(p.name for p in (tmp_path / "out").glob("*.csv"))
    assert ends == ["cdrs-20250602T000000Z.csv", "cdrs-20250609T000000Z.csv"] + [
        f"sessions-202506{day:02d}T000000Z.csv" for day in range(2, 13)]
    committed = [r for r in runs(tmp_path / "ledger.sqlite") if r["outcome"] == "committed"]
    assert len(committed) == 11  # the first, one per missed day (the week with the 9th's), now


BESIDE = """export beside_test
  consumer "Test consumer"
  purpose "Tests that a since last run dataset beside a calendar one keeps up"
  legal basis public task "test"
  retention 1 months
  pseudonym key env TEST_PSEUDONYM_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions previous day
select pseudonymize(id) as session
output csv to "{out}/sessions-{{run.timestamp}}.csv"
from cdrs since last run
select pseudonymize(id) as cdr
output csv to "{out}/cdrs-{{run.timestamp}}.csv"
"""


def test_a_since_last_run_dataset_beside_a_delivered_day_still_runs(
        run_cli, demo_server_factory, tmp_path, monkeypatch) -> None:
    """`previous day` beside `since last run`, run twice a day: the second run of the
    day found the day delivered and skipped the whole run, so the `since last run`
    records waited for the next day (and with `--follow` every run of the day after the
    first was skipped). Only the delivered day is left out now."""
    import ocpispec.cli.catch_up as catch_up
    import ocpispec.execute as executor
    from ledger_helpers import state_dict

    server = demo_server_factory(version="2.2.1", size=3000)
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token, **KEY}
    spec = tmp_path / "spec.ocx"
    spec.write_text(BESIDE.format(out=tmp_path / "out"))

    def run_at(moment: datetime):
        class Clock(datetime):
            @classmethod
            def now(cls, tz=None):
                return moment

        monkeypatch.setattr(catch_up, "datetime", Clock)
        monkeypatch.setattr(executor, "wall_clock", lambda: moment)
        return run_cli("run", str(spec), "--state", str(tmp_path / "ledger.sqlite"), env=env)

    morning = datetime(2025, 6, 2, 6, tzinfo=UTC)
    assert run_at(morning).exit_code == 0
    evening = run_at(morning + timedelta(hours=12))
    assert evening.exit_code == 0, evening.output
    assert "this run is skipped" not in evening.stderr
    assert "note: the window of `sessions`" in evening.stderr
    files = sorted(p.name for p in (tmp_path / "out").glob("*.csv"))
    assert files == ["cdrs-20250602T060000Z.csv", "cdrs-20250602T180000Z.csv",
                     "sessions-20250602T060000Z.csv"]
    watermark = state_dict(tmp_path / "ledger.sqlite")["datasets"]["cdrs"]["watermark"]
    assert watermark == "2025-06-02T18:00:00Z"


def test_a_skipped_run_still_prints_its_json_summary(demo_server_factory, tmp_path, snapshot) -> None:
    """A cron job `ocpispec run daily.ocx --summary json | jq .outcome`, started twice the
    same day: the second run, skipped as its window was delivered already, printed
    nothing on stdout (exit 0), so the scheduler's parser failed on an empty document.
    It prints one document with outcome `skipped`, the window's end and why."""
    import json
    import os
    import subprocess
    import sys

    from fixtures_cli import REPO

    server = demo_server_factory(version="2.2.1", size=100)
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(unit="day", out=tmp_path / "out"))
    env = {**os.environ, "OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           **KEY, "OCPISPEC_CONFIG_DIR": str(tmp_path / "config"), "NO_COLOR": "1"}

    def run() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "ocpispec", "run", str(spec), "--state",
                               str(tmp_path / "ledger.sqlite"), "--summary", "json"],
                              cwd=REPO, env=env, capture_output=True, text=True, timeout=120)

    first = run()
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["outcome"] == "done"
    second = run()
    assert second.returncode == 0, second.stderr
    document = json.loads(second.stdout)
    assert document["outcome"] == "skipped" and document["outputs"] == []
    assert document["notes"] == [second.stderr.strip()]
    assert json.loads(first.stdout)["run"]["datasets"][0]["window"]["end"] == document["window_end"]
    scrubbed = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "<time>", second.stdout)
    assert re.sub(r'"[0-9a-f]{64}"', '"<fingerprint>"', scrubbed) == snapshot


def test_missed_days_are_caught_up_into_an_out_folder(run, tmp_path) -> None:
    """A cron line `ocpispec run spec.ocx --out /data/exports/` after a failed day: the
    failed day was never delivered and the next run said nothing (catch-up ran only
    without --out), and after it no run would deliver it. With --out DIR/ the missed
    days are caught up into that folder, each under its own name."""
    earlier = (datetime.now(UTC) - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    folder = tmp_path / "elsewhere"
    assert run("--as-of", earlier, "--out", f"{folder}/").exit_code == 0
    result = run("--out", f"{folder}/")
    assert result.exit_code == 0, result.output
    assert result.stderr.count("catching up") == 2
    assert len(list(folder.glob("sessions-*.csv"))) == 4


@pytest.mark.parametrize("out", ["day.csv", "-"])
def test_missed_days_with_an_out_file_stop_the_run_before_fetching(run, tmp_path, out: str,
                                                                 snapshot) -> None:
    """`--out day.csv` (or `-`) writes one file: it cannot take the missed days, and once
    it committed they lay before the last delivery, never to be caught up. The run
    stops with OCX573 before any request, the state and the log as they were."""
    earlier = (datetime.now(UTC) - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert run("--as-of", earlier).exit_code == 0
    before = runs(tmp_path / "ledger.sqlite")
    target = out if out == "-" else str(tmp_path / out)
    result = run("--out", target)
    assert result.exit_code == 1 and "OCX573" in result.stderr
    assert result.stdout == "" and not (tmp_path / "day.csv").exists()
    assert runs(tmp_path / "ledger.sqlite") == before
    if out != "-":
        shown = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "<time>",
                       result.stderr.replace(str(tmp_path), "<tmp>"))
        assert shown == snapshot


def test_a_caught_up_window_is_named_for_the_day_its_schedule_runs_it(
        run_cli, demo_server_factory, tmp_path: Path) -> None:
    """A daily export of Amsterdam's days named `{run.date}` was caught up at each
    window's end, 23:00Z, the UTC day before its scheduled run: the first caught-up day
    took the name of the file delivered the morning before, for another window (with
    rows, OCX556 stopped the catch-up there on every run after; without, it replaced
    that delivery)."""
    now = datetime.now(UTC)
    if now.hour >= 22:  # a run after Amsterdam's midnight shares the UTC date of the last
        pytest.skip("the real time is between Amsterdam's and UTC's midnight")
    server = demo_server_factory(version="2.2.1", size=100)
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token, **KEY}
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(unit="day", out=tmp_path / "out")
                    .replace("{window.start}", "{run.date}") + "schedule daily at 06:00\n")
    ledger = str(tmp_path / "ledger.sqlite")
    first = (now - timedelta(days=4)).strftime("%Y-%m-%dT06:00:00Z")
    assert run_cli("run", str(spec), "--state", ledger, "--as-of", first, env=env).exit_code == 0
    result = run_cli("run", str(spec), "--state", ledger, env=env)
    assert result.exit_code == 0, result.output
    assert result.stderr.count("catching up") == 3
    files = sorted((tmp_path / "out").glob("sessions-*.csv"))
    windows = [json.loads(Path(f"{path}.manifest.json").read_text())["window"]["end"]
               for path in files]
    committed = [r for r in runs(tmp_path / "ledger.sqlite") if r["outcome"] == "committed"]
    assert len(files) == len(set(windows)) == len(committed) == 5, [p.name for p in files]
    for path, end in zip(files, windows):  # the day after the window's end, as run at 06:00
        ran = datetime.fromisoformat(end.replace("Z", "+00:00")) + timedelta(hours=7)
        assert path.name == f"sessions-{ran:%Y-%m-%d}.csv" or path == files[-1]


def _clocks(monkeypatch, catching_up, running) -> None:
    """The catch-up's clock (a function of the call's number) and the run's."""
    import itertools

    import ocpispec.cli.catch_up as catch_up
    import ocpispec.execute as executor

    calls = itertools.count()

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return catching_up(next(calls))

    monkeypatch.setattr(catch_up, "datetime", Clock)
    monkeypatch.setattr(executor, "wall_clock", lambda: running)


BEFORE_MIDNIGHT = datetime(2025, 6, 4, 21, 59, 50, tzinfo=UTC)  # 23:59:50 in Amsterdam
AFTER_MIDNIGHT = datetime(2025, 6, 4, 22, 0, 10, tzinfo=UTC)


def test_a_catch_up_that_runs_past_midnight_leaves_no_day_behind(run, tmp_path,
                                                                   monkeypatch) -> None:
    """A cron run at 23:59 catching up a missed day: the catch-up was planned before
    midnight, the run after it read the clock after midnight, so its window was the
    next day and the day between was never delivered; the next runs found nothing
    missed (it lay before the last delivery). The catch-up looks again once its runs
    are done."""
    assert run("--as-of", "2025-06-02T06:00:00Z").exit_code == 0  # 1 June delivered
    _clocks(monkeypatch, lambda call: BEFORE_MIDNIGHT if call == 0 else AFTER_MIDNIGHT,
            AFTER_MIDNIGHT)
    result = run()
    assert result.exit_code == 0, result.output
    assert result.stderr.count("catching up") == 2
    assert _windows(tmp_path) == [f"2025060{day}T000000+0200" for day in (1, 2, 3, 4)]


def test_a_watermark_moved_back_by_hand_never_refuses_a_calendar_run(run, run_cli, tmp_path,
                                                                    monkeypatch) -> None:
    """`state set-watermark` back on a `previous day` export moves no delivery: the run
    under the lock judges a missed window by the disclosure log, as the catch-up does,
    so it is not refused (OCX574) with nothing the catch-up would run."""
    assert run("--as-of", "2025-06-02T06:00:00Z").exit_code == 0
    moved = run_cli("state", "set-watermark", "catch_up_test", "2025-05-01T00:00:00Z",
                    "--yes", "--state", str(tmp_path / "ledger.sqlite"))
    assert moved.exit_code == 0, moved.output
    _clocks(monkeypatch, lambda call: datetime(2025, 6, 3, 6, tzinfo=UTC),
            datetime(2025, 6, 3, 6, tzinfo=UTC))
    result = run()
    assert result.exit_code == 0 and "OCX574" not in result.stderr, result.output
    assert _windows(tmp_path) == ["20250601T000000+0200", "20250602T000000+0200"]


def test_a_run_whose_window_lies_after_a_missed_one_delivers_nothing(run, tmp_path,
                                                                    monkeypatch) -> None:
    """Under the lock, the run itself checks that no whole window lies between the last
    delivery and its own (the clock turned between the catch-up's last look and the
    run): OCX574, nothing fetched, and the next run delivers the missed day first."""
    assert run("--as-of", "2025-06-02T06:00:00Z").exit_code == 0
    _clocks(monkeypatch, lambda call: BEFORE_MIDNIGHT, AFTER_MIDNIGHT)
    result = run()
    assert result.exit_code == 1 and "OCX574" in result.stderr, result.output
    assert "run again: the next run delivers the missed window first" in result.stderr
    assert _windows(tmp_path) == ["20250601T000000+0200", "20250602T000000+0200"]
    _clocks(monkeypatch, lambda call: AFTER_MIDNIGHT, AFTER_MIDNIGHT)
    assert run().exit_code == 0
    assert _windows(tmp_path) == [f"2025060{day}T000000+0200" for day in (1, 2, 3, 4)]


@settings(max_examples=300, deadline=None)
@given(st.dates(date(1999, 1, 1), date(2040, 12, 31)),
       st.sampled_from(["day", "week", "month", "quarter", "year"]),
       st.integers(1, 4),
       st.sampled_from([None, "Europe/Amsterdam", "America/Santiago", "Australia/Lord_Howe",
                        "Asia/Beirut", "America/St_Johns", "Pacific/Chatham"]),
       st.integers(0, 6), st.integers(0, 10_000_000))
def test_a_run_refuses_exactly_what_the_catch_up_runs(day, unit, amount, zone, back,
                                                      seconds_before) -> None:
    """Where deliveries reached (a window's end `back` windows before this run's, or any
    moment before it), the run's own check under the lock (OCX574) refuses exactly when
    the catch-up finds a whole window to run, and never once those ran: a run cannot be
    refused for ever, nor leave a whole window behind."""
    from types import SimpleNamespace

    from ocpispec.cli.catch_up import missed_ends
    from ocpispec.execute.client import RunError
    from ocpispec.execute.delivered import check_none_missed
    from ocpispec.plan import ir
    from ocpispec.timestamps import format_timestamp

    now = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    start, _ = calendar_windows.previous(unit, amount, zone, now)
    boundary = start
    for _ in range(back):
        boundary = calendar_windows.previous(unit, amount, zone, boundary)[0]
    window = ir.Window(kind="previous", unit=unit, amount=amount, zone=zone)
    dataset = SimpleNamespace(name="sessions", step=lambda kind: SimpleNamespace(window=window))

    def refused(reached: datetime) -> bool:
        try:
            check_none_missed([dataset], lambda name: format_timestamp(reached), now)
        except RunError:
            return True
        return False

    for last in (boundary, boundary - timedelta(seconds=seconds_before)):
        ends = missed_ends(window, last, start)
        assert refused(last) == bool(ends)
        if last == boundary:
            assert len(ends) == back
        if ends:
            assert not refused(ends[-1])
