"""Outputs and processes that something else touches while a run works (a cleanup job,
the out-of-memory killer), against the demo CPO: the run fails with a diagnostic,
publishes nothing it cannot stand by and keeps its state where it must."""

from __future__ import annotations

import collections
import contextlib
import csv
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from fixtures_cli import CLI_ENV, cli_block
from ledger_helpers import has_state, pending, runs

from ocpispec.cli.client_options import usable_cores
from ocpispec.demo import DemoServer
from ocpispec.demo.faults import Faults
from ocpispec.execute.workers import available as workers_available

KEY = "61c0e9b3f7a24d58e1b6c3a0f9d27e4b8c5a1f06d3e9b72a4c8f15e0b6d3a9c7"
SPEC = '''export output_faults
  consumer "Test consumer"
  purpose "Tests of ocpispec"
  legal basis public task "test"
  retention 1 months
  pseudonym key env TEST_PSEUDONYM_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions since last run
select pseudonymize(id) as session
output csv to "{directory}/{{window.end}}.csv"
'''
_TEMP = re.compile(r"\.\d+-[0-9a-f]+\.partial")


def _remove_when_written(folder: Path, stop: threading.Event) -> None:
    """Remove the run's temporary output as soon as it appears (a cleanup job)."""
    while not stop.is_set():
        for temp in folder.glob(".*.partial"):
            temp.unlink()
            return
        time.sleep(0.01)


def test_a_temporary_output_removed_while_written_is_said_so(
        run_cli, demo_server_factory, tmp_path: Path, snapshot) -> None:
    """A cleanup job took the hidden temporary file while the pages were read: the run
    wrote on into a file no name reached, and ended as an internal error (exit 70) when
    the disclosure log read the file back. Now OCX554 names the file, nothing is
    published and the state stays."""
    server: DemoServer = demo_server_factory(size=300, max_page_size=20,
                                             faults=Faults(latency_ms=100))
    out = tmp_path / "out"
    out.mkdir()
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(directory=out))
    ledger = tmp_path / "ledger.sqlite"
    stop = threading.Event()
    cleaner = threading.Thread(target=_remove_when_written, args=(out, stop))
    cleaner.start()
    try:
        result = run_cli("run", str(spec), "--state", str(ledger), "--as-of",
                         "2025-06-01T00:00:00Z", "--page-size", "20",
                         env={"OCPI_VERSIONS_URL": server.versions_url,
                              "OCPI_TOKEN": server.token, "TEST_PSEUDONYM_KEY": KEY})
    finally:
        stop.set()
        cleaner.join()
    assert result.exit_code == 1, result.stderr
    assert list(out.iterdir()) == []
    assert not has_state(ledger)
    assert [run["outcome"] for run in runs(ledger)] == ["failed"]
    text = _TEMP.sub(".PID-TAG.partial", cli_block(result, tmp=tmp_path))
    assert text == snapshot


TWO = SPEC + '''from cdrs since last run
select pseudonymize(id) as cdr
output csv to "{other}/{{window.end}}.csv"
'''


def _column(folder: Path, name: str) -> collections.Counter[str]:
    found: collections.Counter[str] = collections.Counter()
    for path in folder.glob("*.csv"):
        with path.open(newline="") as handle:
            found.update(row[name] for row in csv.DictReader(handle))
    return found


def _remove_when_pending(ledger: Path, folder: Path, stop: threading.Event) -> None:
    """Once the commit point is passed, remove the folder's temporary files (a cleanup
    job), before their renames."""
    while not stop.is_set():
        if pending(ledger):
            for temp in folder.glob(".*.partial"):
                temp.unlink()
            return
        time.sleep(0.01)


