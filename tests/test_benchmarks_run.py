"""The benchmarks still run: each one, at a size that takes seconds, from this checkout.

A benchmark is run by hand and rarely, so one that broke when the code moved (a module
renamed, a shipped spec that gained a rule) would only be found by the next person who
needs its figures. Nothing here is timed: a run passes when it ends well and prints the
lines its reader relies on (the comparison of outputs across contenders, the ratios).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures_sftp import SSHD

REPO = Path(__file__).resolve().parents[1]

# (script and small-size arguments, lines the output must hold)
RUNS = {
    "aggregate": (["bench_aggregate.py", "--sessions", "3000", "--variants", "floor", "before",
                   "after", "tiny"],
                  ["released rows identical across variants: yes", "target: peak under 200 MiB",
                   "before    aggregation alone"]),
    "k-anonymity": (["bench_kanon.py", "--sessions", "3000"],
                    ["no measurement", "without rule", "with rule"]),
    "e2e": (["bench_e2e.py", "--sessions", "2000", "--runs", "1", "--workers", "1,2"],
            ["ocpispec outputs: 4 files, byte-identical", "new --workers 2", "floor"]),
    "get": (["bench_get.py", "--sessions", "2000", "--runs", "1"],
            ["plain httpx", "of plain httpx's speed"]),
    "workers": (["bench_workers.py", "--pages", "1", "--runs", "1", "--kinds", "run,get",
                 "--workers", "1,auto"],
                ["run at 1 page (1,000 sessions): outputs byte-identical", "new -w auto",
                 "get at 1 page"]),
    "transform": (["bench_transform.py", "--records", "2000", "--runs", "1",
                   "--naive-records", "200"],
                  ["compiled / floor", "compiled / naive"]),
    "order": (["bench_order.py", "--sizes", "2000", "--runs", "1"], ["stream", "sort"]),
    "gc": (["bench_gc.py", "--sessions", "500", "--runs", "1"], ["streaming() / default"]),
    "latency": (["bench_round_trips.py", "--only", "latency", "--sessions", "500", "--runs", "1"],
                ["floor: 3 x 50 ms", "stored discovery, gradual connections", "x floor"]),
    "check": (["bench_check.py", "--runs", "2"],
              ["python -c pass (floor)", "ocpispec check municipality_sessions.ocx",
               "target 80 ms median wall"]),
    "load profile": (["bench_load_profile.py", "--sizes", "2000", "--runs", "1"],
                     ["ocpispec", "floor", "records/s wall"]),
    "page decode": (["bench_page_decode.py", "--rounds", "1"],
                    ["today ", "structs ", "instants ", "µs a session (median)"]),
    "risk": (["bench_risk.py", "--rows", "2000", "--runs", "1"],
             ["figures identical across ways and trees: yes"]),
}
# needs a real OpenSSH server, as the delivery tests do
NEEDS_SSHD = {"delivery": (["bench_delivery.py", "--megabytes", "1"],
                           ["sftp       1 MiB: upload and verify"])}


@pytest.mark.parametrize("name", sorted(RUNS))
def test_the_benchmark_runs_and_prints_its_comparison(name: str, tmp_path: Path) -> None:
    _run_and_expect(*RUNS[name], tmp_path)


@pytest.mark.parametrize("name", sorted(NEEDS_SSHD))
def test_the_delivery_benchmark_runs_against_a_real_sshd(name: str, tmp_path: Path) -> None:
    if SSHD is None or shutil.which("ssh-keygen") is None:
        pytest.skip("OpenSSH's sshd is not installed (Debian `openssh-server`; .ci/run "
                    "installs it when run as root)")
    _run_and_expect(*NEEDS_SSHD[name], tmp_path)


def _run_and_expect(arguments: list[str], expected: list[str], tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / arguments[0]),
                           *arguments[1:]], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert "Traceback" not in output
    for line in expected:
        assert line in output, output[-3000:]
