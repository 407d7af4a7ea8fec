"""Data delivered on standard output (`run --out -`, `get`) arrives whole, or the run
fails with its state unmoved: under `PYTHONUNBUFFERED=1` (most container images), into
a pipe its parent made non-blocking, and onto a disk that fills up during the last write
(`ocpispec/stdout_sink.py`); any other command's output too (`launch._whole_stdout`).
Real CLI processes against the demo CPO."""

from __future__ import annotations

import fcntl
import os
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from ledger_helpers import has_state

KEY = "5c0e9a7d3f1b48e26a9d0c4f7b3e81a5d2c6f09e4b7a13d8c5f2e6b90a4d7c31"
AS_OF = "2025-06-01T00:00:00Z"
SPEC = '''export stdout_test
  consumer "Test consumer"
  purpose "Tests of ocpispec's standard output"
  legal basis public task "test"
  retention 1 months
  pseudonym key env TEST_PSEUDONYM_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions since last run
select pseudonymize(id) as session
output csv to "out.csv"
'''
F_SETPIPE_SZ = 1031  # Linux: the pipe's capacity


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    path = tmp_path / "spec.ocx"
    path.write_text(SPEC)
    return path


@pytest.fixture
def server(demo_server_factory):
    return demo_server_factory(version="2.2.1", size=3000, max_page_size=200)


def _env(server, unbuffered: bool, tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "TEST_PSEUDONYM_KEY": KEY, "NO_COLOR": "1",
           "OCPISPEC_CONFIG_DIR": str(tmp_path / "config")}
    env.pop("PYTHONUNBUFFERED", None)
    return env | ({"PYTHONUNBUFFERED": "1"} if unbuffered else {})


def _run(spec: Path, ledger: Path, out: str, env: dict[str, str], **streams):
    return subprocess.Popen([sys.executable, "-m", "ocpispec", "run", str(spec), "--state",
                             str(ledger), "--as-of", AS_OF, "--out", out, "-q"],
                            env=env, cwd=spec.parent, **streams)


def _buffered(read: int) -> int:
    """How many bytes wait in the pipe whose reading end is `read`."""
    return struct.unpack("i", fcntl.ioctl(read, termios.FIONREAD, b"\0\0\0\0"))[0]


def _read_behind(command: list[str], env: dict[str, str], cwd: Path) -> tuple[int, bytes, str]:
    """`command` writing into a small non-blocking pipe (as some parents hand it over)
    whose reader starts reading only once the writer has met the full pipe. (A fixed 3 s
    wait before took longer where the command was quick, and could read before it
    wrote where a loaded machine started it late.)"""
    read, write = os.pipe()
    fcntl.fcntl(write, F_SETPIPE_SZ, 4096)
    fcntl.fcntl(write, fcntl.F_SETFL, fcntl.fcntl(write, fcntl.F_GETFL) | os.O_NONBLOCK)
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=write,
                               stderr=subprocess.PIPE)
    os.close(write)
    # full: more than half of it taken (a line that does not fit is refused whole, and a
    # line of `get` is a whole object) and nothing more written for 0.3 s
    deadline, held, since = time.monotonic() + 60, -1, time.monotonic()
    while process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
        if (now := _buffered(read)) != held:
            held, since = now, time.monotonic()
        elif held > 2048 and time.monotonic() - since >= 0.3:
            break
    assert process.poll() is None and held > 2048, "the command ended without filling the pipe"
    data = b""
    while chunk := os.read(read, 1 << 16):
        data += chunk
    os.close(read)
    error = process.stderr.read().decode()
    return process.wait(timeout=60), data, error


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux pipe sizes")
@pytest.mark.parametrize("unbuffered", [True, False], ids=["PYTHONUNBUFFERED", "buffered"])
def test_a_run_into_a_non_blocking_pipe_delivers_every_row(
        spec: Path, server, tmp_path: Path, unbuffered: bool) -> None:
    """Unbuffered, the run exited 0 with 70 of 1,155 lines on the pipe and its state moved
    past the rest; buffered, it ended with exit code 120 and 'Exception ignored'."""
    env = _env(server, unbuffered, tmp_path)
    reference = _run(spec, tmp_path / "reference.sqlite", str(tmp_path / "whole.csv"), env)
    assert reference.wait(timeout=60) == 0
    whole = (tmp_path / "whole.csv").read_bytes()
    assert whole.count(b"\n") > 1000
    code, data, error = _read_behind(
        [sys.executable, "-m", "ocpispec", "run", str(spec), "--state",
         str(tmp_path / "ledger.sqlite"), "--as-of", AS_OF, "--out", "-", "-q"], env, tmp_path)
    assert code == 0, error
    assert data == whole


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux pipe sizes")
@pytest.mark.parametrize("unbuffered", [True, False], ids=["PYTHONUNBUFFERED", "buffered"])
def test_get_into_a_non_blocking_pipe_writes_every_object(server, tmp_path: Path,
                                                          unbuffered: bool) -> None:
    """Unbuffered, `get` exited 0 with 42 of 2,000 objects; buffered, it was an
    internal error (BlockingIOError)."""
    env = _env(server, unbuffered, tmp_path)
    code, data, error = _read_behind([sys.executable, "-m", "ocpispec", "get", "sessions", "--include-private",
                                      "--demo", "--demo-size", "2000", "--demo-version", "2.2.1"],
                                     env, tmp_path)
    assert code == 0, error
    assert data.count(b"\n") == 2000 and "2000 objects" in error


