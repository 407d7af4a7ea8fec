"""Peak memory of a streaming `ocpispec run` export, at 100,000 and 1,000,000 sessions.

For each size, the demo CPO runs in one subprocess and the exporter in another; the
exporter runs `ocpispec run specs/municipality_sessions.ocx` (sessions joined to
locations, CSV) over real HTTP and reports its own peak resident set size
(`ru_maxrss`). Targets: under 150 MB, and the large run within 20% of the small one
(memory must not grow with the number of records). The 1,000,000 run takes minutes.
The spec's k rule needs enough sessions per (hour, postal area): at 10,000 sessions it
would suppress more than its 5% limit and the export fails (OCX527); 100,000 pass.

    .venv/bin/python benchmarks/bench_memory.py [--sizes 100000 1000000] [--data demo|realistic]

`--data demo` (the default) serves the demo CPO's world: at most 500 drivers and 400
sites, so every per-driver cache stays small. `--data realistic` serves the pre-rendered
pages of `realistic.py` (unique drivers at realistic repeat rates, a site per 60
sessions) from its static server: what grows with the drivers shows there. Its sites
grow with the sessions too (16,666 at 1,000,000): the joined locations table is bounded
(encoded in memory up to 2 MiB, then in a private SQLite file), and the locations are
read one page at a time.

Measured on a shared 2-core machine (docs/plan-and-run.md, Performance):
    --data realistic   155.3 MB at 100,000, 179.3 MB at 1,000,000 (+15.4%) since row
                       exports are sorted by value (runs of 10,000 rows);
                       before it 132.9 MB at 100,000, 139.1 MB at 1,000,000 (+4.7%; was 137.3 /
                       219.1 MB, +59.5%, with every location as Python objects)
    --data demo        116.7 MB at 100,000, 127.1 MB at 1,000,000 (+9.0%)
`OCPISPEC_LOOKUP_IN_MEMORY_BYTES=0` (passed on to the exporter) spills every table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / "specs" / "municipality_sessions.ocx"
AS_OF = "2026-01-01T00:00:00Z"

SERVER = """
import json, sys
from ocpispec.demo import DemoServer
with DemoServer(version="2.2.1", size=int(sys.argv[1]), max_page_size=1000) as server:
    print(json.dumps({"url": server.versions_url, "token": server.token}), flush=True)
    sys.stdin.read()  # serve until the benchmark closes our stdin
"""

EXPORTER = """
import json, resource, sys, time
from ocpispec.cli import main
started = time.perf_counter()
try:
    main(sys.argv[1:], standalone_mode=False)
finally:
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"peak_kb": peak_kb, "seconds": time.perf_counter() - started}),
          file=sys.stderr)
"""


def measure(size: int, folder: Path, data: str = "demo") -> dict:
    command = ([sys.executable, "-c", SERVER, str(size)] if data == "demo" else
               [sys.executable, str(REPO / "benchmarks" / "realistic.py"), "serve", str(size)])
    server = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        address = json.loads(server.stdout.readline())  # type: ignore[union-attr]
        env = {**os.environ, "OCPI_VERSIONS_URL": address["url"], "OCPI_TOKEN": address["token"],
               "UTRECHT_PSEUDONYM_KEY": "a4f1c8e3b72d05f9e6a1c4b8d03f7e25c9a6b1f4d8e02c7a5f3b96d1e4c8a07b"}
        out = folder / f"sessions-{size}.csv"
        command = [sys.executable, "-c", EXPORTER, "run", str(SPEC), "--out", str(out),
                   "--state", str(folder / f"state-{size}.json"), "--as-of", AS_OF,
                   "--page-size", "1000", "--quiet"]
        done = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True,
                              check=False)
        if done.returncode != 0:
            raise SystemExit(f"export of {size:,} sessions failed:\n{done.stderr}")
        report = json.loads(done.stderr.strip().splitlines()[-1])
        rows = sum(1 for _ in out.open(encoding="utf-8")) - 1
        return {**report, "size": size, "rows": rows}
    finally:
        server.stdin.close()  # type: ignore[union-attr]
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--data", choices=("demo", "realistic"), default="demo")
    args = parser.parse_args()
    print(f"{args.data} data, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} (the machine may be shared)")
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            print(f"exporting {size:,} sessions ...", file=sys.stderr)
            started = time.perf_counter()
            result = measure(size, Path(folder), args.data)
            results.append(result)
            print(f"sessions {size:>10,}  rows {result['rows']:>9,}  peak RSS "
                  f"{result['peak_kb'] / 1024:7.1f} MB  export {result['seconds']:7.1f} s  "
                  f"({size / result['seconds']:,.0f} sessions/s end to end; wall "
                  f"{time.perf_counter() - started:.0f} s)")
    peaks = [r["peak_kb"] / 1024 for r in results]
    print(f"largest peak              {max(peaks):.1f} MB (target < 150 MB: "
          f"{'met' if max(peaks) < 150 else 'MISSED'})")
    if len(peaks) > 1:
        growth = peaks[-1] / peaks[0] - 1
        print(f"growth {results[0]['size']:,} -> {results[-1]['size']:,}  {growth:+.1%} "
              f"(target within 20%: {'met' if abs(growth) <= 0.20 else 'MISSED'})")


if __name__ == "__main__":
    main()
