"""`order by` on a row export: throughput and peak memory of the external sort.

Each size runs in a fresh process (so one size's heap never lifts another's peak) and
streams N generated rows of a row export (an energy, a day, a pseudonym-sized text)
through `ocpispec.execute.ordering.ordered`, sorted by energy descending. Peak memory
is the process's maximum resident set size, read next to a floor: the same process
streaming the same rows without sorting. Flat means: the sorted peak stays about the
floor plus one run of rows (50,000), whatever N.

    .venv/bin/python benchmarks/bench_order.py [--sizes 100000 1000000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

CHILD = r"""
import json, random, resource, sys, time
from ocpispec.plan import ir
from ocpispec.execute.ordering import ordered

count, sort = int(sys.argv[1]), sys.argv[2] == "sort"
rng = random.Random(7)
rows = ({"energy_kwh": round(rng.random() * 60, 1), "day": f"2025-12-{rng.randint(1, 31):02d}",
         "driver": "%064x" % rng.getrandbits(256)} for _ in range(count))
step = ir.Order("order.bench", (ir.SortKey("energy_kwh", True),), None, None)
start = time.perf_counter()
stream = ordered(rows, step, ("energy_kwh", "day", "driver"), aggregate=False) if sort else rows
n = 0
for row in stream:
    n += 1
seconds = time.perf_counter() - start
print(json.dumps({"rows": n, "seconds": seconds,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(count: int, mode: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(count), mode], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"{'rows':>10} {'mode':>7} {'median s':>9} {'rows/s':>10} {'peak MiB':>9}")
    for count in args.sizes:
        for mode in ("stream", "sort"):
            results = [measure(count, mode) for _ in range(args.runs)]
            seconds = statistics.median(r["seconds"] for r in results)
            peak = statistics.median(r["peak_mib"] for r in results)
            print(f"{count:>10,} {mode:>7} {seconds:>9.2f} {count / seconds:>10,.0f} {peak:>9.1f}")


if __name__ == "__main__":
    main()
