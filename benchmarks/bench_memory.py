"""Peak memory of a streaming `ocpispec run` export, at 100,000 and 1,000,000 sessions.

For each size, the demo CPO runs in one subprocess and the exporter in another; the
exporter runs `ocpispec run specs/municipality_sessions.ocx` (sessions joined to
locations under a k rule, CSV) over real HTTP. Reported: the exporter's own peak
resident set size (`ru_maxrss`), the largest peak of the worker processes it forked
(`RUSAGE_CHILDREN`, once they are joined), and the peak of the summed proportional set
size (PSS) of the exporter and its workers, sampled every 50 ms from /proc (a forked
worker shares the parent's pages: PSS counts each page once, where summed RSS would
count it in every process). Targets: under 150 MB, and the large run within 20% of the
small one (memory must not grow with the number of records). The 1,000,000 run takes
minutes. The spec's k rule needs enough sessions per (hour, postal area): at 10,000
sessions it would suppress more than its 5% limit and the export fails (OCX527);
100,000 pass.

This spec runs in one process whatever `--workers` says (its join may ask the platform
for a site by id, which needs the parent's connection: `DatasetRun._uses_workers`);
`--spec rows` runs bench_e2e's 10-column CSV of sessions (no join, no k rule), which
forks `--workers N` processes reading the pages, and sorts their lines in the parent.

    .venv/bin/python benchmarks/bench_memory.py [--sizes 100000 1000000] [--data demo|realistic]
        [--spec municipality|rows] [--workers N] [--repo /path/to/other/checkout] [--json]

`--repo` measures another checkout's ocpispec with this benchmark (the exporter runs in
that checkout, so its package comes first on the path): a worktree of an older commit,
for a before/after with the same measurement.

`--data demo` (the default) serves the demo CPO's world: at most 500 drivers and 400
sites, so every per-driver cache stays small. `--data realistic` serves the pre-rendered
pages of `realistic.py` (unique drivers at realistic repeat rates, a site per 60
sessions) from its static server: what grows with the drivers shows there. Its sites
grow with the sessions too (16,666 at 1,000,000): the joined locations table is bounded
(encoded in memory up to 2 MiB, then in a private SQLite file), and the locations are
read one page at a time.

Measured on a shared 2-core machine (docs/plan-and-run.md, Performance):
    --data realistic   140.5 MB at 100,000, 123.8 MB at 1,000,000 (-11.9%; PSS 120.0 /
                       111.5 MB) once a crawl let go of its dedup window at its end, the far
                       repeats were counted without numpy, the spill databases kept a 1 MB
                       page cache, and a k rule's recoding read each row once (2026-12-06,
                       load 14-17); 81c70027 149.0 / 160.4 MB (PSS 131.1 / 148.3 MB) earlier
                       that day, 148.2 MB at 100,000 within the hour; the output the same to
                       the byte (1,000,000: sha256 `72785769...` both). The larger run's peak
                       is now its crawl; the smaller's, the risk figures in memory (numpy)
    --data realistic   149.6 MB at 100,000, 162.6 MB at 1,000,000 (+8.7%; PSS 133.2 /
                       149.3 MB, +12.1%) once the two verdict memos held a
                       site's id by party (85 bytes a site, 262 before) and a reader of the
                       spilled locations cached 256 KiB of pages (2026-12-06, load 15-17);
                       8dc9f1df (`--repo`) 152.3 / 170.3 MB (+11.8%; PSS 137.3 / 157.0 MB)
                       in the same hour; the output the same to the byte (100,000: sha256
                       `d5f28564...` both). At 100,000 the peak is the risk meter's figures
                       in memory (numpy, at the end: some 20 MB over the crawl's 115 MB);
                       above 250,000 rows they are computed in SQL
    --data realistic   151.1 MB at 100,000, 170.5 MB at 1,000,000 (+12.8%; PSS 138.6 /
                       158.6 MB) once large blocks freed went back to the system
                       (`heap_tuning`), a site's verdict was remembered once, the enforcer
                       and the meter's SQL load held 2,000 rows and the pseudonym caches
                       16,384 drivers (2026-12-06, load 6-10); 76867c7c (`--repo`) 165.1 /
                       211.9 MB (+28.4%; PSS 151.8 / 199.4 MB) in the same hour
    --data realistic --spec rows --workers 2
                       parent 101.1 / 121.4 MB, largest worker 61.5 / 85.4 MB, PSS 149.8 /
                       204.7 MB with those changes; 76867c7c parent 106.7 / 138.0 MB, worker
                       63.5 / 92.1 MB, PSS 165.2 / 243.7 MB in the same hour
    --data realistic   168.9 MB at 100,000, 202.2 MB at 1,000,000 (+19.7%; PSS 156.3 /
                       191.9 MB) once a private copy's marks followed the crawl's window
                       (2026-12-06, load 5-7); 35d59292 (`--repo`) 166.0 / 200.4 MB (+20.7%;
                       PSS 152.5 / 188.6 MB) in the same hour: the same within the noise
    --data realistic   163.5 MB at 100,000, 202.5 MB at 1,000,000 (+23.9%) once the keys the
                       dedup window forgot went to a temporary file (2026-12-06, load 12-16);
                       210.2 MB at 1,000,000 before, measured earlier the same day
    --data realistic --spec rows --workers 2
                       parent 104.9 / 144.4 MB, largest worker 63.3 / 89.5 MB, PSS 160.7 /
                       243.0 MB with that change; the checkout before it (`--repo`) 155.3 MB
                       at 1,000,000 in the same hour (PSS 252.9 MB). A worker's peak is the
                       parent's memory at the fork (after the locations), not growth
    --data realistic   166.1 MB at 100,000, 191.9 MB at 1,000,000 (+15.6%; PSS 152.7 /
                       181.4 MB, one process) once a crawl kept no page whole and a driver
                       was remembered once, up to 16,384 (2026-12-06, load 9-11); 1cebc03e
                       196.3 MB at 1,000,000; 0a131519 212 MB (the first and last pages of
                       locations held whole for the run)
    --data realistic --spec rows --workers 2
                       parent 105.0 / 127.2 MB (+21.1%), largest worker 63.1 / 88.6 MB,
                       parent and workers' PSS 161.0 / 225.8 MB (+40.3%): the workers'
                       memory grows with the sessions (not yet found why)
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
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / "specs" / "municipality_sessions.ocx"
sys.path.insert(0, str(Path(__file__).resolve().parent))
# bench_e2e's spec: a 10-column CSV of sessions, no join, no k rule
from bench_transform import KEY as ROWS_KEY, SPEC as ROWS_SPEC  # noqa: E402
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
    # the largest of the worker processes the run forked and waited for
    worker_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"peak_kb": peak_kb, "worker_peak_kb": worker_kb,
                      "seconds": time.perf_counter() - started}), file=sys.stderr)
"""