def test_a_dataset_whose_file_is_gone_alone_is_delivered_again(
        run_cli, demo_server_factory, tmp_path: Path) -> None:
    """A commit past its commit point lost the temporary files of one dataset (`cdrs`)
    before their renames; the other's (`sessions`) were published. Recovery held the
    whole state back, so the next run delivered the sessions' window again: each of
    its sessions twice. Now only the dataset with a file gone keeps its state."""
    server: DemoServer = demo_server_factory(size=300)
    sessions, cdrs, reference = (tmp_path / name for name in ("sessions", "cdrs", "reference"))
    spec, whole = tmp_path / "spec.ocx", tmp_path / "whole.ocx"
    spec.write_text(TWO.format(directory=sessions, other=cdrs))
    whole.write_text(TWO.format(directory=reference, other=reference / "cdrs"))
    ledger = tmp_path / "ledger.sqlite"
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "TEST_PSEUDONYM_KEY": KEY}
    stop = threading.Event()
    cleaner = threading.Thread(target=_remove_when_pending, args=(ledger, cdrs, stop))
    cleaner.start()
    try:
        stopped = run_cli("run", str(spec), "--state", str(ledger), "--as-of",
                          "2025-06-01T00:00:00Z", env={**env, "OCPISPEC_TEST_COMMIT_PAUSE": "0.5"})
    finally:
        stop.set()
        cleaner.join()
    assert stopped.exit_code == 1 and "OCX553" in stopped.stderr, stopped.stderr
    done = run_cli("run", str(spec), "--state", str(ledger), "--as-of", "2025-07-01T00:00:00Z",
                   env=env)
    assert done.exit_code == 0, done.stderr
    assert run_cli("run", str(whole), "--state", str(tmp_path / "whole.sqlite"), "--as-of",
                   "2025-07-01T00:00:00Z", env=env).exit_code == 0
    assert _column(sessions, "session") == _column(reference, "session")
    assert _column(cdrs, "cdr") == _column(reference / "cdrs", "cdr")
    assert [run["outcome"] for run in runs(ledger)] == ["incomplete", "committed"]
    assert "so the state of `cdrs` was NOT advanced" in done.stderr


