"""A small rewriting proxy on 127.0.0.1 in front of the demo CPO, for platform
deviations the demo does not produce itself.

    with RewritingProxy(server.origin, rewrite) as proxy:
        proxy.origin      # http://127.0.0.1:PORT, forwards every GET to the demo

URLs of the demo in bodies and `Link` headers are rewritten to the proxy's origin.
`rewrite(path, status, headers, body)` returns the (status, headers, body) to send (header names lowercase);
it may answer without asking the demo by returning a status before (`early`), and ask the demo
for another path than the one requested (`route`: a path the proxy hands out in place of the demo's).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

# one client for every request a test proxy forwards: `httpx.get` builds a client per call,
# and with it a TLS context that reads the CA bundle (40-100 ms of CPU; ocpispec itself
# builds one per process, transport.tls_context) for an http:// upstream that never uses
# it. No keep-alive: each forwarded request opens its own connection, as before.
_UPSTREAM = httpx.Client(timeout=10, limits=httpx.Limits(max_keepalive_connections=0))


def upstream_get(url: str, headers: dict[str, str] | None = None) -> httpx.Response:
    """`httpx.get(url, headers=headers, timeout=10)` without a new client per request."""
    return _UPSTREAM.get(url, headers=headers)


Rewrite = Callable[[str, int, dict[str, str], bytes], tuple[int, dict[str, str], bytes]]
Early = Callable[[str], tuple[int, dict[str, str], bytes] | None]


class RewritingProxy:
    def __init__(self, upstream: str, rewrite: Rewrite, early: Early | None = None,
                 route: Callable[[str], str] | None = None) -> None:
        self.upstream = upstream
        self.rewrite = rewrite
        self.early = early
        self.route = route
        self.paths: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # a kept-alive body after its headers: no 40 ms stall

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def do_GET(self) -> None:  # noqa: N802
                proxy.paths.append(self.path)
                answer = proxy.early(self.path) if proxy.early else None
                if answer is None:
                    headers = {k: v for k, v in self.headers.items() if k.lower() in ("authorization", "accept")}
                    asked = proxy.route(self.path) if proxy.route else self.path
                    response = upstream_get(proxy.upstream + asked, headers)
                    kept = {k.lower(): v.replace(proxy.upstream, proxy.origin) for k, v in response.headers.items()
                            if k.lower() in ("content-type", "link", "x-total-count", "x-limit")}
                    body = response.content.replace(proxy.upstream.encode(), proxy.origin.encode())
                    answer = proxy.rewrite(self.path, response.status_code, kept, body)
                status, headers, body = answer
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> RewritingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
