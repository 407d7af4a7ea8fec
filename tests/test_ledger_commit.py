"""The commit in the ledger: a crash at any step after the commit point, and again at
any step of its recovery, ends in the same files, state and log as a commit that never
crashed; the run is logged exactly once. (Crashes before the commit point publish
nothing: tests/test_crash_loop.py.)"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_helpers import has_state, pending, runs, state_dict

import ocpispec.execute.atomic as atomic
from ocpispec import ledger
from ocpispec.execute.atomic import AtomicFile, remove_stale_partials
from ocpispec.ledger.state import DatasetState, State

EXPORT = "ledger_test"
# the state a first run commits: advanced once from the empty state (serial 0)
NEW = State(EXPORT, 1, {"sessions": DatasetState("2026-01-01T00:00:00Z", "f" * 64,
                                                  "2026-01-01T00:00:01Z")})
ENTRY = {"id": "0" * 32, "export": EXPORT, "run_at": "2026-01-01T00:00:00Z",
         "recorded_at": "2026-01-01T00:00:01Z", "user": "u", "host": "h", "spec_path": "s.ocx",
         "spec_sha256": "a" * 64, "plan_fingerprint": "f" * 64, "privacy_fingerprint": None,
         "approval": None, "consumer": "c", "purpose": "p", "legal_basis": "consent",
         "legal_reference": None, "retention": "1 months", "outcome": "committed",
         "code": None, "ocpi_version": "2.2.1", "requests": 3, "duration_s": 0.5,
         "sample_limit": None, "datasets": [], "outputs": []}


class Crash(BaseException):
    """kill -9, as far as the code under test can tell."""


def _stage(directory: Path, count: int) -> list[AtomicFile]:
    files = []
    for number in range(count):
        file = AtomicFile(directory / f"out-{number}.csv")
        file.stream.write(f"file {number}\n")
        file.finish()
        files.append(file)
    return files


@settings(max_examples=40, deadline=None)
@given(crash_at=st.integers(0, 6), recovery_crash_at=st.integers(0, 4))
def test_any_crash_is_finished_by_recovery(tmp_path_factory, crash_at: int,
                                           recovery_crash_at: int) -> None:
    directory = tmp_path_factory.mktemp("commit")
    path = directory / "ledger.sqlite"
    steps = iter(range(100))

    def pause(step: str) -> None:
        if next(steps) == crash_at:
            raise Crash()

    files = _stage(directory, 3)
    try:
        ledger.commit(files, path, EXPORT, NEW, ENTRY, pause=pause)
        crashed = False
    except Crash:
        crashed = True
    if crashed and pending(path):
        real, calls = atomic.publish, iter(range(100))

        def flaky(temp: Path, final: Path) -> None:
            if next(calls) == recovery_crash_at:
                raise Crash()
            real(temp, final)

        atomic.publish = flaky
        try:
            ledger.recover(path, EXPORT)
        except Crash:
            pass
        finally:
            atomic.publish = real
        ledger.recover(path, EXPORT)
    names = sorted(p.name for p in directory.iterdir() if p.name.startswith("out"))
    assert names == ["out-0.csv", "out-1.csv", "out-2.csv"]
    assert state_dict(path)["datasets"]["sessions"]["watermark"] == "2026-01-01T00:00:00Z"
    assert pending(path) == 0
    assert [run["id"] for run in runs(path)] == [ENTRY["id"]]
    assert [(directory / f"out-{n}.csv").read_text() for n in range(3)] == \
        ["file 0\n", "file 1\n", "file 2\n"]


def test_a_missing_file_never_advances_the_state(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    files = _stage(tmp_path, 2)

    def crash(step: str) -> None:
        raise Crash()

    try:
        ledger.commit(files, path, EXPORT, NEW, ENTRY, pause=crash)
    except Crash:
        pass
    files[1].temp.unlink()  # someone removed it
    recovered = ledger.recover(path, EXPORT)
    assert recovered is not None and recovered.missing == 1
    assert "NOT advanced" in recovered.note()
    assert not has_state(path)  # repeat the window rather than lose a file's records
    assert [run["outcome"] for run in runs(path)] == ["incomplete"]
    assert (tmp_path / "out-0.csv").exists()


def test_a_rename_that_failed_is_not_counted_published(tmp_path: Path) -> None:
    """A rename is stored as begun before it is made (so a file its consumer took after
    a kill counts as published); one that failed, its temporary file gone, is not."""
    path = tmp_path / "ledger.sqlite"
    files = _stage(tmp_path, 2)
    files[0].temp.unlink()  # someone removed it before the commit
    try:
        ledger.commit(files, path, EXPORT, NEW, ENTRY)
    except ledger.CommitPending:
        pass
    recovered = ledger.recover(path, EXPORT)
    assert recovered is not None and recovered.missing == 1
    assert not has_state(path)  # repeat the window rather than lose the file's records
    assert [run["outcome"] for run in runs(path)] == ["incomplete"]


def test_a_state_that_moved_since_it_was_read_publishes_nothing(tmp_path: Path) -> None:
    """Two runs that read the same state (the lock did not keep them apart): the second
    commit finds the ledger's state advanced by the first and publishes nothing."""
    path = tmp_path / "ledger.sqlite"
    ledger.commit(_stage(tmp_path, 1), path, EXPORT, NEW, ENTRY)
    late = AtomicFile(tmp_path / "late.csv")
    late.stream.write("the same window again\n")
    late.finish()
    second = {**ENTRY, "id": "1" * 32}
    try:
        ledger.commit([late], path, EXPORT, NEW, second)
        raise AssertionError("committed over a state that moved")
    except ledger.StateMoved as moved:
        assert (moved.read, moved.found) == (0, 1)
    assert not (tmp_path / "late.csv").exists() and late.temp.exists()
    assert pending(path) == 0 and [run["id"] for run in runs(path)] == [ENTRY["id"]]
    assert state_dict(path)["serial"] == 1