def _run_env(server: DemoServer, tmp_path: Path) -> dict[str, str]:
    """The environment of a `run` subprocess against `server`, configured under tmp."""
    return {**os.environ, **CLI_ENV, "OCPI_VERSIONS_URL": server.versions_url,
            "OCPI_TOKEN": server.token, "TEST_PSEUDONYM_KEY": KEY,
            "OCPISPEC_CONFIG_DIR": str(tmp_path / "config")}


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_a_worker_process_killed_under_the_run_is_said_so(
        demo_server_factory, tmp_path: Path, snapshot) -> None:
    """The out-of-memory killer ends a worker process (`--workers 2`) while the pages are
    read: the run ended as 'internal error: BrokenProcessPool ... a bug in ocpispec'
    (exit 70). Now OCX560 names what happened and what to do; nothing is published."""
    server: DemoServer = demo_server_factory(size=20000, max_page_size=100,
                                             faults=Faults(latency_ms=20))
    out = tmp_path / "out"
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(directory=out))
    ledger = tmp_path / "ledger.sqlite"
    env = _run_env(server, tmp_path)
    run = subprocess.Popen([sys.executable, "-m", "ocpispec", "run", str(spec), "--state",
                            str(ledger), "--as-of", "2026-01-01T00:00:00Z", "--workers", "2",
                            "--page-size", "100"], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while len(_children(run.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)  # pages on their way through the workers
        os.kill(_children(run.pid)[-1], signal.SIGKILL)
        _, stderr = run.communicate(timeout=120)
    finally:
        run.kill()
    assert run.returncode == 1, stderr
    assert not out.exists() or not any(out.iterdir())
    assert not has_state(ledger)
    assert [(item["outcome"], item["code"]) for item in runs(ledger)] == [("failed", "OCX560")]
    assert stderr.replace(str(tmp_path), "<tmp>") == snapshot


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_a_worker_process_killed_under_get_says_what_stdout_holds(
        demo_server_factory, tmp_path: Path) -> None:
    """`get --workers 2` whose worker is killed mid-dump said, as a run does, 'a run writes
    nothing and keeps its state', after thousands of objects on stdout: it says that
    stdout holds those read before and the others are missing."""
    server: DemoServer = demo_server_factory(size=20000, max_page_size=100,
                                             faults=Faults(latency_ms=20))
    env = {**os.environ, **CLI_ENV, "OCPISPEC_CONFIG_DIR": str(tmp_path / "config")}
    login = subprocess.run([sys.executable, "-m", "ocpispec", "login", server.versions_url,
                            "--token", server.token, "--party", "NL-ABC"], env=env,
                           capture_output=True, text=True, timeout=60)
    assert login.returncode == 0, login.stderr
    get = subprocess.Popen([sys.executable, "-m", "ocpispec", "get", "sessions", "--workers", "2",
                            "--page-size", "100"], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while len(_children(get.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)
        os.kill(_children(get.pid)[-1], signal.SIGKILL)
        _, stderr = get.communicate(timeout=120)
    finally:
        get.kill()
    assert get.returncode == 1, stderr
    assert "a worker process of `get` ended unexpectedly (killed by SIGKILL)" in stderr
    assert "writes nothing" not in stderr and "state" not in stderr
    assert "the objects on stdout are those read before it ended" in stderr


def test_worker_processes_that_cannot_start_are_said_so_and_nothing_hangs(
        demo_server_factory, tmp_path: Path) -> None:
    """Under a limit the second worker's fork reaches (open files here; a container's
    process limit or memory alike), the run ended as 'internal error: OSError at
    workers.py' or, a few descriptors higher, never ended: the worker already forked
    waited for work, and the exit waited for it, forever (a cron job piling up). Each
    run now ends: OCX560 where the workers cannot start, a diagnostic elsewhere."""
    import resource

    server: DemoServer = demo_server_factory(size=300)
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(directory=tmp_path / "out"))
    env = _run_env(server, tmp_path)
    said = []
    for limit in range(12, 20):  # 16 and under: the workers' start (8 and up: the run's own)
        def limited(limit: int = limit) -> None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

        done = subprocess.run([sys.executable, "-m", "ocpispec", "run", str(spec), "--state",
                               str(tmp_path / f"ledger-{limit}.sqlite"), "--as-of",
                               "2025-06-01T00:00:00Z", "--workers", "2", "-q"], env=env,
                              preexec_fn=limited, capture_output=True, text=True, timeout=60)
        assert done.returncode in (0, 1) and "internal error" not in done.stderr, \
            (limit, done.stderr)
        said += [limit] if "cannot start the run's 2 worker processes" in done.stderr else []
    assert said, "no limit reached the workers' start"


@pytest.mark.skipif(not workers_available() or usable_cores() < 2,
                    reason="`auto` means workers only with fork and two cores")
def test_auto_workers_that_cannot_start_mid_crawl_fail_the_run_with_nothing_written(
        demo_server_factory, tmp_path: Path, snapshot) -> None:
    """`--workers auto` forks its workers mid-crawl, once the first page's count shows a
    long list: under a limit of open files the fork fails there, after pages were read.
    The run fails (OCX560, naming the number of workers as a number: it said
    `AutoWorkers(2)`), writes nothing, keeps its state and logs the failure."""
    import resource

    server: DemoServer = demo_server_factory(size=12000)
    out = tmp_path / "out"
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(directory=out))
    ledger = tmp_path / "ledger.sqlite"
    env = _run_env(server, tmp_path)
    done = subprocess.run([sys.executable, "-m", "ocpispec", "run", str(spec), "--state", str(ledger),
                           "--as-of", "2026-01-01T00:00:00Z", "-q"], env=env,
                          preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (16, 16)),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "cannot start the run's 2 worker processes" in done.stderr, done.stderr
    assert not out.exists() or not any(out.iterdir())
    assert not has_state(ledger)
    assert [(item["outcome"], item["code"]) for item in runs(ledger)] == [("failed", "OCX560")]
    assert done.stderr.replace(str(tmp_path), "<tmp>") == snapshot


def test_a_run_that_cannot_start_a_thread_is_said_so(
        run_cli, demo_server_factory, tmp_path: Path, monkeypatch, snapshot) -> None:
    """Under a limit of its memory (`ulimit -v`, as some hosts and services set it) the
    crawl's threads get no stack: CPython raises "can't start new thread", and the run
    ended as 'internal error: RuntimeError ... a bug in ocpispec' (a MemoryError alike).
    It is OCX561 now, logged as such. (The limit itself makes CPython fail in too many
    ways to test by: here the thread's start fails as it does under it.)"""
    import threading

    from ocpispec.ocpi.deadline import Watchdog

    server: DemoServer = demo_server_factory(size=300)
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(directory=tmp_path / "out"))
    ledger = tmp_path / "ledger.sqlite"

    real = threading.Thread.start

    def start(thread: threading.Thread) -> None:
        if "process_request_thread" in thread.name:   # the demo CPO's, in this process
            return real(thread)
        raise RuntimeError("can't start new thread")

    # as in a fresh process, the request deadlines' thread is not running yet (an earlier
    # test may have started this process's): starting it is the first thread that fails
    monkeypatch.setattr("ocpispec.ocpi.answer_reading.WATCHDOG", Watchdog())
    monkeypatch.setattr(threading.Thread, "start", start)
    result = run_cli("run", str(spec), "--state", str(ledger), "--as-of", "2025-06-01T00:00:00Z",
                     env={"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
                          "TEST_PSEUDONYM_KEY": KEY, "OCPISPEC_WORKERS": "1"})
    assert result.exit_code == 1
    assert not has_state(ledger)
    assert [(run["outcome"], run["code"]) for run in runs(ledger)] == [("failed", "OCX561")]
    assert cli_block(result, tmp=tmp_path) == snapshot


_PARSE_UNDER_A_LIMIT = """
import resource, sys
import httpx
from ocpispec.ocpi.body import decode_body
body = b'{"data": [' + b','.join([b'{"id": "%d", "x": "' % i + b'y' * 40 + b'"}'
                                  for i in range(1_000_000)]) + b']}'
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[1]) << 20,) * 2)
try:
    decode_body("http://127.0.0.1/p", httpx.Response(200), body)
except MemoryError:
    print("MemoryError")
except Exception as exc:
    print(type(exc).__name__, getattr(exc, "code", ""))
"""


def test_a_page_that_cannot_be_parsed_for_want_of_memory_is_no_platform_fault() -> None:
    """orjson says an allocation failed as a JSONDecodeError ("Not enough memory..."):
    the page was reported as not JSON, the platform's fault (OCX504), and sent the user
    to the CPO. It is a MemoryError now (OCX561 in a run)."""
    import resource

    free = resource.getrlimit(resource.RLIMIT_AS)[0]
    found = []
    for megabytes in (250, 350, 450):
        if free != resource.RLIM_INFINITY and free < megabytes << 20:
            continue
        done = subprocess.run([sys.executable, "-c", _PARSE_UNDER_A_LIMIT, str(megabytes)],
                              capture_output=True, text=True, timeout=60)
        found.append(done.stdout.strip())
    assert "OcpiError OCX504" not in found
    assert "MemoryError" in found, found


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None,
                    reason="needs root and unshare(1) for a PID namespace")
