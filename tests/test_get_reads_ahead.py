"""`get sessions` reads its pages on while the published locations are read beside it.

The crawl's first page waits for the locations (`cli/get_sites.py`: the scope, and the
check of a charge sent again at a home, need them). The pages after it stopped after
the few in flight and the one handed on (`ocpi.ahead`): the worker processes, or the
fast reader, idled until the locations were read, and on a platform with many sites
the reading of them stood on the way to the first line. Now the crawl reads on, up to
`AHEAD_WHILE_SITES_READ` pages, while the first waits, and then hands on one at a time
as before. The output is the same."""

from __future__ import annotations

import threading

import pytest

from ocpispec.demo import DemoServer
from ocpispec.demo.handler import DemoHandler
from ocpispec.ocpi.crawl_pages import AHEAD_WHILE_SITES_READ

DATE_TO = ("--date-to", "2026-01-01")
PAGES_WANTED = 12   # more than the pages in flight and the one handed on (6 at most)


class _HeldSites(DemoServer):
    """The demo CPO holding back its first location until `PAGES_WANTED` pages of
    sessions were asked for (at most `WAIT` s), noting whether they were."""

    WAIT = 10.0

    def __init__(self, **options) -> None:
        super().__init__(**options)
        self.lock = threading.Lock()
        self.session_pages = 0
        self.enough = threading.Event()
        self.reached: list[tuple[bool, int]] = []   # in time, and the pages asked for by then

    def start(self) -> DemoServer:
        super().start()
        self._httpd.RequestHandlerClass = _CountingSessions  # type: ignore[union-attr]
        return self

    def render(self, version: str, module: str, index: int) -> dict:
        if module == "locations" and index == 0 and not self.reached:
            self.reached.append((self.enough.wait(self.WAIT), self.session_pages))
        return super().render(version, module, index)


class _CountingSessions(DemoHandler):
    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        demo = self.demo  # type: ignore[attr-defined]
        if "/sessions" in self.path:
            with demo.lock:
                demo.session_pages += 1
                if demo.session_pages >= PAGES_WANTED:
                    demo.enough.set()
        super().do_GET()


def _login(run_cli, server: DemoServer) -> None:
    done = run_cli("login", server.versions_url, "--token", server.token, "--party", "NL-ABC")
    assert done.exit_code == 0, done.stderr


@pytest.mark.parametrize("workers", ["1", "2"])
def test_the_sessions_are_read_on_while_the_locations_are(run_cli, workers: str) -> None:
    assert AHEAD_WHILE_SITES_READ >= PAGES_WANTED
    with _HeldSites(version="2.2.1", size=3000, max_page_size=100) as server:
        _login(run_cli, server)
        got = run_cli("get", "sessions", *DATE_TO, "--page-size", "100", "--workers", workers)
        assert got.exit_code == 0, got.stderr
        [(in_time, asked)] = server.reached
        assert in_time, f"{asked} pages of sessions asked for while the locations were held back"
    with DemoServer(version="2.2.1", size=3000, max_page_size=100) as plain:
        _login(run_cli, plain)
        same = run_cli("get", "sessions", *DATE_TO, "--page-size", "100", "--workers", workers)
        assert same.stdout == got.stdout != ""
