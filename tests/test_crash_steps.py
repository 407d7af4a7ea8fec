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
# kill the run (as kill -9 does) at the Nth side effect of its main process under ROOT;
# N = 0 counts them into the file instead
KILLER = """
import os, sys, time
count_file, nth, root = sys.argv[1], int(sys.argv[2]), sys.argv[3]
main_pid, seen = os.getpid(), [0]
WATCHED = {"os.rename", "os.remove", "os.mkdir", "os.rmdir", "sqlite3.connect",
           "socket.connect", "open", "time.sleep", "shutil.rmtree"}
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
from ocpispec.cli import main
try:
    main(sys.argv[4:], prog_name="ocpispec")
finally:
    if nth == 0:
        with open(count_file, "w") as handle:
            handle.write(str(seen[0]))
"""


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

        def run(nth: int, moment: datetime, spec: str = "spec.ocx",
                ledger: str = "ledger.sqlite") -> subprocess.CompletedProcess:
            server.faults = dataclasses.replace(lag, replica_now=int(moment.timestamp()))
            return subprocess.run(
                [sys.executable, "-c", KILLER, str(tmp_path / "steps"), str(nth), str(tmp_path),
                 "run", str(tmp_path / spec), "--state", str(tmp_path / ledger), "--as-of",
                 moment.strftime("%Y-%m-%dT%H:%M:%SZ"), "--lookback", "3d", "-q"],
                env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)

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
