"""Throughput and peak memory of the in-process load-profile path (`each` + `spread` +
aggregate), at 100,000 and 1,000,000 sessions, against a hand-written floor.

The path is the one `specs/dso_load_profile.ocx` runs: completed sessions joined to
their location, unnested into charging periods, each period's energy spread exactly over
UTC quarter hours, summed per (quarter hour, 4-digit postal area) with at least ten
distinct drivers per cell. Input is realistic OCPI 2.2.1 JSON text from the demo
generator (its charging periods, sites and tariffs), parsed with `json.loads` record by
record as pages are; every session gets its own session id, and drivers are unique to
every three sessions (so the driver sets are as large as a real CPO's). Session times
fall in one 4-week window, as a weekly DSO export sees them: the number of groups is
bounded by the window, and memory must stay flat in the number of sessions.

For each size, two subprocesses each report records/s (by wall-clock time and by the
process's CPU time, which a shared machine disturbs less) and peak RSS (`ru_maxrss`):

  ocpispec   the executor's Pipeline (normalize, privacy, join, filter, unnest, spread)
             + Aggregator, as `run` drives them, minus HTTP and rendering
  floor      a hand-written loop doing the same work the simplest way: json.loads,
             status and publish checks, a dict join, float pro-rata quarter hours,
             a dict of groups with capped driver sets

    .venv/bin/python benchmarks/bench_load_profile.py [--sizes 100000 1000000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / "specs" / "dso_load_profile.ocx"
VERSION = "2.2.1"
TEMPLATES = 5_000
WINDOW = 28 * 86_400
WINDOW_START = 1_764_806_400  # 2025-12-04T00:00:00Z

WORKER = r'''
import gc, json, resource, sys, time
sys.path.insert(0, sys.argv[3])
from bench_load_profile import stream, sites_json, run_ocpispec, run_floor, templates
kind, size = sys.argv[1], int(sys.argv[2])
sites = [json.loads(text) for text in sites_json()]
parts = templates()
gc.collect()
started, cpu = time.perf_counter(), time.process_time()
groups, released = (run_ocpispec if kind == "ocpispec" else run_floor)(stream(size, parts), sites)
elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
print(json.dumps({"kind": kind, "size": size, "seconds": elapsed, "cpu": cpu, "groups": groups,
                  "released": released,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
'''


# ---- input -------------------------------------------------------------------------------


def templates() -> list[tuple[str, ...]]:
    """Session JSON texts split around the session id and driver ids (filled per record),
    their times moved into the 4-week window."""
    import dataclasses

    from ocpispec.demo import charges
    from ocpispec.demo.world import World

    world = World(7, TEMPLATES)
    parts = []
    for index in range(TEMPLATES):
        charge = world.charge(index)
        shift = charge.start - WINDOW_START - (charge.start - WINDOW_START) % WINDOW
        driver = dataclasses.replace(charge.driver, uid="\x01", contract_id="\x02")
        charge = dataclasses.replace(
            charge, id="\x00", driver=driver, start=charge.start - shift,
            end=charge.end - shift if charge.end is not None else None,
            last_updated=charge.last_updated - shift)
        text = json.dumps(charges.session(VERSION, charge))
        parts.append(tuple(text.replace("\\u0000", "\x00").replace("\\u0001", "\x01")
                           .replace("\\u0002", "\x02").split("\x00")))
    return parts


def stream(size: int, parts: list[tuple[str, ...]]):
    """`size` session records, each parsed from its own JSON text."""
    loads = json.loads
    for index in range(size):
        head, *rest = parts[index % TEMPLATES]
        driver = f"D{index // 3:09d}"
        text = f"S{index:09d}".join((head, *rest)).replace("\x01", driver + "U") \
            .replace("\x02", "NL-TNM-C" + driver)
        yield loads(text)


def sites_json() -> list[str]:
    from ocpispec.demo import wire
    from ocpispec.demo.world import World

    world = World(7, TEMPLATES)
    return [json.dumps(wire.location(VERSION, world.site(j))) for j in range(world.site_count)]


# ---- the two paths ---------------------------------------------------------------------------


def run_ocpispec(records, sites) -> tuple[int, int]:
    from ocpispec.plan import ir
    from ocpispec.check.compiler import compile_file
    from ocpispec.gc_tuning import fewer_collections as few_collections
    from ocpispec.execute.aggregate import Aggregator
    from ocpispec.execute.functions import custom_functions
    from ocpispec.execute.jmes_compile import compile_expression
    from ocpispec.execute.lookups import TableLookup
    from ocpispec.execute.pipeline import Counts, Pipeline
    from ocpispec.plan.planner import plan as make_plan

    plan = make_plan(compile_file(SPEC))
    dataset = plan.datasets[0]
    functions = custom_functions(b"\x5a" * 32, plan.export.name)
    compile = lambda text: compile_expression(text, functions)  # noqa: E731
    lookup_step = dataset.step(ir.Lookup)
    normalize = dataset.get(lookup_step.normalize)
    expression = next(e.expression for e in normalize.expressions if e.version == VERSION)
    table = TableLookup(sites, compile(expression), lookup_step.key)
    counts = Counts()
    pipeline = Pipeline(dataset, VERSION, compile, {lookup_step.id: table}, counts)
    aggregator = Aggregator(dataset.step(ir.Aggregate), compile, counts)
    with few_collections():
        aggregator.add_all(pipeline.rows(records))
        released = sum(1 for _ in aggregator.rows())
    return counts.groups, released


def run_floor(records, sites) -> tuple[int, int]:
    """The same result computed by hand, as fast as plain Python goes."""
    from datetime import datetime

    public = {site["id"].lower(): site.get("postal_code") for site in sites
              if site.get("publish") is True}
    groups: dict[tuple[int, str], list] = {}
    quarter = 900
    parse = datetime.fromisoformat
    for session in records:
        if session.get("status") != "COMPLETED":
            continue
        postal = public.get(session["location_id"].lower(), False)
        if postal is False:
            continue
        area = postal[:4] if postal else None
        driver = session["cdr_token"].get("contract_id") or session["cdr_token"]["uid"]
        periods = session.get("charging_periods") or []
        starts = [parse(p["start_date_time"]).timestamp() for p in periods]
        end_of_session = parse(session["end_date_time"]).timestamp()
        for index, period in enumerate(periods):
            energy = sum(d["volume"] for d in period["dimensions"] if d["type"] == "ENERGY")
            if not energy:
                continue
            start = starts[index]
            end = starts[index + 1] if index + 1 < len(starts) else end_of_session
            end = max(end, start + 1)
            span = end - start
            edge = start - start % quarter
            while edge < end:
                covered = min(edge + quarter, end) - max(edge, start)
                group = groups.get((edge, area))
                if group is None:
                    group = groups[(edge, area)] = [0.0, 0, set()]
                group[0] += energy * covered / span
                group[1] += 1
                if len(group[2]) < 10:
                    group[2].add(driver)
                edge += quarter
    released = sum(1 for group in groups.values() if len(group[2]) >= 10)
    return len(groups), released


# ---- driver ----------------------------------------------------------------------------------


def measure(kind: str, size: int) -> dict:
    done = subprocess.run([sys.executable, "-c", WORKER, kind, str(size),
                           str(Path(__file__).parent)], cwd=REPO, capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{kind} at {size:,} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=3, help="runs per size and path (median)")
    args = parser.parse_args()
    print("sessions    path      records/s wall  records/s CPU  peak RSS MB  groups  released")
    for size in args.sizes:
        for kind in ("ocpispec", "floor"):
            results = [measure(kind, size) for _ in range(args.runs)]
            rate = statistics.median(size / r["seconds"] for r in results)
            cpu = statistics.median(size / r["cpu"] for r in results)
            peak = statistics.median(r["peak_mb"] for r in results)
            print(f"{size:>9,}  {kind:<8}  {rate:>14,.0f}  {cpu:>13,.0f}  {peak:>11.1f}  "
                  f"{results[0]['groups']:>6,}  {results[0]['released']:>8,}", flush=True)


if __name__ == "__main__":
    main()