def test_a_run_in_another_pid_namespace_leaves_a_live_runs_files_alone(
        demo_server_factory, tmp_path: Path) -> None:
    """Two exports sharing a ledger and an output folder run in two containers (a PID
    namespace each; two hosts on a share alike). The second took the first's process id
    for a dead one and removed its temporary output while it was written: the first run
    failed. A run holds a lock on its temporary files, and a sweep leaves locked ones."""
    if subprocess.run(["unshare", "--pid", "--fork", "true"], capture_output=True).returncode != 0:
        pytest.skip("cannot make a PID namespace here (unshare --pid: no CAP_SYS_ADMIN, "
                    "as in a container)")
    slow: DemoServer = demo_server_factory(size=300, max_page_size=10,
                                           faults=Faults(latency_ms=300))
    quick: DemoServer = demo_server_factory(size=300)
    out = tmp_path / "out"
    out.mkdir()
    first, second = tmp_path / "first.ocx", tmp_path / "second.ocx"
    first.write_text(SPEC.format(directory=out))
    second.write_text(SPEC.format(directory=out).replace("output_faults", "other_export")
                      .replace("{window.end}", "other-{window.end}"))
    ledger = str(tmp_path / "ledger.sqlite")
    env = {**os.environ, **CLI_ENV, "TEST_PSEUDONYM_KEY": KEY,
           "OCPISPEC_CONFIG_DIR": str(tmp_path / "config")}
    command = [sys.executable, "-m", "ocpispec", "run"]
    running = subprocess.Popen(
        [*command, str(first), "--state", ledger, "--as-of", "2025-06-01T00:00:00Z",
         "--page-size", "10", "-q"], stderr=subprocess.PIPE, text=True,
        env=env | {"OCPI_VERSIONS_URL": slow.versions_url, "OCPI_TOKEN": slow.token})
    try:
        deadline = time.monotonic() + 60
        while not list(out.glob(".*.partial")) and time.monotonic() < deadline:
            time.sleep(0.01)
        other = subprocess.run(
            ["unshare", "--pid", "--fork", *command, str(second), "--state", ledger,
             "--as-of", "2025-06-01T00:00:00Z", "-q"], capture_output=True, text=True,
            env=env | {"OCPI_VERSIONS_URL": quick.versions_url, "OCPI_TOKEN": quick.token},
            timeout=60)
        assert other.returncode == 0, other.stderr
        _, stderr = running.communicate(timeout=120)
    finally:
        running.kill()
    assert running.returncode == 0, stderr
    assert (out / "20250601T000000Z.csv").exists()
    assert (out / "other-20250601T000000Z.csv").exists()


