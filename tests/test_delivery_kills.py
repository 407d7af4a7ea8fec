"""kill -9 of a real `ocpispec run` process while it delivers to a real OpenSSH server
(tests/fixtures_sftp.py): while a file goes up under its temporary name, and between
the renames to the final names after the commit point. A plain run afterwards leaves
every session of the windows delivered exactly once, no half file under a final name.
The kills wait for a file on the server (a marker), never for a time."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ledger_helpers import pending, state_dict

from ocpispec.demo import DemoServer

KEY = "a7c3e91f5b0d28e64c1a9f7b3d05e2c8f6a14b9d0e3c7f25a8b6d1e04c9f3a72"
SPEC = '''export delivery_kills
  consumer "Test consumer"
  purpose "Delivery to the consumer's server"
  legal basis public task "test"
  retention 1 months
  pseudonym key env TEST_PSEUDONYM_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions since last run
select pseudonymize(id) as session
output csv to "{destination}"
'''
MID, END = "2025-09-01T00:00:00Z", "2026-01-01T00:00:00Z"


@pytest.fixture(scope="module")
def server():
    with DemoServer(version="2.2.1", size=300, max_page_size=50) as demo:
        yield demo


def _command(spec: Path, ledger: Path, as_of: str) -> list[str]:
    return [sys.executable, "-m", "ocpispec", "run", str(spec), "--state", str(ledger),
            "--as-of", as_of, "-q"]


def _env(server: DemoServer, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
            "TEST_PSEUDONYM_KEY": KEY, "NO_COLOR": "1",
            "OCPISPEC_CONFIG_DIR": str(tmp_path / "config"),
            "OCPISPEC_RUNS_DIR": str(tmp_path / "runs"), **extra}


def _killed_when(process: subprocess.Popen, seen) -> bool:
    """kill -9 once `seen()` holds; False when the run ended first."""
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        if seen():
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
            return True
        time.sleep(0.005)
    process.wait(timeout=60)
    return False


def _sessions(folder: Path) -> list[str]:
    found = []
    for path in sorted(folder.glob("*.csv")):
        with path.open(newline="") as handle:
            found.extend(row["session"] for row in csv.DictReader(handle))
    return found


@pytest.mark.parametrize("moment", ["upload", "renames"])
def test_a_run_killed_while_it_delivers_leaves_each_session_delivered_once(
        server, sshd, tmp_path: Path, moment: str) -> None:
    sshd.profile(tmp_path / "config")
    spec, reference = tmp_path / "spec.ocx", tmp_path / "clean.ocx"
    spec.write_text(SPEC.format(
        destination=f"sftp://127.0.0.1:{sshd.port}{sshd.root}/x-{{window.end}}.csv"))
    clean = tmp_path / "clean"
    reference.write_text(SPEC.format(destination=f"{clean}/x-{{window.end}}.csv"))
    ledger = tmp_path / "ledger.sqlite"
    # `renames`: each commit step sleeps, so the kill lands after the first rename
    pause = {"OCPISPEC_TEST_COMMIT_PAUSE": "0.5"} if moment == "renames" else {}
    run = subprocess.Popen(_command(spec, ledger, MID), env=_env(server, tmp_path, **pause),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def marker() -> bool:
        paths = list(sshd.root.iterdir())
        if moment == "upload":  # not the empty file the write probe makes before fetching
            return any(path.name.endswith(".partial") and path.stat().st_size > 0
                       for path in paths)
        return any(not path.name.startswith(".") for path in paths)

    killed = _killed_when(run, marker)
    assert killed, "the run ended before the marker"
    finals = [path for path in sshd.root.iterdir() if not path.name.startswith(".")]
    for path in finals:  # whatever is under a final name is whole: its manifest says so
        if path.suffix == ".csv":
            assert path.read_text().startswith("session") and path.read_text().endswith("\n")
    again = subprocess.run(_command(spec, ledger, END), env=_env(server, tmp_path),
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert "Traceback" not in again.stderr
    assert subprocess.run(_command(reference, tmp_path / "clean.sqlite", END),
                          env=_env(server, tmp_path), timeout=120).returncode == 0
    delivered, expected = _sessions(sshd.root), _sessions(clean)
    assert len(expected) > 100
    assert len(set(delivered)) == len(delivered), "a session delivered twice"
    assert sorted(delivered) == sorted(expected)
    assert pending(ledger) == 0
    assert state_dict(ledger)["datasets"]["sessions"]["watermark"] == END
