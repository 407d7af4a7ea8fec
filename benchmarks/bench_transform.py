"""Throughput of the compiled transform + render path, against naive jmespath.search.

A 10-column CSV export of sessions with pseudonyms, truncated times and rounded
numbers (plus the where filter and the private-location check), over 200,000 OCPI
2.2.1 realistic session records (`realistic.py`: unique drivers, many sites, every
field; serialised and parsed back as a run would), held in memory. Prints records per
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
import hashlib
import hmac
import shutil
import subprocess
import statistics
import sys
import tempfile
import time
from pathlib import Path

from datetime import datetime

import jmespath
import orjson
from jmespath.visitor import Options

from ocpispec.plan import ir
from ocpispec.check.compiler import compile_file
from ocpispec.gc_tuning import fewer_collections as few_collections
from ocpispec.execute.functions import OcxFunctions, custom_functions
from ocpispec.execute.jmes_compile import compile_expression, is_false
from ocpispec.execute.lookups import TableLookup
from ocpispec.execute.pipeline import Counts, Pipeline
from ocpispec.plan.planner import plan as make_plan
from ocpispec.render import RenderContext, render

sys.path.insert(0, str(Path(__file__).resolve().parent))
import realistic  # noqa: E402

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
    """The plan, and realistic sessions and sites (`realistic.py`: unique drivers at
    realistic repeat rates, many sites, every field) parsed from JSON as a run would."""
    with tempfile.TemporaryDirectory() as folder:
        spec = Path(folder) / "bench.ocx"
        spec.write_text(SPEC)
        plan = make_plan(compile_file(spec))
    dataset = plan.datasets[0]
    return plan, dataset, realistic.sessions(records), realistic.locations(records)


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


def floor_run(sessions: list[dict], sites: list[dict]) -> float:
    """The hand-written floor: the same filter, private-location check and 10 columns
    with `hmac`, `datetime` and `csv.writer`, and no checks of any kind."""
    key = bytes.fromhex(KEY.decode())
    public = {site["id"].lower(): site.get("publish") is True for site in sites}
    writer = csv.writer(Discard(), lineterminator="\r\n")

    def pseudo(value: str | None) -> str:
        return "" if value is None else hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]

    started = time.perf_counter()
    for s in sessions:
        if s.get("status") != "COMPLETED" or not public.get((s.get("location_id") or "").lower()):
            continue
        first, last = s["start_date_time"], s["end_date_time"]
        start, end = datetime.fromisoformat(first), datetime.fromisoformat(last)
        writer.writerow([pseudo(s["cdr_token"]["contract_id"]), pseudo(s["id"]),
                         first[:13] + ":00:00Z", last[:13] + ":00:00Z",
                         round(s["kwh"], 1), round((end - start).total_seconds() / 60),
                         round(s["total_cost"]["excl_vat"]), s["auth_method"], s["currency"],
                         s["status"]])
    return len(sessions) / (time.perf_counter() - started)


JQ = (r'select(.status == "COMPLETED") | [.cdr_token.contract_id, .id, '
      r'(.start_date_time[:13] + ":00:00Z"), (.end_date_time[:13] + ":00:00Z"), '
      r'((.kwh * 10 | round) / 10), (((.end_date_time | fromdate) - (.start_date_time | fromdate)) '
      r'/ 60 | round), (.total_cost.excl_vat | round), .auth_method, .currency, .status] | @csv')


def jq_run(sessions: list[dict]) -> float | None:
    """jq on the sessions as NDJSON: the filter and columns, but no pseudonyms (jq has
    no HMAC) and no private-location check; jq parses its input, the others do not."""
    if shutil.which("jq") is None:
        return None
    with tempfile.NamedTemporaryFile(suffix=".ndjson") as data:
        data.write(b"".join(orjson.dumps(s) + b"\n" for s in sessions))
        data.flush()
        started = time.perf_counter()
        subprocess.run(["jq", "-r", JQ, data.name], stdout=subprocess.DEVNULL, check=True)
        return len(sessions) / (time.perf_counter() - started)


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
    floor = [floor_run(sessions, sites) for _ in range(args.runs)]
    jq = [jq_run(prefix) for _ in range(min(args.runs, 3))]
    fast, slow = statistics.median(compiled), statistics.median(naive)
    hand = statistics.median(floor)
    print(f"records                     {args.records:,} realistic (naive baseline and jq: "
          f"first {len(prefix):,}), {len(dataset.column_names)} columns, csv")
    print(f"compiled pipeline + render  {fast:,.0f} records/s  (median of {args.runs}; "
          f"min {min(compiled):,.0f}, max {max(compiled):,.0f})")
    print(f"hand-written floor          {hand:,.0f} records/s  (median of {args.runs}; "
          f"min {min(floor):,.0f}, max {max(floor):,.0f})")
    print(f"naive jmespath.search       {slow:,.0f} records/s  (median of {args.runs})")
    if jq[0] is not None:
        print(f"jq (no pseudonyms, parses)  {statistics.median(jq):,.0f} records/s  "
              f"(median of {len(jq)})")
    print(f"compiled / floor            {fast / hand:.2f}x")
    print(f"compiled / naive            {fast / slow:.1f}x")
    if jq[0] is not None:
        print(f"compiled / jq               {fast / statistics.median(jq):.1f}x")
    print(f"target                      100,000 records/s: {'met' if fast >= 100_000 else 'MISSED'}"
          " (machine load shifts this; the ratios are measured in the same run)")

if __name__ == "__main__":
    main()
