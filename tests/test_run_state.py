"""The `since last run` state under adversity, over real HTTP against the demo CPO:
samples, watermarks that would move back or into the future, plan changes, late
records, locks, journals, damaged state, file modes."""

from __future__ import annotations

import contextlib
import csv
import fcntl
import json
import os
import re
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from fixtures_cli import cli_block
from fixtures_demo import scrub
from fixtures_proxy import RewritingProxy

import ocpispec.execute as executor
from ocpispec.demo import Faults
from ledger_helpers import has_state, pending, runs, state_dict

KEY = "3e9a1c7f5b2d08e64a0c9f3b7d1e52a8c6f4b09e2d7a31c5f8b0d64e9a3c7f12"
AS_OF = "2026-01-01T00:00:00Z"
MID = "2025-07-01T00:00:00Z"
SPEC = '''export state_test
  consumer "Test consumer"
  purpose "State tests of ocpispec"
  legal basis public task "test"
  retention 1 months
  pseudonym key env TEST_PSEUDONYM_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions since last run
select
  pseudonymize(id) as session
{extra}output csv to "out.csv"
'''


@pytest.fixture
def server(demo_server_factory):
    return demo_server_factory(version="2.2.1", size=600, max_page_size=100)


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    path = tmp_path / "spec.ocx"
    path.write_text(SPEC.format(extra=""))
    return path


@pytest.fixture
def run(run_cli, tmp_path: Path, spec: Path):
    """`ocpispec run SPEC` against a server with the state in tmp; returns (result, rows)."""

    def invoke(server, *args: str, out: str = "out.csv", spec_path: Path | None = None):
        target = tmp_path / out
        env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
               "TEST_PSEUDONYM_KEY": KEY}
        result = run_cli("run", str(spec_path or spec), "--out", str(target), "--state",
                         str(tmp_path / "state.json"), *args, env=env)
        rows = _rows(target) if target.exists() and result.exit_code == 0 else None
        return result, rows

    return invoke


# the page size of a run a test holds back (`_held`): its session pages are told apart by
# it from those of the test's other runs, which ask for the server's size
HELD_PAGE_SIZE = 19


@contextlib.contextmanager
def _held(server) -> Iterator[tuple[SimpleNamespace, threading.Event]]:
    """`server` behind a proxy (a platform to `run`, at the proxy's address): the session
    pages of a run with `--page-size HELD_PAGE_SIZE`, after its first, wait until the
    event is set. That run is still fetching (its lock held, its commit ahead) for as long
    as the test needs, however slowly a loaded machine runs the test's other runs
    meanwhile (a latency that only made it slow lost that race). Every run of the test
    goes through the proxy: the ledger keeps the platform's address."""
    release = threading.Event()

    def early(path: str):
        query = parse_qs(urlsplit(path).query)
        if "/sessions" in path and query.get("limit") == [str(HELD_PAGE_SIZE)] \
                and query.get("offset", ["0"]) != ["0"]:
            release.wait(120)
        return None

    proxy = RewritingProxy(server.origin, lambda path, code, headers, body: (code, headers, body), early)
    try:
        with proxy:
            yield SimpleNamespace(versions_url=proxy.origin + server.versions_url.removeprefix(server.origin),
                                  token=server.token), release
    finally:
        release.set()


def _rows(path: Path) -> list[str]:
    with path.open(newline="") as handle:
        return [row["session"] for row in csv.DictReader(handle)]


def _state(tmp_path: Path) -> dict:
    return state_dict(tmp_path / "state.json")


def _watermark(tmp_path: Path) -> str:
    return _state(tmp_path)["datasets"]["sessions"]["watermark"]


def _note(result, start: str) -> str:
    """The summary note that begins with `start`, as a user reads it."""
    return next(line for line in result.stderr.splitlines() if line.startswith(f"note: {start}"))


def text(result, tmp_path: Path) -> str:
    block = scrub(cli_block(result), tmp_path=tmp_path)
    return re.sub(r"\d+\.\ds", "<s>", re.sub(r"[0-9a-f]{12}", "<fp>", block))


# ---- samples ------------------------------------------------------------------------------

def test_a_sample_never_moves_the_watermark(run, server, tmp_path: Path, snapshot) -> None:
    result, rows = run(server, "--as-of", MID)
    assert result.exit_code == 0 and _watermark(tmp_path) == MID
    before = state_dict(tmp_path / "state.json")
    sample, rows = run(server, "--as-of", AS_OF, "--limit", "5", out="sample.csv")
    assert sample.exit_code == 0 and len(rows) <= 5
    assert state_dict(tmp_path / "state.json") == before
    assert _note(sample, "a sample") == snapshot
    full, rows = run(server, "--as-of", AS_OF, out="full.csv")
    assert full.exit_code == 0 and len(rows) > 5  # nothing lost to the sample


# ---- watermarks never move back or into the future ------------------------------------------

def test_as_of_before_the_watermark_is_refused(run, server, tmp_path: Path, snapshot) -> None:
    assert run(server, "--as-of", AS_OF)[0].exit_code == 0
    before = state_dict(tmp_path / "state.json")
    result, _ = run(server, "--as-of", MID, out="again.csv")
    assert result.exit_code == 1
    assert state_dict(tmp_path / "state.json") == before
    assert not (tmp_path / "again.csv").exists()
    assert text(result, tmp_path) == snapshot


