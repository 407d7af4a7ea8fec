"""The disclosure-risk meter's figures at the end of a row export: how long the classes
and the unicity sample take, in memory (numpy) and over the SQLite spill.

Rows are made deterministically: drivers at skewed repeat rates (a few very often,
most a few times), and (place, time) points either *fine* (an hour and one of 450
areas, what an export without a k rule releases) or *coarse* (a day and one of 30
areas, what a k rule's recoding releases, where most points hold hundreds of drivers).
Each figure is computed both ways where it can be, and every way must give the same
figures; `--against REV` adds the meter of a git revision, run on the same rows.

    .venv/bin/python benchmarks/bench_risk.py [--rows 300000] [--runs 3] [--against REV]

The machine may be shared: compare the ways with each other in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from revisions import revision  # noqa: E402


def measure(rows: int, shape: str, way: str) -> dict:
    """One figures() call, in this process (the tree on PYTHONPATH decides which meter)."""
    from ocpispec.disclosure import Drivers, RiskMeter

    os.environ["OCPISPEC_RISK_IN_MEMORY_ROWS"] = "100000000" if way == "numpy" else "0"
    meter, drivers = RiskMeter(("area", "time"), ("area", "time"), True), Drivers()
    rng = random.Random(2)
    people = [b"driver%d" % i for i in range(max(1, rows // 6))]
    for i in range(rows):
        hidden, rank = drivers.of(people[int(len(people) * rng.random() ** 2)])
        if shape == "coarse":
            point = [str(rng.randrange(30)), f"2025-01-{1 + rng.randrange(28):02d}"]
        else:
            point = [str(rng.randrange(450)),
                     f"2025-01-{1 + rng.randrange(28):02d}T{rng.randrange(24):02d}"]
        meter.add(hidden, rank, point, point)
    started = time.perf_counter()
    try:
        figures = meter.figures()
    finally:
        meter.close()
    return {"seconds": time.perf_counter() - started,
            "figures": [figures.drivers, figures.classes, figures.unique_1, figures.unique_2]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--against", metavar="REV")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(int(args.child[0]), args.child[1], args.child[2])))
        return
    with revision(args.against) as old:
        trees = {"this tree": HERE.parent, **({args.against: old} if old else {})}
        results: dict[tuple, list[dict]] = {}
        for run in range(args.runs):
            for shape in ("fine", "coarse"):
                for label, tree in trees.items():
                    for way in ("numpy", "sql"):
                        done = subprocess.run(
                            [sys.executable, __file__, "--child", str(args.rows), shape, way],
                            cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)},
                            capture_output=True, text=True, check=True)
                        results.setdefault((shape, label, way), []).append(
                            json.loads(done.stdout.strip().splitlines()[-1]))
    print(f"{args.rows:,} rows, {args.runs} interleaved runs, medians (min-max)")
    for shape in ("fine", "coarse"):
        figures = {json.dumps(r["figures"]) for (s, _, _), rs in results.items() if s == shape
                   for r in rs}
        for (s, label, way), reports in results.items():
            if s == shape:
                seconds = [r["seconds"] for r in reports]
                print(f"  {shape:6} {label:12} {way:6} {statistics.median(seconds):7.2f} s "
                      f"({min(seconds):.2f}-{max(seconds):.2f})")
        print(f"  {shape:6} figures identical across ways and trees: "
              f"{'yes' if len(figures) == 1 else 'NO: ' + ', '.join(sorted(figures))}")


if __name__ == "__main__":
    main()
