"""kill -9 at every step of a run, one step per cycle, never loses or repeats a record.

tests/test_crash_loop.py kills runs at random moments of one dataset. Here a run of a
spec with several datasets (a join, a row dataset per module and an aggregate) is
killed at each of its steps in turn, counted by the side effects the run makes
(each write, rename, removal, ledger connection, connection to the platform and commit
step, seen by an audit hook), then the next run with a later `--as-of` finishes. The
platform is a read replica that lags two days (`visibility_lag`) and every run has
`--lookback 3d`, so each run also delivers the records that came late into the window
before. At the end, the union of the published files is one uninterrupted run's: each
record exactly once, each group's count summed to the same.
"""

from __future__ import annotations

import collections
import csv
import dataclasses
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ocpispec.demo import DemoServer, Faults

KEY = "4b7e1c9a3f5d08e62a0c9f3b7d1e52a8c6f4b09e2d7a31c5f8b0d64e9a3c7f1d"
SPEC = '''export step_test
  consumer "Test consumer"
  purpose "Crash tests of ocpispec"
  legal basis public task "test"
  retention 1 months
  pseudonym key env TEST_PSEUDONYM_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions since last run
  join locations on location_id
select pseudonymize(id) as session
  location.city as city because "the consumer plans chargers per city"
output csv to "{out}/s-{{window.end}}.csv"
from cdrs since last run
select pseudonymize(id) as cdr
output csv to "{out}/c-{{window.end}}.csv"
from sessions as per_city since last run
  join locations on location_id
group by location.city as city because "the consumer plans chargers per city"
compute count() as sessions
  minimum group size 1
output csv to "{out}/a-{{window.end}}.csv"
'''
# one process that imports the CLI and makes one warm-up run, then forks a child per run
# it is sent (a JSON line: `nth`, the CLI's arguments, the files for its stdout and
# stderr) and answers its exit code. The child kills itself (as kill -9 does) at the Nth
# side effect it makes under ROOT; N = 0 counts them into COUNT_FILE instead. A run in a
# process of its own spent most of its CPU importing the CLI, 70 times and more.
RUNNER = """
import json, os, sys, time, traceback
count_file, root, warm_spec, warm_dir = sys.argv[1:5]
from ocpispec.cli import main
WATCHED = {"os.rename", "os.remove", "os.mkdir", "os.rmdir", "sqlite3.connect",
           "socket.connect", "open", "time.sleep", "shutil.rmtree"}

def hooked(nth):
    main_pid, seen = os.getpid(), [0]
    def hook(event, args):
        if event not in WATCHED or os.getpid() != main_pid:
            return
        if event == "open":
            mode, flags = args[1], args[2] if isinstance(args[2], int) else 0
            writes = any(c in mode for c in "wax+") if isinstance(mode, str) else \\
                bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
            path = args[0]
            if not writes or not isinstance(path, (str, bytes, os.PathLike)) \\
                    or not os.fsdecode(path).startswith(root):
                return
        seen[0] += 1
        if seen[0] == nth:
            os._exit(137)
    sleep = time.sleep
    def audited_sleep(seconds):  # the commit's steps (OCPISPEC_TEST_COMMIT_PAUSE)
        sys.audit("time.sleep", seconds)
        sleep(seconds)
    time.sleep = audited_sleep
    sys.addaudithook(hook)
    return seen

def child(nth, args, out, err):
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)  # the runner's requests are not the run's
    os.dup2(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 1)
    os.dup2(os.open(err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 2)
    import signal
    signal.alarm(120)  # a hung run ends, and the test says so
    seen, code = hooked(nth), 1
    try:
        main(args, prog_name="ocpispec")
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        if nth == 0:
            with open(count_file, "w") as handle:
                handle.write(str(seen[0]))
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)

# the warm-up: its own spec, ledger and folder, so it changes nothing the test reads
try:
    main(["run", warm_spec, "--state", os.path.join(warm_dir, "ledger.sqlite"), "--as-of",
          "2024-12-01T00:00:00Z", "-q"], prog_name="ocpispec")
except SystemExit:
    pass
for line in sys.stdin:
    asked = json.loads(line)
    pid = os.fork()
    if pid == 0:
        child(asked["nth"], asked["args"], asked["out"], asked["err"])
    _, status = os.waitpid(pid, 0)
    print(os.waitstatus_to_exitcode(status), flush=True)
"""


