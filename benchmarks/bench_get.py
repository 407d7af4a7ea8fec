"""`ocpispec get sessions` at 0 ms against a plain sequential httpx client, both reading
the same pre-rendered realistic pages from the static server (`realistic.py`).

    .venv/bin/python benchmarks/bench_get.py [--sessions 200000] [--runs 5]
        [--page-size 1000] [--base /tmp/base-fetch] [--workers 1,2]   (2: `auto` on two cores)

plain   one process: httpx.Client, pages of `--page-size` one after the other by
        offset, orjson, one NDJSON line per object to a file (no checks, no privacy)

Every contender runs in its own process, interleaved, after an untimed warm-up round
(bytecode cached, as an installed package has it); prints medians, spreads, CPU
seconds and the ratios against the plain client (the machine may be shared). Fails
where the outputs of this checkout and the base are not byte-identical.

Last measured 2026-12-06 on 2 shared cores at load 16-29 (docs/plan-and-run.md): the
wall medians are noise there; CPU with two workers 0.90x-0.97x that of the commit before
(8dc9f1df), 1.7x-1.8x plain httpx's. 2026-12-07, load 17-21: the parent of `get sessions
--workers 2` 7,541 M instructions (callgrind, 200,000 realistic sessions), 6c054b87's 7,893 M
(the locations' scan, the cached wire walk); the wall ratios at that load say nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_e2e import serve, timed  # noqa: E402

PLAIN = r'''
import sys, httpx, orjson
url, token, out, page = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
with httpx.Client(headers={"Authorization": "Token " + token}, timeout=60) as client, \
        open(out, "wb") as sink:
    versions = orjson.loads(client.get(url).content)["data"]
    details = orjson.loads(client.get(versions[0]["url"]).content)["data"]
    endpoint = next(e["url"] for e in details["endpoints"] if e["identifier"] == "sessions")
    offset = 0
    while True:
        data = orjson.loads(client.get(endpoint, params={"offset": offset, "limit": page}).content)["data"]
        for obj in data:
            sink.write(orjson.dumps(obj) + b"\n")
        offset += len(data)
        if len(data) < page:
            break
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200_000)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--base", default=None)
    parser.add_argument("--workers", default="1,2", help="comma-separated `get --workers` values "
                        "for this checkout (the base runs with its own default)")
    args = parser.parse_args()
    workers = [int(n) for n in args.workers.split(",")]
    server, address = serve(args.sessions, args.page_size)
    results: dict[str, list[dict]] = {}
    try:
        with tempfile.TemporaryDirectory() as name:
            folder = Path(name)
            env = {**os.environ, "TOKEN": address["token"], "OCPISPEC_CONFIG_DIR": str(folder)}
            login = [sys.executable, "-m", "ocpispec", "login", address["url"], "--token-env",
                     "TOKEN", "--party", "NL-ABC"]
            timed(login, {**env, "PYTHONPATH": str(HERE.parent)}, HERE.parent)
            get = [sys.executable, "-m", "ocpispec", "get", "sessions", "--page-size",
                   str(args.page_size), "--date-from", "2000-01-01", "--date-to", "2026-01-01"]
            commands = {f"new -w {n}" if len(workers) > 1 else "new":
                        ([*get, "--workers", str(n)],
                         {**env, "PYTHONPATH": str(HERE.parent)}, HERE.parent) for n in workers}
            if args.base:
                commands["base"] = (get, {**env, "PYTHONPATH": args.base}, Path(args.base))
            commands["plain httpx"] = ([sys.executable, "-c", PLAIN, address["url"], address["token"],
                                        str(folder / "plain.ndjson"), str(args.page_size)], env,
                                       HERE.parent)
            for label, (command, run_env, cwd) in commands.items():  # warm-up (bytecode)
                out = folder / f"{label}-warm-up.ndjson"
                shell = [*command] if label == "plain httpx" else \
                    ["sh", "-c", '"$@" > "$0"', str(out), *command]
                timed(shell, run_env, cwd)
            for run in range(args.runs):
                order = list(commands.items())
                for label, (command, run_env, cwd) in (order if run % 2 == 0 else order[::-1]):
                    out = folder / f"{label}-{run}.ndjson"
                    shell = [*command] if label == "plain httpx" else \
                        ["sh", "-c", '"$@" > "$0"', str(out), *command]
                    results.setdefault(label, []).append(timed(shell, run_env, cwd))
            outputs = {label: (folder / f"{label}-0.ndjson").read_bytes()
                       for label in commands if label != "plain httpx"}
            first = next(iter(outputs))
            differ = [label for label, text in outputs.items() if text != outputs[first]]
            if differ:
                sys.exit(f"the output of {', '.join(differ)} differs from {first}'s")
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait()
    load = os.getloadavg()
    print(f"get sessions: {args.sessions:,} sessions, pages of {args.page_size}, {args.runs} "
          f"interleaved runs, load average {load[0]:.1f} on {os.cpu_count()} cores (shared)")
    plain = statistics.median(r["seconds"] for r in results["plain httpx"])
    plain_cpu = statistics.median(r["cpu"] for r in results["plain httpx"])
    for label, reports in results.items():
        wall = [r["seconds"] for r in reports]
        median, cpu = statistics.median(wall), statistics.median(r["cpu"] for r in reports)
        print(f"{label:12} median {median:6.2f} s (min {min(wall):.2f}, max {max(wall):.2f})  "
              f"{args.sessions / median:9,.0f} objects/s  cpu {cpu:5.2f} s  "
              f"wall x{plain / median:.2f}, cpu x{plain_cpu / cpu:.2f} of plain httpx's speed")


if __name__ == "__main__":
    main()
