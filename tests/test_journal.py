"""The commit journal: a crash at any step after the commit point, and again at any
step of its recovery, ends in the same files and state as a commit that never crashed.
(Crashes before the commit point publish nothing: tests/test_crash_loop.py.)"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import ocpispec.execute.journal as journal
from ocpispec.execute.atomic import AtomicFile
from ocpispec.ledger.state import DatasetState, State, load_state

EXPORT = "journal_test"
NEW = State(EXPORT, 2, {"sessions": DatasetState("2026-01-01T00:00:00Z", "f" * 64,
                                                  "2026-01-01T00:00:01Z")})


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


def _outcome(directory: Path) -> tuple[list[str], str | None]:
    names = sorted(p.name for p in directory.iterdir() if not p.name.startswith("."))
    state = directory / "state.json"
    return names, load_state(state, EXPORT).datasets["sessions"].watermark if state.exists() else None


@settings(max_examples=40, deadline=None)
@given(crash_at=st.integers(0, 6), recovery_crash_at=st.integers(0, 4))
def test_any_crash_is_finished_by_recovery(tmp_path_factory, crash_at: int,
                                           recovery_crash_at: int) -> None:
    directory = tmp_path_factory.mktemp("commit")
    state_path = directory / "state.json"
    steps = iter(range(100))

    def pause(step: str) -> None:
        if next(steps) == crash_at:
            raise Crash()

    files = _stage(directory, 3)
    try:
        journal.commit(files, state_path, NEW, pause=pause)
        crashed = False
    except Crash:
        crashed = True
    if crashed and journal.journal_path(state_path).exists():
        real = journal.publish
        calls = iter(range(100))

        def flaky(temp: Path, final: Path) -> None:
            if next(calls) == recovery_crash_at:
                raise Crash()
            real(temp, final)

        journal.publish = flaky
        try:
            journal.recover(state_path, EXPORT)
        except Crash:
            pass
        finally:
            journal.publish = real
        journal.recover(state_path, EXPORT)
    assert _outcome(directory) == (["out-0.csv", "out-1.csv", "out-2.csv", "state.json"],
                                   "2026-01-01T00:00:00Z")
    assert not journal.journal_path(state_path).exists()
    assert [(directory / f"out-{n}.csv").read_text() for n in range(3)] == \
        ["file 0\n", "file 1\n", "file 2\n"]


def test_a_damaged_journal_stops_the_run_with_a_diagnostic(run_cli, demo_server,
                                                           tmp_path: Path) -> None:
    from fixtures_cli import SPECS

    state = tmp_path / "state.json"
    journal.journal_path(state).write_text("{not json")
    result = run_cli("run", str(SPECS / "municipality_sessions.ocx"), "--state", str(state),
                     "--out", str(tmp_path / "out.csv"), "--as-of", "2026-01-01T00:00:00Z",
                     env={"OCPI_VERSIONS_URL": demo_server.versions_url,
                          "OCPI_TOKEN": demo_server.token,
                          "UTRECHT_PSEUDONYM_KEY": "b4d81f6a2c9e03b75d1a8f4c6e20b97d3a5f18c0e6b29d4f7a3c51e8d0b6f2a9"})
    assert result.exit_code == 1 and "OCX553" in result.stderr
    assert "is damaged" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out.csv").exists()


def test_a_missing_file_never_advances_the_state(tmp_path: Path) -> None:
    state_path = tmp_path / "state.json"
    files = _stage(tmp_path, 2)

    def crash(step: str) -> None:
        raise Crash()

    try:
        journal.commit(files, state_path, NEW, pause=crash)
    except Crash:
        pass
    files[1].temp.unlink()  # someone removed it
    recovered = journal.recover(state_path, EXPORT)
    assert recovered is not None and recovered.missing == 1
    assert "NOT advanced" in recovered.note()
    assert not state_path.exists()  # repeat the window rather than lose a file's records
    assert (tmp_path / "out-0.csv").exists()


def test_other_exports_pending_files_are_kept(tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    files = _stage(tmp_path, 1)

    def crash(step: str) -> None:
        raise Crash()

    try:
        journal.commit(files, other, NEW, pause=crash)
    except Crash:
        pass
    import os

    dead = files[0].temp.with_name(files[0].temp.name.replace(str(os.getpid()), "999999999"))
    files[0].temp.rename(dead)
    journal_file = journal.journal_path(other)
    journal_file.write_text(journal_file.read_text().replace(str(files[0].temp), str(dead)))
    from ocpispec.execute.atomic import remove_stale_partials

    remove_stale_partials(tmp_path, journal.pending_files(tmp_path / "mine.json"))
    assert dead.exists()
