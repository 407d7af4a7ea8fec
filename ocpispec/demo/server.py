"""The demo CPO: a real HTTP OCPI server on 127.0.0.1, in a background thread.

    with DemoServer(version="2.2.1", size=500) as server:
        server.versions_url, server.token

`DemoServer(version=V)` serves exactly version V; `versions=(...)` serves several
(the CLI serves all three unless `--version` is given). Routes:
`/ocpi/cpo/versions`, `/ocpi/cpo/{version}` (details), `/ocpi/cpo/{version}/{module}`
(lists) and `/ocpi/cpo/{version}/locations/{id}`.
"""

from __future__ import annotations

import secrets
import threading
from http.server import ThreadingHTTPServer
from typing import Any

from ocpispec.demo.faults import Faults
from ocpispec.demo.record_faults import deviate
from ocpispec.demo.handler import DemoHandler
from ocpispec.demo.served import RequestRecord
from ocpispec.demo.listing import Listing, listings
from ocpispec.demo.world import World

SUPPORTED_VERSIONS = ("2.1.1", "2.2.1", "2.3.0")
PREFIX = "/ocpi/cpo"


class _Server(ThreadingHTTPServer):
    """The HTTP server, quiet about clients that hang up: a client that stops reading
    (an interrupted run, a killed process, a crawl that fetched ahead) resets its
    connections, which a real platform shrugs off. Anything else is still printed."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        import sys

        error = sys.exc_info()[1]
        stopping = getattr(getattr(self, "demo", None), "stopping", None)
        if isinstance(error, ConnectionError) or (stopping is not None and stopping.is_set()):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class DemoServer:
    party = "NL-DMO"

    def __init__(self, *, version: str = "2.2.1", versions: tuple[str, ...] | None = None,
                 size: int = 1000, seed: int = 7, port: int = 0, faults: Faults = Faults(),
                 max_page_size: int = 1000, default_page_size: int | None = None,
                 canaries: bool = False, token: str | None = None) -> None:
        served = tuple(versions) if versions else (version,)
        unknown = [v for v in served if v not in SUPPORTED_VERSIONS]
        if unknown:
            raise ValueError(f"unsupported OCPI version {unknown[0]!r}; choose from {', '.join(SUPPORTED_VERSIONS)}")
        self.versions = tuple(v for v in SUPPORTED_VERSIONS if v in served)
        self.size = size
        self.seed = seed
        self.faults = faults
        self.max_page_size = max_page_size
        self.default_page_size = default_page_size or min(100, max_page_size)
        self.canaries = canaries
        self.token = token or secrets.token_hex(16)
        self.request_log: list[RequestRecord] = []
        self.world = World(seed, size)
        self.lists_every_site = bool(faults.publish_under or faults.repeated_flags)
        self.listings: dict[str, dict[str, Listing]] = {
            v: listings(self.world, v, self.lists_every_site, faults.tokens_per_contract)
            for v in self.versions}
        self._private_site_ids = frozenset(self.world.site(j).id for j in self.world.private_sites())
        self._port = port
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._data_requests = 0
        self._asks: dict[str, int] = {}
        self._stale_answers = 0
        self.connections = 0                   # TCP connections accepted (keep-alive reuses one)
        self._counter_lock = threading.Lock()
        self.stopping = threading.Event()      # set on stop: ends trickling and never-answering replies

    # -- lifecycle ----------------------------------------------------------------

    def start(self) -> DemoServer:
        self.stopping.clear()
        httpd = _Server(("127.0.0.1", self._port), DemoHandler)
        httpd.demo = self  # type: ignore[attr-defined]
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="ocpispec-demo-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses ----------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the demo server is not running; call start() first")
        return self._httpd.server_address[1]

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def versions_url(self) -> str:
        return f"{self.origin}{PREFIX}/versions"

    def details_url(self, version: str) -> str:
        return f"{self.origin}{PREFIX}/{version}"

    def module_url(self, version: str, module: str) -> str:
        return f"{self.details_url(version)}/{module}"

    def login_command(self) -> str:
        return f"ocpispec login {self.versions_url} --token {self.token} --party NL-ABC"

    # -- bookkeeping used by the handler -------------------------------------------

    def count_data_request(self) -> int:
        with self._counter_lock:
            self._data_requests += 1
            return self._data_requests

    def count_ask(self, target: str) -> int:
        """How many times this path and query were asked for before."""
        with self._counter_lock:
            before = self._asks.get(target, 0)
            self._asks[target] = before + 1
            return before

    def count_stale_answer(self) -> int:
        """How many list pages were answered stale (`stale_pages`) before this one."""
        with self._counter_lock:
            self._stale_answers += 1
            return self._stale_answers - 1

    def count_connection(self) -> None:
        with self._counter_lock:
            self.connections += 1

    def record(self, record: RequestRecord) -> None:
        self.request_log.append(record)

    def render(self, version: str, module: str, index: int) -> dict[str, Any]:
        obj = self.listings[version][module].render(index)
        if self.canaries:
            from ocpispec.demo.canary import add_canaries
            add_canaries(version, module, obj, self._private_site_ids.__contains__)
        return deviate(version, module, obj, index, self.faults, self._private_site_ids)