def test_the_serial_compared_is_the_one_the_run_read(tmp_path: Path) -> None:
    """The state the run read is the stored body; a column that disagrees with it (a
    hand-edited ledger) does not make every later commit look like a concurrent one."""
    import sqlite3

    path = tmp_path / "ledger.sqlite"
    ledger.commit(_stage(tmp_path, 1), path, EXPORT, NEW, ENTRY)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE state SET serial = 7")
    read = ledger.load_state(path, EXPORT)
    ledger.commit([], path, EXPORT, read.advanced({}), {**ENTRY, "id": "1" * 32})
    assert state_dict(path)["serial"] == 2


def test_other_exports_pending_files_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    files = _stage(tmp_path, 1)
    dead = files[0].temp.with_name(files[0].temp.name.replace(str(os.getpid()), "999999999"))
    files[0].temp.rename(dead)
    files[0].temp = dead

    def crash(step: str) -> None:
        raise Crash()

    try:
        ledger.commit(files, path, "other_export", None, None, pause=crash)
    except Crash:
        pass
    remove_stale_partials(tmp_path, ledger.pending_files(path))
    assert dead.exists()
    assert ledger.recover(path, EXPORT) is None  # not this export's
    assert ledger.recover(path, "other_export").published == 1


def test_a_full_ledger_says_so_and_publishes_nothing(tmp_path: Path, monkeypatch) -> None:
    """SQLite rolls a transaction back itself when the disk is full; rolling it back
    again failed with "cannot rollback - no transaction is active", which hid the
    reason: the run said "the ledger is not usable: OperationalError"."""
    import sqlite3

    import ocpispec.ledger.db as db

    path = tmp_path / "ledger.sqlite"
    ledger.commit(_stage(tmp_path, 1), path, EXPORT, NEW, ENTRY)
    real = sqlite3.connect

    def full(*args, **kwargs):
        conn = real(*args, **kwargs)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")  # no room for one more page
        return conn

    monkeypatch.setattr(db.sqlite3, "connect", full)
    late = AtomicFile(tmp_path / "late.csv")
    late.stream.write("the next window\n")
    late.finish()
    advanced = State(EXPORT, 2, NEW.datasets)
    try:
        ledger.commit([late], path, EXPORT, advanced, {**ENTRY, "id": "1" * 32,
                                                       "purpose": "p" * 20_000})
        raise AssertionError("committed into a full ledger")
    except ledger.LedgerError as exc:
        assert "database or disk is full" in str(exc), exc
    monkeypatch.undo()
    assert not (tmp_path / "late.csv").exists() and late.temp.exists()
    assert pending(path) == 0 and state_dict(path)["serial"] == 1


