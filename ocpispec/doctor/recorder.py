"""The HTTP layer under every `doctor` request: read-only, bounded, rate-limited, timed.

`Recorder` wraps the real httpx transport. It refuses anything but GET (doctor never
writes to a platform), stops after `max_requests` requests or `max_seconds` of
probing, spaces requests to at most `rate` per second, and keeps each exchange
(status, headers, body, time, and which form the token was sent in) so the checks
can look at what the platform really answered. The token itself is never kept.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import httpx

from ocpispec.ocpi.errors import shown_parameter_name, shown_path, without_secrets
from ocpispec.ocpi.pacing import RateLimiter
from ocpispec.ocpi.proxies import EnvironmentTransport
from ocpispec.ocpi.tls import tls_context


class ProbeStopped(Exception):
    """A limit of the probing was reached; the remaining checks are skipped."""


class WriteRefused(ProbeStopped):
    """Doctor tried a request other than GET: a bug, and never sent."""


@dataclass(frozen=True, slots=True)
class Exchange:
    url: str
    status: int | None          # None: no answer
    headers: httpx.Headers
    body: bytes                 # decoded (content-encoding undone)
    seconds: float
    token_form: str             # base64 | raw | other | none
    broke_off: bool = False     # the connection failed part way through the body


class Recorder(httpx.BaseTransport):
    def __init__(self, token: str, *, max_requests: int, max_seconds: float, rate: float | None,
                 inner: httpx.BaseTransport | None = None, max_bytes: int = 32 * 1024 * 1024) -> None:
        # the environment's proxy, as `run` and `get` use it: without it `doctor` found a
        # platform behind a company proxy unreachable that exports reached
        self._inner = inner or EnvironmentTransport(verify=tls_context())
        self._forms = {f"Token {base64.b64encode(token.encode()).decode()}": "base64", f"Token {token}": "raw"}
        self._max_requests = max_requests
        self.max_seconds = max_seconds
        self.max_bytes = max_bytes
        self._limiter = RateLimiter(rate)
        self._started: float | None = None
        self.exchanges: list[Exchange] = []

    @property
    def requests(self) -> int:
        return len(self.exchanges)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method != "GET":
            raise WriteRefused(f"doctor only reads; refused {request.method}")
        self._check_budget()
        self._limiter.wait()
        started = time.monotonic()
        form = self._forms.get(request.headers.get("authorization", ""),
                               "other" if "authorization" in request.headers else "none")
        try:
            response = self._inner.handle_request(request)
        except httpx.TransportError:
            self.exchanges.append(Exchange(str(request.url), None, httpx.Headers(), b"",
                                           time.monotonic() - started, form))
            raise
        # the body is read as the client reads it, so the client's own request deadline
        # (which shuts the socket under a trickling body) works through the recorder
        recorded = _RecordedStream(self, str(request.url), response, started, form)
        return httpx.Response(response.status_code, headers=response.headers, stream=recorded,
                              extensions=response.extensions, request=request)

    def close(self) -> None:
        """Each client closes its transport; the recorder outlives them (see `shutdown`)."""

    def shutdown(self) -> None:
        self._inner.close()

    def _check_budget(self) -> None:
        now = time.monotonic()
        if self._started is None:
            self._started = now
        if len(self.exchanges) >= self._max_requests:
            raise ProbeStopped(f"the budget of {self._max_requests} requests is spent")
        if now - self._started > self.max_seconds:
            raise ProbeStopped(f"the probing time of {self.max_seconds:g} s is spent")

    def _record(self, url: str, response: httpx.Response, raw: bytes, seconds: float, form: str,
                broke_off: bool = False) -> None:
        decoded = httpx.Response(response.status_code, headers=response.headers, stream=httpx.ByteStream(raw))
        try:
            body = decoded.read()
        except httpx.DecodingError:
            body = raw
        self.exchanges.append(Exchange(url, response.status_code, response.headers, body, seconds, form, broke_off))


class _RecordedStream(httpx.SyncByteStream):
    """The body of one answer, passed on chunk by chunk and kept for the checks; the
    exchange is recorded once the body is read, cut off or closed."""

    def __init__(self, recorder: Recorder, url: str, response: httpx.Response, started: float, form: str) -> None:
        self._recorder, self._url, self._response = recorder, url, response
        self._started, self._form = started, form
        self._chunks: list[bytes] = []
        self._done = False
        self._broke_off = False

    def __iter__(self) -> Iterator[bytes]:
        size = 0
        try:
            for chunk in self._response.stream:         # type: ignore[union-attr]
                size += len(chunk)
                if time.monotonic() - self._started > self._recorder.max_seconds:
                    raise ProbeStopped("an answer took longer than the whole probing time")
                if size > self._recorder.max_bytes:
                    raise ProbeStopped(f"an answer was larger than {self._recorder.max_bytes // 2**20} MiB")
                self._chunks.append(chunk)
                yield chunk
        except httpx.TransportError as exc:
            self._broke_off = not isinstance(exc, httpx.TimeoutException)
            raise
        finally:
            self._finish()

    def close(self) -> None:
        try:
            self._response.close()
        finally:
            self._finish()

    def _finish(self) -> None:
        if not self._done:
            self._done = True
            self._recorder._record(self._url, self._response, b"".join(self._chunks),
                                   time.monotonic() - self._started, self._form, self._broke_off)


def shown_url(url: str) -> str:
    """Scheme, host and path, with the query's names (those of a closed vocabulary,
    `errors.shown_parameter_name`) but none of its values, and the path's segments as
    every message shows them (`errors.shown_path`: a segment the platform chose, in an
    endpoint it lists or a redirect, as `(segment)`)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(unparsable URL)"
    names = "&".join(dict.fromkeys(shown_parameter_name(name)
                                   for name, _ in parse_qsl(parts.query, keep_blank_values=True)))
    return without_secrets(urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], shown_path(parts.path),
                                       names, "")))
