"""Start-up and round trips: cold commands, `get` against a plain client, and a crawl at
50 ms latency against its floor. Every figure is a median of interleaved runs, with its
spread (25th-75th percentile) and its ratio to a floor measured in the same run.

    .venv/bin/python benchmarks/bench_round_trips.py [--runs 15] [--sessions 20000]
        [--against REF] [--only startup,get,latency]

  startup   `python -c pass` (the floor), `ocpispec --help` and `ocpispec check SPEC`,
            each a fresh process with a bytecode cache (as an installed package runs).
  get       `ocpispec get sessions > /dev/null` with a logged-in profile, against a plain
            sequential httpx client asking the largest page the server gives (1,000),
            parsing with `json` and with `orjson`, each a fresh process, at 0 ms.
  latency   the client crawling SESSIONS realistic sessions (`realistic.py`) served at
            50 ms per request by a static page server in its own process (pre-rendered
            pages: the server's CPU does not count), concurrency 4, against the floor
            3 round trips + pages x latency / concurrency + parse time, where pages =
            SESSIONS / 1,000 (the largest page) and parse time is `orjson.loads` of the
            same bodies. Each crawl runs in a fresh process and is timed from `connect`:
            with the stored discovery, opening every connection at once, and
            discovering first; and `ocpispec get sessions` whole, start-up included.
            Medians, spreads (p25-p75), ratios to the floor and CPU seconds.

`--runs N` is the number of interleaved rounds of `startup`; `get` and `latency`, whose
rounds take seconds each, run a third as many (at least 3, or N when N is smaller: the
suite's `--runs 1` checks that the benchmark runs, not its figures).

`--against REF` runs the same commands on the tree of a git revision (exported with
`git archive` to a temporary folder) in the same rounds, for a before/after figure.
The demo CPO runs in its own process. The machine may be shared: read the ratios.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from revisions import revision  # noqa: E402
TOKEN = "0c9d7a41e5b2f8c36d1a4e7b9f2c5d80"
SPEC = "specs/municipality_sessions.ocx"
MAX_PAGE = 1000


# -- measuring ---------------------------------------------------------------------------

def wall(command: list[str], env: dict[str, str]) -> float:
    """Wall time of one run; in the tree `env` names (PYTHONPATH), which is also the
    working directory, since `python -m` puts the working directory first on the path."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=env.get("PYTHONPATH", REPO), env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr.decode()[-2000:]}")
    return elapsed


def interleaved(commands: dict[str, tuple[list[str], dict[str, str]]], runs: int) -> dict[str, list[float]]:
    """Each command once per round, in rotating order, after one warm-up round."""
    samples: dict[str, list[float]] = {name: [] for name in commands}
    names = list(commands)
    for round_number in range(runs + 1):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            elapsed = wall(*commands[name])
            if round_number:
                samples[name].append(elapsed)
    return samples


def spread(values: list[float]) -> str:
    q = statistics.quantiles(values, n=4) if len(values) > 1 else [values[0]] * 3
    return (f"{statistics.median(values) * 1000:8.1f} ms  ({q[0] * 1000:.1f}-{q[2] * 1000:.1f}; "
            f"min {min(values) * 1000:.1f})")


def table(samples: dict[str, list[float]], floor: str) -> None:
    base = statistics.median(samples[floor])
    print(f"  {'':44} {'median':>11}  (p25-p75; min)              x floor  minus floor")
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"  {name:44} {spread(values):42} {median / base:6.2f}x  {(median - base) * 1000:8.1f} ms")


# -- the trees measured ------------------------------------------------------------------

