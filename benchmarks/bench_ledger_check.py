"""The ledger's page check before a run fetches (`ledger.db.check_pages`, SQLite's
`PRAGMA quick_check`), on ledgers holding the disclosure log of many runs.

For each size, a ledger is written through the ledger's own code (`ledger.log.insert_run`,
`ledger.db.write_state`): N runs of an export of two datasets (a CSV and its manifest
each), with a state of realistic size, then `check_writable` (what a run does before
its first request: the page check and the write probe) and the page check alone are
timed, each a median of `--repeat` calls on a warm page cache (the file was just
written), with the file's size.

Measured 2026-12-07 on 2 shared cores at load 12-19 (medians of 7, then 5 calls):
    runs    file      page check before -> after     check_writable before -> after
    1,000     3.0 MB    58.8 ms ->  52.9 ms            57.4 ms -> 41.8 ms   (every page)
    10,000   29.3 MB   287.1 ms ->   0.9 ms           283.8 ms ->  1.3 ms   (bounded)
    100,000 292.8 MB  2962.5 ms ->   0.8 ms          2816.7 ms ->  0.8 ms   (bounded)
Before, `quick_check` read every page of the file, so the check grew with the runs
logged (a run of 20,000 sessions takes about a second); now a ledger over 4 MiB has its
small tables checked whole and the run log where a commit appends (`ledger.db`).

    .venv/bin/python benchmarks/bench_ledger_check.py [--runs 1000 10000 100000] [--repeat 9]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ocpispec.ledger.db import check_pages, connect, transaction  # noqa: E402
from ocpispec.ledger.log import insert_run  # noqa: E402
from ocpispec.ledger.store import check_writable  # noqa: E402

COLUMNS = [{"name": f"column_{i}", "treatment": "pseudonym" if i % 3 else "kept",
            "type": "text"} for i in range(10)]


def entry(number: int) -> dict:
    run_id = str(uuid.UUID(int=number * 7919 + 1, version=4))
    when = f"2026-{1 + number // 40000 % 12:02d}-01T00:00:{number % 60:02d}Z"
    datasets = [{"dataset": name, "module": "sessions", "window_start": when,
                 "window_end": when, "counts": {"read": 20000, "written": 19980, "dropped": 20},
                 "columns": COLUMNS} for name in ("rows", "daily")]
    outputs = [{"dataset": name, "kind": kind, "path": f"/srv/exports/{name}-{number}.{ext}",
                "sha256": f"{number:064x}", "size": 1_234_567}
               for name in ("rows", "daily") for kind, ext in (("output", "csv"),
                                                               ("manifest", "manifest.json"))]
    return {"id": run_id, "export": "municipality", "run_at": when, "recorded_at": when,
            "user": "exporter", "host": "exports-1", "spec_path": "/srv/specs/municipality.ocx",
            "spec_sha256": f"{number:064x}", "plan_fingerprint": f"{number:032x}",
            "privacy_fingerprint": f"{number:032x}", "approval": None,
            "consumer": "City of Utrecht", "purpose": "charging demand planning",
            "legal_basis": "public task", "legal_reference": "art. 6(1)(e) GDPR",
            "retention": "P2Y", "outcome": "ok", "code": None, "ocpi_version": "2.2.1",
            "requests": 21, "duration_s": 1.2, "sample_limit": None, "source": None,
            "datasets": datasets, "outputs": outputs}


def ledger_of(path: Path, runs: int) -> None:
    with connect(path) as conn:
        for start in range(0, runs, 5000):
            with transaction(conn):
                for number in range(start, min(runs, start + 5000)):
                    insert_run(conn, entry(number))
        with transaction(conn):
            conn.execute("INSERT OR REPLACE INTO state VALUES (?, ?, ?)",
                         ("municipality", runs, '{"datasets": {}}' + " " * 4000))


def median_ms(call, repeat: int) -> tuple[float, float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    q = statistics.quantiles(times, n=4) if len(times) > 1 else times * 3
    return statistics.median(times) * 1000, q[0] * 1000, q[2] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    print(f"{'runs logged':>12} {'file':>10} {'page check (p25-p75)':>26} "
          f"{'check_writable (p25-p75)':>28}")
    with tempfile.TemporaryDirectory(prefix="ocx-bench-ledger-") as folder:
        for runs in args.runs:
            path = Path(folder) / f"ledger-{runs}.sqlite"
            ledger_of(path, runs)

            def pages() -> None:
                with connect(path) as conn:
                    check_pages(conn)

            checked = median_ms(pages, args.repeat)
            writable = median_ms(lambda: check_writable(path), args.repeat)
            size = path.stat().st_size / 1e6
            print(f"{runs:>12,} {size:>8.1f} MB {checked[0]:>9.1f} ms ({checked[1]:.1f}-{checked[2]:.1f})"
                  f"  {writable[0]:>11.1f} ms ({writable[1]:.1f}-{writable[2]:.1f})")


if __name__ == "__main__":
    main()