def test_a_clock_that_moved_back_is_refused(run, server, tmp_path: Path, monkeypatch,
                                            snapshot) -> None:
    assert run(server)[0].exit_code == 0
    watermark = _watermark(tmp_path)
    from datetime import timedelta

    earlier = executor.wall_clock() - timedelta(hours=1)
    monkeypatch.setattr(executor, "wall_clock", lambda: earlier)
    result, _ = run(server, out="again.csv")
    assert result.exit_code == 1 and "OCX582" in result.stderr
    assert "the system clock moved back" in result.stderr
    assert _watermark(tmp_path) == watermark
    assert re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "<time>", text(result, tmp_path)) == snapshot


def test_a_clock_a_little_behind_the_watermark_is_told_to_wait(run, server, tmp_path: Path,
                                                                monkeypatch, snapshot) -> None:
    """NTP steps the clock back two minutes between two runs: the run was told 'a backfill
    is explicit: `state set-watermark ... --yes`', the help for an --as-of, whose
    watermark moved back delivers the records of those minutes again. The watermark is
    right; the run says to wait for the clock."""
    assert run(server)[0].exit_code == 0
    watermark = _watermark(tmp_path)
    from datetime import timedelta

    earlier = executor.wall_clock() - timedelta(minutes=2)
    monkeypatch.setattr(executor, "wall_clock", lambda: earlier)
    result, _ = run(server, out="again.csv")
    assert result.exit_code == 1 and "OCX581" in result.stderr
    assert "set-watermark" not in result.stderr
    assert _watermark(tmp_path) == watermark and not (tmp_path / "again.csv").exists()
    assert re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "<time>", text(result, tmp_path)) == snapshot


def test_a_watermark_in_the_future_is_refused(run, server, tmp_path: Path, snapshot) -> None:
    state = {"format_version": 1, "export": "state_test", "serial": 1, "datasets": {
        "sessions": {"watermark": "2999-01-01T00:00:00Z", "plan_fingerprint": "x",
                     "committed_at": AS_OF}}}
    (tmp_path / "state.json").write_text(json.dumps(state))
    result, _ = run(server)
    assert result.exit_code == 1 and "OCX582" in result.stderr
    assert server.request_log == []
    as_of, _ = run(server, "--as-of", "2999-01-01T00:00:00Z")
    assert as_of.exit_code == 1 and "OCX582" in as_of.stderr
    assert re.sub(r"clock says [0-9TZ:-]+", "clock says <now>", text(result, tmp_path)) == snapshot


@pytest.mark.parametrize("damage", [
    {"watermark": "yesterday"}, {"watermark": 5}, {"committed_at": None},
    {"seen": ["not a digest"]}, {"plan_summary": "text"},
], ids=["words", "number", "null", "seen", "summary"])
def test_damaged_state_values_are_a_diagnostic(run, server, tmp_path: Path, damage: dict) -> None:
    item = {"watermark": MID, "plan_fingerprint": "x", "committed_at": MID, **damage}
    (tmp_path / "state.json").write_text(json.dumps(
        {"format_version": 1, "export": "state_test", "serial": 1, "datasets": {"sessions": item}}))
    result, _ = run(server)
    assert result.exit_code == 1
    assert "OCX553" in result.stderr and "Traceback" not in result.stderr
    assert server.request_log == []



@pytest.mark.parametrize("content", [b"\x8f not a database " * 200,
                                     b"SQLite format 3\x00" + bytes(100)],
                         ids=["garbage", "truncated"])
def test_a_damaged_ledger_is_named_as_damaged(run, server, tmp_path: Path, content: bytes,
                                              snapshot) -> None:
    """A ledger that is no SQLite database was reported as "cannot finish the commit an
    interrupted run left", with help to make directories writable: no run had left
    one, and nothing about directories helps."""
    (tmp_path / "state.json").write_bytes(content)
    result, _ = run(server)
    assert result.exit_code == 1 and "OCX553" in result.stderr
    assert "interrupted run" not in result.stderr and server.request_log == []
    assert (tmp_path / "state.json").read_bytes() == content, result.stderr
    assert text(result, tmp_path) == snapshot


