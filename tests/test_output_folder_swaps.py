"""The output folder, or the ledger's, changed under a run while it fetched.

A run checks each output folder before its first request and publishes there at the
commit. A network share or volume mounted on that folder that came off meanwhile (an
NFS or SMB mount dropped, a USB disk pulled, a lazy unmount) left its empty mount point
on the local disk: the run published there and moved the state, and the consumer, who
reads the share, never got the window. A folder replaced by a symbolic link to another
published into a folder no check had seen. Both now fail at the commit with nothing
published and the state unmoved; a folder merely removed is made again on the same file
system, as a missing folder is before fetching. A ledger's share that came off had a
first run commit into a new ledger on the bare mount point, and a later one blame
another run (OCX580); both now fail with OCX526.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fixtures_cli import cli_block
from fixtures_demo import scrub
from fixtures_proxy import RewritingProxy
from ledger_helpers import has_state


KEY = "6c1f0b9e3a47d25e8d1b6f0a3c9e74d2b5f8a16c0e3d97b4a2f5c81e6d0b3a9f"
SPEC = '''export swap_test
  consumer "Test consumer"
  purpose "Tests of output folders"
  legal basis public task "test"
  retention 1 months
  pseudonym key env TEST_PSEUDONYM_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions since last run
  join locations on location_id
select pseudonymize(id) as session
  location.city as city because "the consumer plans chargers per city"
output csv to "sessions-{window.end}.csv"
'''


def _mount_tmpfs(folder: Path) -> bool:
    if os.geteuid() != 0:
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)],
                          capture_output=True)
    return done.returncode == 0


def _mount_bind(share: Path, folder: Path) -> bool:
    """`share` mounted on `folder`: unmounted, its files stay in `share` to mount again."""
    if os.geteuid() != 0:
        return False
    done = subprocess.run(["mount", "--bind", str(share), str(folder)], capture_output=True)
    return done.returncode == 0


def _swap(how: str, out: Path, elsewhere: Path) -> None:
    match how:
        case "unmounted":  # the share comes off; its empty mount point stays
            subprocess.run(["umount", "-l", str(out)], check=True)
        case "symlinked":
            out.rename(out.with_name("out.old"))
            out.symlink_to(elsewhere, target_is_directory=True)
        case "removed":
            shutil.rmtree(out)


def _sessions(folder: Path) -> list[str]:
    found: list[str] = []
    for path in folder.glob("sessions-*.csv"):
        with path.open(newline="") as handle:
            found += [row["session"] for row in csv.DictReader(handle)]
    return found


@pytest.mark.parametrize("how", ["unmounted", "symlinked", "removed"])
def test_an_output_folder_changed_while_the_run_fetched(run_cli, demo_server_factory,
                                                       tmp_path: Path, how: str,
                                                       snapshot) -> None:
    server = demo_server_factory(version="2.2.1", size=200, max_page_size=20)
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    if how == "unmounted" and not _mount_tmpfs(out):
        pytest.skip("cannot mount a tmpfs here")
    swapped = threading.Event()

    def early(path: str):  # the first request for the sites the records join: before
        # the run opens its output (a join, an aggregate or a sorted output write only then)
        if "/locations" in urlsplit(path).path and not swapped.is_set():
            _swap(how, out, elsewhere)
            swapped.set()
        return None

    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC)
    state = tmp_path / "ledger.sqlite"
    args = ("--out", f"{out}/", "--as-of", "2025-06-01T00:00:00Z")
    proxy = RewritingProxy(server.origin, lambda path, code, headers, body: (code, headers, body),
                           early)
    try:
        with proxy:
            env = {"OCPI_VERSIONS_URL": proxy.origin + server.versions_url.removeprefix(server.origin),
                   "OCPI_TOKEN": server.token, "TEST_PSEUDONYM_KEY": KEY}
            result = run_cli("run", str(spec), "--state", str(state), *args, env=env)
            assert swapped.is_set()
            if how == "removed":  # made again on the same file system, and delivered
                assert result.exit_code == 0, result.stderr
                assert len(_sessions(out)) > 0 and has_state(state)
                return
            assert result.exit_code == 1, result.stderr
            assert "Traceback" not in result.stderr
            assert not has_state(state)
            assert list(elsewhere.iterdir()) == [] and _sessions(out) == []
            assert scrub(cli_block(result), tmp_path=tmp_path) == snapshot
            # the folder back as it was: the next run delivers the window, once
            if how == "symlinked":
                out.unlink()
                out.with_name("out.old").rename(out)
            else:
                assert _mount_tmpfs(out)
            again = run_cli("run", str(spec), "--state", str(state), *args, env=env)
            assert again.exit_code == 0, again.stderr
            delivered = _sessions(out)
            assert len(delivered) == len(set(delivered)) > 0
    finally:
        if how == "unmounted":
            subprocess.run(["umount", "-l", str(out)], capture_output=True)


@pytest.mark.parametrize("first", [True, False])
def test_a_ledger_whose_share_came_off_while_the_run_fetched(run_cli, demo_server_factory,
                                                              tmp_path: Path, first: bool,
                                                              snapshot) -> None:
    """The ledger's share came off mid-run: a later run said another run had committed
    and 'delivered this window' (OCX580), which none had; a first run committed into a
    new ledger on the bare mount point (exit 0), which the next run, the share back,
    did not read."""
    server = demo_server_factory(version="2.2.1", size=200, max_page_size=20)
    share, folder, out = tmp_path / "share", tmp_path / "ledger", tmp_path / "out"
    share.mkdir()
    folder.mkdir()
    if not _mount_bind(share, folder):
        pytest.skip("cannot bind-mount a folder here")
    armed = threading.Event()

    def early(path: str):
        if "/locations" in urlsplit(path).path and armed.is_set():
            armed.clear()
            subprocess.run(["umount", "-l", str(folder)], check=True)
        return None

    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC)
    state = folder / "ledger.sqlite"
    proxy = RewritingProxy(server.origin, lambda path, code, headers, body: (code, headers, body),
                           early)
    try:
        with proxy:
            env = {"OCPI_VERSIONS_URL": proxy.origin + server.versions_url.removeprefix(server.origin),
                   "OCPI_TOKEN": server.token, "TEST_PSEUDONYM_KEY": KEY}

            def run(as_of: str):
                return run_cli("run", str(spec), "--state", str(state), "--out", f"{out}/",
                               "--as-of", as_of, env=env)

            if not first:
                assert run("2025-05-01T00:00:00Z").exit_code == 0
            armed.set()
            result = run("2025-06-01T00:00:00Z")
            assert not armed.is_set()
            assert result.exit_code == 1, result.stderr
            assert "Traceback" not in result.stderr
            assert list(folder.iterdir()) == []  # no ledger made on the bare mount point
            assert not list(out.glob("sessions-20250601*"))
            assert scrub(cli_block(result), tmp_path=tmp_path) == snapshot
            # the share back: the next run delivers the window, each session once
            assert _mount_bind(share, folder)
            assert run("2025-06-01T00:00:00Z").exit_code == 0
            delivered = _sessions(out)
            assert len(delivered) == len(set(delivered)) > 0
            assert len(list(out.glob("sessions-*.csv"))) == (1 if first else 2)
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)
