"""k-anonymity at scale: the municipality export of 1,000,000 sessions with and without
its `require k` rule, peak RSS and throughput, in one benchmark run.

The data is synthetic but shaped like a large CPO's week: 1,000,000 completed sessions
in one weekly window, by 90,000 drivers whose number of sessions follows a heavy-tailed
(log-normal) distribution (median about 6 a week, a few fleet cards with hundreds), at
3,000 public sites in 450 postal areas; each driver charges mostly at 1-3 favourite
sites near home, with a daily profile of start hours. The records come from an in-process
client (no HTTP, so the figures isolate the exporter: normalising, the public-location
check and join, projection, pseudonyms, measurement, k-anonymity, CSV, commit).

Each variant runs in its own subprocess (peak RSS is a high-water mark):
- `no measurement`: the export with the risk meter switched off (the floor);
- `without rule`: the shipped export (measured, not enforced);
- `with rule`: the same export with `require k 5 over (started_hour, postal_area)
  suppression limit 2%` added.

    .venv/bin/python benchmarks/bench_kanon.py [--sessions 1000000] [--repeat 1]

The machine may be shared: compare the variants with each other, not with other runs.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / "specs" / "municipality_sessions.ocx"
RULE = "  require k 5 over (started_hour, postal_area) suppression limit 2%\n"
KEY = bytes.fromhex("5be81f3ac09d27e46b1f8a53c2d07e9b4a6f13c85d2e09b7f4a1c6e83d5b20f9")
WEEK = datetime(2026, 1, 5, tzinfo=UTC)
SITES, AREAS, DRIVERS = 3_000, 450, 90_000
VARIANTS = ("no measurement", "without rule", "with rule")


class SyntheticCpo:
    """An OCPI 2.2.1 client over generated records (the executor's `Client`)."""

    version = "2.2.1"

    def __init__(self, sessions: int) -> None:
        self.sessions = sessions
        rng = random.Random(14)
        self.areas = [f"{rng.randrange(1000, 9999)}" for _ in range(AREAS)]
        self.sites = [(f"LOC{n:05d}", rng.choice(self.areas), 1 + rng.randrange(4))
                      for n in range(SITES)]

    def fetch(self, module: str, **_: object) -> Iterator[dict]:
        return self._locations() if module == "locations" else self._sessions()

    def count(self, module: str, **_: object) -> int | None:
        return None

    def get_object(self, module: str, object_id: str) -> dict | None:
        return None

    def _locations(self) -> Iterator[dict]:
        for site, area, evses in self.sites:
            yield {"id": site, "publish": True, "postal_code": f"{area} AB",
                   "last_updated": "2025-12-01T00:00:00Z",
                   "evses": [{"uid": f"{site}-{e}", "connectors": [
                       {"id": "1", "standard": "IEC_62196_T2", "power_type": "AC_3_PHASE"}]}
                       for e in range(evses)]}

    def _sessions(self) -> Iterator[dict]:
        rng = random.Random(5)
        weights = [rng.lognormvariate(1.8, 1.0) for _ in range(DRIVERS)]
        drivers = rng.choices(range(DRIVERS), weights=weights, k=self.sessions)
        favourites: dict[int, list[int]] = {}
        hours = [max(0.2, math.sin(math.pi * (h - 5) / 16)) if 5 <= h <= 21 else 0.15
                 for h in range(24)]
        for n, driver in enumerate(drivers):
            if driver not in favourites:
                favourites[driver] = [rng.randrange(SITES) for _ in range(1 + driver % 3)]
            site_index = rng.choice(favourites[driver]) if rng.random() < 0.8 \
                else rng.randrange(SITES)
            site, _, evses = self.sites[site_index]
            start = WEEK + timedelta(days=rng.randrange(7),
                                     hours=rng.choices(range(24), weights=hours)[0],
                                     minutes=rng.randrange(60))
            minutes = int(rng.lognormvariate(4.3, 0.7))
            end = start + timedelta(minutes=minutes)
            stamp = start.strftime("%Y-%m-%dT%H:%M:%SZ")
            yield {"country_code": "NL", "party_id": "ABC", "id": f"S{n:08d}",
                   "start_date_time": stamp, "end_date_time": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
                   "kwh": round(minutes * rng.uniform(0.05, 0.18), 3),
                   "cdr_token": {"uid": f"UID{driver:07d}", "type": "RFID",
                                 "contract_id": f"NL-ABC-C{driver:08d}-X",
                                 "country_code": "NL", "party_id": "ABC"},
                   "auth_method": "WHITELIST", "location_id": site,
                   "evse_uid": f"{site}-{rng.randrange(evses)}", "connector_id": "1",
                   "currency": "EUR", "status": "COMPLETED", "last_updated": stamp}


def run_variant(variant: str, sessions: int, folder: Path) -> dict:
    """One export in this process; prints its figures as JSON."""
    from ocpispec.check.compiler import compile_source
    from ocpispec.execute import RunOptions, execute
    from ocpispec.plan.planner import plan as make_plan
    from ocpispec.diagnostics.source import SourceFile

    # the shipped spec carries a rule of its own: every variant starts without it
    text = re.sub(r"(?m)^[ \t]*require k .*\n", "", SPEC.read_text())
    if variant == "with rule":
        text = text.replace("\noutput csv", "\n" + RULE + "output csv", 1)
        assert RULE in text
    if variant == "no measurement":
        from ocpispec.execute import disclosure

        disclosure.RowRisk.rows = lambda self, rows: rows  # type: ignore[method-assign]
    plan = make_plan(compile_source(SourceFile(str(SPEC), text)))
    options = RunOptions(out=str(folder / f"{variant.replace(' ', '-')}.csv"), use_state=False,
                         now=WEEK + timedelta(days=7))
    from ocpispec.execute import RunError

    started = time.perf_counter()
    try:
        result = execute(plan, key=KEY, connect=lambda: SyntheticCpo(sessions), options=options)
    except RunError as exc:  # the limit passed: every row was read, buffered and counted
        seconds = time.perf_counter() - started
        return {"variant": variant, "seconds": round(seconds, 2), "rows": 0, "read": sessions,
                "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "k_anonymity": None, "failed": exc.diagnostic.message}
    seconds = time.perf_counter() - started
    dataset = result.datasets[0]
    return {"variant": variant, "seconds": round(seconds, 2),
            "sessions_per_second": round(dataset.counts.read / seconds),
            "rows": dataset.counts.written, "read": dataset.counts.read,
            "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "k_anonymity": (dataset.risk or {}).get("k_anonymity"),
            "smallest_class": ((dataset.risk or {}).get("figures") or {}).get("smallest_class")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--skip-floor", action="store_true",
                        help="leave out the `no measurement` variant (then `without rule` "
                             "is the floor)")
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(run_variant(args.variant, args.sessions, Path(args.folder))))
        return
    variants = VARIANTS[1:] if args.skip_floor else VARIANTS
    results: dict[str, list[dict]] = {variant: [] for variant in variants}
    with tempfile.TemporaryDirectory(prefix="bench-kanon-") as folder:
        for _ in range(args.repeat):
            for variant in variants:
                done = subprocess.run([sys.executable, __file__, "--variant", variant,
                                       "--sessions", str(args.sessions), "--folder", folder],
                                      capture_output=True, text=True, cwd=REPO, check=True)
                results[variant].append(json.loads(done.stdout.strip().splitlines()[-1]))
    floor = statistics.median(r["seconds"] for r in results[variants[0]])
    print(f"{args.sessions:,} sessions, {args.repeat} run(s) per variant, medians; machine "
          "may be shared")
    print(f"{'variant':<16} {'seconds':>8} {'sessions/s':>11} {'x floor':>8} {'peak MB':>8} "
          f"{'rows':>10}  k-anonymity")
    for variant in variants:
        runs = results[variant]
        seconds = statistics.median(r["seconds"] for r in runs)
        last = runs[-1]
        enforced = last["k_anonymity"]
        effect = (f"{enforced['generalised_rows']:,} recoded, {enforced['suppressed_rows']:,} "
                  f"suppressed ({enforced['suppression_rate_percent']}%)" if enforced else
                  last.get("failed", ""))
        print(f"{variant:<16} {seconds:>8.1f} {round(last['read'] / seconds):>11,} "
              f"{seconds / floor:>8.2f} {statistics.median(r['peak_mb'] for r in runs):>8.1f} "
              f"{last['rows']:>10,}  {effect}")


if __name__ == "__main__":
    main()