@dataclasses.dataclass(frozen=True)
class Ran:
    """One run's exit code (137: killed at its Nth side effect) and what it wrote to stderr."""

    returncode: int
    stderr: str


def _delivered(folder: Path, prefix: str) -> collections.Counter:
    found: collections.Counter = collections.Counter()
    for path in folder.glob(f"{prefix}-*.csv"):
        with path.open(newline="") as handle:
            for row in csv.DictReader(handle):
                if prefix == "a":
                    found[row["city"]] += int(row["sessions"])
                else:
                    found[tuple(row.values())] += 1
    return found


def test_kill_minus_nine_at_each_step_of_a_run_loses_and_repeats_nothing(
        tmp_path: Path) -> None:
    out, reference = tmp_path / "out", tmp_path / "reference"
    (tmp_path / "spec.ocx").write_text(SPEC.format(out=out))
    (tmp_path / "whole.ocx").write_text(SPEC.format(out=reference))
    (tmp_path / "warm-up.ocx").write_text(SPEC.format(out=tmp_path / "warm-up"))
    moments = iter(datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=3 * i) for i in range(200))
    lag = Faults(visibility_lag=2 * 86400)
    with DemoServer(version="2.2.1", size=300, max_page_size=50, faults=lag) as server:
        env = {**os.environ, "OCPI_VERSIONS_URL": server.versions_url,
               "OCPI_TOKEN": server.token, "TEST_PSEUDONYM_KEY": KEY,
               "OCPISPEC_CONFIG_DIR": str(tmp_path / "config"),
               "OCPISPEC_TEST_COMMIT_PAUSE": "0.001",
               # the scratch folders of the runs killed here stay out of the shared /tmp,
               # where another test's run would sweep them and say so
               "TMPDIR": str(tmp_path / "scratch")}
        (tmp_path / "scratch").mkdir()
        (tmp_path / "warm-up").mkdir()
        runner = subprocess.Popen(
            [sys.executable, "-c", RUNNER, str(tmp_path / "steps"), str(tmp_path),
             str(tmp_path / "warm-up.ocx"), str(tmp_path / "warm-up")],
            env=env, cwd=tmp_path, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

        def run(nth: int, moment: datetime, spec: str = "spec.ocx",
                ledger: str = "ledger.sqlite") -> Ran:
            server.faults = dataclasses.replace(lag, replica_now=int(moment.timestamp()))
            args = ["run", str(tmp_path / spec), "--state", str(tmp_path / ledger), "--as-of",
                    moment.strftime("%Y-%m-%dT%H:%M:%SZ"), "--lookback", "3d", "-q"]
            said = {"out": str(tmp_path / "run.out"), "err": str(tmp_path / "run.err")}
            runner.stdin.write(json.dumps({"nth": nth, "args": args, **said}) + "\n")
            runner.stdin.flush()
            answer = runner.stdout.readline()
            assert answer, "the runner process ended"
            return Ran(int(answer), Path(said["err"]).read_text())

        assert run(0, next(moments)).returncode == 0
        counted = run(0, next(moments))
        assert counted.returncode == 0, counted.stderr
        steps = int((tmp_path / "steps").read_text())
        assert steps > 30
        killed = 0
        for nth in range(1, steps + 1):
            killed += run(nth, next(moments)).returncode == 137
            after = run(-1, last := next(moments))
            assert after.returncode == 0, f"after a kill at step {nth}: {after.stderr}"
        whole = run(-1, last, "whole.ocx", "reference.sqlite")
        assert whole.returncode == 0, whole.stderr
        runner.stdin.close()
        assert runner.wait(timeout=60) == 0
    assert killed >= steps // 2  # most steps were reached
    for prefix in ("s", "c", "a"):
        delivered, expected = _delivered(out, prefix), _delivered(reference, prefix)
        assert len(expected) > 5, prefix
        if prefix == "a":
            assert delivered == expected, "an aggregate counted records twice or lost some"
        else:
            assert set(delivered) == set(expected), f"lost records ({prefix})"
            assert max(delivered.values()) == 1, f"repeated records ({prefix})"
    assert not [p.name for p in out.iterdir() if p.name.endswith(".partial")]