def environment(pycache: str, tree: Path | None, config: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")}
    env.update(PYTHONPYCACHEPREFIX=pycache, NO_COLOR="1")
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    if config is not None:
        env["OCPISPEC_CONFIG_DIR"] = config
    return env


@contextmanager
def demo_server(sessions: int, latency_ms: float) -> Iterator[str]:
    command = [sys.executable, "-m", "ocpispec", "demo-server", "--port", "0", "--version", "2.2.1",
               "--size", str(sessions), "--latency-ms", str(latency_ms), "--token", TOKEN]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True)
    try:
        assert process.stdout is not None
        url = next((line.split("versions URL:")[1].strip() for line in process.stdout
                    if "versions URL:" in line), None)
        if url is None:
            raise RuntimeError("the demo server did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


# -- startup -----------------------------------------------------------------------------

def startup(runs: int, ref: str | None) -> None:
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="ocx-bench-pyc-") as pycache, revision(ref) as tree:
        here = environment(pycache, None)
        commands = {"python -c pass (floor)": ([python, "-c", "pass"], here),
                    "ocpispec --help": ([python, "-m", "ocpispec", "--help"], here),
                    f"ocpispec check {Path(SPEC).name}": ([python, "-m", "ocpispec", "check", SPEC], here)}
        if tree is not None:
            there = environment(pycache + "-ref", tree)
            commands[f"  {ref}: ocpispec --help"] = ([python, "-m", "ocpispec", "--help"], there)
            commands[f"  {ref}: ocpispec check"] = ([python, "-m", "ocpispec", "check", SPEC], there)
        samples = interleaved(commands, runs)
    print(f"\ncold start, {runs} interleaved rounds, bytecode cached:")
    table(samples, "python -c pass (floor)")


# -- get against a plain client -----------------------------------------------------------

def plain_client(url: str, parser: str) -> None:
    """A plain sequential httpx client: discovery, then the largest pages, one at a time."""
    import base64

    import httpx
    loads = json.loads if parser == "json" else __import__("orjson").loads
    headers = {"Authorization": "Token " + base64.b64encode(TOKEN.encode()).decode()}
    count = 0
    with httpx.Client(headers=headers, timeout=30) as http:
        details_url = loads(http.get(url).content)["data"][-1]["url"]
        endpoints = loads(http.get(details_url).content)["data"]["endpoints"]
        endpoint = next(e["url"] for e in endpoints if e["identifier"] == "sessions" and e.get("role") == "SENDER")
        offset = 0
        while True:
            page = loads(http.get(endpoint, params={"date_from": "2000-01-01T00:00:00Z", "offset": offset,
                                                    "limit": MAX_PAGE}).content)["data"]
            count += len(page)
            offset += len(page)
            if len(page) < MAX_PAGE:
                break
    print(count)


def login(url: str, config: str, env: dict[str, str], token: str = TOKEN) -> None:
    subprocess.run([sys.executable, "-m", "ocpispec", "login", url, "--token", token, "--party", "NL-ABC"],
                   cwd=REPO, env={**env, "OCPISPEC_CONFIG_DIR": config}, check=True, capture_output=True)


def get_vs_plain(runs: int, sessions: int, ref: str | None) -> None:
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="ocx-bench-get-") as work, revision(ref) as tree, \
            demo_server(sessions, 0) as url:
        pycache, config = f"{work}/pyc", f"{work}/config"
        here = environment(pycache, None, config)
        login(url, config, here)
        get = [python, "-m", "ocpispec", "get", "sessions"]
        me = [python, str(Path(__file__).resolve()), "--plain-client", url]
        commands = {"plain httpx client, json (floor)": ([*me, "json"], here),
                    "plain httpx client, orjson": ([*me, "orjson"], here),
                    "ocpispec get sessions": (get, here),
                    f"ocpispec get sessions --page-size {MAX_PAGE}": ([*get, "--page-size", str(MAX_PAGE)], here)}
        if tree is not None:
            commands[f"  {ref}: ocpispec get sessions"] = (get, environment(f"{pycache}-ref", tree, config))
        samples = interleaved(commands, runs)
    print(f"\n`get sessions` of {sessions} sessions at 0 ms, {runs} interleaved rounds (fresh processes):")
    table(samples, "plain httpx client, json (floor)")


# -- a crawl at 50 ms ----------------------------------------------------------------------