def _damage_table(path: Path, table: str) -> None:
    """Overwrite the page header of `table`'s root page (a bad sector, a torn copy)."""
    import sqlite3

    with sqlite3.connect(path) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()
    data = bytearray(path.read_bytes())
    data[(root - 1) * page_size:(root - 1) * page_size + 16] = b"\xff" * 16
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("checked", ["every page", "bounded"])
@pytest.mark.parametrize("table", ["runs", "run_datasets", "run_outputs"])
def test_a_ledger_damaged_where_the_run_log_lies_stops_the_run_before_fetching(
        run, server, tmp_path: Path, table: str, checked: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A ledger whose disclosure log (a page of `runs`, `run_datasets`, `run_outputs`) was
    damaged opened and passed the write check; the run fetched, published its file and
    only then failed, logging its run in the commit: "the commit stopped half way", a
    delivered file the state does not hold, and every run after it failed the same way.
    Damage anywhere in the ledger is now found before fetching: OCX553, nothing published,
    the file left as it was. So too in a ledger too large to check every page of
    (`bounded`: what a commit's append to the run log reads is checked)."""
    if checked == "bounded":
        monkeypatch.setattr("ocpispec.ledger.store.WHOLE_CHECK_BYTES", 0)
        monkeypatch.setattr("ocpispec.ledger.db.WHOLE_CHECK_BYTES", 0)
    first, rows = run(server, "--as-of", MID)
    assert first.exit_code == 0 and rows
    _damage_table(tmp_path / "state.json", table)
    content = (tmp_path / "state.json").read_bytes()
    served = len(server.request_log)
    result, _ = run(server, "--as-of", AS_OF, out="again.csv")
    assert result.exit_code == 1 and "OCX553" in result.stderr, result.stderr
    assert "damaged" in result.stderr and "half way" not in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert len(server.request_log) == served and not (tmp_path / "again.csv").exists()
    assert (tmp_path / "state.json").read_bytes() == content, result.stderr


def _emptied(path: Path) -> None:
    path.write_bytes(b"")


def _another_programs(path: Path) -> None:
    import sqlite3

    path.unlink()
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE photos (name TEXT)")


@pytest.mark.parametrize("damage", [_emptied, _another_programs], ids=["0 bytes", "other db"])
def test_an_emptied_ledger_is_not_read_as_a_new_one(run, server, tmp_path: Path, damage,
                                                    snapshot) -> None:
    """A ledger truncated to 0 bytes (a failed copy or restore, a full disk) was opened
    by SQLite as an empty database and given a new schema: the export started over at
    1970-01-01 and delivered every record of its history again, with a note at most. A
    ledger is made whole under a temporary name, so an empty one is damage: OCX553,
    before any request, and the file is left as it was."""
    first, rows = run(server, "--as-of", MID)
    assert first.exit_code == 0 and rows
    damage(tmp_path / "state.json")
    content = (tmp_path / "state.json").read_bytes()
    served = len(server.request_log)
    result, _ = run(server, "--as-of", AS_OF, out="again.csv")
    assert result.exit_code == 1 and "OCX553" in result.stderr
    assert len(server.request_log) == served and not (tmp_path / "again.csv").exists()
    assert (tmp_path / "state.json").read_bytes() == content, result.stderr
    assert text(result, tmp_path) == snapshot


def _newer_state(path: Path) -> None:
    import sqlite3

    with sqlite3.connect(path) as conn:
        body = json.loads(conn.execute("SELECT body FROM state").fetchone()[0])
        conn.execute("UPDATE state SET body = ?", (json.dumps({**body, "format_version": 2}),))


def _newer_schema(path: Path) -> None:
    import sqlite3

    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema'")


@pytest.mark.parametrize("newer", [_newer_state, _newer_schema], ids=["state", "schema"])
def test_a_ledger_a_newer_version_wrote_is_not_called_damaged(run, run_cli, server,
                                                               tmp_path: Path, newer,
                                                               snapshot) -> None:
    """A runner left on an older ocpispec (a second CI runner, a rollback) read a
    ledger a newer version wrote as 'the ledger's state of this export is damaged' with
    the help to move it aside: the next run would then have started at 1970-01-01 and
    delivered everything again. It says which version wrote it and to upgrade."""
    first, _ = run(server, "--as-of", MID)
    assert first.exit_code == 0
    newer(tmp_path / "state.json")
    served = len(server.request_log)
    result, _ = run(server, "--as-of", AS_OF, out="again.csv")
    assert result.exit_code == 1 and len(server.request_log) == served
    assert "written by a newer version of ocpispec" in result.stderr
    assert "move it aside" not in result.stderr and "damaged" not in result.stderr
    shown = run_cli("state", "show", "state_test", "--state", str(tmp_path / "state.json"))
    assert shown.exit_code == 1 and "move it aside" not in shown.output
    if newer is _newer_schema:  # the disclosure log is in the same file
        logged = run_cli("history", "--ledger", str(tmp_path / "state.json"))
        assert logged.exit_code == 1 and "pip install -U ocpispec" in logged.output
    assert text(result, tmp_path) == snapshot


def test_a_new_ledger_is_made_whole(run, server, tmp_path: Path) -> None:
    """The first run makes the ledger with its schema under a temporary name, which
    it removes."""
    result, rows = run(server, "--as-of", MID)
    assert result.exit_code == 0 and rows
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".new")]
    assert state_dict(tmp_path / "state.json")["datasets"]["sessions"]["watermark"] == MID


@pytest.mark.parametrize("number", ["ENOSPC", "EACCES"])
def test_a_run_record_that_cannot_be_written_after_the_commit_says_what_was_delivered(
        run, server, tmp_path: Path, monkeypatch, number: str, snapshot) -> None:
    """The record is written after the commit: the outputs were delivered and the state
    moved. The diagnostic said "fix the permissions of the runs directory" on a full
    disk too, and not that the window must not be run again."""
    import errno

    import ocpispec.execute.records as records

    def fail(directory, record):
        code = getattr(errno, number)
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(records, "write_run_record", fail)
    result, _ = run(server, "--as-of", MID)
    assert result.exit_code == 1 and "OCX553" in result.stderr
    assert _watermark(tmp_path) == MID and (tmp_path / "out.csv").exists()
    assert [r["outcome"] for r in runs(tmp_path / "state.json")] == ["committed"]
    assert text(result, tmp_path) == snapshot


def test_a_runs_directory_that_cannot_be_written_stops_the_run_before_fetching(
        run, server, tmp_path: Path, snapshot) -> None:
    """A runs directory that could not take the run record (a file in its place here; a
    read-only mount or a full disk alike) was met only after the commit: the outputs
    were published and the state moved, and the run exited 1 with OCX553 saying so, a
    failure to a scheduler after a delivery it must not repeat. It is checked with the
    ledger, before fetching: nothing is published and the state stays."""
    (tmp_path / "runs").write_text("not a directory")
    result, _ = run(server, "--as-of", MID)
    assert result.exit_code == 1 and "OCX553" in result.stderr
    assert not (tmp_path / "out.csv").exists()
    assert not has_state(tmp_path / "state.json")
    assert [r["outcome"] for r in runs(tmp_path / "state.json")] == ["failed"]
    assert (tmp_path / "runs").read_text() == "not a directory"
    assert text(result, tmp_path) == snapshot
    (tmp_path / "runs").unlink()
    again, rows = run(server, "--as-of", MID)
    assert again.exit_code == 0 and rows and _watermark(tmp_path) == MID
    assert [p.suffix for p in (tmp_path / "runs" / "state_test").iterdir()] == [".json"]


