"""kill -9 of a real `ocpispec run` process while it delivers to a real OpenSSH server
(tests/fixtures_sftp.py) or to moto's S3 server (tests/fixtures_s3.py): while a file
goes up under its temporary name, and between the renames (S3: copies) to the final
names after the commit point. A plain run afterwards leaves
every session of the windows delivered exactly once, no half file under a final name.
The kills wait for a file on the server (a marker), never for a time."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ledger_helpers import pending, state_dict

from ocpispec.demo import DemoServer

BUCKET = "consumer-drop"

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
    return [session for path in sorted(folder.glob("*.csv"))
            for session in _rows(path.read_text())]


def _rows(text: str) -> list[str]:
    return [row["session"] for row in csv.DictReader(io.StringIO(text, newline=""))]


class _Sftp:
    def __init__(self, sshd, config: Path) -> None:
        sshd.profile(config)
        self.root = sshd.root
        self.url = f"sftp://127.0.0.1:{sshd.port}{sshd.root}/x-{{window.end}}.csv"

    def sizes(self) -> dict[str, int]:
        """The server folder's files and sizes, as they stand; a file renamed between the
        listing and its stat (the upload's `.partial` becoming the final name) is skipped:
        the next look sees it under its new name."""
        found = {}
        for path in self.root.iterdir():
            try:
                found[path.name] = path.stat().st_size
            except FileNotFoundError:
                continue
        return found

    def text(self, name: str) -> str:
        return (self.root / name).read_text()


class _S3:
    def __init__(self, server, config: Path) -> None:
        server.profile(config)
        self.server, self.url = server, f"s3://{BUCKET}/x-{{window.end}}.csv"

    def sizes(self) -> dict[str, int]:
        listed = self.server.client().list_objects_v2(Bucket=BUCKET)
        return {item["Key"]: item["Size"] for item in listed.get("Contents", [])}

    def text(self, name: str) -> str:
        return self.server.get(name).decode()


@pytest.fixture(scope="module")
def expected(server, tmp_path_factory) -> list[str]:
    """The sessions one uninterrupted run delivers (into a local folder)."""
    folder = tmp_path_factory.mktemp("clean")
    reference = folder / "clean.ocx"
    reference.write_text(SPEC.format(destination=f"{folder}/x-{{window.end}}.csv"))
    assert subprocess.run(_command(reference, folder / "clean.sqlite", END),
                          env=_env(server, folder), timeout=120).returncode == 0
    return _sessions(folder)


# S3's temporary key appears whole (one PUT), so only its copies are a moment of their own
@pytest.mark.parametrize("scheme, moment", [("sftp", "upload"), ("sftp", "renames"),
                                            ("s3", "renames")])
def test_a_run_killed_while_it_delivers_leaves_each_session_delivered_once(
        server, expected, request, tmp_path: Path, scheme: str, moment: str) -> None:
    destination = _Sftp(request.getfixturevalue("sshd"), tmp_path / "config") \
        if scheme == "sftp" else _S3(request.getfixturevalue("s3_server"), tmp_path / "config")
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(destination=destination.url))
    ledger = tmp_path / "ledger.sqlite"
    # `renames`: each commit step sleeps, so the kill lands after the first rename
    pause = {"OCPISPEC_TEST_COMMIT_PAUSE": "0.3"} if moment == "renames" else {}
    run = subprocess.Popen(_command(spec, ledger, MID), env=_env(server, tmp_path, **pause),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def marker() -> bool:
        found = destination.sizes()
        if moment == "upload":  # not the empty file the write probe makes before fetching
            return any(name.endswith(".partial") and size > 0 for name, size in found.items())
        return any(not name.startswith(".") for name in found)

    # a loaded machine may let the run end first: what follows holds either way, so the
    # test cannot fail by timing (it then checks a plain second run)
    _killed_when(run, marker)
    for name in destination.sizes():  # what is under a final name is whole
        if name.endswith(".csv"):
            text = destination.text(name)
            assert text.startswith("session") and text.endswith("\n"), text[-80:]
    again = subprocess.run(_command(spec, ledger, END), env=_env(server, tmp_path),
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert "Traceback" not in again.stderr
    delivered = [session for name in sorted(destination.sizes()) if name.endswith(".csv")
                 for session in _rows(destination.text(name))]
    assert len(expected) > 100
    assert len(set(delivered)) == len(delivered), "a session delivered twice"
    assert sorted(delivered) == sorted(expected)
    assert pending(ledger) == 0
    assert state_dict(ledger)["datasets"]["sessions"]["watermark"] == END