def serve_static(sessions: int, latency_ms: float) -> None:
    """`--serve-static N MS`: the pre-rendered realistic pages (`realistic.py`), each answer
    after `MS` ms, until stdin closes. Its own CPU is a few microseconds a page, so the
    crawl is measured rather than the server's rendering."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    import realistic

    plain = realistic._handler

    def slow(pages: realistic.Pages, *rest: object) -> type:
        class Slow(plain(pages, *rest)):  # type: ignore[misc]
            def do_GET(self) -> None:  # noqa: N802
                time.sleep(latency_ms / 1000)
                super().do_GET()
        return Slow

    realistic._handler = slow
    with realistic.static_server(realistic.rendered_pages(sessions, MAX_PAGE)) as url:
        print(json.dumps({"url": url, "token": realistic.TOKEN}), flush=True)
        sys.stdin.read()


@contextmanager
def static_server(sessions: int, latency_ms: float) -> Iterator[dict[str, str]]:
    command = [sys.executable, str(Path(__file__).resolve()), "--serve-static", str(sessions), str(latency_ms)]
    process = subprocess.Popen(command, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        yield json.loads(process.stdout.readline())
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(timeout=10)


def crawl_once(url: str, token: str, concurrency: int, mode: str) -> None:
    """`--crawl URL TOKEN CONCURRENCY MODE`, in a fresh process (so `--against` can run
    another tree): prints the wall and CPU seconds of one crawl of `sessions`, after a
    discovery that is not timed. Modes: `stored` (the profile's discovery, gradual
    connections), `burst` (stored, every connection at once), `discover` (no profile)."""
    from ocpispec.ocpi import Credentials, FetchOptions, OcpiClient, crawl
    from ocpispec.ocpi.profiles import Profile
    discovered = OcpiClient.connect(Credentials(url, token, party="NL-ABC"))
    profile = Profile("bench", url, token, party="NL-ABC", version=discovered.version,
                      to_party=discovered.to_party, endpoints=dict(discovered.endpoints),
                      created_at="2099-01-01T00:00:00Z")
    discovered.close()
    if mode == "burst":
        crawl._FIRST_IN_FLIGHT = concurrency
    credentials = profile.credentials(reuse_discovery_for=None if mode == "discover" else math.inf)
    started, cpu = time.perf_counter(), time.process_time()
    with OcpiClient.connect(credentials, options=FetchOptions(concurrency=concurrency)) as client:
        count = sum(len(page) for page in client.fetch_pages("sessions"))
    print(json.dumps({"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu,
                      "objects": count}))


def crawl_seconds(url: str, token: str, concurrency: int, mode: str, tree: Path | None) -> dict:
    env = environment(tempfile.gettempdir() + "/ocx-bench-crawl-pyc", tree)
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--crawl", url, token,
                           str(concurrency), mode], cwd=env.get("PYTHONPATH", REPO), env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the crawl failed:\n{done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["objects"] == 0:
        raise RuntimeError("no sessions")
    return result


def parse_seconds(bodies: list[bytes]) -> float:
    """Parse time: `orjson.loads` of every page body, the least any client spends on them
    (the fastest of 5 passes)."""
    import orjson
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        for body in bodies:
            orjson.loads(body)
        timings.append(time.perf_counter() - started)
    return min(timings)


def get_seconds(config: str, tree: Path | None) -> dict:
    """`ocpispec get sessions > /dev/null` as a user runs it (a fresh process, start-up,
    the privacy filter and the writing included), with its CPU seconds."""
    import resource
    env = environment(tempfile.gettempdir() + "/ocx-bench-crawl-pyc", tree, config)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds = wall([sys.executable, "-m", "ocpispec", "get", "sessions"], env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"seconds": seconds, "cpu": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime}


def latency(runs: int, sessions: int, ref: str | None, latency_ms: float = 50.0, concurrency: int = 4) -> None:
    sys.path.insert(0, str(REPO / "benchmarks"))
    import realistic
    bodies = realistic.rendered_pages(sessions, MAX_PAGE).modules["sessions"]
    parse = parse_seconds(bodies)
    pages = math.ceil(sessions / MAX_PAGE)
    floor = 3 * latency_ms / 1000 + pages * latency_ms / 1000 / concurrency + parse
    modes = {"stored discovery, gradual connections": "stored",
             "stored discovery, all connections at once": "burst",
             "discovering first (no profile)": "discover",
             "`ocpispec get sessions` (fresh process)": "get"}
    with revision(ref) as tree, static_server(sessions, latency_ms) as server, \
            tempfile.TemporaryDirectory(prefix="ocx-bench-lat-") as config:
        login(server["url"], config, environment(config + "/pyc", None), server["token"])
        trees = {"": None} if tree is None else {"": None, f"{ref}: ": tree}
        samples: dict[str, list[dict]] = {f"{label}{name}": [] for label in trees for name in modes}
        jobs = [(f"{label}{name}", mode, there) for label, there in trees.items() for name, mode in modes.items()]
        for round_number in range(runs + 1):
            shift = round_number % len(jobs)
            for name, mode, there in jobs[shift:] + jobs[:shift]:
                result = (get_seconds(config, there) if mode == "get" else
                          crawl_seconds(server["url"], server["token"], concurrency, mode, there))
                if round_number:
                    samples[name].append(result)
    print(f"\n{sessions} realistic sessions at {latency_ms:.0f} ms from a static page server (its own "
          f"process), concurrency {concurrency}, {runs} interleaved runs; each crawl a fresh process, "
          "timed from `connect` (start-up and an untimed first discovery excluded):")
    print(f"  floor: 3 x {latency_ms:.0f} ms + {pages} pages x {latency_ms:.0f} ms / {concurrency} "
          f"+ parse {parse * 1000:.0f} ms (orjson, {sum(map(len, bodies)) / 1e6:.1f} MB) = {floor * 1000:.0f} ms")
    print(f"  {'':48} {'median':>11}  (p25-p75; min)              x floor   CPU median")
    for name, results in samples.items():
        seconds = [r["seconds"] for r in results]
        cpu = statistics.median(r["cpu"] for r in results)
        print(f"  {name:48} {spread(seconds):42} {statistics.median(seconds) / floor:6.2f}x  "
              f"{cpu * 1000:7.0f} ms")


def _third(runs: int) -> int:
    """The rounds of `get` and `latency`: a third of `runs`, at least 3 unless `runs` is fewer."""
    return max(min(3, runs), runs // 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15,
                        help="rounds of startup; get and latency run a third as many (at least 3, or RUNS when fewer)")
    parser.add_argument("--sessions", type=int, default=20_000)
    parser.add_argument("--against", metavar="REF", help="also measure this git revision")
    parser.add_argument("--only", default="startup,get,latency")
    parser.add_argument("--plain-client", nargs=2, metavar=("URL", "PARSER"), help=argparse.SUPPRESS)
    parser.add_argument("--serve-static", nargs=2, metavar=("SESSIONS", "MS"), help=argparse.SUPPRESS)
    parser.add_argument("--crawl", nargs=4, metavar=("URL", "TOKEN", "CONCURRENCY", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.plain_client:
        plain_client(*args.plain_client)
        return
    if args.serve_static:
        serve_static(int(args.serve_static[0]), float(args.serve_static[1]))
        return
    if args.crawl:
        crawl_once(args.crawl[0], args.crawl[1], int(args.crawl[2]), args.crawl[3])
        return
    print("command:", " ".join(["python", *sys.argv]), f"({os.cpu_count()} cores, load "
          f"{os.getloadavg()[0]:.1f}: the machine may be shared)")
    parts = args.only.split(",")
    if "startup" in parts:
        startup(args.runs, args.against)
    if "get" in parts:
        get_vs_plain(_third(args.runs), args.sessions, args.against)
    if "latency" in parts:
        latency(_third(args.runs), args.sessions, args.against)


if __name__ == "__main__":
    main()
