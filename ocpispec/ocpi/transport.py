"""One GET against an OCPI platform: auth, tracing and routing headers, retries,
rate limit, redirects and the OCPI envelope.

`Transport.get` returns an `Answer` (the envelope's `data` plus what pagination
needs) or raises `OcpiError`. Retried with exponential backoff and jitter:
connection errors, HTTP 5xx and 429 (honouring `Retry-After`, else `RateLimit-Reset` or
`X-RateLimit-Reset`; one longer than
`retry_after_give_up` fails at once instead of waiting the most each time), truncated
bodies and bodies that do not decode as their `Content-Encoding` says; a request without an answer in time once at most. Not retried: TLS
failures, a body outliving the request deadline, and a 500/3000 answering the
first request (likely a wrong token). OCPI status 3000, 4002 and 4003 in an
answer are retried like HTTP 5xx (after that first request). A 401/403 after data requests were answered
with the same token form is retried too (a platform refreshing its token store). Token encoding `auto` tries Base64 for
2.2+ (raw for 2.1.1) and switches once to the other form on a 401 (or that first
500/3000). The token goes only to the login URL's host and hosts allowed at login.
Each answer's `Date` header (or, without one, its envelope's `timestamp`) is kept as
the platform's clock (`clock.py`).
"""

from __future__ import annotations

import base64
import contextlib
import random
import re
import ssl
import threading
import time
import uuid
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from ocpispec.frozen import frozen
from ocpispec import __version__
from ocpispec.logs import HTTP
from ocpispec.ocpi import errors, hosts
from ocpispec.ocpi.body import decode_body, labelled_packed, wide_charset
from ocpispec.ocpi.clock import ClockReading, read_date, read_envelope_time
from ocpispec.ocpi.deadline import WATCHDOG, Overrun, RequestGuard
from ocpispec.ocpi.errors import OcpiError, fail, safe_url, shown_url, status_line, status_meaning
from ocpispec.ocpi.failures import (BodyTooLarge, Retry, body_too_large, ca_bundle_error, first_answer_failed,
                                    give_up, http_error, int_or_none, overrun_error, run_deadline_error, status_error, tls_error, unauthorized, wait_too_long)
from ocpispec.ocpi.links import next_href
from ocpispec.ocpi.options import Credentials, FetchOptions, split_party
from ocpispec.ocpi.proxies import LOOPBACK_DIRECT, require_usable_proxy
from ocpispec.ocpi.stats import FetchStats, Warnings
from ocpispec.ocpi.tls import UnreadableCaBundle, tls_context
from ocpispec.timestamps import loose_timestamps

_MAX_REDIRECTS = 5


@frozen
class Answer:
    url: str
    status: int
    headers: httpx.Headers
    data: Any
    next_link: str | None
    loose_timestamps: bool       # some DateTime in the body is not `YYYY-MM-DDTHH:MM:SSZ`


