"""What the cyclic garbage collector costs while pages are parsed: `orjson.loads` of
realistic session pages (`realistic.py`) under CPython's default thresholds, and
under `ocpispec.gc_tuning.streaming()` (the startup heap frozen, fewer collections).

    .venv/bin/python benchmarks/bench_gc.py [--sessions 20000] [--runs 7]

A stand-in for a run's heap is kept alive (modules, a plan, lookup tables: about
200,000 objects), because older collections walk it. Prints the median CPU time per
object of each setting, its spread, and the ratio (the machine may be shared).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import orjson  # noqa: E402

import realistic  # noqa: E402
from ocpispec.gc_tuning import streaming  # noqa: E402


def _parse(raw: bytes, objects: int) -> float:
    started = time.process_time()
    page = orjson.loads(raw)
    spent = time.process_time() - started
    del page
    return spent / objects * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    heap = [{"id": str(n), "evses": [{"uid": str(n)}]} for n in range(60_000)]  # noqa: F841
    raw = orjson.dumps({"data": realistic.sessions(args.sessions)})
    default, tuned = [], []
    for _ in range(args.runs):
        default.append(_parse(raw, args.sessions))
        with streaming():
            tuned.append(_parse(raw, args.sessions))
    for label, figures in (("default collector", default), ("streaming()", tuned)):
        print(f"{label:18} median {statistics.median(figures):6.2f} µs CPU per object "
              f"(min {min(figures):.2f}, max {max(figures):.2f})")
    print(f"streaming() / default: {statistics.median(tuned) / statistics.median(default):.2f}x "
          f"the CPU time ({args.sessions:,} sessions, {len(raw) / args.sessions:.0f} bytes each, "
          f"{args.runs} interleaved runs)")


if __name__ == "__main__":
    main()
