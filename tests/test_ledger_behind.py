"""A ledger that is behind the deliveries beside its outputs (restored from a backup or
a snapshot, or another ledger delivering the export into the same folder) stops the
run before any request (OCX528), instead of delivering the windows it does not know a
second time. Real CLI, demo CPO."""

from __future__ import annotations

import collections
import csv
import os
import re
import shutil
import time
from pathlib import Path

import pytest
from fixtures_cli import cli_block
from fixtures_demo import scrub
from ledger_helpers import state_dict

KEY = "8b3f0d6a2c9e41f75d0a8c3e6b1f94d27a5c0e8f3b6d29a1c4e7f0b5d8a3c6e92"
SPEC = '''export behind_test
  consumer "Test consumer"
  purpose "Tests of a ledger behind its deliveries"
  legal basis public task "test"
  retention 1 months
  pseudonym key env TEST_PSEUDONYM_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions since last run
select pseudonymize(id) as session
output csv to "{out}/sessions-{{window.end}}.csv"
'''
MONTHS = ["2025-03-01T00:00:00Z", "2025-04-01T00:00:00Z", "2025-05-01T00:00:00Z"]
LATER = "2025-06-01T00:00:00Z"
AN_HOUR = 3600


@pytest.fixture
def server(demo_server_factory):
    return demo_server_factory(version="2.2.1", size=1000, max_page_size=200)


@pytest.fixture
def run(run_cli, server, tmp_path: Path):
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(out=tmp_path / "out"))
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "TEST_PSEUDONYM_KEY": KEY}

    def invoke(*args: str, ledger: Path = tmp_path / "ledger.sqlite"):
        return run_cli("run", str(spec), "--state", str(ledger), *args, env=env)

    return invoke


def _delivered(folder: Path) -> collections.Counter[str]:
    found: collections.Counter[str] = collections.Counter()
    for path in folder.glob("sessions-*.csv"):
        with path.open(newline="") as handle:
            found.update(row["session"] for row in csv.DictReader(handle))
    return found


def _made_later(folder: Path, after: str) -> None:
    """The deliveries of windows ending after `after` made an hour later than they were
    (as the nights between a backup and its restore are)."""
    stamp = after.replace("-", "").replace(":", "")
    for manifest in folder.glob("sessions-*.csv.manifest.json"):
        if manifest.name.split("-", 1)[1][:16] > stamp:
            moment = time.time() + AN_HOUR
            os.utime(manifest, (moment, moment))


def test_a_ledger_restored_from_a_backup_stops_before_delivering_again(
        run, run_cli, server, tmp_path: Path, snapshot) -> None:
    """The ledger restored from after the first of three monthly runs: the fourth run
    delivered March and April again (461 of 1,154 sessions twice) and exited 0."""
    ledger, backup = tmp_path / "ledger.sqlite", tmp_path / "backup.sqlite"
    for number, month in enumerate(MONTHS):
        assert run("--as-of", month).exit_code == 0
        if number == 0:
            shutil.copy(ledger, backup)
    _made_later(tmp_path / "out", MONTHS[0])
    shutil.copy(backup, ledger)
    requests = len(server.request_log)

    refused = run("--as-of", LATER)

    assert refused.exit_code == 1
    assert len(server.request_log) == requests  # nothing fetched
    assert state_dict(ledger)["datasets"]["sessions"]["watermark"] == MONTHS[0]
    shown = re.sub(r"\(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)", "(<committed>)",
                   scrub(cli_block(refused), tmp_path=tmp_path))
    assert shown == snapshot
    # as its help says: the watermark where the deliveries reached, and run again
    moved = run_cli("state", "set-watermark", "behind_test", MONTHS[-1], "--dataset",
                    "sessions", "--yes", "--state", str(ledger))
    assert moved.exit_code == 0, moved.output
    assert run("--as-of", LATER).exit_code == 0
    delivered = _delivered(tmp_path / "out")
    assert len(delivered) > 300 and max(delivered.values()) == 1, "repeated records"