def _mounted_small(folder: Path, size: str = "8k") -> bool:
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True)
    return done.returncode == 0


@pytest.mark.skipif(os.geteuid() != 0, reason="mounts a small tmpfs")
def test_a_full_disk_under_the_output_says_to_free_space(
        run_cli, demo_server_factory, tmp_path: Path, snapshot) -> None:
    """A full disk under the output folder was told to 'check that the directory exists
    and is writable': it was both. It is told to free space there (or the quota, or the
    file-size limit), and that the next run delivers the window."""
    server: DemoServer = demo_server_factory(size=300)
    out = tmp_path / "out"
    if not _mounted_small(out):
        pytest.skip("cannot mount a tmpfs here")
    try:
        spec = tmp_path / "spec.ocx"
        spec.write_text(SPEC.format(directory=out))
        result = run_cli("run", str(spec), "--state", str(tmp_path / "ledger.sqlite"),
                         "--as-of", "2025-06-01T00:00:00Z",
                         env={"OCPI_VERSIONS_URL": server.versions_url,
                              "OCPI_TOKEN": server.token, "TEST_PSEUDONYM_KEY": KEY})
    finally:
        subprocess.run(["umount", str(out)], check=False)
    assert result.exit_code == 1
    assert not has_state(tmp_path / "ledger.sqlite")
    assert cli_block(result, tmp=tmp_path) == snapshot


def _fill(folder: Path) -> None:
    """Write into `folder` until its disk is full."""
    with (folder / "filler").open("wb", buffering=0) as filler:
        with contextlib.suppress(OSError):
            while True:
                filler.write(b"\0" * 4096)


@pytest.mark.skipif(os.geteuid() != 0, reason="mounts a small tmpfs")
def test_a_ledger_whose_disk_fills_during_the_run_is_named_at_the_commit(
        run_cli, demo_server_factory, tmp_path: Path, monkeypatch, snapshot) -> None:
    """The ledger's disk filled up after the check before fetching: storing the commit
    point failed with 'cannot publish the outputs: ... database or disk is full' and the
    help to 'check that the directories are writable and have space', naming neither
    the ledger nor its disk. It names both; nothing is published, and once there is
    room the next run delivers the window, once."""
    import ocpispec.ledger

    server: DemoServer = demo_server_factory(size=300)
    disk, out = tmp_path / "disk", tmp_path / "out"
    if not _mounted_small(disk, "1m"):
        pytest.skip("cannot mount a tmpfs here")
    checked = ocpispec.ledger.check_writable
    monkeypatch.setattr(ocpispec.ledger, "check_writable",
                        lambda path: (checked(path), _fill(disk))[0])
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(directory=out))
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "TEST_PSEUDONYM_KEY": KEY, "OCPISPEC_RUNS_DIR": str(tmp_path / "runs")}
    ledger = disk / "ledger.sqlite"
    try:
        result = run_cli("run", str(spec), "--state", str(ledger),
                         "--as-of", "2025-06-01T00:00:00Z", env=env)
        assert result.exit_code == 1
        assert not list(out.glob("*")) and not has_state(ledger) and not pending(ledger)
        monkeypatch.setattr(ocpispec.ledger, "check_writable", checked)
        (disk / "filler").unlink()
        again = run_cli("run", str(spec), "--state", str(ledger),
                        "--as-of", "2025-06-01T00:00:00Z", env=env)
        assert again.exit_code == 0, again.output
        assert sorted(path.name for path in out.iterdir()) == [
            "20250601T000000Z.csv", "20250601T000000Z.csv.datapackage.json",
            "20250601T000000Z.csv.manifest.json"]
        assert has_state(ledger)
    finally:
        subprocess.run(["umount", str(disk)], check=False)
    assert cli_block(result, tmp=tmp_path) == snapshot


