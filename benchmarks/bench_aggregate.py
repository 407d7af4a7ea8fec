"""Aggregation in bounded memory: an hour x postal-area grouping of N sessions.

Each variant runs in its own process over the same synthetic two months of sessions, made
deterministically and parsed from JSON text record by record (as the fetch side hands
them over): 120,000 drivers who come back at realistic rates (a few charge daily, most
a few times), 25,000 sites over 1,500 postal areas (a few busy city areas, a long tail),
kWh and durations from skewed distributions. The aggregate is the planner's own step for

    group by truncate(start_date_time, hour) as hour
             prefix(location.postal_code, 4) as area
    compute count() as sessions, sum(kwh) as energy_kwh,
            round(avg(minutes(start_date_time, end_date_time)), 0) as minutes
    minimum group size 10

(`before` runs the measures it could express, `sum(kwh)` and `count()`, through the
aggregator of commit 670435b; `after` runs them through today's, and `composed` adds the
rounded average). Printed per variant: peak RSS (`ru_maxrss`), records/s, and the
sha256 of the released rows, which must equal across variants. `floor` makes and
parses the records without aggregating: the cost no aggregator can avoid. The machine
is shared, so read ratios against the floor of the same run.

    .venv/bin/python benchmarks/bench_aggregate.py [--sessions 1000000]
        [--variants floor before after tiny composed] [--max-groups 100000]
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BASE_COMMIT = "670435b"
SPEC = '''export bench
  consumer "Benchmark"
  purpose "Measure the aggregation engine"
  legal basis public task "benchmark"
  retention 1 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
  join locations on location_id
group by
  truncate(start_date_time, hour) as hour
  prefix(location.postal_code, 4) as area
compute
  count() as sessions
  sum(kwh) as energy_kwh
{extra}  minimum group size 10
output csv to "x"
'''
COMPOSED = "  round(avg(minutes(start_date_time, end_date_time)), 0) as minutes\n"
YEAR_START = 1_735_689_600  # 2025-01-01T00:00:00Z
DAYS = 61  # two months


def records(count: int, seed: int = 7):
    """JSON text of `count` sessions, one at a time."""
    rng = random.Random(seed)
    areas = [str(1000 + rng.randrange(9000)) for _ in range(1500)]
    sites = [areas[int(len(areas) * rng.random() ** 3)] + rng.choice("ABCDEFGH") * 2
             for _ in range(25_000)]
    for _ in range(count):
        driver = int(120_000 * rng.random() ** 2.2)  # low numbers charge often
        site = sites[(driver * 7919 + (rng.random() < 0.3) * rng.randrange(25_000)) % 25_000]
        day = rng.randrange(DAYS)
        hour = min(23, max(0, int(rng.gauss(13, 5))))
        start = YEAR_START + day * 86_400 + hour * 3600 + rng.randrange(3600)
        minutes = max(5, int(rng.lognormvariate(4.2, 0.7)))
        yield json.dumps({
            "id": f"S{rng.getrandbits(48):012x}",
            "start_date_time": _iso(start), "end_date_time": _iso(start + minutes * 60),
            "kwh": round(min(120.0, rng.lognormvariate(2.6, 0.6)), 2),
            "cdr_token": {"uid": f"NL-TNM-C{driver:07d}", "type": "RFID"},
            "status": "COMPLETED",
            "location": {"postal_code": site, "city": "X"},
        })


def _iso(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _step(composed: bool):
    from ocpispec.plan import ir
    from ocpispec.check.compiler import compile_source
    from ocpispec.plan.planner import plan
    from ocpispec.diagnostics.source import SourceFile

    text = SPEC.format(extra=COMPOSED if composed else "")
    dataset = plan(compile_source(SourceFile("bench.ocx", text))).datasets[0]
    return dataset.step(ir.Aggregate)


def _old_aggregator():
    # the module as that commit had it, its imports pointed at where the same names
    # live today (the executor package has since become `execute`, the IR `plan.ir`)
    source = subprocess.run(["git", "show", f"{BASE_COMMIT}:ocpispec/executor/aggregate.py"],
                            cwd=REPO, capture_output=True, text=True, check=True).stdout
    source = source.replace("from ocpispec import plan as ir", "from ocpispec.plan import ir")
    source = source.replace("ocpispec.executor.", "ocpispec.execute.")
    path = Path(tempfile.mkdtemp()) / "aggregate_before.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("aggregate_before", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["aggregate_before"] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.Aggregator


def run_variant(variant: str, sessions: int, max_groups: int) -> dict:
    from ocpispec.execute.functions import custom_functions
    from ocpispec.execute.jmes_compile import compile_expression
    from ocpispec.execute.pipeline import Counts

    functions = custom_functions(bytes(range(32)), "bench")

    def compile(text: str):
        return compile_expression(text, functions)

    counts = Counts()
    started = time.perf_counter()
    digest = hashlib.sha256()
    spilled = 0
    if variant == "floor":
        for text in records(sessions):
            json.loads(text)
        rows = 0
    else:
        step = _step(variant == "composed")
        if variant == "before":
            aggregator = _old_aggregator()(step, compile, counts)
        else:
            from ocpispec.execute.aggregate import Aggregator
            bound = 1000 if variant == "tiny" else max_groups
            aggregator = Aggregator(step, compile, counts, max_groups=bound)
        aggregator.add_all(json.loads(text) for text in records(sessions))
        rows = 0
        for row in aggregator.rows():
            rows += 1
            digest.update(json.dumps({k: row[k] for k in ("hour", "area", "sessions",
                                                          "energy_kwh")}).encode())
        spilled = getattr(aggregator, "spilled", 0)
    seconds = time.perf_counter() - started
    return {"variant": variant, "seconds": seconds, "rows": rows, "groups": counts.groups,
            "spilled": spilled, "digest": digest.hexdigest()[:16] if rows else "",
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--variants", nargs="+",
                        default=["floor", "before", "after", "tiny", "composed"])
    parser.add_argument("--max-groups", type=int, default=100_000)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_variant(args.child, args.sessions, args.max_groups)))
        return
    results = {}
    for variant in args.variants:
        done = subprocess.run([sys.executable, __file__, "--child", variant, "--sessions",
                               str(args.sessions), "--max-groups", str(args.max_groups)],
                              cwd=REPO, capture_output=True, text=True, check=False)
        if done.returncode:
            raise SystemExit(f"{variant} failed:\n{done.stderr}")
        result = results[variant] = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{variant:9} {result['peak_mb']:7.1f} MiB peak  {result['seconds']:7.1f} s  "
              f"{args.sessions / result['seconds']:9,.0f} records/s  groups "
              f"{result['groups']:>9,}  released {result['rows']:>7,}  spills "
              f"{result['spilled']:>3}  rows {result['digest'] or '-'}", flush=True)
    digests = {r["digest"] for r in results.values() if r["digest"]}
    print(f"released rows identical across variants: {'yes' if len(digests) <= 1 else 'NO'}")
    if "after" in results:
        peak = results["after"]["peak_mb"]
        print(f"target: peak under 200 MiB at {args.sessions:,} sessions: "
              f"{'met' if peak < 200 else 'MISSED'} ({peak:.1f} MiB)")
    if "floor" in results:
        floor = results["floor"]["seconds"]
        for variant, result in results.items():
            if variant != "floor":
                extra = result["seconds"] - floor
                print(f"{variant:9} aggregation alone: {args.sessions / max(extra, 1e-9):,.0f} "
                      f"records/s ({extra:.1f} s over the floor)")


if __name__ == "__main__":
    main()
