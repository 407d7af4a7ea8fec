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
  latency   the client crawling SESSIONS at 50 ms per request (concurrency 4, stored
            discovery), against the floor (3 round trips + pages x latency / concurrency
            + parse time); and the same crawl opening every connection at once.

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
def revision(ref: str | None) -> Iterator[Path | None]:
    if ref is None:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="ocx-bench-rev-") as folder:
        archive = subprocess.run(["git", "archive", ref], cwd=REPO, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
        yield Path(folder)


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


def login(url: str, config: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "ocpispec", "login", url, "--token", TOKEN, "--party", "NL-ABC"],
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

def crawl_seconds(url: str, concurrency: int, burst: bool, stored: bool = True) -> float:
    from ocpispec.ocpi import Credentials, FetchOptions, OcpiClient, crawl
    from ocpispec.ocpi.profiles import Profile
    discovered = OcpiClient.connect(Credentials(url, TOKEN, party="NL-ABC"))
    profile = Profile("bench", url, TOKEN, party="NL-ABC", version=discovered.version,
                      to_party=discovered.to_party, endpoints=dict(discovered.endpoints),
                      created_at="2099-01-01T00:00:00Z")
    discovered.close()
    saved = crawl._FIRST_IN_FLIGHT
    crawl._FIRST_IN_FLIGHT = concurrency if burst else saved
    try:
        started = time.perf_counter()
        with OcpiClient.connect(profile.credentials(reuse_discovery_for=math.inf if stored else None),
                                options=FetchOptions(concurrency=concurrency)) as client:
            count = sum(1 for _ in client.fetch("sessions"))
        elapsed = time.perf_counter() - started
    finally:
        crawl._FIRST_IN_FLIGHT = saved
    if count == 0:
        raise RuntimeError("no sessions")
    return elapsed


def parse_seconds(url: str, sessions: int) -> float:
    """Parse time: `orjson.loads` of the same pages' bodies (fetched once beforehand), the
    least any client spends on them."""
    import base64

    import httpx
    import orjson
    headers = {"Authorization": "Token " + base64.b64encode(TOKEN.encode()).decode()}
    with httpx.Client(headers=headers, timeout=60) as http:
        endpoint = url.rsplit("/versions", 1)[0] + "/2.2.1/sessions"
        bodies = [http.get(endpoint, params={"date_from": "2000-01-01T00:00:00Z", "offset": offset,
                                             "limit": MAX_PAGE}).content
                  for offset in range(0, sessions, MAX_PAGE)]
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        for body in bodies:
            orjson.loads(body)
        timings.append(time.perf_counter() - started)
    return min(timings)


def latency(runs: int, sessions: int, latency_ms: float = 50.0, concurrency: int = 4) -> None:
    with demo_server(sessions, latency_ms) as url:
        parse = parse_seconds(url, sessions)
        gradual, burst, discovering = [], [], []
        for _ in range(runs):
            gradual.append(crawl_seconds(url, concurrency, False))
            burst.append(crawl_seconds(url, concurrency, True))
            discovering.append(crawl_seconds(url, concurrency, False, stored=False))
    pages = math.ceil(sessions / MAX_PAGE) + 1          # the first page is the server's default size
    floor = 3 * latency_ms / 1000 + pages * latency_ms / 1000 / concurrency + parse
    print(f"\n{sessions} sessions at {latency_ms:.0f} ms, concurrency {concurrency}, stored discovery, "
          f"{runs} interleaved runs:")
    print(f"  floor: 3 x {latency_ms:.0f} ms + {pages} pages x {latency_ms:.0f} ms / {concurrency} "
          f"+ parse {parse * 1000:.0f} ms (orjson) = {floor * 1000:.0f} ms")
    print(f"  gradual connections (default)   {spread(gradual)}  {statistics.median(gradual) / floor:.2f}x floor")
    print(f"  all connections at once         {spread(burst)}  {statistics.median(burst) / floor:.2f}x floor")
    print(f"  discovering first (no profile)  {spread(discovering)}  "
          f"{statistics.median(discovering) / floor:.2f}x floor")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--sessions", type=int, default=20_000)
    parser.add_argument("--against", metavar="REF", help="also measure this git revision")
    parser.add_argument("--only", default="startup,get,latency")
    parser.add_argument("--plain-client", nargs=2, metavar=("URL", "PARSER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.plain_client:
        plain_client(*args.plain_client)
        return
    print("command:", " ".join(["python", *sys.argv]), f"({os.cpu_count()} cores, load "
          f"{os.getloadavg()[0]:.1f}: the machine may be shared)")
    parts = args.only.split(",")
    if "startup" in parts:
        startup(args.runs, args.against)
    if "get" in parts:
        get_vs_plain(max(3, args.runs // 3), args.sessions, args.against)
    if "latency" in parts:
        latency(max(3, args.runs // 3), args.sessions)


if __name__ == "__main__":
    main()
