"""Export sessions from the demo CPO: ocpispec's client against a baseline that pulls
16 objects per request, one request at a time (as the original ocpi-tool does).

    .venv/bin/python benchmarks/bench_fetch.py [--sessions 20000] [--repeat 3] [--quick]

The demo server runs in its own process, so timings and memory belong to the client
alone. Prints medians per client and latency, the speed-up, and the peak RSS of a
client-only process exporting 20,000 and 200,000 sessions to /dev/null.
"""

from __future__ import annotations

import argparse
import base64
import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx

TOKEN = "benchmark-token"
BASELINE_PAGE = 16


@contextmanager
def demo_server(sessions: int, latency_ms: float) -> Iterator[str]:
    """A demo CPO (OCPI 2.2.1) in a subprocess; yields its versions URL."""
    command = [sys.executable, "-m", "ocpispec", "demo-server", "--port", "0", "--version", "2.2.1",
               "--size", str(sessions), "--latency-ms", str(latency_ms), "--token", TOKEN]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = _versions_url(process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _versions_url(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    for line in process.stdout:
        if "versions URL:" in line:
            return line.split("versions URL:")[1].strip()
    raise RuntimeError("the demo server did not start")


def ocpispec_export(url: str) -> int:
    from ocpispec.ocpi import Credentials, OcpiClient
    with OcpiClient.connect(Credentials(url, TOKEN, party="NL-ABC")) as client:
        return sum(1 for _ in client.fetch("sessions"))


def baseline_export(url: str) -> int:
    """16 objects per request, sequential, following next links; what ocpi-tool does."""
    headers = {"Authorization": "Token " + base64.b64encode(TOKEN.encode()).decode()}
    with httpx.Client(headers=headers, timeout=30) as http:
        details_url = http.get(url).json()["data"][-1]["url"]
        endpoints = http.get(details_url).json()["data"]["endpoints"]
        next_url: str | None = next(e["url"] for e in endpoints if e["identifier"] == "sessions"
                                    and e.get("role") == "SENDER")
        next_url += f"?date_from=2000-01-01T00:00:00Z&limit={BASELINE_PAGE}"
        count = 0
        while next_url:
            answer = http.get(next_url)
            count += len(json.loads(answer.content)["data"])
            next_url = answer.links.get("next", {}).get("url")
        return count


def timed(export: Callable[[str], int], url: str, expected: int) -> float:
    started = time.perf_counter()
    count = export(url)
    elapsed = time.perf_counter() - started
    if count != expected:
        raise RuntimeError(f"{export.__name__} exported {count} sessions, expected {expected}")
    return elapsed


def speed(sessions: int, latency_ms: float, repeat: int, baseline_repeat: int) -> tuple[float, float]:
    with demo_server(sessions, latency_ms) as url:
        ours = [timed(ocpispec_export, url, sessions) for _ in range(repeat)]
        theirs = [timed(baseline_export, url, sessions) for _ in range(baseline_repeat)]
    return statistics.median(ours), statistics.median(theirs)


def peak_rss_mib(sessions: int) -> float:
    """Peak RSS of a fresh process that exports `sessions` sessions to /dev/null."""
    with demo_server(sessions, 0) as url:
        out = subprocess.run([sys.executable, __file__, "--child-export", url, str(sessions)],
                             check=True, capture_output=True, text=True)
    return float(out.stdout.strip())


def child_export(url: str, expected: int) -> None:
    import orjson

    from ocpispec.ocpi import Credentials, OcpiClient
    count = 0
    with open("/dev/null", "wb") as sink, OcpiClient.connect(Credentials(url, TOKEN, party="NL-ABC")) as client:
        for obj in client.fetch("sessions"):
            sink.write(orjson.dumps(obj) + b"\n")
            count += 1
    if count != expected:
        raise SystemExit(f"exported {count} sessions, expected {expected}")
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)   # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per client and latency (median)")
    parser.add_argument("--quick", action="store_true", help="one run each; the 50 ms baseline still takes a minute")
    parser.add_argument("--child-export", nargs=2, metavar=("URL", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_export:
        child_export(args.child_export[0], int(args.child_export[1]))
        return
    repeat = 1 if args.quick else args.repeat
    print("command:", " ".join([sys.executable.rsplit("/", 1)[-1], *sys.argv]))
    print(f"export of {args.sessions} sessions from the demo CPO (OCPI 2.2.1, server in its own process);"
          f" medians of {repeat} run(s), the baseline at 50 ms runs once (about a minute)")
    print(f"{'latency':>8}  {'ocpispec':>10}  {'baseline (16/request, sequential)':>34}  {'speed-up':>8}")
    for latency in (0.0, 50.0):
        ours, theirs = speed(args.sessions, latency, repeat, 1 if latency else repeat)
        print(f"{latency:>6.0f}ms  {ours:>9.2f}s  {theirs:>33.2f}s  {theirs / ours:>7.1f}x")
    small, large = peak_rss_mib(20_000), peak_rss_mib(200_000)
    print(f"peak RSS of a client-only process: 20,000 sessions {small:.1f} MiB, "
          f"200,000 sessions {large:.1f} MiB (ratio {large / small:.2f})")


if __name__ == "__main__":
    main()
