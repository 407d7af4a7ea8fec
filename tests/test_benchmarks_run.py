"""The benchmarks still run: each one, at a size that takes seconds, from this checkout.

A benchmark is run by hand and rarely, so one that broke when the code moved (a module
renamed, a shipped spec that gained a rule) would only be found by the next person who
needs its figures. Nothing here is timed: a run passes when it ends well and prints the
lines its reader relies on (the comparison of outputs across contenders, the ratios).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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
    "transform": (["bench_transform.py", "--records", "2000", "--runs", "1",
                   "--naive-records", "200"],
                  ["compiled / floor", "compiled / naive"]),
    "order": (["bench_order.py", "--sizes", "2000", "--runs", "1"], ["stream", "sort"]),
    "gc": (["bench_gc.py", "--sessions", "500", "--runs", "1"], ["streaming() / default"]),
}


@pytest.mark.parametrize("name", sorted(RUNS))
def test_the_benchmark_runs_and_prints_its_comparison(name: str, tmp_path: Path) -> None:
    arguments, expected = RUNS[name]
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / arguments[0]),
                           *arguments[1:]], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert "Traceback" not in output
    for line in expected:
        assert line in output, output[-3000:]