def _tree(root: int) -> list[int]:
    """`root` and every process below it (the run's forked workers)."""
    found, queue = [], [root]
    while queue:
        pid = queue.pop()
        found.append(pid)
        try:
            for task in Path(f"/proc/{pid}/task").iterdir():
                queue.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            pass
    return found


def _pss_kb(pid: int) -> int:
    """The proportional set size of `pid`: its private pages, and its share of the pages
    it shares with the processes it forked or was forked from (so a sum counts each once)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeSampler(threading.Thread):
    """The peak, over samples every `interval` seconds, of the summed PSS of a process and
    its descendants: what the parent and its workers hold together."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak_kb, self.most_processes = pid, interval, 0, 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.interval):
            pids = _tree(self.pid)
            self.most_processes = max(self.most_processes, len(pids))
            self.peak_kb = max(self.peak_kb, sum(_pss_kb(pid) for pid in pids))


def _spec(name: str, repo: Path, folder: Path) -> Path:
    """`municipality`: the checkout's specs/municipality_sessions.ocx; `rows`: the
    10-column CSV row export of bench_e2e (`bench_transform.SPEC`), written to `folder`."""
    if name == "municipality":
        return repo / SPEC.relative_to(REPO)
    path = folder / "rows.ocx"
    path.write_text(ROWS_SPEC)
    return path