@pytest.mark.skipif(os.geteuid() != 0, reason="mounts a small tmpfs")
def test_a_ledger_whose_disk_fills_past_the_commit_point_says_where_to_make_room(
        run_cli, demo_server_factory, tmp_path: Path, monkeypatch, snapshot) -> None:
    """The ledger's disk filled up after the commit point (the files published, the state
    not yet stored): the help said to 'fix the cause (space, permissions)', and the next
    run, on the disk still full, to 'make the ledger's directory and the outputs'
    directories writable', which they were. Both name the disk to free; once there is
    room, the next run finishes the commit and delivers its own window, each once."""
    from ocpispec.execute import statekeeping

    server: DemoServer = demo_server_factory(size=300)
    disk, out = tmp_path / "disk", tmp_path / "out"
    if not _mounted_small(disk, "1m"):
        pytest.skip("cannot mount a tmpfs here")
    monkeypatch.setattr(statekeeping, "_test_pause",
                        lambda: lambda step: step == "journal" and _fill(disk))
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(directory=out))
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "TEST_PSEUDONYM_KEY": KEY, "OCPISPEC_RUNS_DIR": str(tmp_path / "runs")}
    ledger = disk / "ledger.sqlite"

    def run(as_of: str):
        return run_cli("run", str(spec), "--state", str(ledger), "--as-of", as_of, env=env)

    try:
        stopped = run("2025-06-01T00:00:00Z")
        assert stopped.exit_code == 1 and pending(ledger) == 1
        still = run("2025-07-01T00:00:00Z")
        assert still.exit_code == 1 and pending(ledger) == 1
        (disk / "filler").unlink()
        monkeypatch.setattr(statekeeping, "_test_pause", lambda: lambda step: None)
        again = run("2025-07-01T00:00:00Z")
        assert again.exit_code == 0, again.output
        assert "finished the commit an interrupted run left" in again.output
        sessions = _sessions(out)
        assert len(list(out.glob("*.csv"))) == 2 and max(sessions.values()) == 1
    finally:
        subprocess.run(["umount", str(disk)], check=False)
    assert "\n".join(cli_block(result, tmp=tmp_path)
                     for result in (stopped, still)) == snapshot


def _sessions(folder: Path) -> collections.Counter[str]:
    found: collections.Counter[str] = collections.Counter()
    for path in folder.glob("*.csv"):
        with path.open(newline="") as handle:
            found.update(row["session"] for row in csv.DictReader(handle))
    return found


AGGREGATE = '''
from sessions as per_city since last run
  join locations on location_id
group by location.city as city because "the consumer plans chargers per city"
compute count() as sessions
  minimum group size 1
output csv to "{directory}/a-{{window.end}}.csv"
'''