def test_a_run_without_state_whose_log_fails_publishes_nothing(
        run, server, tmp_path: Path, monkeypatch) -> None:
    """An export without state published, then logged the run: a log that failed left
    files the ledger did not know (and a kill between, too). Its files and its log entry
    now commit as one: a ledger that cannot take the entry publishes nothing, and the
    failure logged is true."""
    from ocpispec import ledger

    spec = tmp_path / "between.ocx"
    spec.write_text(SPEC.format(extra="").replace(
        "since last run", "between 2025-01-01 and 2025-02-01"))

    def locked(*args, **kwargs):
        raise ledger.LedgerError("the ledger is not usable: database is locked")

    monkeypatch.setattr(ledger, "commit", locked)
    result, _ = run(server, "--as-of", AS_OF, spec_path=spec)
    assert result.exit_code == 1 and "cannot publish the outputs" in result.stderr
    assert not (tmp_path / "out.csv").exists()
    assert [r["outcome"] for r in runs(tmp_path / "state.json")] == ["failed"]


def test_a_reader_of_stdout_that_stops_gets_a_diagnostic_about_stdout(
        server, spec: Path, tmp_path: Path, snapshot) -> None:
    """`--out -` into a pipe whose reader stopped: the help spoke of a directory."""
    import subprocess
    import sys

    env = {**os.environ, "OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "TEST_PSEUDONYM_KEY": KEY, "OCPISPEC_CONFIG_DIR": str(tmp_path / "config"),
           "NO_COLOR": "1"}
    child = subprocess.Popen([sys.executable, "-m", "ocpispec", "run", str(spec), "--out", "-",
                              "--state", str(tmp_path / "state.json"), "--as-of", AS_OF, "-q"],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    child.stdout.close()  # the reader stops before the first row
    stderr = child.stderr.read().decode()
    assert child.wait(timeout=120) == 1
    assert not has_state(tmp_path / "state.json")
    assert scrub(stderr, tmp_path=tmp_path) == snapshot

# ---- the plan changed ---------------------------------------------------------------------------

def test_a_changed_plan_is_named_and_the_run_continues(run, server, tmp_path: Path, snapshot) -> None:
    assert run(server, "--as-of", MID)[0].exit_code == 0
    changed = tmp_path / "changed.ocx"
    changed.write_text(SPEC.format(extra="  truncate(start_date_time, day) as day\n")
                       .replace("select", 'where kwh > 0\nselect'))
    result, rows = run(server, "--as-of", AS_OF, out="b.csv", spec_path=changed)
    assert result.exit_code == 0, result.stderr
    assert "columns added: `day`" in result.stderr and "the `where` filter was added" in result.stderr
    manifest = json.loads((tmp_path / "b.csv.manifest.json").read_text())
    assert manifest["window"]["start"] == MID
    assert manifest["plan_change"] == {"changes": ["columns added: `day`",
                                                   "the `where` filter was added"],
                                       "restarted": False}
    note = next(line for line in result.stderr.splitlines() if "changed since" in line)
    assert re.sub(r"[0-9a-f]{12}", "<fp>", note) == snapshot
    restarted, _ = run(server, "--as-of", AS_OF, "--restart", out="c.csv", spec_path=changed)
    assert restarted.exit_code == 0
    assert json.loads((tmp_path / "c.csv.manifest.json").read_text())["window"]["start"] == \
        "1970-01-01T00:00:00Z"


def test_a_dataset_that_reads_another_module_starts_over(run, server, tmp_path: Path,
                                                         snapshot) -> None:
    """A sessions watermark says nothing of which CDRs left: the CDRs updated before it
    were never delivered, and continuing from it lost them without a word."""
    assert run(server, "--as-of", MID)[0].exit_code == 0
    cdrs = tmp_path / "cdrs.ocx"
    cdrs.write_text(SPEC.format(extra="").replace("from sessions since", "from cdrs as sessions since"))
    result, rows = run(server, "--as-of", AS_OF, out="b.csv", spec_path=cdrs)
    assert result.exit_code == 0, result.stderr
    assert json.loads((tmp_path / "b.csv.manifest.json").read_text())["window"]["start"] == \
        "1970-01-01T00:00:00Z"
    note = next(line for line in result.stderr.splitlines() if "module of" in line)
    assert note == snapshot
    again, more = run(server, "--as-of", AS_OF, out="c.csv", spec_path=cdrs)
    assert again.exit_code == 0 and more == [] and "module of" not in again.stderr
    assert rows and len(rows) == len(set(rows))


# ---- late records and lookback ----------------------------------------------------------------

def test_late_records_are_lost_without_lookback(run, demo_server_factory, tmp_path: Path) -> None:
    server = demo_server_factory(version="2.2.1", size=600, faults=Faults(late_records=4))
    first, a = run(server, "--as-of", MID, out="a.csv")
    second, b = run(server, "--as-of", AS_OF, out="b.csv")
    reference, everything = run(server, "--as-of", AS_OF, "--restart", out="all.csv")
    assert first.exit_code == second.exit_code == reference.exit_code == 0
    assert len(set(everything) - set(a) - set(b)) == 4  # lost: the second run warns (OCX562,
    # tests/test_late_arrivals.py)


def test_lookback_delivers_late_records_once(run, demo_server_factory, tmp_path: Path,
                                            snapshot) -> None:
    server = demo_server_factory(version="2.2.1", size=600, faults=Faults(late_records=4))
    first, a = run(server, "--as-of", MID, "--lookback", "3d", out="a.csv")
    second, b = run(server, "--as-of", AS_OF, "--lookback", "3d", out="b.csv")
    third, c = run(server, "--as-of", AS_OF, "--lookback", "3d", out="c.csv")
    assert first.exit_code == second.exit_code == third.exit_code == 0, second.stderr
    saved = _state(tmp_path)["datasets"]["sessions"]
    assert saved["seen"] and all(re.fullmatch(r"[0-9a-f]{32}", d) for d in saved["seen"])
    reference, everything = run(server, "--as-of", AS_OF, "--restart", out="all.csv")
    delivered = a + b + c
    assert sorted(delivered) == sorted(everything)  # every record exactly once
    assert c == []
    assert _note(second, "lookback:") == snapshot
    manifest = json.loads((tmp_path / "b.csv.manifest.json").read_text())
    assert manifest["lookback"]["resumed_at"] == MID
    assert set(manifest["lookback"]) == {"seconds", "resumed_at"}  # counts stay with the CPO
    notes = [note for record in tmp_path.rglob("runs/*/*.json")
             for note in json.loads(record.read_text())["notes"]]
    assert any(note.startswith("lookback: `sessions`: 4 late records") for note in notes), notes


KEYLESS = SPEC.replace("  pseudonym key env TEST_PSEUDONYM_KEY\n", "").replace(
    "pseudonymize(id) as session", "location_id\n  evse_uid\n  truncate(start_date_time, hour) as hour")


def _count(path: Path) -> int:
    with path.open(newline="") as handle:
        return len(list(csv.DictReader(handle)))


def _runs(run_cli, server, tmp_path: Path, spec: Path, steps):
    """Runs `(out, as_of, key, *args)` in turn with a lookback of 3 days; their results."""
    results = []
    for out, as_of, key, *args in steps:
        env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
               "TEST_PSEUDONYM_KEY": key}
        result = run_cli("run", str(spec), "--out", str(tmp_path / out), "--state",
                         str(tmp_path / "state.json"), "--as-of", as_of, "--lookback", "3d",
                         *args, env=env)
        assert result.exit_code == 0, result.stderr
        results.append(result)
    return results