@pytest.fixture
def tmpfs(tmp_path: Path):
    """`tmpfs(size)`: a tmpfs of that size, unmounted afterwards; skips where this
    process may not mount."""
    mounted: list[Path] = []

    def mount(size: str) -> Path:
        place = tmp_path / f"small-{len(mounted)}"
        place.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                               str(place)], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        mounted.append(place)
        return place

    yield mount
    for place in mounted:
        subprocess.run(["umount", str(place)], check=True)


@pytest.fixture
def small_disk(tmpfs) -> Path:
    """36 KiB: the run's CSV is 39 KiB."""
    return tmpfs("36k")


@pytest.mark.parametrize("unbuffered", [True, False], ids=["PYTHONUNBUFFERED", "buffered"])
def test_a_run_to_stdout_on_a_disk_that_fills_up_commits_nothing(
        spec: Path, server, tmp_path: Path, small_disk: Path, unbuffered: bool) -> None:
    """The disk fills up during the output's last write. Unbuffered, the run exited 0 with
    1,084 of 1,155 lines in the file and its state moved past the others; buffered, the
    bytes left in the buffer were written after the commit, and the failure was called
    the summary's ('the outputs are delivered ... do not run this window again')."""
    ledger = tmp_path / "ledger.sqlite"
    with (small_disk / "sessions.csv").open("wb") as out:
        process = _run(spec, ledger, "-", _env(server, unbuffered, tmp_path), stdout=out,
                       stderr=subprocess.PIPE)
        error = process.communicate(timeout=60)[1].decode()
    assert process.returncode == 1, error
    assert "error[OCX554]: cannot write `stdout`: No space left on device" in error
    assert "the state did not move" in error and "do not run" not in error
    assert not has_state(ledger)


@pytest.mark.parametrize("unbuffered", [True, False], ids=["PYTHONUNBUFFERED", "buffered"])
def test_a_report_on_a_disk_that_fills_up_is_a_diagnostic(spec: Path, server, tmpfs,
                                                           tmp_path: Path,
                                                           unbuffered: bool) -> None:
    """Any command's standard output, here the disclosure log as JSON (`history`, one
    write of 10 KiB, onto 8 KiB): unbuffered, it ended short and exited 0."""
    env = _env(server, unbuffered, tmp_path)
    ledger = tmp_path / "ledger.sqlite"
    for month in ("2025-02-01T00:00:00Z", "2025-03-01T00:00:00Z", AS_OF):
        done = subprocess.run([sys.executable, "-m", "ocpispec", "run", str(spec), "--state",
                               str(ledger), "--as-of", month, "--out",
                               str(tmp_path / f"{month[:7]}.csv"), "-q"], env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
    with (tmpfs("8k") / "history.json").open("wb") as out:
        done = subprocess.run([sys.executable, "-m", "ocpispec", "history", "--state",
                               str(ledger), "--format", "json"], env=env, stdout=out,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    assert done.returncode == 1, done.stderr
    assert "error[OCX554]: cannot write the output: No space left on device" in done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
