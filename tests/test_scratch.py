"""Scratch folders a killed run leaves behind are swept by the next run, and nothing
else is: not a live run's (in this or another pid namespace), not another user's, not
what a symbolic link points to (`ocpispec/scratch.py`)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ocpispec.scratch import KINDS, ScratchFolder, remove_stale_scratch

REPO = Path(__file__).resolve().parents[1]

# a process that makes a scratch folder (in TMPDIR), says where, and waits to be killed
HOLDER = """
import sys, time
from ocpispec.scratch import ScratchFolder
folder = ScratchFolder(sys.argv[1])
(folder.path / "rows").write_bytes(b"held back")
print(folder.path, flush=True)
time.sleep(600)
"""


def _holder(tmp_path: Path, kind: str = "k") -> tuple[subprocess.Popen, Path]:
    process = subprocess.Popen([sys.executable, "-c", HOLDER, kind], stdout=subprocess.PIPE,
                               text=True, cwd=REPO, env={**os.environ, "TMPDIR": str(tmp_path)})
    assert process.stdout is not None
    return process, Path(process.stdout.readline().strip())


def _killed(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


@pytest.mark.parametrize("kind", KINDS)
def test_a_killed_owners_folder_is_swept(tmp_path: Path, kind: str) -> None:
    process, folder = _holder(tmp_path, kind)
    assert folder.parent == tmp_path and folder.name.startswith(f"ocpispec-{kind}-{process.pid}-")
    assert remove_stale_scratch(tmp_path) == [] and folder.exists(), "its owner lives"
    _killed(process)
    assert (folder / "rows").exists(), "a kill leaves the folder"
    assert remove_stale_scratch(tmp_path) == [folder]
    assert not folder.exists()


def test_a_folder_locked_by_a_live_owner_is_kept_whatever_its_name_says(tmp_path: Path) -> None:
    """Where /tmp is shared across pid namespaces, the pid in a name may be no process
    here: the lock tells."""
    process, folder = _holder(tmp_path, "order")
    try:
        gone = _gone_pid()
        renamed = folder.with_name(f"ocpispec-order-{gone}-abc")
        folder.rename(renamed)
        assert remove_stale_scratch(tmp_path) == [] and renamed.exists()
    finally:
        _killed(process)
    assert remove_stale_scratch(tmp_path) == [renamed]


def test_a_folder_made_but_not_yet_locked_is_kept_while_its_process_lives(tmp_path: Path) -> None:
    live = tmp_path / f"ocpispec-risk-{os.getpid()}-abc"
    dead = tmp_path / f"ocpispec-risk-{_gone_pid()}-abc"
    for folder in (live, dead):
        folder.mkdir(mode=0o700)
    assert remove_stale_scratch(tmp_path) == [dead]
    assert live.exists() and not dead.exists()


def test_links_other_names_and_other_users_are_left_alone(tmp_path: Path) -> None:
    gone = _gone_pid()
    target = tmp_path / "precious"
    target.mkdir()
    (target / "keep").write_text("x")
    link = tmp_path / f"ocpispec-lookup-{gone}-abc"
    link.symlink_to(target, target_is_directory=True)
    unrelated = [tmp_path / f"ocpispec-outbox-{gone}-abc", tmp_path / f"ocpispec-k-x{gone}-abc",
                 tmp_path / f"ocpispec-diff-{gone}-abc"]
    for folder in unrelated:
        folder.mkdir()
    others = tmp_path / f"ocpispec-k-{gone}-def"
    others.mkdir()
    if os.getuid() == 0:  # as root, hand one to nobody: it is not ours to remove
        os.chown(others, 65534, 65534)
    assert remove_stale_scratch(tmp_path) == ([] if os.getuid() == 0 else [others])
    assert (target / "keep").exists() and link.is_symlink()
    assert all(folder.exists() for folder in unrelated)


def test_a_folder_is_private_and_removed_with_its_work(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    with ScratchFolder("risk") as folder:
        assert (folder.path.stat().st_mode & 0o777) == 0o700
        assert folder.path.name.startswith(f"ocpispec-risk-{os.getpid()}-")
    assert not folder.path.exists()
    with pytest.raises(ValueError):
        ScratchFolder("anything")


def test_the_next_run_sweeps_what_a_killed_run_held_back(tmp_path: Path) -> None:
    """The README's export (a k rule, rows held back on disk) killed with SIGKILL while
    its folders exist; the next run removes them and says so."""
    env = {**os.environ, "TMPDIR": str(tmp_path), "OCPISPEC_CONFIG_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "ocpispec", "run", "specs/municipality_sessions.ocx",
               "--demo", "--out", str(tmp_path / "out.csv"), "--state", str(tmp_path / "s.db")]
    run = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    held = _await(lambda: list(tmp_path.glob(f"ocpispec-k-{run.pid}-*/*")), run)
    _killed(run)
    left = sorted(tmp_path.glob(f"ocpispec-*-{run.pid}-*"))
    assert held and left, "a kill leaves the spill of held-back rows behind"
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert not any(folder.exists() for folder in left)
    assert not list(tmp_path.glob("ocpispec-*-*-*")), "the run removed its own as well"
    assert re.search(rf"removed {len(left)} scratch folders? that runs killed earlier left in "
                     rf"{re.escape(str(tmp_path))}", done.stdout + done.stderr)
    assert (tmp_path / "out.csv").exists()


def _await(found, process: subprocess.Popen, timeout: float = 120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if result := found():
            return result
        time.sleep(0.01)
    pytest.fail("the run ended before its spill appeared")


def _gone_pid() -> int:
    """The pid of a process that has ended."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_the_sweep_note_as_the_summary_prints_it(tmp_path: Path, snapshot) -> None:
    gone = _gone_pid()
    for kind in ("k", "risk"):
        (tmp_path / f"ocpispec-{kind}-{gone}-abc").mkdir(mode=0o700)
    env = {**os.environ, "TMPDIR": str(tmp_path), "OCPISPEC_CONFIG_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "ocpispec", "run", "specs/research_cdrs.ocx",
                           "--demo", "--limit", "20", "--out", str(tmp_path / "out.ndjson"),
                           "--state", str(tmp_path / "s.db")],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    notes = [line.replace(str(tmp_path), "<TMPDIR>")
             for line in (done.stdout + done.stderr).splitlines() if "scratch folder" in line]
    assert notes == snapshot