def test_a_watermark_moved_back_on_purpose_delivers_again(run, run_cli, tmp_path: Path) -> None:
    """`state set-watermark` back is the explicit backfill: it commits the state anew,
    so the deliveries before it do not stop the run."""
    ledger = tmp_path / "ledger.sqlite"
    for month in MONTHS:
        assert run("--as-of", month).exit_code == 0
    moved = run_cli("state", "set-watermark", "behind_test", MONTHS[0], "--yes", "--state",
                    str(ledger))
    assert moved.exit_code == 0, moved.output
    again = run("--as-of", LATER)
    assert again.exit_code == 0, again.output
    assert max(_delivered(tmp_path / "out").values()) == 2  # March and April, on purpose


def test_a_delivery_whose_file_is_gone_does_not_stop_the_run(run, tmp_path: Path) -> None:
    """Only a delivery still in the folder counts: a manifest left alone (its file taken
    by the consumer, or held back by a recovered commit) is no evidence."""
    ledger, backup = tmp_path / "ledger.sqlite", tmp_path / "backup.sqlite"
    for number, month in enumerate(MONTHS):
        assert run("--as-of", month).exit_code == 0
        if number == 0:
            shutil.copy(ledger, backup)
    _made_later(tmp_path / "out", MONTHS[0])
    for path in (tmp_path / "out").glob("sessions-*.csv"):
        if path.name > "sessions-20250301":
            path.unlink()
    shutil.copy(backup, ledger)
    assert run("--as-of", LATER).exit_code == 0


@pytest.fixture
def run_sftp(run_cli, server, sshd, tmp_path: Path):
    """The spec delivering into a folder on a real OpenSSH server."""
    sshd.profile(tmp_path / "config")
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(out=f"sftp://127.0.0.1:{sshd.port}{sshd.root}"))
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "TEST_PSEUDONYM_KEY": KEY}

    def invoke(*args: str, ledger: Path = tmp_path / "ledger.sqlite"):
        return run_cli("run", str(spec), "--state", str(ledger), *args, env=env)

    return invoke


def test_a_ledger_behind_its_deliveries_on_a_server_stops_before_delivering_again(
        run_sftp, sshd, server, tmp_path: Path) -> None:
    """The same restored ledger with the deliveries in an SFTP folder: only a local
    folder was looked in, so the fourth run delivered March and April again and exited
    0."""
    ledger, backup = tmp_path / "ledger.sqlite", tmp_path / "backup.sqlite"
    for number, month in enumerate(MONTHS):
        assert run_sftp("--as-of", month).exit_code == 0
        if number == 0:
            shutil.copy(ledger, backup)
    _made_later(sshd.root, MONTHS[0])
    shutil.copy(backup, ledger)
    requests = len(server.request_log)

    refused = run_sftp("--as-of", LATER)

    assert refused.exit_code == 1, refused.output
    assert "error[OCX528]" in refused.output
    assert "sessions-20250501T000000Z.csv.manifest.json" in refused.output
    assert f"ocpispec state set-watermark behind_test {MONTHS[-1]}" in refused.output
    assert len(server.request_log) == requests  # nothing fetched
    assert state_dict(ledger)["datasets"]["sessions"]["watermark"] == MONTHS[0]
    assert max(_delivered(sshd.root).values()) == 1


def test_a_first_run_into_a_server_folder_with_deliveries_says_so(
        run_sftp, sshd, tmp_path: Path) -> None:
    """A second ledger (a cron job started in another directory) delivering the export
    into the same SFTP folder: its first run delivers everything again; a local folder
    got a note saying so, a server's folder nothing."""
    assert run_sftp("--as-of", MONTHS[0]).exit_code == 0
    again = run_sftp("--as-of", MONTHS[1], ledger=tmp_path / "other.sqlite")
    assert again.exit_code == 0, again.output
    folder = f"sftp://127.0.0.1:{sshd.port}{sshd.root}"
    assert f"`{folder}` holds its deliveries up to {MONTHS[0]}" in again.output, again.output