def test_lookback_without_a_pseudonym_key_delivers_once(run_cli, demo_server_factory,
                                                         tmp_path: Path) -> None:
    """A spec without a key runs under a key drawn anew each run: digests keyed by it never
    matched the last run's, so the re-read part was delivered again (563 rows for 557)."""
    server = demo_server_factory(version="2.2.1", size=600, faults=Faults(late_records=4))
    spec = tmp_path / "keyless.ocx"
    spec.write_text(KEYLESS.format(extra=""))
    _runs(run_cli, server, tmp_path, spec, [("a.csv", MID, KEY), ("b.csv", AS_OF, KEY),
                                            ("c.csv", AS_OF, KEY),
                                            ("all.csv", AS_OF, KEY, "--restart")])
    parts = [_count(tmp_path / name) for name in ("a.csv", "b.csv", "c.csv")]
    assert sum(parts) == _count(tmp_path / "all.csv") and parts[2] == 0, parts


def test_a_rotated_key_does_not_repeat_the_lookback(run_cli, server, tmp_path: Path,
                                                    spec: Path) -> None:
    """Digests made under the old key match nothing under the new one: the run re-reads
    nothing before the watermark (and says so) rather than delivering it again."""
    rotated = "9c1e5a3f7b0d28e46a2c8f1b5d3e70a9c4f2b68e0d5a17c3f9b2d04e6a8c1f53"
    results = _runs(run_cli, server, tmp_path, spec, [("a.csv", MID, KEY),
                                                      ("b.csv", AS_OF, rotated),
                                                      ("all.csv", AS_OF, KEY, "--restart")])
    assert _count(tmp_path / "a.csv") + _count(tmp_path / "b.csv") == _count(tmp_path / "all.csv")
    assert "made under another pseudonym key" in results[1].stderr
    assert "another pseudonym key" not in results[0].stderr + results[2].stderr


# ---- one run at a time ----------------------------------------------------------------------------

def test_a_second_run_cannot_commit_while_one_holds_the_lock(run, server, tmp_path: Path,
                                                             snapshot) -> None:
    lock = tmp_path / "state.json.state_test.lock"
    with lock.open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        result, _ = run(server, "--as-of", AS_OF)
        waited, _ = run(server, "--as-of", AS_OF, "--wait-lock", "0.2")
    assert result.exit_code == waited.exit_code == 1
    assert "after waiting 0.2 s" in waited.stderr
    assert server.request_log == [] and not (tmp_path / "out.csv").exists()
    assert text(result, tmp_path) == snapshot
    assert run(server, "--as-of", AS_OF)[0].exit_code == 0  # released: runs again


# ---- the commit journal -----------------------------------------------------------------------------

def test_a_state_write_that_fails_after_publishing_is_finished_next_run(
        run, server, tmp_path: Path, monkeypatch, snapshot) -> None:
    import sqlite3

    import ocpispec.ledger.store as store

    assert run(server, "--as-of", MID, out="a.csv")[0].exit_code == 0
    real = store._finish

    def failing(*args):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(store, "_finish", failing)
    result, _ = run(server, "--as-of", AS_OF, out="b.csv")
    assert result.exit_code == 1
    assert (tmp_path / "b.csv").exists()  # published...
    assert _watermark(tmp_path) == MID  # ...state not yet
    assert pending(tmp_path / "state.json") == 1
    assert text(result, tmp_path) == snapshot
    monkeypatch.setattr(store, "_finish", real)
    again, rows = run(server, "--as-of", AS_OF, out="c.csv")
    assert again.exit_code == 0 and rows == []  # nothing delivered twice
    assert _note(again, "finished the commit") == snapshot
    assert "finished the commit" in again.stderr
    assert _watermark(tmp_path) == AS_OF
    assert pending(tmp_path / "state.json") == 0