class _FirstAnswerFailed(Exception):
    """HTTP 500 or OCPI 3000 before anything was answered: likely a wrong token."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


_TIMEOUT_RETRIES = 1
_REFUSAL_RETRIES = 2     # a 401/403 after the token worked: a hiccup passes, a refusal stays


class Transport:
    def __init__(self, credentials: Credentials, options: FetchOptions, stats: FetchStats,
                 warnings: Warnings, transport: httpx.BaseTransport | None = None) -> None:
        self.options = options
        self._stats = stats
        self._warnings = warnings
        self._token = credentials.token
        errors.keep_secret(credentials.token)
        errors.note_given_url(credentials.versions_url)
        self._login_url = credentials.versions_url
        self._allowances = credentials.allowed_hosts
        self._answered = False           # a first request answered: a later 500 is not about the token
        self._setting = credentials.token_encoding
        self._encoding = "plain" if self._setting == "plain" else "base64"
        self._switched = False
        self._data_switched = False          # switched on a data request (at most once)
        self._confirmed: str | None = None   # the encoding a data request was answered with
        self._lock = threading.Lock()
        self._routing: dict[str, str] = {}
        self._limiter = RateLimiter(options.requests_per_second)
        self._slots: Any = contextlib.nullcontext()   # shared with another transport: a semaphore
        self.clock: ClockReading | None = None  # the platform's clock, from its latest `Date`
        # `auth=httpx.Auth()`: a URL the platform lists with `user:password@` would make
        # httpx send Basic authentication in place of the token. `mounts`: this machine's
        # own addresses never go through a proxy of the environment (`HTTPS_PROXY`), whose
        # loopback is another machine's: `--demo` and a platform behind an SSH tunnel
        # failed on a machine with a proxy set, their token sent to the proxy
        if transport is None:
            require_usable_proxy()
        self._http = httpx.Client(transport=transport, verify=tls_context(), timeout=options.timeout,
                                  follow_redirects=False, auth=httpx.Auth(), mounts=LOOPBACK_DIRECT,
                                  headers={"User-Agent": f"ocpispec/{__version__}", "Accept": "application/json"},
                                  limits=httpx.Limits(max_connections=max(10, 2 * options.concurrency)))

    def close(self) -> None:
        self._http.close()

    def share_budget(self, other: Transport) -> None:
        """Send requests within one budget with `other` (a second connection to the same
        platform, read at the same time): `--rps` counts the requests of both, and at most
        `--concurrency` of them are in flight together (a request's time limit starts
        when it has its slot)."""
        if isinstance(self._slots, contextlib.nullcontext):
            self._slots = threading.BoundedSemaphore(self.options.concurrency)
        other._limiter, other._slots = self._limiter, self._slots

    @property
    def encoding(self) -> str:
        return self._encoding

    @property
    def forms_differ(self) -> bool:
        """Whether a data request was answered only in the other token form than the one
        it was first sent in (after discovery chose that one)."""
        return self._data_switched and self._confirmed is not None

    def use_version(self, version: str) -> None:
        """Pick the token encoding `version` calls for, unless the platform has
        already shown (by a 401) that it wants the other one."""
        with self._lock:
            if self._setting == "auto" and not self._switched:
                self._encoding = "plain" if version == "2.1.1" else "base64"

    def start_in(self, encoding: str) -> None:
        """Send the token in `encoding`, the form discovery took (`auto`: a data request
        refused in it may still switch once)."""
        with self._lock:
            self._encoding, self._switched = encoding, True

    def forget_unconfirmed_switch(self) -> None:
        """Undo a switch of the token form that no answer confirmed (a first answer that was
        a server error tried the other form): discovery then asks with the form it would
        have used, not one the platform may refuse."""
        with self._lock:
            if self._switched and self._confirmed is None:
                self._switched = False
                self._encoding = "plain" if self._setting == "plain" else "base64"

    def route(self, version: str, party: str | None, to_party: str | None) -> None:
        """The `OCPI-from-*`/`OCPI-to-*` headers for data requests (2.2+ only)."""
        self._routing = {} if version == "2.1.1" else _routing_headers(party, to_party)

    def get(self, url: str, *, routing: bool = False, correlation_id: str | None = None,
            missing_ok: bool = False, prepare: Callable[[bytes], Any] | None = None,
            flags: bool = True, fitted: Callable[[Any, bytes], Any] | None = None) -> Answer | None:
        """`prepare`, when given, reads a body instead of `decode_body` (worker processes
        parse and check a page's objects); a body it returns None for is decoded here.
        `flags`: whether the body may hold privacy flags (`repeated.FLAGGED_MODULES`).
        `fitted`: `decode_body`'s test of a page without loose timestamps (`fitted_pages`)."""
        self._check_host(url)
        failures = timeouts = refusals = 0
        while True:
            outcome = self._attempt(url, routing, correlation_id, missing_ok, prepare, flags, fitted)
            if not isinstance(outcome, Retry):
                return outcome
            failures += 1
            timeouts += outcome.timed_out
            refusals += outcome.code == errors.UNAUTHORIZED
            if failures > self.options.max_retries or timeouts > _TIMEOUT_RETRIES or refusals > _REFUSAL_RETRIES:
                raise give_up(url, outcome, failures, unconfirmed=routing and self._confirmed is None)
            if outcome.retry_after is not None and outcome.retry_after > self.options.retry_after_give_up:
                raise wait_too_long(url, outcome, self.options.retry_after_give_up)
            self._stats.add(retries=1)
            delay = self._delay(failures, outcome.retry_after)
            HTTP.info("retry %d of GET %s in %.1f s: %s", failures, safe_url(url), delay,
                      outcome.reason, extra={"event": "retry", "method": "GET",
                                             "url": safe_url(url), "attempt": failures,
                                             "delay_s": round(delay, 3), "reason": outcome.reason})
            if self.options.deadline is not None and time.monotonic() + delay >= self.options.deadline:
                raise run_deadline_error(url, f"waiting {delay:.1f} s to retry after: {outcome.reason}")
            time.sleep(delay)

    def _check_host(self, url: str) -> None:
        """The token goes only to the host and port of the URL the user gave, or to hosts
        allowed at login, and never in clear text when the user gave an https:// URL."""
        at_home = hosts.place(url) == hosts.place(self._login_url)
        allowance = None if at_home else hosts.allowed(url, self._allowances)
        if not at_home and allowance is None:
            raise _foreign(url, self._login_url)
        if _scheme(self._login_url) == "https" and _scheme(url) != "https":
            raise fail(errors.FOREIGN_HOST, "the platform points to a plain http:// URL, but you logged in "
                       "over https://; the token is not sent unencrypted",
                       notes=[f"URL you gave: {safe_url(self._login_url)}",
                              f"the platform's URL: {safe_url(url)}"],
                       help="ask the CPO to list https:// URLs; if the host speaks https, log in again with "
                            "`--endpoint-scheme-from-url` to use https:// for its endpoints")
        if allowance is not None:
            self._warnings.add(f"sending the token to `{allowance[:80]}` as allowed at login (--allow-host)",
                               kind=f"allowed-host-{allowance}")

    # -- one attempt --------------------------------------------------------------

    def _attempt(self, url: str, routing: bool, correlation_id: str | None,
                 missing_ok: bool, prepare: Callable[[bytes], Any] | None = None,
                 flags: bool = True, fitted: Callable[[Any, bytes], Any] | None = None) -> Answer | Retry | None:
        first_failure: str | None = None
        for _ in range(_MAX_REDIRECTS + 1):
            self._limiter.wait()
            encoding = self._encoding
            self._stats.add(requests=1)
            with self._slots:
                budget, run_limited = self._budget(url)
                started = time.monotonic()
                try:
                    response, content = self._send(url, self._headers(encoding, routing, correlation_id),
                                                   budget, run_limited)
                    self.clock = read_date(response.headers.get("date"), time.monotonic()) or self.clock
                    _log_request(url, response.status_code, len(content), started)
                except httpx.TimeoutException:
                    if run_limited:
                        raise run_deadline_error(url, "waiting for an answer") from None
                    waited = min(self.options.timeout, budget)
                    return Retry(errors.CONNECTION_FAILED, f"no answer within {waited:g} s", timed_out=True)
                except Overrun as overrun:
                    if overrun.received is None and not run_limited:     # not even headers: no answer
                        return Retry(errors.CONNECTION_FAILED, f"no answer within {budget:g} s", timed_out=True)
                    raise overrun_error(url, overrun) from None
                except BodyTooLarge as too_large:
                    raise body_too_large(url, too_large) from None
                except UnreadableCaBundle as unreadable:
                    raise ca_bundle_error(url, unreadable) from None
                except httpx.DecodingError:     # a gzip/deflate body that is not: a proxy or a cut stream
                    return Retry(errors.INVALID_RESPONSE, "the body does not decode as its `Content-Encoding` "
                                 "header says")
                except httpx.InvalidURL:
                    raise fail(errors.INVALID_VERSION_DETAILS, "the platform lists a URL that is not "
                               "valid (it holds a character a URL cannot hold)",
                               notes=[f"URL: {shown_url(url)}"],
                               help="ask the CPO to fix the URLs in its versions, version details "
                                    "and `Link` headers") from None
                except httpx.UnsupportedProtocol:
                    raise fail(errors.INVALID_VERSION_DETAILS, "the platform lists a URL that is not http(s)",
                               notes=[f"URL: {safe_url(url)}"],
                               help="ask the CPO to fix the URLs in its versions and version details") from None
                except httpx.TransportError as exc:
                    if _tls_failure(exc):
                        raise tls_error(url, self._login_url, exc) from None
                    return Retry(errors.CONNECTION_FAILED, _describe(exc))
            status = response.status_code
            if status in (401, 403):
                if self._confirmed == encoding:     # the token worked: a refusal now is the platform's hiccup
                    return Retry(errors.UNAUTHORIZED, f"{status_line(status)} after the token was accepted",
                                 http_status=status)
                if self._switch_encoding(encoding, routing):
                    continue
                if first_failure is not None:   # 500 in one form, 401 in the other: say both
                    raise first_answer_failed(url, f"{first_failure}, then HTTP {status}", status,
                                              self._setting, encoding)
                raise unauthorized(url, status, self._setting, encoding)
            if status in (301, 302, 303, 307, 308) and "location" in response.headers:
                target = _same_origin_redirect(url, response.headers["location"])
                if errors.addresses_object(url):
                    errors.note_redirected_object(target)
                url = target
                continue
            try:
                answer = self._answer(url, response, content, missing_ok, prepare, flags, fitted)
                if routing and isinstance(answer, Answer):
                    self._confirmed = encoding
                return answer
            except _FirstAnswerFailed as first:
                if self._switch_encoding(encoding):     # a refusal (401) only may switch again on data
                    first_failure = first.what
                    continue                # a platform may answer the other token form with a 500 too
                raise first_answer_failed(url, first.what, status, self._setting, encoding) from None
        raise fail(errors.HTTP_ERROR, "too many redirects", notes=[f"request: GET {safe_url(url)}"],
                   help="check the versions URL; the platform keeps redirecting")

    def _budget(self, url: str) -> tuple[float, bool]:
        """Seconds this request may take, and whether the run's deadline is what limits it."""
        budget = self.options.request_timeout
        if self.options.deadline is not None:
            left = self.options.deadline - time.monotonic()
            if left <= 0:
                raise run_deadline_error(url, "before the request was sent")
            if left < budget:
                return left, True
        return budget, False

    def _send(self, url: str, headers: dict[str, str], budget: float,
              run_limited: bool) -> tuple[httpx.Response, bytes]:
        """The response and its body, within `budget` seconds of wall clock: connecting and
        each read wait at most that long, and a watchdog shuts the socket under a request
        still running at the deadline (headers or body trickling in).
        The body is kept out of the response object: httpx responses sit in a reference
        cycle, and a body inside one would live until the next full garbage collection."""
        guard = RequestGuard()
        ticket = WATCHDOG.watch(budget, guard.cut)
        chunks: list[bytes] = []
        received, limit = 0, self.options.max_body_bytes
        try:
            with self._http.stream("GET", url, headers=headers, timeout=httpx.Timeout(min(self.options.timeout, budget)),
                                   extensions={"trace": guard.trace}) as response:
                guard.attach(response.extensions.get("network_stream"))
                packing = response.headers.get("content-encoding", "").strip().lower()
                packed = packing in ("gzip", "deflate")
                # decompressed: a gzip bomb counts as unpacked; gzip and deflate after they are read
                # (`_labelled_packed`)
                for chunk in response.iter_raw() if packed else response.iter_bytes():
                    received += len(chunk)
                    if received > limit:
                        raise BodyTooLarge(limit)
                    chunks.append(chunk)
                content = b"".join(chunks)
                return response, self._labelled_packed(url, content, packing) if packed else content
        except httpx.TransportError:
            if not guard.fired:
                raise
            raise Overrun(sum(map(len, chunks)) if guard.headers else None, budget, run_limited) from None
        finally:
            WATCHDOG.release(ticket)

    def _labelled_packed(self, url: str, content: bytes, packing: str) -> bytes:
        """A body labelled gzip or deflate, unpacked; one that is not compressed at all is read
        as it is, with a warning (a gateway labelling what it did not pack failed every attempt)."""
        read = labelled_packed(url, content, packing, self.options.max_body_bytes)
        if read is None:
            raise httpx.DecodingError(f"a {packing} body that does not unpack")
        if not read[1] and content:
            self._warnings.add(f"the platform labels answers `Content-Encoding: {packing}` that are not "
                               "compressed; read as they are", kind=f"{packing}-label")
        return read[0]

    def _answer(self, url: str, response: httpx.Response, content: bytes,
                missing_ok: bool, prepare: Callable[[bytes], Any] | None = None,
                flags: bool = True, fitted: Callable[[Any, bytes], Any] | None = None) -> Answer | Retry | None:
        status = response.status_code
        if status == 500 and not self._answered:
            raise _FirstAnswerFailed(status_line(status))
        if status == 429 or status >= 500:
            wait, said_by = _retry_after(response)
            return Retry(errors.RETRIES_EXHAUSTED, status_line(status), wait, wait_header=said_by)
        if status == 404 and missing_ok:
            return None
        if status == 204:           # No Content: an answer without `data` (some platforms' empty page)
            self._answered = True
            return Answer(url, status, response.headers, None, _next_link(response), False)
        body = prepare(content) if prepare is not None and status < 300 else None
        prepared, loose = body is not None, None
        if body is None:
            if fitted is not None and status < 300:     # scanned once, before the test
                loose = loose_timestamps(content) or wide_charset(response, content)
            body = decode_body(url, response, content, limit=self.options.max_body_bytes,
                               warn=self._warnings.add, flags=flags, fitted=None if loose is not False else fitted)
        if isinstance(body, str):                 # truncated: worth another try
            return Retry(errors.INVALID_RESPONSE, body)
        if status == 404 and _empty_success(body):
            self._warnings.add("the platform answers an empty list with HTTP 404 (and OCPI status 1000 without "
                               "objects); read as an empty page", kind="empty-404")
        elif status >= 300:
            raise http_error(url, response, body)
        data = self._unwrap(url, response, body, missing_ok)
        if data is _MISSING:
            return None
        if isinstance(data, Retry):
            return data
        link = _next_link(response)
        if loose is None:
            loose = not prepared and (loose_timestamps(content) or wide_charset(response, content))
        self._answered = True
        return Answer(url, status, response.headers, data, link, loose)

    def _unwrap(self, url: str, response: httpx.Response, body: Any, missing_ok: bool) -> Any:
        if bare(body):       # the `data` alone: a list, or version details
            self._warnings.add("the platform answers without the OCPI envelope (`status_code`, `data`); "
                               "reading the answer as its `data`", kind="bare-answer")
            return body
        if not isinstance(body, dict) or not ("status_code" in body or "data" in body):
            raise fail(errors.INVALID_RESPONSE, "the answer is JSON but not an OCPI response",
                       notes=[f"request: GET {safe_url(url)}",
                              "expected an object with `status_code` and `data`"],
                       help="check that the URL is an OCPI endpoint (the versions URL of the platform)")
        if read_date(response.headers.get("date"), 0.0) is None:  # the envelope's clock, then
            self.clock = read_envelope_time(body.get("timestamp"), time.monotonic()) or self.clock
        if "status_code" not in body:
            self._warnings.add("the platform's answers carry no `status_code`; assuming success")
            return body.get("data")
        code = int_or_none(body.get("status_code"))
        if code is not None and 1000 <= code < 2000:
            return body.get("data")
        if missing_ok and code in (2003, 2004):
            return _MISSING
        if code == 3000 and not self._answered:
            raise _FirstAnswerFailed(f"OCPI status 3000, {status_meaning(3000)}")
        if code in _PASSING_STATUS:   # the envelope's 5xx: retried like one
            return Retry(errors.OCPI_STATUS, f"OCPI status {code} ({status_meaning(code)})")
        raise status_error(url, response.status_code, code, body.get("status_message"), body.get("status_code"))

    # -- helpers ------------------------------------------------------------------

    def _headers(self, encoding: str, routing: bool, correlation_id: str | None) -> dict[str, str]:
        token = self._token if encoding == "plain" else base64.b64encode(self._token.encode()).decode()
        headers = {"Authorization": f"Token {token}", "X-Request-ID": str(uuid.uuid4()),
                   "X-Correlation-ID": correlation_id or str(uuid.uuid4())}
        if routing:
            headers.update(self._routing)
        return headers

    def _switch_encoding(self, used: str, routing: bool = False) -> bool:
        """Whether to try the request again in the other token form (`auto` only): once,
        and once more on the first data request when discovery chose the form (a gateway in
        front of the versions URL may take the other form than the data endpoints)."""
        with self._lock:
            data = routing and self._confirmed is None and not self._data_switched
            if self._setting != "auto" or self._switched and self._encoding == used and not data:
                return False
            if self._encoding == used:
                self._encoding = "plain" if used == "base64" else "base64"
                self._switched = True
                self._data_switched |= routing
            return True

    def _delay(self, failures: int, retry_after: float | None) -> float:
        backoff = min(self.options.backoff_max, self.options.backoff_base * 2 ** (failures - 1))
        delay = backoff * random.uniform(0.5, 1.0)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.options.retry_after_max))
        return delay


