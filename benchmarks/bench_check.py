"""Cold start of `ocpispec check`: the wall time of a fresh process checking one spec.

Prints the median of N runs of `ocpispec check specs/municipality_sessions.ocx` next to
the median of `python -c pass` measured in the same run, so the figure can be read
against the machine's own interpreter start-up. Budget: under 0.3 s.

    .venv/bin/python benchmarks/bench_check.py [--runs 15] [--spec PATH]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUDGET = 0.3


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    return elapsed


def median_of(command: list[str], runs: int) -> float:
    wall(command)  # warm the OS file cache and lark's grammar cache once
    return statistics.median(wall(command) for _ in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--spec", default="specs/municipality_sessions.ocx")
    args = parser.parse_args()
    python = sys.executable
    baseline = median_of([python, "-c", "pass"], args.runs)
    check = median_of([python, "-m", "ocpispec", "check", args.spec], args.runs)
    print(f"runs per command:                {args.runs}")
    print(f"python -c pass (median):         {baseline * 1000:7.1f} ms")
    print(f"ocpispec check {args.spec} (median): {check * 1000:7.1f} ms")
    print(f"check minus interpreter start:   {(check - baseline) * 1000:7.1f} ms")
    print(f"ratio check / baseline:          {check / baseline:7.1f}x")
    verdict = "within" if check < BUDGET else "OVER"
    print(f"budget {BUDGET * 1000:.0f} ms:                      {verdict}")


if __name__ == "__main__":
    main()
