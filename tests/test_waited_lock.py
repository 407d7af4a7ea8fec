"""Two runs of one spec at once (`--wait-lock`, an overlapping cron job), over real HTTP
against the demo CPO: the run that waited for the lock finds the window delivered by the
run it waited for. Into a destination of its own it delivers what is left (an empty
increment); into the same file (a fixed name, `{run.date}`) it has nothing to do and
ends with exit 0, its state unmoved, where it failed with OCX556 "would replace a
delivered file"."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from test_run_state import (HELD_PAGE_SIZE, KEY, MID, SPEC, _held, _rows,  # noqa: F401
                            _watermark, run, server, spec)


def _first_held(platform, server, spec: Path, tmp_path: Path, out: str, *extra: str):
    env = {**os.environ, "OCPI_VERSIONS_URL": platform.versions_url, "OCPI_TOKEN": server.token,
           "TEST_PSEUDONYM_KEY": KEY, "NO_COLOR": "1"}
    first = subprocess.Popen([sys.executable, "-m", "ocpispec", "run", str(spec), "--out",
                              str(tmp_path / out), "--state", str(tmp_path / "state.json"),
                              "--page-size", str(HELD_PAGE_SIZE), "--concurrency", "1", "-q",
                              *extra], env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not any("sessions" in r.target for r in server.request_log):
        assert time.monotonic() < deadline and first.poll() is None
        time.sleep(0.02)
    return first


def _waiting(run, platform, out: str, *args: str):
    """`run` in a thread: it waits for the lock the held run keeps."""
    import threading

    done: dict = {}
    thread = threading.Thread(target=lambda: done.update(result=run(platform, "--wait-lock", "60",
                                                                    *args, out=out)))
    thread.start()
    return thread, done


@pytest.fixture
def polling(monkeypatch) -> threading.Event:
    """Set once a run in this process found the export's lock held and polls it."""
    import ocpispec.execute.lock as lock

    polled = threading.Event()
    monkeypatch.setattr(lock, "time", SimpleNamespace(
        monotonic=time.monotonic, sleep=lambda seconds: polled.set() or time.sleep(seconds)))
    return polled


def _both(run, demo_server_factory, spec: Path, tmp_path: Path, polling, as_of: tuple[str, ...],
          out: str = "out.csv"):
    server = demo_server_factory(version="2.2.1", size=400, max_page_size=20)
    with _held(server) as (platform, release):
        first = _first_held(platform, server, spec, tmp_path, "out.csv", *as_of)
        thread, done = _waiting(run, platform, out, *as_of)
        assert polling.wait(60)
        release.set()
        status = first.wait(timeout=90)
        thread.join(timeout=90)
    return status, first.stderr.read(), done["result"]


def test_a_run_that_waited_into_the_same_file_has_nothing_to_do(
        run, demo_server_factory, spec: Path, tmp_path: Path, polling,
        snapshot) -> None:
    status, stderr, (waited, _) = _both(run, demo_server_factory, spec, tmp_path, polling,
                                        ("--as-of", MID))
    assert status == 0, stderr
    delivered = _rows(tmp_path / "out.csv")
    assert waited.exit_code == 0, waited.stderr
    assert "OCX556" not in waited.stderr
    assert _rows(tmp_path / "out.csv") == delivered and delivered  # the first delivery stands
    assert _watermark(tmp_path) == MID
    assert waited.stderr.replace(str(tmp_path), "TMP") == snapshot


def test_a_run_that_waited_at_the_real_time_leaves_the_rest_to_the_next_run(
        run, demo_server_factory, spec: Path, tmp_path: Path,
        polling) -> None:
    """Without `--as-of` the waiting run's window (from the first run's end to now) is not
    empty, and its file is the first run's: it delivers nothing now, and the next run
    (into its own file) starts where the first run ended."""
    status, stderr, (waited, _) = _both(run, demo_server_factory, spec, tmp_path, polling, ())
    assert status == 0, stderr
    first_end = _watermark(tmp_path)
    assert waited.exit_code == 0, waited.stderr
    assert "OCX556" not in waited.stderr
    assert _watermark(tmp_path) == first_end
    assert "while this run waited for its lock" in waited.stderr


def test_a_run_that_waited_into_its_own_file_delivers_the_empty_increment(
        run, demo_server_factory, spec: Path, tmp_path: Path, polling) -> None:
    status, stderr, (waited, rows) = _both(run, demo_server_factory, spec, tmp_path, polling,
                                           ("--as-of", MID), out="waited.csv")
    assert status == 0, stderr
    assert waited.exit_code == 0 and rows == [], waited.stderr
    assert _rows(tmp_path / "out.csv")


def test_a_later_run_into_the_same_file_is_still_refused(
        run, demo_server_factory, spec: Path, tmp_path: Path) -> None:
    """Without waiting for a run that committed meanwhile, a destination that does not change
    between windows is refused as before: the file is an earlier run's, not a twin's."""
    server = demo_server_factory(version="2.2.1", size=400, max_page_size=20)
    assert run(server, "--as-of", MID)[0].exit_code == 0
    again, _ = run(server, "--as-of", MID, "--wait-lock", "5")
    assert again.exit_code == 1 and "OCX556" in again.stderr


def test_a_run_that_waited_into_the_same_bucket_key_has_nothing_to_do(
        run_cli, demo_server_factory, tmp_path: Path, polling, s3_server, snapshot) -> None:
    """The same with the file on S3: the manifest its server holds is the waited-for run's."""
    s3_server.profile(tmp_path / "config")
    spec = tmp_path / "s3.ocx"
    spec.write_text(SPEC.format(extra="").replace('"out.csv"', '"s3://consumer-drop/incoming/x.csv"'))
    server = demo_server_factory(version="2.2.1", size=400, max_page_size=20)
    with _held(server) as (platform, release):
        env = {**os.environ, "OCPI_VERSIONS_URL": platform.versions_url, "OCPI_TOKEN": server.token,
               "TEST_PSEUDONYM_KEY": KEY, "NO_COLOR": "1", "OCPISPEC_CONFIG_DIR": str(tmp_path / "config")}
        first = subprocess.Popen([sys.executable, "-m", "ocpispec", "run", str(spec), "--state",
                                  str(tmp_path / "state.json"), "--page-size", str(HELD_PAGE_SIZE),
                                  "--concurrency", "1", "-q", "--as-of", MID], env=env,
                                 stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while not any("sessions" in r.target for r in server.request_log):
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.02)
        done: dict = {}
        thread = threading.Thread(target=lambda: done.update(result=run_cli(
            "run", str(spec), "--state", str(tmp_path / "state.json"), "--wait-lock", "60",
            "--as-of", MID, env={"OCPI_VERSIONS_URL": platform.versions_url, "OCPI_TOKEN": server.token,
                                 "TEST_PSEUDONYM_KEY": KEY})))
        thread.start()
        assert polling.wait(60)
        release.set()
        status = first.wait(timeout=90)
        thread.join(timeout=90)
    assert status == 0, first.stderr.read()
    waited = done["result"]
    assert waited.exit_code == 0 and "OCX556" not in waited.stderr, waited.stderr
    assert _watermark(tmp_path) == MID
    assert [line for line in waited.stderr.splitlines() if "waited for its lock" in line] == snapshot