_MISSING = object()
# OCPI statuses of a passing failure (generic server error; a hub's timeout or connection
# problem forwarding the request), retried like HTTP 5xx once the platform has answered
_PASSING_STATUS = frozenset({3000, 4002, 4003})


class RateLimiter:
    """At most `rate` requests per second across all threads (None: no limit)."""

    def __init__(self, rate: float | None) -> None:
        self._interval = 1.0 / rate if rate else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self._interval:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self._interval
        if start > now:
            time.sleep(start - now)


def _routing_headers(party: str | None, to_party: str | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    if (ours := split_party(party)) is not None:
        headers.update({"OCPI-from-country-code": ours[0], "OCPI-from-party-id": ours[1]})
    if (theirs := split_party(to_party)) is not None:
        headers.update({"OCPI-to-country-code": theirs[0], "OCPI-to-party-id": theirs[1]})
    return headers


def _empty_success(body: Any) -> bool:
    """An OCPI envelope saying success (1000) with no objects: some platforms send it with
    HTTP 404 for a window without objects. Any other 404 is an error (a 2xxx status may
    mean the token is unknown: never read as "nothing there")."""
    return (isinstance(body, dict) and int_or_none(body.get("status_code")) == 1000
            and body.get("data") in (None, []))


def _foreign(url: str, login_url: str) -> OcpiError:
    target = (hosts.refused(url, login_url, ()) or "")[:80]
    same_host = hosts.place(url)[0] == hosts.place(login_url)[0]
    what = f"another port (`{target}`) of the host" if same_host else f"another host (`{target}`) than the URL"
    return fail(errors.FOREIGN_HOST, f"the platform points to {what} you gave; the token is not sent there",
                notes=[f"URL you gave: {safe_url(login_url)}", f"the platform's URL: {safe_url(url)}"],
                help=f"if `{target}` belongs to the platform, log in again with `--allow-host {target}`")


def _scheme(url: str) -> str:
    try:
        return urlsplit(url).scheme.lower()
    except ValueError:
        return ""


def _tls_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _same_origin_redirect(url: str, location: str) -> str:
    target = urljoin(url, location)
    if not errors.same_origin(target, url):
        # another host is the platform's text (a subdomain may hold a driver's address or a
        # token): only a place on the request's own host is named
        same_host = hosts.place(target)[0] == hosts.place(url)[0]
        where = "another scheme or port of the same host" if same_host else "another host"
        shown = errors.origin(target) if same_host else "another host (not shown: the platform chose its name)"
        raise fail(errors.HTTP_ERROR, f"the platform redirects to {where}; not following it with the token",
                   notes=[f"request: GET {safe_url(url)}", f"redirect to: {shown}"],
                   help="use the redirect target as the versions URL if you trust it (its `Location` "
                        "header: `curl -sI URL`), then log in again")
    return target


def _log_request(url: str, status: int, size: int, started: float) -> None:
    if HTTP.isEnabledFor(20):  # logging.INFO: skip the URL work when nobody listens
        shown = safe_url(url)
        ms = round((time.monotonic() - started) * 1000, 1)
        HTTP.info("GET %s -> %d, %d bytes, %.0f ms", shown, status, size, ms,
                  extra={"event": "request", "method": "GET", "url": shown, "status": status,
                         "bytes": size, "ms": ms})


def bare(body: Any) -> bool:
    """An answer that is the `data` of an envelope by itself: a list (of versions or of
    objects), or version details (`{"version": ..., "endpoints": [...]}`)."""
    if isinstance(body, list):
        return True
    return isinstance(body, dict) and isinstance(body.get("endpoints"), list) \
        and "status_code" not in body and "data" not in body


def _next_link(response: httpx.Response) -> str | None:
    """The `Link` header's URL with relation `next` (`links.next_href`)."""
    return next_href(response.headers.get_list("link"))


def _retry_after(response: httpx.Response) -> tuple[float | None, str]:
    """Seconds to wait before the next request, and the header that says so: `Retry-After`,
    else the rate-limit headers API gateways send instead (`RateLimit-Reset`, the IETF
    draft's seconds; `X-RateLimit-Reset`, seconds or a Unix time). Without them a platform
    limiting requests per minute outlasted the retries' backoff (about 12 s)."""
    headers = response.headers
    value = headers.get("retry-after")
    if value is not None:
        return _retry_after_value(response, value), "Retry-After"
    for name in ("RateLimit-Reset", "X-RateLimit-Reset"):
        value = headers.get(name)
        if value is not None and re.fullmatch(r"\s*\d{1,15}\s*", value):
            return _reset_seconds(response, int(value)), name
    return None, "Retry-After"


def _reset_seconds(response: httpx.Response, value: int) -> float:
    """`X-RateLimit-Reset` is a delta in seconds or, as some gateways send it, a Unix time
    (seconds, or milliseconds), measured from the answer's own `Date` like a `Retry-After` date."""
    if value < 10**9:
        return float(value)
    until = value / 1000 if value >= 10**12 else float(value)
    sent = read_date(response.headers.get("date"), 0.0)
    return max(0.0, until - (sent.said.timestamp() if sent is not None else time.time()))


def _retry_after_value(response: httpx.Response, value: str) -> float | None:
    if re.fullmatch(r"\s*\d{1,12}(\.\d+)?\s*", value):    # seconds (a fraction is not HTTP, but read)
        return float(value)
    try:
        until = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    # a date is the platform's time: measured from its own `Date`, a clock that differs
    # from ours neither skips the wait (behind) nor makes it hours long (ahead)
    sent = read_date(response.headers.get("date"), 0.0)
    return max(0.0, until - (sent.said.timestamp() if sent is not None else time.time()))


def _describe(exc: httpx.TransportError) -> str:
    """The library's text goes into the retry's log line too: without the token."""
    text = errors.without_secrets(str(exc))
    match exc:
        case httpx.ConnectError():
            return f"cannot connect ({text})" if text else "cannot connect"
        case httpx.RemoteProtocolError():
            return "the server closed the connection without a complete answer"
        case _:
            return f"{type(exc).__name__}: {text}" if text else type(exc).__name__

