"""Throughput of the compiled transform + render path, against naive jmespath.search.

A 10-column CSV export of sessions with pseudonyms, truncated times and rounded
numbers (plus the where filter and the private-location check), over 200,000 OCPI
2.2.1 session records from the demo generator, held in memory. Prints records per
second (median of several runs, one core) for:

  compiled   the executor's Pipeline (compiled closures) + the csv renderer
  naive      per record: jmespath.search() of the normalizer, the filter and the
             projection, with the same custom functions, + csv.writer

and their ratio. Fetching (HTTP, JSON) is not part of either. Run:

    .venv/bin/python benchmarks/bench_transform.py [--records N] [--runs R]
"""

from __future__ import annotations

import argparse
import gc
import csv
import statistics
import sys
import tempfile
import time
from pathlib import Path

import jmespath
from jmespath.visitor import Options

from ocpispec import plan as ir
from ocpispec.compiler import compile_file
from ocpispec.demo import charges, wire
from ocpispec.demo.world import World
from ocpispec.executor import _few_collections as few_collections
from ocpispec.executor.functions import OcxFunctions, custom_functions
from ocpispec.executor.jmes_compile import compile_expression, is_false
from ocpispec.executor.lookups import TableLookup
from ocpispec.executor.pipeline import Counts, Pipeline
from ocpispec.planner import plan as make_plan
from ocpispec.render import RenderContext, render

SPEC = """export bench
  consumer "benchmark"
  purpose "throughput"
  legal basis public task "benchmark"
  retention 1 months
  pseudonym key env BENCH_KEY
source ocpi env URL token env TOKEN
from sessions
  where status = "COMPLETED"
select
  pseudonymize(cdr_token.contract_id) as driver
  pseudonymize(id) as session
  truncate(start_date_time, hour) as started
  truncate(end_date_time, hour) as ended
  round(kwh, 1) as energy_kwh
  minutes(start_date_time, end_date_time) as duration_min
  round(total_cost.excl_vat, 0) as cost_eur
  auth_method
  currency
  status
output csv to "bench.csv"
"""
KEY = b"f08b3e6a1d94c27f5b0e8a3d6c19f47e2b5d8a0c3f6e91b4d7a2c05e8f1b3d6a"
VERSION = "2.2.1"


class Discard:
    """A text sink that keeps nothing (the benchmark measures work, not the disk)."""

    def write(self, text: str) -> int:
        return len(text)


def build(records: int):
    with tempfile.TemporaryDirectory() as folder:
        spec = Path(folder) / "bench.ocx"
        spec.write_text(SPEC)
        plan = make_plan(compile_file(spec))
    dataset = plan.datasets[0]
    world = World(7, records)
    sessions = [charges.session(VERSION, world.charge(i)) for i in range(records)]
    sites = [wire.location(VERSION, world.site(j)) for j in range(world.site_count)]
    return plan, dataset, sessions, sites


def compiled_run(plan: ir.Plan, dataset: ir.Dataset, sessions: list[dict],
                 sites: list[dict]) -> float:
    functions = custom_functions(KEY, plan.export.name)
    compile = lambda text: compile_expression(text, functions)  # noqa: E731
    lookup_step = dataset.step(ir.Lookup)
    normalize = dataset.get(lookup_step.normalize)
    table = TableLookup(sites, compile(_for(normalize)), lookup_step.key)
    counts = Counts()
    pipeline = Pipeline(dataset, VERSION, compile, {lookup_step.id: table}, counts)
    context = RenderContext(dataset.column_names, {}, {})
    started = time.perf_counter()
    with few_collections():  # as the executor runs its record streams
        written = render("csv", pipeline.rows(sessions), context, Discard())  # type: ignore[arg-type]
    elapsed = time.perf_counter() - started
    assert written > len(sessions) * 0.5, written
    return len(sessions) / elapsed


def naive_run(plan: ir.Plan, dataset: ir.Dataset, sessions: list[dict],
              sites: list[dict]) -> float:
    options = Options(custom_functions=OcxFunctions(custom_functions(KEY, plan.export.name)))
    lookup_step = dataset.step(ir.Lookup)
    site_normalizer = _for(dataset.get(lookup_step.normalize))
    public = {}
    for site in sites:
        location = jmespath.search(site_normalizer, site, options)
        public[location["id"].lower()] = location["publish"] is True
    normalizer = _for(dataset.step(ir.Normalize))
    condition = dataset.step(ir.Filter).expression
    projection = dataset.step(ir.Project).expression
    writer = csv.writer(Discard(), lineterminator="\r\n")
    writer.writerow(dataset.column_names)
    started = time.perf_counter()
    with few_collections():
        _naive_loop(sessions, normalizer, condition, projection, options, public, writer)
    return len(sessions) / (time.perf_counter() - started)


def _naive_loop(sessions, normalizer, condition, projection, options, public, writer) -> None:
    for session in sessions:
        record = jmespath.search(normalizer, session, options)
        if not public.get((record["location_id"] or "").lower()):
            continue
        if is_false(jmespath.search(condition, record, options)):
            continue
        row = jmespath.search(projection, record, options)
        writer.writerow(list(row.values()))


def _for(step: ir.Normalize) -> str:
    return next(item.expression for item in step.expressions if item.version == VERSION)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--naive-records", type=int, default=20_000,
                        help="the naive baseline is ~10x slower; it runs on a prefix")
    args = parser.parse_args()
    print(f"generating {args.records:,} OCPI {VERSION} sessions ...", file=sys.stderr)
    plan, dataset, sessions, sites = build(args.records)
    gc.freeze()  # the input list is the benchmark's, not the stream's: keep it out of GC scans
    compiled = [compiled_run(plan, dataset, sessions, sites) for _ in range(args.runs)]
    prefix = sessions[: args.naive_records]
    naive = [naive_run(plan, dataset, prefix, sites) for _ in range(args.runs)]
    fast, slow = statistics.median(compiled), statistics.median(naive)
    print(f"records                     {args.records:,} (naive baseline: first "
          f"{len(prefix):,}), {len(dataset.column_names)} columns, csv")
    print(f"compiled pipeline + render  {fast:,.0f} records/s  (median of {args.runs}; "
          f"min {min(compiled):,.0f}, max {max(compiled):,.0f})")
    print(f"naive jmespath.search       {slow:,.0f} records/s  (median of {args.runs})")
    print(f"speed-up                    {fast / slow:.1f}x")
    print(f"target                      100,000 records/s: {'met' if fast >= 100_000 else 'MISSED'}")


if __name__ == "__main__":
    main()
