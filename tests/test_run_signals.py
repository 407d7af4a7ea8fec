"""Signals, deadlines, full disks and internal errors: each ends with a diagnostic and
a documented exit code, never a traceback, and leaves nothing half done."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ledger_helpers import has_state, pending, runs, state_dict
from fixtures_demo import scrub

import ocpispec.cli.run as run_command
from ocpispec.demo import Faults

KEY = "d29f4a7c0e1b86d35f2a9c4e7b0d18f6a3c5e29b1d7f40a8c6e3b95d2f0a7c14"
AS_OF = "2026-01-01T00:00:00Z"
SPEC = '''export signal_test
  consumer "Test consumer"
  purpose "Signal tests of ocpispec"
  legal basis public task "test"
  retention 1 months
  pseudonym key env TEST_PSEUDONYM_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions since last run
select pseudonymize(id) as session
output csv to "out.csv"
'''


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    path = tmp_path / "spec.ocx"
    path.write_text(SPEC)
    return path


def _env(server) -> dict[str, str]:
    return {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
            "TEST_PSEUDONYM_KEY": KEY}


def test_sigterm_is_handled_like_ctrl_c(demo_server_factory, spec: Path, tmp_path: Path,
                                        snapshot) -> None:
    # 600 pages of 40 ms: the run is still fetching when the signal comes, however late a
    # loaded machine sends it (the demo makes its sessions as they are asked for)
    server = demo_server_factory(version="2.2.1", size=30000, max_page_size=50,
                                 faults=Faults(latency_ms=40))
    out, state = tmp_path / "out.csv", tmp_path / "state.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "ocpispec", "run", str(spec), "--out", str(out), "--state",
         str(state), "--as-of", AS_OF, "--page-size", "50", "--concurrency", "1"],
        env={**os.environ, **_env(server), "NO_COLOR": "1", "COLUMNS": "100"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while sum(1 for r in server.request_log if "sessions" in r.target) < 3:
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.02)
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 1
    assert not out.exists() and not has_state(state)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []
    assert "Traceback" not in stderr
    assert scrub(stderr, tmp_path=tmp_path) == snapshot


def test_the_deadline_abandons_a_slow_run(run_cli, demo_server_factory, spec: Path,
                                          tmp_path: Path, snapshot) -> None:
    # the deadline far beyond the run's start (a loaded machine took more than 1 s to
    # reach the crawl: the run was cut before it made its lock), the crawl far beyond the
    # deadline (some 1,600 pages of 150 ms)
    server = demo_server_factory(version="2.2.1", size=30000, max_page_size=20,
                                 faults=Faults(latency_ms=150))
    result = run_cli("run", str(spec), "--out", str(tmp_path / "out.csv"), "--state",
                     str(tmp_path / "state.json"), "--as-of", AS_OF, "--deadline", "5s",
                     "--page-size", "20", "--concurrency", "1", env=_env(server))
    assert result.exit_code == 1
    # cut while it fetched (the sites for the public scope, then the sessions)
    assert any(part in r.target for r in server.request_log for part in ("/locations", "/sessions"))
    assert sorted(p.name for p in tmp_path.iterdir()) == \
        ["spec.ocx", "state.json", "state.json.signal_test.lock"]
    assert not has_state(tmp_path / "state.json")
    shown = result.stderr[result.stderr.index("error[OCX583]"):]  # not other servers' noise
    assert scrub(shown, tmp_path=tmp_path) == snapshot


@pytest.mark.parametrize("value", ["0s", "soon", "10 fortnights"])
def test_durations_are_checked(run_cli, spec: Path, value: str) -> None:
    result = run_cli("run", str(spec), "--deadline", value)
    assert result.exit_code == 2 and "expected a duration such as 90s" in result.stderr


def test_an_internal_error_has_its_own_exit_code(run_cli, demo_server, spec: Path,
                                                 monkeypatch, snapshot) -> None:
    def broken(plan, args):
        raise ZeroDivisionError("token=secret-value-that-must-not-show")

    monkeypatch.setattr(run_command, "_execute", broken)
    result = run_cli("run", str(spec), env=_env(demo_server))
    assert result.exit_code == 70
    shown = result.stderr[result.stderr.index("internal error"):]  # not other servers' noise
    assert "secret-value" not in result.stderr and "Traceback" not in shown
    assert re.sub(r"\.py:\d+", ".py:<line>", shown) == snapshot
    debug = run_cli("run", str(spec), env={**_env(demo_server), "OCPISPEC_DEBUG": "1"})
    assert debug.exit_code == 70
    assert "Traceback" in debug.stderr[debug.stderr.index("internal error"):]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_get_to_a_full_disk_is_a_diagnostic(demo_profile, tmp_path: Path, snapshot) -> None:
    env = {**os.environ, "OCPISPEC_CONFIG_DIR": str(tmp_path / "config"), "NO_COLOR": "1"}
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "ocpispec", "get", "sessions"], env=env,
                              stdout=full, stderr=subprocess.PIPE, text=True, timeout=60)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    assert done.stderr == snapshot


def test_a_run_to_a_full_disk_is_a_diagnostic(demo_server, spec: Path, tmp_path: Path) -> None:
    env = {**os.environ, **_env(demo_server), "NO_COLOR": "1"}
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "ocpispec", "run", str(spec), "--out", "-",
                               "--state", str(tmp_path / "state.json"), "--as-of", AS_OF],
                              env=env, stdout=full, stderr=subprocess.PIPE, text=True, timeout=60)
    assert done.returncode == 1 and "OCX554" in done.stderr
    assert "Traceback" not in done.stderr
    assert not has_state(tmp_path / "state.json")  # nothing delivered: the state stays


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_a_summary_a_full_disk_refuses_after_the_commit_says_the_run_is_done(
        demo_server, spec: Path, tmp_path: Path, stream: str, snapshot) -> None:
    """`--summary json > run.json` (or `2> run.log`) on a full disk: the run had published
    its file and moved its state, and then was told 'cannot write the output ... run
    again' by the launcher, exit 1: a second run of the window (`--as-of`, an export
    without state) delivered its records twice."""
    out, state = tmp_path / "out.csv", tmp_path / "state.json"
    env = {**os.environ, **_env(demo_server), "NO_COLOR": "1"}
    command = [sys.executable, "-m", "ocpispec", "run", str(spec), "--out", str(out),
               "--state", str(state), "--as-of", AS_OF, "--summary",
               "json" if stream == "stdout" else "text"]
    with open("/dev/full", "w") as full, open(tmp_path / "stderr", "w+") as err:
        done = subprocess.run(command, env=env, stdout=full if stream == "stdout" else err,
                              stderr=err if stream == "stdout" else full, timeout=120)
        err.seek(0)
        stderr = err.read()
    assert out.exists() and state_dict(state)["datasets"]["sessions"]["watermark"] == AS_OF
    assert [r["outcome"] for r in runs(state)] == ["committed"]
    assert done.returncode == 1  # the report is lost: a scheduler must look
    if stream == "stdout":  # stderr full: nothing can be said
        assert scrub(stderr, tmp_path=tmp_path) == snapshot


def test_sigterm_during_the_commit_waits_for_it(demo_server, spec: Path, tmp_path: Path) -> None:
    out, state = tmp_path / "out.csv", tmp_path / "state.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "ocpispec", "run", str(spec), "--out", str(out), "--state",
         str(state), "--as-of", AS_OF],
        # each commit step (the journal, each rename, the state) pauses 0.6 s: the signal is
        # sent within those 3 s, however late a loaded machine runs the loop below
        env={**os.environ, **_env(demo_server), "OCPISPEC_TEST_COMMIT_PAUSE": "0.6"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not pending(state):
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.01)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert "stopped (SIGTERM) after the run committed" in stderr
    assert out.exists() and (tmp_path / "out.csv.manifest.json").exists()
    assert state_dict(state)["datasets"]["sessions"]["watermark"] == AS_OF
    assert pending(state) == 0 and [r["outcome"] for r in runs(state)] == ["committed"]


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_while_the_run_starts_is_diagnosed(tmp_path: Path, stop: signal.Signals, snapshot) -> None:
    """A job stopped before its run began (here: while it reads its spec from a pipe)
    ends like one stopped later: OCX558 and exit 1, not killed by the signal."""
    spec = tmp_path / "spec.ocx"
    os.mkfifo(spec)
    process = subprocess.Popen(
        [sys.executable, "-m", "ocpispec", "run", str(spec), "--state", str(tmp_path / "state.json")],
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}, cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline, writer = time.monotonic() + 30, None
    try:
        while writer is None:   # opens once the run opens the spec; it then waits to read it
            assert time.monotonic() < deadline and process.poll() is None
            with contextlib.suppress(OSError):
                writer = os.open(spec, os.O_WRONLY | os.O_NONBLOCK)
            time.sleep(0.02)
        process.send_signal(stop)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
        if writer is not None:
            os.close(writer)
    assert process.returncode == 1, stderr
    assert "Traceback" not in stderr and not (tmp_path / "state.json").exists()
    assert scrub(stderr, tmp_path=tmp_path) == snapshot


# when the stops are sent, after the start; on a loaded machine the start-up can outlast
# all of `_DELAYS` (every stop then lands before the handler), so later ones are tried
# until one lands after it
_DELAYS = (0.01, 0.03, 0.06, 0.1, 0.15, 0.2)
_LATER_DELAYS = (0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6)


@pytest.mark.parametrize(("command", "message"), [
    (["run", "spec.ocx"], "error[OCX558]: the run was interrupted (SIGTERM)"),
    # `--demo` keeps it busy past the last signal: a command that has already ended
    # (no profile) could take the signal while the interpreter exits
    (["get", "sessions", "--demo"], "error[OCX558]: `get` was interrupted (SIGTERM)"),
], ids=["run", "get"])
def test_a_stop_while_the_command_loads_is_diagnosed(tmp_path: Path, command: list[str],
                                                     message: str) -> None:
    """SIGTERM while the command line is still loading (click, the command's modules)
    reaches no command's handler: it ends with OCX558 and exit 1 too, never click's
    bare "Aborted!". The first moments, before `launch` installs its handler, the
    interpreter's default (killed by the signal) is the only other outcome."""
    os.mkfifo(tmp_path / "spec.ocx")     # a run that gets this far waits for its spec
    diagnosed = 0
    for delay in _DELAYS + _LATER_DELAYS:
        if delay in _LATER_DELAYS and diagnosed:
            break
        process = subprocess.Popen(
            [sys.executable, "-m", "ocpispec", *command, "--state", str(tmp_path / "state.json")]
            if command[0] == "run" else [sys.executable, "-m", "ocpispec", *command],
            env={**os.environ, "NO_COLOR": "1", "COLUMNS": "100",
                 "OCPISPEC_CONFIG_DIR": str(tmp_path)},
            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(delay)
        process.send_signal(signal.SIGTERM)
        try:
            _, stderr = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
        assert "Aborted!" not in stderr and "Traceback" not in stderr, stderr
        if process.returncode == -signal.SIGTERM:
            continue
        if message in stderr:
            assert process.returncode == 1, stderr
            diagnosed += 1
    assert diagnosed, "no stop arrived while the command was loading"
    assert not (tmp_path / "state.json").exists()


_STOPPED_AFTER_THE_COMMIT = """
import os, signal, sys
stop, sent = getattr(signal, sys.argv[1]), []
def hook(event, args):
    if event == "open" and os.sep + "runs" + os.sep in str(args[0]) and not sent \
            and "write-check" not in str(args[0]):  # the check before fetching
        sent.append(1)   # the commit is done; the run record is being written
        os.kill(os.getpid(), stop)
sys.addaudithook(hook)
sys.argv = ["ocpispec", *sys.argv[2:]]
from ocpispec.launch import main
main()
"""


@pytest.mark.parametrize("stop", ["SIGTERM", "SIGINT"])
def test_a_stop_just_after_the_commit_ends_a_committed_run(demo_server, spec: Path,
                                                           tmp_path: Path, stop: str) -> None:
    """A stop that came once the commit was done (while the run record was written or
    the summary shown) ended a run that had published its file and advanced its state
    with OCX558 'interrupted' and exit 1, logged it a second time as interrupted, lost
    its run record and said to run the same window again. It waits until the run is
    reported, as a stop during the commit does."""
    out, state = tmp_path / "out.csv", tmp_path / "state.sqlite"
    done = subprocess.run(
        [sys.executable, "-c", _STOPPED_AFTER_THE_COMMIT, stop, "run", str(spec), "--out",
         str(out), "--state", str(state), "--as-of", AS_OF],
        env={**os.environ, **_env(demo_server), "NO_COLOR": "1"}, capture_output=True,
        text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"stopped ({stop}) after the run committed" in done.stderr
    assert "OCX558" not in done.stderr and "Traceback" not in done.stderr
    assert out.exists() and has_state(state)
    assert [run["outcome"] for run in runs(state)] == ["committed"]
    assert len(list((tmp_path / "runs" / "signal_test").glob("*.json"))) == 1


@pytest.mark.parametrize("first, second", [(signal.SIGINT, signal.SIGINT),
                                           (signal.SIGTERM, signal.SIGINT),
                                           (signal.SIGINT, signal.SIGTERM)])
def test_a_second_stop_while_stopping_ends_the_run_at_once(
        demo_server_factory, spec: Path, tmp_path: Path, first, second) -> None:
    """Ctrl-C pressed again while a stopped run was ending (its OCX558 shown, its fetch
    threads still being joined): the interpreter printed 'Exception ignored in ...
    threading ... KeyboardInterrupt' with a traceback, or the process died of SIGINT
    (exit status -2, not the documented 1). A second stop now ends it at once, exit 1."""
    server = demo_server_factory(version="2.2.1", size=30000, max_page_size=50,   # still fetching at both stops
                                 faults=Faults(latency_ms=400))
    out, state = tmp_path / "out.csv", tmp_path / "state.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "ocpispec", "run", str(spec), "--out", str(out), "--state",
         str(state), "--as-of", AS_OF, "--page-size", "50", "--concurrency", "4"],
        env={**os.environ, **_env(server), "NO_COLOR": "1"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while sum(1 for r in server.request_log if "sessions" in r.target) < 3:
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.02)
    process.send_signal(first)
    assert process.stderr is not None
    shown = [process.stderr.readline() for _ in range(4)]   # the OCX558 diagnostic
    process.send_signal(second)
    rest = process.stderr.read()
    process.wait(timeout=60)
    assert "OCX558" in shown[0]
    assert process.returncode == 1, (shown, rest)
    assert rest in ("", "stopped again: ending now\n")  # or it had ended already
    assert not out.exists() and not has_state(state)