def measure(size: int, folder: Path, data: str = "demo", workers: str | None = None,
            repo: Path = REPO, spec: str = "municipality") -> dict:
    """Export `size` sessions with the ocpispec of the checkout `repo` (this one by default;
    the exporter runs in it, so its package comes first on the path)."""
    command = ([sys.executable, "-c", SERVER, str(size)] if data == "demo" else
               [sys.executable, str(REPO / "benchmarks" / "realistic.py"), "serve", str(size)])
    server = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        address = json.loads(server.stdout.readline())  # type: ignore[union-attr]
        env = {**os.environ, "OCPI_VERSIONS_URL": address["url"], "OCPI_TOKEN": address["token"],
               "UTRECHT_PSEUDONYM_KEY": "a4f1c8e3b72d05f9e6a1c4b8d03f7e25c9a6b1f4d8e02c7a5f3b96d1e4c8a07b",
               "URL": address["url"], "TOKEN": address["token"], "BENCH_KEY": ROWS_KEY.decode()}
        out = folder / f"sessions-{size}.csv"
        command = [sys.executable, "-c", EXPORTER, "run", str(_spec(spec, repo, folder)),
                   "--out", str(out),
                   "--state", str(folder / f"state-{size}.json"), "--as-of", AS_OF,
                   "--page-size", "1000", "--quiet"]
        if workers is not None:
            command += ["--workers", workers]
        exporter = subprocess.Popen(command, env=env, cwd=repo, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, text=True)
        sampler = TreeSampler(exporter.pid)
        sampler.start()
        _, stderr = exporter.communicate()
        sampler.done.set()
        sampler.join()
        if exporter.returncode != 0:
            raise SystemExit(f"export of {size:,} sessions failed:\n{stderr}")
        report = json.loads(stderr.strip().splitlines()[-1])
        rows = sum(1 for _ in out.open(encoding="utf-8")) - 1
        return {**report, "size": size, "rows": rows, "tree_pss_kb": sampler.peak_kb,
                "processes": sampler.most_processes}
    finally:
        server.stdin.close()  # type: ignore[union-attr]
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--data", choices=("demo", "realistic"), default="demo")
    parser.add_argument("--spec", choices=("municipality", "rows"), default="municipality",
                        help="municipality: sessions joined to locations under a k rule (one "
                             "process whatever --workers: the join may ask the platform for a "
                             "site by id); rows: bench_e2e's 10-column CSV (forks --workers)")
    parser.add_argument("--workers", help="the exporter's --workers (default: its own, auto)")
    parser.add_argument("--json", action="store_true", help="print each result as JSON too")
    parser.add_argument("--repo", type=Path, default=REPO,
                        help="measure the ocpispec of another checkout (e.g. a worktree of an "
                             "older commit; the exporter runs in it)")
    args = parser.parse_args()
    print(f"{args.data} data, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} (the machine may be shared)")
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            print(f"exporting {size:,} sessions ...", file=sys.stderr)
            started = time.perf_counter()
            result = measure(size, Path(folder), args.data, args.workers, args.repo.resolve(),
                             args.spec)
            results.append(result)
            print(f"sessions {size:>10,}  rows {result['rows']:>9,}  peak RSS "
                  f"{result['peak_kb'] / 1024:7.1f} MB  export {result['seconds']:7.1f} s  "
                  f"({size / result['seconds']:,.0f} sessions/s end to end; wall "
                  f"{time.perf_counter() - started:.0f} s)")
            print(f"{'':>37}largest worker's peak RSS {result['worker_peak_kb'] / 1024:7.1f} MB  "
                  f"parent and workers' peak PSS {result['tree_pss_kb'] / 1024:7.1f} MB "
                  f"({result['processes']} processes)")
            if args.json:
                print(json.dumps(result))
    for name, key in (("parent's peak RSS", "peak_kb"),
                      ("parent and workers' peak PSS", "tree_pss_kb")):
        peaks = [r[key] / 1024 for r in results]
        line = f"{name:<29} largest {max(peaks):.1f} MB (target < 150 MB: " \
               f"{'met' if max(peaks) < 150 else 'MISSED'})"
        if len(peaks) > 1:
            growth = peaks[-1] / peaks[0] - 1
            line += f"; growth {results[0]['size']:,} -> {results[-1]['size']:,} " \
                    f"{growth:+.1%} (target within 20%: {'met' if abs(growth) <= 0.20 else 'MISSED'})"
        print(line)


if __name__ == "__main__":
    main()