def test_an_unwritable_state_stops_the_run_before_fetching(run, server, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the state's directory should be")
    result, _ = run(server, "--as-of", AS_OF, "--state", str(blocker / "state.json"))
    assert result.exit_code == 1 and "OCX553" in result.stderr
    assert server.request_log == [] and not (tmp_path / "out.csv").exists()


def test_a_ledger_that_cannot_take_its_journal_stops_the_run_before_fetching(
        run, server, tmp_path: Path) -> None:
    """The check before fetching updated a row to the value it held, which SQLite does not
    write: neither the rollback journal nor the room it needs was tried, so a full disk
    (here a file-size limit; a folder without a free inode too) passed it, and the run
    read the whole window before its commit failed."""
    import resource
    import signal
    import subprocess
    import sys

    assert run(server, "--as-of", MID)[0].exit_code == 0
    requests = len(server.request_log)

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1000, resource.RLIM_INFINITY))

    env = {**os.environ, "OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "TEST_PSEUDONYM_KEY": KEY, "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-m", "ocpispec", "run", str(tmp_path / "spec.ocx"),
                           "--out", str(tmp_path / "later.csv"), "--state",
                           str(tmp_path / "state.json"), "--as-of", AS_OF],
                          env=env, capture_output=True, text=True, timeout=120,
                          preexec_fn=limited)
    assert done.returncode == 1 and "OCX553" in done.stderr, done.stderr
    assert "checked before fetching" in done.stderr
    assert len(server.request_log) == requests and not (tmp_path / "later.csv").exists()
    assert _watermark(tmp_path) == MID


def test_stale_partials_of_killed_runs_are_removed(run, server, tmp_path: Path) -> None:
    dead = tmp_path / ".out.csv.999999999-deadbeef.partial"
    dead.write_text("half an export")
    live = tmp_path / f".other.csv.{os.getpid()}-cafe.partial"
    live.write_text("a run in progress")
    assert run(server, "--as-of", AS_OF)[0].exit_code == 0
    assert not dead.exists() and live.exists()


def test_files_are_never_world_readable(run, server, tmp_path: Path) -> None:
    old = os.umask(0o002)
    try:
        assert run(server, "--as-of", AS_OF)[0].exit_code == 0
    finally:
        os.umask(old)
    for name in ("out.csv", "out.csv.manifest.json", "state.json", "state.json.state_test.lock"):
        mode = stat.S_IMODE((tmp_path / name).stat().st_mode)
        assert mode & 0o007 == 0, (name, oct(mode))
        assert mode == 0o640, (name, oct(mode))


def test_overlapping_runs_never_both_deliver(run, demo_server_factory, spec: Path,
                                             tmp_path: Path) -> None:
    import subprocess
    import sys
    import time

    server = demo_server_factory(version="2.2.1", size=400, max_page_size=20)
    with _held(server) as (platform, release):
        env = {**os.environ, "OCPI_VERSIONS_URL": platform.versions_url, "OCPI_TOKEN": server.token,
               "TEST_PSEUDONYM_KEY": KEY}
        first = subprocess.Popen([sys.executable, "-m", "ocpispec", "run", str(spec), "--out",
                                  str(tmp_path / "first.csv"), "--state", str(tmp_path / "state.json"),
                                  "--as-of", MID, "--page-size", str(HELD_PAGE_SIZE), "--concurrency", "1",
                                  "-q"], env=env, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while not any("sessions" in r.target for r in server.request_log):
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.02)
        refused, _ = run(platform, "--as-of", MID, out="refused.csv")   # while the first fetches
        release.set()
        waited, rows = run(platform, "--as-of", MID, "--wait-lock", "60", out="waited.csv")
        status = first.wait(timeout=60)
    assert status == 0, first.stderr.read()
    assert refused.exit_code == 1 and "OCX580" in refused.stderr
    assert waited.exit_code == 0 and rows == []  # it ran after the first committed
    assert len(_rows(tmp_path / "first.csv")) > 0