def test_a_moved_state_is_not_half_held_back() -> None:
    """A recovered commit whose file of `sessions-2` is gone, in the run that moved the
    state of `sessions` there (a dataset of the module inserted before it): holding back
    `sessions-2` alone dropped the moved state (it would start over at 1970-01-01); the
    whole state stays instead, and the next run moves it again."""
    from ocpispec.ledger.held_back import held_back

    def item(mark: str, module: str) -> DatasetState:
        return DatasetState(mark, "f" * 64, "2026-01-01T00:00:01Z", {"module": module})

    before = State(EXPORT, 1, {"sessions": item("2025-01-01T00:00:00Z", "long")})
    after = State(EXPORT, 2, {"sessions": item("2025-02-01T00:00:00Z", "short"),
                              "sessions-2": item("2025-02-01T00:00:00Z", "long")})
    run = {"outputs": [{"dataset": "sessions", "path": "/out/a.csv"},
                       {"dataset": "sessions-2", "path": "/out/b.csv"}]}
    assert held_back(before, after, run, ["/out/b.csv"]) == (None, ())
    assert held_back(before, after, run, ["/out/a.csv"]) == (None, ())
    same = State(EXPORT, 2, {"sessions": item("2025-02-01T00:00:00Z", "long"),
                             "sessions-2": item("2025-02-01T00:00:00Z", "short")})
    kept, held = held_back(before, same, run, ["/out/a.csv"])
    assert held == ("sessions",) and kept is not None
    assert kept.datasets == {"sessions": before.datasets["sessions"],
                             "sessions-2": same.datasets["sessions-2"]}


def test_a_ledger_from_before_demo_runs_were_marked_gets_the_column(tmp_path: Path) -> None:
    """A ledger written before `runs.source` existed: opening it adds the column, its
    runs read as runs on the platform, and a new run is logged with its source."""
    import sqlite3

    from ocpispec.ledger.db import connect
    from ocpispec.ledger.query import logged_runs

    ledger = tmp_path / "ledger.sqlite"
    with connect(ledger):
        pass
    conn = sqlite3.connect(ledger)
    conn.execute("ALTER TABLE runs DROP COLUMN source")
    conn.execute("INSERT INTO runs (id, export, recorded_at, outcome) VALUES "
                 "('old', 'x', '2026-01-01T00:00:00Z', 'committed')")
    conn.commit()
    conn.close()
    [run] = logged_runs(ledger)
    assert run["id"] == "old" and run["source"] is None


def test_reading_a_ledger_that_is_not_there_makes_no_file(tmp_path: Path) -> None:
    """Reading (`create=False`) a ledger that is not there raised nothing and left an
    empty file where SQLite opened it, which every later run took for a damaged ledger
    (c7ebe0b: an empty ledger is no new one)."""
    from ocpispec.ledger.db import LedgerError, connect

    with pytest.raises(LedgerError, match="no ledger"), connect(tmp_path / "l.sqlite", create=False):
        pass
    assert list(tmp_path.iterdir()) == []
