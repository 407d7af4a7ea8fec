"""A realistic OCPI 2.2.1 data set for the benchmarks, and a static page server.

The demo world keeps at most 500 drivers and 400 sites, so every per-driver memo of
a run hits. Here drivers are unique at realistic repeat rates (a driver charges
about `REPEAT` times in the period, a few drivers far more often), sites number one
per `SESSIONS_PER_SITE` sessions, and every session carries the demo's full field
set (token, charging periods, total cost, meter, authorisation reference).

    pages = rendered_pages(200_000, page_size=1000)   # cached under /tmp
    with static_server(pages) as url:                 # OCPI versions URL on 127.0.0.1
        ...

`sessions(n)` gives the records as a run parses them (serialised, then `orjson.loads`).
The server answers from pre-rendered bytes, so its own CPU does not dominate: every
list page, with its `X-Total-Count`, `X-Limit` and `Link` headers, is built once.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

import orjson

from ocpispec.demo import charges, wire
from ocpispec.demo.world import World

VERSION = "2.2.1"
REPEAT = 6                  # sessions per driver, on average
SESSIONS_PER_SITE = 60      # sessions per site
TOKEN = "bench-static-token"
CACHE = Path("/tmp/ocpispec-bench-data")


class RealisticWorld(World):
    """The demo world with unique drivers and many sites."""

    def __init__(self, seed: int, size: int) -> None:
        super().__init__(seed, size)
        self.site_count = max(24, size // SESSIONS_PER_SITE)
        self.driver_count = max(16, size // REPEAT)


def sessions(n: int, seed: int = 11) -> list[dict]:
    """`n` sessions, serialised and parsed back as a run would see them."""
    world = RealisticWorld(seed, n)
    return [orjson.loads(orjson.dumps(charges.session(VERSION, world.charge(i))))
            for i in range(n)]


def locations(n: int, seed: int = 11) -> list[dict]:
    """The sites of the `n`-session world, parsed back from JSON."""
    world = RealisticWorld(seed, n)
    return [orjson.loads(orjson.dumps(wire.location(VERSION, world.site(j))))
            for j in range(world.site_count)]


@dataclass(frozen=True)
class Pages:
    """Page bodies by module, each a list of (objects, body bytes)."""

    size: int
    page_size: int
    modules: dict[str, list[bytes]]
    totals: dict[str, int]


def rendered_pages(n: int, page_size: int = 1000, seed: int = 11) -> Pages:
    """The list pages of an `n`-session world, rendered once and cached on disk."""
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"pages-{n}-{page_size}-{seed}.pickle"
    if path.exists():
        return Pages(**pickle.loads(path.read_bytes()))  # noqa: S301 - our own cache file
    world = RealisticWorld(seed, n)
    objects = {"sessions": (charges.session(VERSION, world.charge(i)) for i in range(n)),
               "locations": (wire.location(VERSION, world.site(j))
                             for j in range(world.site_count))}
    modules, totals = {}, {"sessions": n, "locations": world.site_count}
    for module, items in objects.items():
        bodies, page = [], []
        for item in items:
            page.append(item)
            if len(page) == page_size:
                bodies.append(_body(page))
                page = []
        if page:
            bodies.append(_body(page))
        modules[module] = bodies
    pages = Pages(n, page_size, modules, totals)
    path.write_bytes(pickle.dumps(vars(pages)))
    return pages


def _body(objects: list[dict]) -> bytes:
    return orjson.dumps({"data": objects, "status_code": 1000, "status_message": "Success",
                         "timestamp": "2026-01-01T00:00:00Z"})


def digest(pages: Pages) -> str:
    return hashlib.sha256(b"".join(pages.modules["sessions"][:3])).hexdigest()[:12]


@contextmanager
def static_server(pages: Pages) -> Iterator[str]:
    """An OCPI 2.2.1 sender of `pages` on 127.0.0.1; yields its versions URL. Pages are
    served by offset (`offset` must be a multiple of the page size). A list from a
    `date_from` after every record's `last_updated` is empty, as a real platform's would
    be (a run's lookup asks for the locations updated while it read them); any other
    date filter is ignored."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(pages, _latest(pages)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/ocpi/versions"
    finally:
        server.shutdown()
        server.server_close()


def _latest(pages: Pages) -> dict[str, str]:
    """Each module's latest `last_updated` (canonical UTC texts, which sort as instants)."""
    return {module: max((obj["last_updated"] for body in bodies
                         for obj in orjson.loads(body)["data"]), default="")
            for module, bodies in pages.modules.items()}


def _handler(pages: Pages, latest: dict[str, str]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        origin = ""
        # headers and body leave in two writes: with Nagle's algorithm the second waited
        # for the client's delayed ACK, 40 ms per small answer (discovery), where a real
        # server answers at once
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

        def do_GET(self) -> None:  # noqa: N802
            origin = f"http://127.0.0.1:{self.server.server_port}"  # type: ignore[attr-defined]
            parts = urlsplit(self.path)
            path = parts.path.rstrip("/")
            if path == "/ocpi/versions":
                return self._json([{"version": VERSION, "url": f"{origin}/ocpi/{VERSION}"}])
            if path == f"/ocpi/{VERSION}":
                endpoints = [{"identifier": m, "role": "SENDER", "url": f"{origin}/ocpi/{VERSION}/{m}"}
                             for m in ("credentials", "locations", "sessions")]
                return self._json({"version": VERSION, "endpoints": endpoints})
            module = path.rsplit("/", 1)[-1]
            if module not in pages.modules:
                return self._send(404, b"{}", [])
            query = parse_qs(parts.query)
            offset = int(query.get("offset", ["0"])[0])
            bodies = pages.modules[module]
            if query.get("date_from", [""])[0] > latest[module]:
                bodies = []
            index = offset // pages.page_size
            body = bodies[index] if index < len(bodies) and offset % pages.page_size == 0 else \
                _body([])
            headers = [("X-Total-Count", str(pages.totals[module] if bodies else 0)),
                       ("X-Limit", str(pages.page_size))]
            if index + 1 < len(bodies):
                following = (index + 1) * pages.page_size
                pairs = [(k, str(following) if k == "offset" else v)
                         for k, v in parse_qsl(parts.query)]
                if "offset" not in query:
                    pairs.append(("offset", str(following)))
                headers.append(("Link", f'<{origin}{parts.path}?{urlencode(pairs)}>; rel="next"'))
            self._send(200, body, headers)

        def _json(self, data: object) -> None:
            self._send(200, json.dumps({"data": data, "status_code": 1000,
                                        "timestamp": "2026-01-01T00:00:00Z"}).encode(), [])

        def _send(self, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler


def main() -> None:
    """`python benchmarks/realistic.py serve N [PAGE_SIZE]`: serve until stdin closes."""
    import sys

    n = int(sys.argv[2])
    page_size = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    with static_server(rendered_pages(n, page_size)) as url:
        print(json.dumps({"url": url, "token": TOKEN}), flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
