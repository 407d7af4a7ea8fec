"""End to end at 0 ms latency: `ocpispec run` of the 10-column CSV spec against a
static page server (pre-rendered realistic pages, `realistic.py`), next to a
hand-written floor fetching the same pages, and to another checkout of ocpispec run
with the same `--workers`.

    git worktree add --detach /tmp/base-fetch 670435b
    .venv/bin/python benchmarks/bench_e2e.py [--sessions 200000] [--runs 5]
        [--base /tmp/base-fetch] [--workers 1,2]

Every contender runs in its own process, interleaved run by run (the machine may be
shared: the ratios against the floor in the same run are what count), after an untimed
warm-up round, with its bytecode cached as an installed package has it. Prints medians,
min-max spreads, sessions/s and the ratios; checks that every ocpispec output is
byte-identical to the first one.

floor   one process: sequential httpx.Client, orjson, the private-location check
        against the listed locations, hmac pseudonyms, csv.writer (no validation,
        no dedup, no window, no atomic commit: what a careful script would do)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_transform import KEY, SPEC  # noqa: E402

AS_OF = "2026-01-01T00:00:00Z"

FLOOR = r'''
import csv, hmac, hashlib, sys, time, io
from datetime import datetime
import httpx, orjson
url, token, out, key, page = sys.argv[1:6]
key = bytes.fromhex(key.decode() if isinstance(key, bytes) else key)
page = int(page)
headers = {"Authorization": "Token " + token}
def pseudo(value):
    if value is None: return ""
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]
def stamp(t):
    return datetime.fromisoformat(t) if t else None
def pages(client, endpoint):
    offset = 0
    while True:
        body = orjson.loads(client.get(endpoint, params={"offset": offset, "limit": page}).content)
        data = body["data"]
        yield from data
        offset += len(data)
        if len(data) < page: return
with httpx.Client(headers=headers, timeout=60) as client:
    details = orjson.loads(client.get(orjson.loads(client.get(url).content)["data"][0]["url"]).content)
    ends = {e["identifier"]: e["url"] for e in details["data"]["endpoints"]}
    public = {loc["id"].lower(): loc.get("publish") is True for loc in pages(client, ends["locations"])}
    with open(out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(["driver","session","started","ended","energy_kwh","duration_min","cost_eur","auth_method","currency","status"])
        for s in pages(client, ends["sessions"]):
            if s.get("status") != "COMPLETED" or not public.get((s.get("location_id") or "").lower()):
                continue
            start, end = stamp(s.get("start_date_time")), stamp(s.get("end_date_time"))
            cost = s.get("total_cost") or {}
            w.writerow([pseudo((s.get("cdr_token") or {}).get("contract_id")), pseudo(s["id"]),
                        s["start_date_time"][:13] + ":00:00Z" if start else "",
                        s["end_date_time"][:13] + ":00:00Z" if end else "",
                        round(s["kwh"], 1), round((end - start).total_seconds() / 60) if end else "",
                        round(cost.get("excl_vat") or 0), s.get("auth_method"), s.get("currency"),
                        s.get("status")])
'''

TIMED = r'''
import json, resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": time.perf_counter() - started, "rc": done.returncode,
                  "cpu": u.ru_utime + u.ru_stime, "rss_mib": u.ru_maxrss / 1024,
                  "stderr": done.stderr[-2000:]}))
'''


def serve(sessions: int, page_size: int) -> tuple[subprocess.Popen[str], dict]:
    server = subprocess.Popen([sys.executable, str(HERE / "realistic.py"), "serve", str(sessions),
                               str(page_size)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True, cwd=HERE.parent)
    assert server.stdout is not None
    return server, json.loads(server.stdout.readline())


# Every contender reads bytecode from a cache, as an installed package does (pip compiles
# it at install time): a shell with PYTHONDONTWRITEBYTECODE set would otherwise have a
# checkout recompile its sources on every run, while the floor's libraries are compiled.
# The cache is filled by an untimed warm-up round (`warm_up`).
BYTECODE = tempfile.mkdtemp(prefix="ocpispec-bench-pyc-")


def installed_like(env: dict[str, str]) -> dict[str, str]:
    env = {**env, "PYTHONPYCACHEPREFIX": BYTECODE}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def timed(command: list[str], env: dict[str, str], cwd: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", TIMED, *command], env=installed_like(env),
                          cwd=cwd, capture_output=True, text=True, check=True)
    report = json.loads(done.stdout)
    if report["rc"]:
        sys.exit(f"{command[:4]} failed:\n{report['stderr']}")
    return report


def contenders(args: argparse.Namespace, folder: Path, address: dict) -> dict[str, tuple]:
    spec = folder / "bench.ocx"
    spec.write_text(SPEC)
    env = {**os.environ, "URL": address["url"], "TOKEN": address["token"],
           "BENCH_KEY": KEY.decode(), "OCPISPEC_CONFIG_DIR": str(folder)}
    trees = {"new": HERE.parent, **({"base": Path(args.base)} if args.base else {})}
    found: dict[str, tuple] = {}
    for name, tree in trees.items():
        python = str(tree / ".venv/bin/python") if (tree / ".venv/bin/python").exists() \
            else sys.executable
        # base with the same --workers as new: its default (`auto`) would be another setting
        for workers in args.workers:
            label = name if workers is None else f"{name} --workers {workers}"

            def command(run: int, tree: Path = tree, python: str = python,
                        workers: int | None = workers, label: str = label) -> list[str]:
                out = folder / f"{label.replace(' ', '')}-{run}.csv"
                extra = [] if workers is None else ["--workers", str(workers)]
                return [python, "-m", "ocpispec", "run", str(spec), "--out", str(out),
                        "--state", str(folder / f"{label.replace(' ', '')}-{run}.sqlite"),
                        "--as-of", AS_OF, "--page-size", str(args.page_size), "--quiet", *extra]
            found[label] = (command, {**env, "PYTHONPATH": str(tree)}, tree)
    floor_env = {**env}

    def floor(run: int) -> list[str]:
        return [sys.executable, "-c", FLOOR, address["url"], address["token"],
                str(folder / f"floor-{run}.csv"), KEY.decode(), str(args.page_size)]
    found["floor"] = (floor, floor_env, HERE.parent)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200_000)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--base", default=None, help="another checkout (with or without .venv)")
    parser.add_argument("--workers", default="1", help="comma-separated --workers values")
    args = parser.parse_args()
    args.workers = [int(w) for w in args.workers.split(",")] if args.workers else [None]
    print(f"rendering {args.sessions:,} realistic sessions ...", file=sys.stderr)
    server, address = serve(args.sessions, args.page_size)
    results: dict[str, list[dict]] = {}
    try:
        with tempfile.TemporaryDirectory() as name:
            folder = Path(name)
            runs = contenders(args, folder, address)
            for label, (command, env, cwd) in runs.items():  # warm-up: compiles, caches
                timed(command(-1), env, cwd)
            for run in range(args.runs):
                order = list(runs.items())
                for label, (command, env, cwd) in (order if run % 2 == 0 else order[::-1]):
                    results.setdefault(label, []).append(timed(command(run), env, cwd))
            _same_outputs(folder, [label for label in runs if label != "floor"])
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait()
    _print(args, results)


def _same_outputs(folder: Path, labels: list[str]) -> None:
    """This tree's outputs must be byte-identical whatever `--workers`; another tree's
    may order its rows otherwise (row exports are sorted by value since 4767c13), so
    they are compared as sets of lines."""
    files = {label: sorted(folder.glob(f"{label.replace(' ', '')}-*.csv")) for label in labels}
    mine = [path for label, paths in files.items() if label.startswith("new") for path in paths]
    others = [path for label, paths in files.items() if not label.startswith("new")
              for path in paths]
    distinct = {hashlib.sha256(path.read_bytes()).hexdigest() for path in mine}
    print(f"ocpispec outputs: {len(mine)} files, "
          f"{'byte-identical' if len(distinct) == 1 else 'DIFFERENT: ' + str(len(distinct))}")
    if others and mine:
        lines = sorted(mine[0].read_bytes().splitlines())
        same = all(sorted(path.read_bytes().splitlines()) == lines for path in others)
        print(f"other trees' outputs: {len(others)} files, "
              f"{'the same lines' if same else 'DIFFERENT lines'}")


def _print(args: argparse.Namespace, results: dict[str, list[dict]]) -> None:
    load = os.getloadavg()
    print(f"{args.sessions:,} sessions, pages of {args.page_size}, {args.runs} interleaved runs, "
          f"load average {load[0]:.1f} on {os.cpu_count()} cores (shared machine)")
    floor = statistics.median(r["seconds"] for r in results["floor"])
    for label, reports in results.items():
        wall = [r["seconds"] for r in reports]
        median = statistics.median(wall)
        cpu = statistics.median(r["cpu"] for r in reports)
        rss = max(r["rss_mib"] for r in reports)
        print(f"{label:22} median {median:6.2f} s (min {min(wall):.2f}, max {max(wall):.2f})  "
              f"{args.sessions / median:9,.0f} sessions/s  cpu {cpu:5.2f} s  "
              f"peak rss {rss:5.0f} MiB  x{floor / median:.2f} of the floor's speed")
    for label in results:
        if label.startswith("new") and (other := "base" + label[3:]) in results:
            new = statistics.median(r["seconds"] for r in results[label])
            base = statistics.median(r["seconds"] for r in results[other])
            print(f"{label} / {other} speed: {base / new:.2f}x")


if __name__ == "__main__":
    started = time.time()
    main()
    print(f"({time.time() - started:.0f} s)", file=sys.stderr)
