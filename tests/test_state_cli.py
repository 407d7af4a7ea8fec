"""`ocpispec state show|reset|set-watermark EXPORT`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fixtures_cli import cli_block
from ledger_helpers import has_state, state_dict

STATE = {"format_version": 1, "export": "utrecht_sessions", "serial": 3, "datasets": {
    "sessions": {"watermark": "2026-01-01T00:00:00Z", "plan_fingerprint": "ab" * 32,
                 "committed_at": "2026-01-01T00:00:05Z", "seen": ["0" * 32],
                 "seen_since": "2025-12-31T00:00:00Z"}}}


@pytest.fixture
def state(tmp_path: Path) -> Path:
    path = tmp_path / "state.json"
    path.write_text(json.dumps(STATE))
    return path


def block(result, tmp_path: Path) -> str:
    text = cli_block(result, tmp=tmp_path)
    return re.sub(r"committed \d{4}-[0-9T:-]+Z", "committed <time>", text)


def test_show(run_cli, state: Path, tmp_path: Path, snapshot) -> None:
    result = run_cli("state", "show", "utrecht_sessions", "--state", str(state))
    assert result.exit_code == 0
    missing = run_cli("state", "show", "utrecht_sessions", "--state", str(tmp_path / "none.json"))
    assert missing.exit_code == 0
    assert block(result, tmp_path) + block(missing, tmp_path) == snapshot


def test_show_names_a_pending_commit(run_cli, state: Path) -> None:
    from ocpispec import ledger

    ledger.load_state(state, "utrecht_sessions")  # moves the JSON file into a ledger
    with ledger.connect(state) as conn, ledger.transaction(conn):
        conn.execute("INSERT INTO pending VALUES ('utrecht_sessions', 1, '[]', NULL, NULL)")
    result = run_cli("state", "show", "utrecht_sessions", "--state", str(state))
    assert "A commit of an interrupted run is pending" in result.stdout


def test_set_watermark_back_needs_yes(run_cli, state: Path, tmp_path: Path, snapshot) -> None:
    refused = run_cli("state", "set-watermark", "utrecht_sessions", "2025-06-01T00:00:00Z",
                      "--state", str(state))
    assert refused.exit_code == 1
    assert state_dict(state) == STATE
    done = run_cli("state", "set-watermark", "utrecht_sessions", "2025-06-01", "--state",
                   str(state), "--yes")
    assert done.exit_code == 0
    saved = state_dict(state)["datasets"]["sessions"]
    assert saved["watermark"] == "2025-06-01T00:00:00Z"
    assert "seen" not in saved  # a backfill delivers the lookback horizon again too
    assert block(refused, tmp_path) + block(done, tmp_path) == snapshot


def test_set_watermark_forward_needs_yes(run_cli, state: Path) -> None:
    refused = run_cli("state", "set-watermark", "utrecht_sessions", "2026-03-01T00:00:00Z",
                      "--state", str(state))
    assert refused.exit_code == 1 and "records updated in between are never delivered" in refused.stderr


def test_set_watermark_refuses_the_future(run_cli, state: Path, tmp_path: Path, snapshot) -> None:
    result = run_cli("state", "set-watermark", "utrecht_sessions", "2999-01-01T00:00:00Z",
                     "--state", str(state), "--yes")
    assert result.exit_code == 1
    assert state_dict(state) == STATE
    assert block(result, tmp_path) == snapshot


def test_reset_needs_yes(run_cli, state: Path, tmp_path: Path, snapshot) -> None:
    refused = run_cli("state", "reset", "utrecht_sessions", "--state", str(state))
    assert refused.exit_code == 1 and has_state(state)
    done = run_cli("state", "reset", "utrecht_sessions", "--state", str(state), "--yes")
    assert done.exit_code == 0 and not has_state(state)
    assert block(refused, tmp_path) + block(done, tmp_path) == snapshot


def test_a_damaged_state_is_a_diagnostic(run_cli, tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text(json.dumps({**STATE, "serial": "three"}))
    result = run_cli("state", "show", "utrecht_sessions", "--state", str(path))
    assert result.exit_code == 1 and "OCX553" in result.stderr
    assert "serial" in result.stderr


def test_help(run_cli, snapshot) -> None:
    assert cli_block(run_cli("state", "--help")) == snapshot
    assert cli_block(run_cli("state", "set-watermark", "--help")) == snapshot


def test_changes_to_a_damaged_ledger_name_it_and_how_to_repair_it(run_cli, tmp_path: Path,
                                                                  snapshot) -> None:
    """`reset` and `set-watermark` on a ledger that is no database said "make the
    directories writable", which cannot help."""
    path = tmp_path / "ledger.sqlite"
    path.write_bytes(b"\x8f not a database " * 200)
    said = []
    for args in (("reset", "utrecht_sessions", "--yes"),
                 ("set-watermark", "utrecht_sessions", "2025-06-01T00:00:00Z", "--yes")):
        result = run_cli("state", *args, "--state", str(path))
        assert result.exit_code == 1 and "writable" not in result.stderr
        said.append(block(result, tmp_path))
    assert said[0] == said[1] == snapshot


def test_a_pending_commit_that_cannot_be_finished_is_not_called_a_damaged_ledger(
        run_cli, state: Path) -> None:
    """Only a ledger that cannot be read is damaged; advice to move aside a ledger whose
    pending commit waits for a server would deliver that run's window twice."""
    from ocpispec import ledger

    ledger.load_state(state, "utrecht_sessions")  # moves the JSON file into a ledger
    renames = '{"local": [], "remote": [["sftp://nowhere.invalid/x.csv", ".x.partial"]]}'
    with ledger.connect(state) as conn, ledger.transaction(conn):
        conn.execute("INSERT INTO pending VALUES ('utrecht_sessions', 1, ?, NULL, NULL)",
                     (renames,))
    result = run_cli("state", "reset", "utrecht_sessions", "--yes", "--state", str(state))
    assert result.exit_code == 1 and "OCX553" in result.stderr
    assert "interrupted run" in result.stderr and "move it aside" not in result.stderr
