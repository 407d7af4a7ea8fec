"""Where worker processes pay: `run` and `get sessions` at a few list lengths, in one
process and with workers, CPU and wall side by side (the crossover behind `--workers
auto`, docs/plan-and-run.md "Worker processes").

    .venv/bin/python benchmarks/bench_workers.py [--pages 1,2,5,20,200] [--page-size 1000]
        [--runs 3] [--workers 1,2,auto] [--base /tmp/base-tree]

Per list length (pages x page size sessions, served pre-rendered by `realistic.py`):
`run` of the 10-column CSV spec of `bench_e2e.py`, `get sessions`, and `run --demo` of
`specs/open_data_locations.ocx` (the shipped spec whose dataset the workers read; the
demo sizes its world by sessions, `--demo-size`) and of `specs/municipality_sessions.ocx`
(its join falls back to one location at a time, so it keeps one process whatever
`--workers` says: a control). Every contender runs in its own process, interleaved;
prints median wall and CPU (the process and its children) with min-max spreads, and
each contender's CPU against `--workers 1` in the same run. Outputs of one command and
length must be byte-identical across contenders.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_e2e import AS_OF, serve, timed  # noqa: E402
from bench_transform import KEY, SPEC  # noqa: E402


def _commands(kind: str, folder: Path, pages: int, page_size: int, python: str,
              workers: str) -> list[str]:
    out = folder / f"{kind}-{workers}-{time.monotonic_ns()}"
    base = [python, "-m", "ocpispec"]
    match kind:
        case "run":
            return [*base, "run", str(folder / "bench.ocx"), "--out", f"{out}.csv", "--state",
                    f"{out}.sqlite", "--as-of", AS_OF, "--page-size", str(page_size),
                    "--quiet", "--workers", workers]
        case "get":
            return ["sh", "-c", '"$@" > "$0"', f"{out}.ndjson", *base, "get", "sessions",
                    "--page-size", str(page_size), "--date-from", "2000-01-01", "--date-to",
                    "2026-01-01", "--workers", workers]
        case _:
            spec = {"demo-open": "open_data_locations", "demo-muni": "municipality_sessions"}[kind]
            # the demo CPO serves at most 1,000 objects a page
            return ["sh", "-c", '"$@" 2>/dev/null; exit 0', "x", *base, "run",
                    str(HERE.parent / "specs" / f"{spec}.ocx"), "--demo", "--demo-size",
                    str(pages * min(page_size, 1000)), "--page-size", str(min(page_size, 1000)),
                    "--out", f"{out}.out", "--state", f"{out}.sqlite", "--quiet",
                    "--workers", workers]


def _output(command: list[str]) -> bytes | None:
    for part in command:
        for suffix in (".csv", ".ndjson"):
            if part.endswith(suffix) and Path(part).is_file():
                return Path(part).read_bytes()
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", default="1,2,5,20,200")
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", default="1,2", help="comma-separated --workers values")
    parser.add_argument("--kinds", default="run,get,demo-open,demo-muni")
    parser.add_argument("--base", default=None, help="another checkout, run with its default")
    args = parser.parse_args()
    trees = {"new": HERE.parent, **({"base": Path(args.base)} if args.base else {})}
    print(f"pages of {args.page_size}, {args.runs} interleaved runs; load average at start "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared machine)")
    for pages in [int(n) for n in args.pages.split(",")]:
        server, address = serve(pages * args.page_size, args.page_size)
        try:
            with tempfile.TemporaryDirectory() as name:
                folder = Path(name)
                (folder / "bench.ocx").write_text(SPEC)
                env = {**os.environ, "URL": address["url"], "TOKEN": address["token"],
                       "BENCH_KEY": KEY.decode(), "OCPISPEC_CONFIG_DIR": str(folder)}
                for tree in trees.values():
                    timed([_python(tree), "-m", "ocpispec", "login", address["url"],
                           "--token-env", "TOKEN", "--party", "NL-ABC"],
                          {**env, "PYTHONPATH": str(tree)}, tree)
                for kind in args.kinds.split(","):
                    _measure(kind, pages, args, trees, folder, env)
        finally:
            assert server.stdin is not None
            server.stdin.close()
            server.wait()


def _python(tree: Path) -> str:
    python = tree / ".venv/bin/python"
    return str(python) if python.exists() else sys.executable


def _measure(kind: str, pages: int, args: argparse.Namespace, trees: dict[str, Path],
             folder: Path, env: dict[str, str]) -> None:
    contenders = [(f"{name} -w {workers}", tree, workers) for name, tree in trees.items()
                  for workers in (args.workers.split(",") if name == "new" else ["auto"])]
    results: dict[str, list[dict]] = {}
    outputs: dict[str, set[str]] = {}
    for label, tree, workers in contenders:     # warm-up: bytecode cached
        timed(_commands(kind, folder, pages, args.page_size, _python(tree), workers),
              {**env, "PYTHONPATH": str(tree)}, tree)
    for run in range(args.runs):
        for label, tree, workers in (contenders if run % 2 == 0 else contenders[::-1]):
            command = _commands(kind, folder, pages, args.page_size, _python(tree), workers)
            results.setdefault(label, []).append(
                timed(command, {**env, "PYTHONPATH": str(tree)}, tree))
            if (made := _output(command)) is not None:
                outputs.setdefault(label, set()).add(hashlib.sha256(made).hexdigest())
    digests = {digest for label, found in outputs.items() if label.startswith("new")
               for digest in found}
    same = "outputs byte-identical" if len(digests) <= 1 else f"OUTPUTS DIFFER ({len(digests)})"
    print(f"{kind} at {pages} page{'s' * (pages != 1)} ({pages * args.page_size:,} sessions): {same}")
    one = statistics.median(r["cpu"] for r in results[contenders[0][0]])
    for label, reports in results.items():
        wall, cpu = [r["seconds"] for r in reports], [r["cpu"] for r in reports]
        print(f"  {label:12} wall {statistics.median(wall):6.2f} s ({min(wall):.2f}-{max(wall):.2f})"
              f"  cpu {statistics.median(cpu):6.2f} s ({min(cpu):.2f}-{max(cpu):.2f})"
              f"  cpu x{statistics.median(cpu) / one:.2f} of {contenders[0][0]}")


if __name__ == "__main__":
    started = time.time()
    main()
    print(f"({time.time() - started:.0f} s)", file=sys.stderr)
