"""Kill -9 loop for tests/test_crash_loop.py (run as a subprocess; not a test module).

    python crash_harness.py CONFIG.json

Imports the CLI once, then per cycle forks a child that runs `ocpispec run` with an
`--as-of` later than every earlier run's, kills it with SIGKILL (or another of the
config's `signals`: SIGTERM, SIGINT) after a random delay
drawn to land in fetch, render or commit, and forks another child that runs to the
end with a later `--as-of`. Prints one JSON line: what the kills left behind.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ocpispec.cli import main


def child(args: list[str], stderr_path: Path | None = None, env: dict[str, str] | None = None) -> None:
    os.environ.update(env or {})
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    if stderr_path is None:
        os.dup2(devnull, 2)
    else:
        os.dup2(os.open(stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 2)
    code = 0
    try:
        main(args, prog_name="ocpispec", standalone_mode=True)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001
        code = 99
    os._exit(code)


def spawn(args: list[str], stderr_path: Path | None = None, env: dict[str, str] | None = None) -> int:
    pid = os.fork()
    if pid == 0:
        child(args, stderr_path, env)
    return pid


# a commit kill's run pauses this long at each commit step: the kill lands in the pause
# after the journal, however late a loaded machine lets this process look
COMMIT_KILL_PAUSE = "2"


def stopped_in_its_commit(pid: int, ledger: Path, stop: signal.Signals) -> int:
    """Stop the run `pid` once its commit is pending (the journal written, the renames
    ahead), and wait for it; its wait status (a run that ended first counts as finished
    before the kill)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ended, status = os.waitpid(pid, os.WNOHANG)
        if ended:
            return status
        if ledger_now(ledger)[0]:
            os.kill(pid, stop)
            break
        time.sleep(0.005)
    return os.waitpid(pid, 0)[1]


def warm_up(config: dict) -> None:
    """One run in this process first: the parser, the schema and the compiled
    expressions are then cached, and every forked child starts warm."""
    warm = Path(config["state"]).with_name("warm-up")
    try:
        main(["run", config["spec"], "--state", str(warm / "state.json"), "--out",
              str(warm) + "/", "-q", "--as-of", "2025-01-02T00:00:00Z"],
             prog_name="ocpispec", standalone_mode=True)
    except SystemExit:
        pass


def ledger_now(path: Path) -> tuple[bool, str]:
    """Whether a commit is pending, and the stored state, read-only from the ledger."""
    if not path.exists():
        return False, ""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        pending = conn.execute("SELECT count(*) FROM pending").fetchone()[0] > 0
        state = conn.execute("SELECT body FROM state").fetchall()
    except sqlite3.OperationalError:  # killed while creating the schema
        return False, ""
    finally:
        conn.close()
    return pending, repr(state)


def timed(args: list[str], stderr_path: Path) -> tuple[float, int]:
    """One run to its end; its stderr is kept in stderr_path, so that a failure can be told."""
    began = time.monotonic()
    _, status = os.waitpid(spawn(args, stderr_path), 0)
    return time.monotonic() - began, status


def failure(stderr_path: Path, status: int, when: str) -> dict:
    text = stderr_path.read_text(errors="replace") if stderr_path.exists() else ""
    return {"after": when, "exit": os.waitstatus_to_exitcode(status), "stderr": text[-4000:]}


def run_args(config: dict, moment: datetime) -> list[str]:
    # workers named: `auto` would read these short windows in one process, and the kills
    # are to land while worker processes hold pages too
    return ["run", config["spec"], "--state", config["state"], "--as-of",
            moment.strftime("%Y-%m-%dT%H:%M:%SZ"), "-q", "--workers", "2"]


def main_loop(config: dict) -> dict:
    rng = random.Random(config["seed"])
    start = datetime(2025, 1, 1, tzinfo=UTC)
    step = timedelta(days=360) / (2 * config["cycles"] + 1)
    moments = iter(start + step * (i + 1) for i in range(2 * config["cycles"] + 1))
    ledger = Path(config["state"])
    warm_up(config)
    stderr_path = ledger.with_name("rerun-stderr.txt")
    # calibrate: how long one uninterrupted run takes (then: the last finished run)
    duration, status = timed(run_args(config, next(moments)), stderr_path)
    left = {"calibration_exit": os.waitstatus_to_exitcode(status), "durations": [],
            "killed": 0, "finished_before_kill": 0, "journal_left": 0, "rerun_failures": 0,
            "state_changed": 0, "killed_before_commit": 0, "failures": []}
    if status != 0:
        left["failures"].append(failure(stderr_path, status, "calibration"))
    stops = [signal.Signals[name] for name in config.get("signals", ["SIGKILL"])]
    left["stopped_cleanly"] = left["bad_exits"] = 0
    # `commit_kills` cycles, spread over the loop, stop their run in its commit instead of
    # at a random moment: kills after the commit point, whatever the machine's speed (the
    # random moments, drawn from the last run's length, landed there 1 time in 50 on a
    # loaded machine)
    every = config["cycles"] // config["commit_kills"] if config.get("commit_kills") else 0
    for cycle in range(config["cycles"]):
        before = ledger_now(ledger)[1]
        delay, stop = rng.uniform(0.2, 1.1) * duration, stops[0] if len(stops) == 1 else rng.choice(stops)
        if every and cycle % every == every - 1:
            pid = spawn(run_args(config, next(moments)), env={"OCPISPEC_TEST_COMMIT_PAUSE": COMMIT_KILL_PAUSE})
            status = stopped_in_its_commit(pid, ledger, stop)
        else:
            pid = spawn(run_args(config, next(moments)))
            time.sleep(delay)
            try:
                os.kill(pid, stop)
            except ProcessLookupError:
                pass
            _, status = os.waitpid(pid, 0)
        # SIGTERM and Ctrl-C stop a run with exit 1 (OCX558), or let it finish (0)
        code = os.waitstatus_to_exitcode(status)
        left["stopped_cleanly"] += code == 1
        left["bad_exits"] += code not in (0, 1) and not os.WIFSIGNALED(status)
        killed = os.WIFSIGNALED(status) or (code == 1 and stops != [signal.SIGKILL])
        journaled, after = ledger_now(ledger)
        changed = after != before
        left["killed"] += killed
        left["finished_before_kill"] += not killed
        left["journal_left"] += journaled
        left["state_changed"] += changed
        left["killed_before_commit"] += killed and not journaled and not changed
        duration, status = timed(run_args(config, next(moments)), stderr_path)
        left["durations"].append(round(duration, 3))
        if os.waitstatus_to_exitcode(status) != 0:
            left["rerun_failures"] += 1
            left["failures"].append(failure(stderr_path, status, f"cycle {cycle}, exit {code}"))
    left["last"] = (start + step * (2 * config["cycles"] + 1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return left


if __name__ == "__main__":
    settings = json.loads(Path(sys.argv[1]).read_text())
    os.environ.update(settings["env"])
    print(json.dumps(main_loop(settings)))