def test_two_exports_committing_into_one_file_never_replace_each_other(
        run, demo_server_factory, spec: Path, tmp_path: Path, snapshot) -> None:
    """Two exports (each with its own lock) delivering into one file: both found no file
    before fetching, and the one that committed second replaced the other's delivery,
    whose state had moved past it, so its records were lost; both exited 0. The second
    is refused at its commit now (OCX556): nothing published, its state unmoved."""
    import subprocess
    import sys
    import time

    slow = demo_server_factory(version="2.2.1", size=400, max_page_size=20)
    fast = demo_server_factory(version="2.2.1", size=400, max_page_size=100)
    other = tmp_path / "other.ocx"
    other.write_text(SPEC.format(extra="").replace("export state_test", "export other_test"))
    with _held(slow) as (platform, release):
        env = {**os.environ, "OCPI_VERSIONS_URL": platform.versions_url, "OCPI_TOKEN": slow.token,
               "TEST_PSEUDONYM_KEY": KEY}
        second = subprocess.Popen([sys.executable, "-m", "ocpispec", "run", str(other), "--out",
                                   str(tmp_path / "out.csv"), "--state", str(tmp_path / "state.json"),
                                   "--as-of", MID, "--page-size", str(HELD_PAGE_SIZE), "--concurrency",
                                   "1"], env=env, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while not any("sessions" in r.target for r in slow.request_log):  # past its checks
            assert time.monotonic() < deadline and second.poll() is None
            time.sleep(0.02)
        first, rows = run(fast, "--as-of", MID)     # commits while the second still fetches
        release.set()
        status = second.wait(timeout=60)
    assert first.exit_code == 0 and rows
    assert status == 1
    stderr = second.stderr.read()
    assert "OCX556" in stderr and "Traceback" not in stderr
    assert _rows(tmp_path / "out.csv") == rows     # the first delivery stands
    assert state_dict(tmp_path / "state.json", "other_test") is None
    error = next(line for line in stderr.splitlines() if line.startswith("error"))
    assert error.replace(str(tmp_path), "<tmp>") == snapshot


def test_a_link_to_the_ledger_shares_its_lock(run, server, tmp_path: Path) -> None:
    """A ledger reached through a symbolic link (`--state ~/ledger.sqlite` pointing at the
    cron job's) is the same ledger: its runs wait for the same lock."""
    assert run(server, "--as-of", MID, out="first.csv")[0].exit_code == 0
    (tmp_path / "link.json").symlink_to(tmp_path / "state.json")
    with (tmp_path / "state.json.state_test.lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        result, _ = run(server, "--as-of", AS_OF, "--state", str(tmp_path / "link.json"))
    assert result.exit_code == 1 and "OCX580" in result.stderr, result.output
    assert not (tmp_path / "out.csv").exists() and _watermark(tmp_path) == MID


def test_a_run_whose_state_moved_meanwhile_publishes_nothing(run, demo_server_factory, spec: Path,
                                                             tmp_path: Path) -> None:
    """Where the lock does not hold (a ledger hard-linked under two names, a network share
    whose locks do not reach across machines), two runs read the same watermark: the one
    committing second finds the state moved and publishes nothing, instead of delivering
    the same window again."""
    import subprocess
    import sys
    import time

    server = demo_server_factory(version="2.2.1", size=400, max_page_size=20)
    with _held(server) as (platform, release):
        assert run(platform, "--as-of", "2025-03-01T00:00:00Z", out="zero.csv")[0].exit_code == 0
        os.link(tmp_path / "state.json", tmp_path / "hard.json")
        before = len(server.request_log)
        env = {**os.environ, "OCPI_VERSIONS_URL": platform.versions_url, "OCPI_TOKEN": server.token,
               "TEST_PSEUDONYM_KEY": KEY}
        slow = subprocess.Popen([sys.executable, "-m", "ocpispec", "run", str(spec), "--out",
                                 str(tmp_path / "slow.csv"), "--state", str(tmp_path / "hard.json"),
                                 "--as-of", MID, "--page-size", str(HELD_PAGE_SIZE), "--concurrency", "1",
                                 "-q"], env=env, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while not any("sessions" in r.target for r in server.request_log[before:]):
            assert time.monotonic() < deadline and slow.poll() is None
            time.sleep(0.02)
        fast, rows = run(platform, "--as-of", MID, out="fast.csv")  # commits while the slow one fetches
        release.set()
        status = slow.wait(timeout=60)
    assert fast.exit_code == 0 and rows, fast.output
    assert status == 1
    stderr = slow.stderr.read()
    assert "OCX580" in stderr and "Traceback" not in stderr, stderr
    assert not (tmp_path / "slow.csv").exists() and not list(tmp_path.glob(".slow.csv*"))
    assert _watermark(tmp_path) == MID and pending(tmp_path / "state.json") == 0


def test_a_rename_that_fails_half_way_is_finished_next_run(run, server, tmp_path: Path,
                                                           monkeypatch) -> None:
    import ocpispec.execute.atomic as atomic

    real, calls = atomic.publish, []

    def failing(temp, final):
        calls.append(final)
        if len(calls) == 2:  # the output is published, the manifest not
            raise OSError(28, "No space left on device")
        real(temp, final)

    monkeypatch.setattr(atomic, "publish", failing)
    result, _ = run(server, "--as-of", AS_OF)
    assert result.exit_code == 1 and "the commit stopped half way" in result.stderr
    assert (tmp_path / "out.csv").exists() and not (tmp_path / "out.csv.manifest.json").exists()
    assert not has_state(tmp_path / "state.json")
    monkeypatch.setattr(atomic, "publish", real)
    again, rows = run(server, "--as-of", AS_OF, out="again.csv")
    assert again.exit_code == 0 and rows == []
    assert (tmp_path / "out.csv.manifest.json").exists()  # rolled forward, not lost
    assert _watermark(tmp_path) == AS_OF


def test_a_first_or_longer_lookback_never_delivers_twice(run, server, tmp_path: Path) -> None:
    first, a = run(server, "--as-of", "2025-04-01T00:00:00Z", out="a.csv")
    second, b = run(server, "--as-of", MID, "--lookback", "5d", out="b.csv")  # nothing to dedupe by
    third, c = run(server, "--as-of", "2025-10-01T00:00:00Z", "--lookback", "30d", out="c.csv")
    fourth, d = run(server, "--as-of", AS_OF, "--lookback", "5d", out="d.csv")
    assert {first.exit_code, second.exit_code, third.exit_code, fourth.exit_code} == {0}
    reference, everything = run(server, "--as-of", AS_OF, "--restart", out="all.csv")
    assert sorted(a + b + c + d) == sorted(everything)
    windows = [json.loads((tmp_path / f"{n}.csv.manifest.json").read_text())["window"]["start"]
               for n in "bcd"]
    assert windows == ["2025-04-01T00:00:00Z", "2025-06-26T00:00:00Z", "2025-09-26T00:00:00Z"]


def test_a_since_date_after_the_run_is_refused(run, server, tmp_path: Path, snapshot) -> None:
    """`since 2999-01-01` (a mistyped year) wrote an empty file whose manifest showed a
    window ending before it started; now nothing is requested or written."""
    spec = tmp_path / "future.ocx"
    spec.write_text(SPEC.format(extra="").replace("since last run", "since 2999-01-01"))
    result, _ = run(server, "--as-of", AS_OF, spec_path=spec)
    assert result.exit_code == 1
    assert server.request_log == []
    assert not (tmp_path / "out.csv").exists()
    assert re.sub(r"run's time \([0-9TZ:-]+\)", "run's time (<now>)",
                  text(result, tmp_path)) == snapshot
    past = tmp_path / "past.ocx"
    past.write_text(SPEC.format(extra="").replace("since last run", "since 2025-12-01"))
    ok, rows = run(server, "--as-of", AS_OF, spec_path=past)
    assert ok.exit_code == 0 and rows


# ---- a state belongs to the platform it was read from ----------------------------------------

def _demo_then_platform(run_cli, server, tmp_path: Path, spec: Path, *first: str):
    """`run --demo --state LEDGER` (a try-out), then the same ledger on a platform (the
    demo CPO as `ocpispec demo-server`, logged in as profile `prod`), in that order or
    the other (`first`: the try-out's arguments)."""
    assert run_cli("login", server.versions_url, "--token", server.token, "--party", "NL-ABC",
                   "--profile", "prod").exit_code == 0
    ledger = str(tmp_path / "ledger.sqlite")

    def invoke(name: str, *args: str):
        return run_cli("run", str(spec), "--out", str(tmp_path / f"{name}.csv"), "--state",
                       ledger, *args, env={"TEST_PSEUDONYM_KEY": KEY})

    return invoke


def test_a_demo_try_out_never_moves_the_platforms_watermark(run_cli, server, tmp_path: Path,
                                                            spec: Path, snapshot) -> None:
    """A `since last run` export tried on the built-in demo CPO (`--demo --state LEDGER`)
    and then run on the platform with that ledger: the watermark the try-out left (the
    demo's clock) started the platform's window, which ran from 2026-01-01 to 2026-01-01
    and delivered none of its records, exit 0. The platform's run stops before fetching
    and says what differs and what to do; with the ledger reset it delivers everything."""
    run = _demo_then_platform(run_cli, server, tmp_path, spec)
    tried = run("demo", "--demo", "--demo-size", "300")
    assert tried.exit_code == 0, tried.output
    refused = run("prod", "--profile", "prod")
    assert refused.exit_code == 1 and not (tmp_path / "prod.csv").exists(), refused.output
    assert server.token not in refused.output and "Traceback" not in refused.output
    assert text(refused, tmp_path) == snapshot
    shown = run_cli("state", "show", "state_test", "--state", str(tmp_path / "ledger.sqlite"))
    assert "read from the built-in demo CPO (`--demo`)" in shown.output, shown.output
    assert run_cli("state", "reset", "state_test", "--state", str(tmp_path / "ledger.sqlite"),
                   "--yes").exit_code == 0
    done = run("prod", "--profile", "prod")
    assert done.exit_code == 0, done.output
    fresh = run_cli("run", str(spec), "--out", str(tmp_path / "fresh.csv"), "--profile", "prod",
                    env={"TEST_PSEUDONYM_KEY": KEY})  # the default ledger, never used
    assert fresh.exit_code == 0, fresh.output
    assert sorted(_rows(tmp_path / "prod.csv")) == sorted(_rows(tmp_path / "fresh.csv"))
    assert len(_rows(tmp_path / "prod.csv")) > 500


def test_a_demo_try_out_never_continues_the_platforms_watermark(run_cli, server, tmp_path: Path,
                                                                spec: Path) -> None:
    """The other way round: a ledger of the platform, tried with `--demo`."""
    run = _demo_then_platform(run_cli, server, tmp_path, spec)
    assert run("prod", "--profile", "prod").exit_code == 0
    before = state_dict(tmp_path / "ledger.sqlite")
    tried = run("demo", "--demo", "--demo-size", "300")
    assert tried.exit_code == 1 and not (tmp_path / "demo.csv").exists(), tried.output
    assert "OCX587" in tried.output and "built-in demo CPO" in tried.output, tried.output
    assert "OCX581" not in tried.output and "set-watermark" not in tried.output
    assert "a ledger of its own (another --state)" in tried.output
    sample = run("sample", "--demo", "--demo-size", "300", "--limit", "5")
    assert sample.exit_code == 1 and "OCX587" in sample.output, sample.output
    assert state_dict(tmp_path / "ledger.sqlite") == before
    assert run("prod-again", "--profile", "prod").exit_code == 0  # the platform's ledger goes on


def test_a_run_stopped_before_its_record_is_named_by_the_next(run, server, tmp_path: Path) -> None:
    """A run killed after its commit, before it wrote `runs/<export>/<run>.json`: its
    files were delivered and the ledger logged it, but the CPO's run records missed it
    and the next run said nothing. The next run names it (its record is gone for good:
    the counts only that run knew are lost; the ledger's log says what was delivered)."""
    first, _ = run(server, "--as-of", MID)
    assert first.exit_code == 0, first.output
    [record] = tmp_path.glob("runs/state_test/*.json")
    record.unlink()  # what SIGKILL between the commit and the record leaves
    second, _ = run(server, "--as-of", AS_OF, out="second.csv")
    assert second.exit_code == 0, second.output
    note = _note(second, "the run of `state_test` at 2025-07-01T00:00:00Z")
    assert "no run record" in note and "ocpispec history" in note, note
    third, _ = run(server, "--as-of", "2026-01-02T00:00:00Z", out="third.csv")
    assert "no run record" not in third.output  # named once, by the run after it
