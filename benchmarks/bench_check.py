"""Cold start of `ocpispec check`: the wall time of a fresh process checking one spec.

Prints the median of N runs of `ocpispec check specs/municipality_sessions.ocx` next to
the median of `python -c pass` measured in the same run, so the figure can be read
against the machine's own interpreter start-up. Budget: under 0.3 s.

An installed package has its bytecode compiled (pip does it at install time), so the
main figure runs with a bytecode cache (kept in a temporary PYTHONPYCACHEPREFIX, never
in the repo). The figure without any bytecode cache (every module compiled from source,
as under PYTHONDONTWRITEBYTECODE=1) is printed too.

    .venv/bin/python benchmarks/bench_check.py [--runs 15] [--spec PATH]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUDGET = 0.3


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run of `command`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def median_of(command: list[str], runs: int, env: dict[str, str]) -> tuple[float, float]:
    timed(command, env)  # warm the OS file cache, the bytecode and lark's grammar cache
    samples = [timed(command, env) for _ in range(runs)]
    return (statistics.median(wall for wall, _ in samples),
            statistics.median(cpu for _, cpu in samples))


def environments(cache_dir: str) -> tuple[dict[str, str], dict[str, str]]:
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cached = {**base, "PYTHONPYCACHEPREFIX": cache_dir}
    uncached = {**base, "PYTHONDONTWRITEBYTECODE": "1"}
    uncached.pop("PYTHONPYCACHEPREFIX", None)
    return cached, uncached


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--spec", default="specs/municipality_sessions.ocx")
    args = parser.parse_args()
    python = sys.executable
    check_command = [python, "-m", "ocpispec", "check", args.spec]
    with tempfile.TemporaryDirectory(prefix="ocx-bench-pycache-") as cache_dir:
        cached, uncached = environments(cache_dir)
        baseline = median_of([python, "-c", "pass"], args.runs, cached)
        check = median_of(check_command, args.runs, cached)
        no_bytecode = median_of(check_command, args.runs, uncached)
    print(f"runs per command: {args.runs}; medians, wall / CPU (user+sys)")
    print(f"python -c pass:                        {_ms(baseline)}")
    print(f"ocpispec check {args.spec}:")
    print(f"  with bytecode cache (as installed):  {_ms(check)}")
    print(f"  without bytecode cache:              {_ms(no_bytecode)}")
    print(f"check minus interpreter start (wall):  {(check[0] - baseline[0]) * 1000:7.1f} ms")
    print(f"ratio check / baseline (wall):         {check[0] / baseline[0]:7.1f}x")
    verdict = "within" if check[0] < BUDGET else "OVER"
    print(f"budget {BUDGET * 1000:.0f} ms wall (with bytecode cache): {verdict}")
    print("(wall time grows when other processes share the CPU; CPU time does not)")


def _ms(figures: tuple[float, float]) -> str:
    wall, cpu = figures
    return f"{wall * 1000:7.1f} ms wall {cpu * 1000:7.1f} ms CPU"


if __name__ == "__main__":
    main()