def _scratch_run(spec: Path, ledger: Path, scratch: Path, server: DemoServer,
                 tmp_path: Path) -> subprocess.CompletedProcess:
    """A run in a process of its own (TMPDIR is read once per process), with every lookup
    table and risk measurement spilled to it."""
    env = {**os.environ, **CLI_ENV, "TMPDIR": str(scratch), "PYTHONDONTWRITEBYTECODE": "1",
           "OCPISPEC_CONFIG_DIR": str(tmp_path / "config"),
           "OCPISPEC_LOOKUP_IN_MEMORY_BYTES": "0", "OCPISPEC_RISK_IN_MEMORY_ROWS": "1",
           "OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "TEST_PSEUDONYM_KEY": KEY}
    return subprocess.run([sys.executable, "-m", "ocpispec", "run", str(spec), "--state",
                           str(ledger), "--as-of", "2025-06-01T00:00:00Z", "--workers", "2",
                           "-q"], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.skipif(os.geteuid() != 0, reason="mounts a small tmpfs")
@pytest.mark.skipif(not workers_available(), reason="worker processes cannot start here")
def test_a_full_scratch_disk_under_workers_publishes_nothing_and_the_next_run_delivers_once(
        demo_server_factory, tmp_path: Path) -> None:
    """A real full disk (tests/test_scratch_space.py has a file-size limit) under the
    TMPDIR of a run with two workers, a joined lookup table, risk measurements and an
    aggregate, all told to spill: the run fails with OCX559 naming that disk, publishes
    nothing, leaves no scratch folder and keeps its state; once there is room, the next
    run delivers what a run that never failed delivers, byte for byte."""
    server: DemoServer = demo_server_factory(size=300)
    scratch, out, clean = tmp_path / "scratch", tmp_path / "out", tmp_path / "clean"
    if not _mounted_small(scratch):
        pytest.skip("cannot mount a tmpfs here")
    try:
        spec, reference = tmp_path / "spec.ocx", tmp_path / "clean.ocx"
        spec.write_text(SPEC.format(directory=out) + AGGREGATE.format(directory=out))
        reference.write_text(SPEC.format(directory=clean) + AGGREGATE.format(directory=clean))
        failed = _scratch_run(spec, tmp_path / "ledger.sqlite", scratch, server, tmp_path)
        assert failed.returncode == 1, failed.stderr
        assert "error[OCX559]" in failed.stderr and str(scratch) in failed.stderr
        assert "Traceback" not in failed.stderr
        assert not out.exists() or not list(out.iterdir())
        assert list(scratch.iterdir()) == []
        assert not has_state(tmp_path / "ledger.sqlite")
        assert not pending(tmp_path / "ledger.sqlite")
        subprocess.run(["mount", "-o", "remount,size=16m", str(scratch)], check=True)
        again = _scratch_run(spec, tmp_path / "ledger.sqlite", scratch, server, tmp_path)
        assert again.returncode == 0, again.stderr
        done = _scratch_run(reference, tmp_path / "clean.sqlite", scratch, server, tmp_path)
        assert done.returncode == 0, done.stderr
        assert list(scratch.iterdir()) == []
    finally:
        subprocess.run(["umount", str(scratch)], check=False)
    names = sorted(path.name for path in clean.iterdir() if path.suffix == ".csv")
    assert names == ["20250601T000000Z.csv", "a-20250601T000000Z.csv"]
    assert sorted(path.name for path in out.iterdir() if path.suffix == ".csv") == names
    for name in names:
        assert (out / name).read_bytes() == (clean / name).read_bytes()
    assert len((out / names[0]).read_text().splitlines()) > 100


@pytest.mark.skipif(os.geteuid() != 0, reason="mounts a small tmpfs")
def test_a_runs_directory_on_a_full_disk_stops_the_run_before_fetching(
        run_cli, demo_server_factory, tmp_path: Path, snapshot) -> None:
    """The run record is written after the commit: its disk full, the run delivered its
    window, moved the state and exited 1 (OCX553 'outputs and state were written'), a
    failure a scheduler retries. It is checked before fetching: nothing is published,
    the state stays, and with room the next run delivers the window and its record."""
    server: DemoServer = demo_server_factory(size=300)
    disk, out = tmp_path / "disk", tmp_path / "out"
    if not _mounted_small(disk):
        pytest.skip("cannot mount a tmpfs here")
    spec, ledger = tmp_path / "spec.ocx", tmp_path / "ledger.sqlite"
    spec.write_text(SPEC.format(directory=out))
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "TEST_PSEUDONYM_KEY": KEY, "OCPISPEC_RUNS_DIR": str(disk / "runs")}
    try:
        _fill(disk)
        result = run_cli("run", str(spec), "--state", str(ledger),
                         "--as-of", "2025-06-01T00:00:00Z", env=env)
        assert result.exit_code == 1
        assert not out.exists() or not list(out.iterdir())
        assert not has_state(ledger) and not pending(ledger)
        assert not [p for p in disk.rglob("*") if p.is_file() and p.name != "filler"]
        (disk / "filler").unlink()
        again = run_cli("run", str(spec), "--state", str(ledger),
                        "--as-of", "2025-06-01T00:00:00Z", env=env)
        assert again.exit_code == 0, again.output
        assert (out / "20250601T000000Z.csv").exists() and has_state(ledger)
        assert [p.name for p in (disk / "runs" / "output_faults").iterdir()] == [
            "20250601T000000Z.json"]
    finally:
        subprocess.run(["umount", str(disk)], check=False)
    assert cli_block(result, tmp=tmp_path) == snapshot
