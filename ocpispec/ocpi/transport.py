"""One GET against an OCPI platform: auth, tracing and routing headers, retries,
rate limit, redirects and the OCPI envelope.

`Transport.get` returns an `Answer` (the envelope's `data` plus what pagination
needs) or raises `OcpiError`. Retried with exponential backoff and jitter:
connection errors, HTTP 5xx, 408, 425 and 429 (honouring `Retry-After`, else `RateLimit-Reset` or
`X-RateLimit-Reset`; one longer than
`retry_after_give_up` fails at once instead of waiting the most each time), truncated
bodies, answers broken off after their headers (OCX504 when given up on) and bodies that do not decode as their `Content-Encoding` says; a request without an answer in time once at most. Not retried: TLS
failures, a body outliving the request deadline, and a 500/3000 answering the
first request (likely a wrong token). OCPI status 3000, 4002 and 4003 in an
answer are retried like HTTP 5xx (after that first request). A 401/403 after data requests were answered
with the same token form is retried too (a platform refreshing its token store). Token encoding `auto` tries Base64 for
2.2+ (raw for 2.1.1) and switches once to the other form on a 401 (or that first
500/3000). The token goes only to the login URL's host and hosts allowed at login.
Each answer's `Date` header (or, without one, its envelope's `timestamp`) is kept as
the platform's clock (`clock.py`).

Its parts beside it: `answer_reading.py` reads an answer's body and envelope,
`pacing.py` paces the requests, `token_places.py` refuses a place the token must not go,
`token_sending.py` sends the token (its form, headers and hosts), `transport_errors.py` reads httpx's errors.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx

from ocpispec import __version__
from ocpispec.logs import HTTP
from ocpispec.ocpi import errors
from ocpispec.ocpi.answer_reading import Answer, AnswerReading, FirstAnswerFailed
from ocpispec.ocpi.clock import ClockReading, read_date
from ocpispec.ocpi.deadline import Overrun
from ocpispec.ocpi.errors import OcpiError, fail, safe_url, shown_url, status_line
from ocpispec.ocpi.error_answers import error_answer, with_challenge
from ocpispec.ocpi.failures import (BodyBrokeOff, BodyStalled, BodyTooLarge, Retry, body_too_large, ca_bundle_error,
                                    first_answer_failed, give_up, lost_endpoint, overrun_error, run_deadline_error,
                                    tls_error, unauthorized, wait_past_deadline, wait_too_long)
from ocpispec.ocpi.options import Credentials, FetchOptions
from ocpispec.ocpi.pacing import RateLimiter
from ocpispec.ocpi.proxies import LOOPBACK_DIRECT, require_usable_proxy
from ocpispec.ocpi.stats import FetchStats, Warnings
from ocpispec.ocpi.tls import UnreadableCaBundle, tls_context
from ocpispec.ocpi.token_places import query_kept, same_origin_redirect
from ocpispec.ocpi.token_sending import TokenSending
from ocpispec.ocpi.transport_errors import describe, tls_failure

_MAX_REDIRECTS = 5
_TIMEOUT_RETRIES = 1
_REFUSAL_RETRIES = 2     # a 401/403 after the token worked: a hiccup passes, a refusal stays
_TOLD_WAIT = 10.0        # seconds: a wait the platform asks for this long is said as it begins


class Transport(AnswerReading, TokenSending):
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
        self._accepted_paths: set[str] = set()   # where data requests were answered
        self._accepted_by: str | None = None   # what answered the token before any data request did
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

    def accepted_by(self, what: str) -> None:
        """Discovery: what answered this token (`accepted it for its credentials`), so that a
        data request refused later is said to be refused for its module, not as a wrong token."""
        self._accepted_by = self._accepted_by or what

    def _never_answered(self, url: str) -> bool:
        """Whether no data request under this URL's path (nor above it) was answered: a
        refusal there is one module's, where the token works for others."""
        path = _endpoint_path(url)
        with self._lock:
            answered = tuple(self._accepted_paths)
        return not any(path == done or path.startswith(f"{done}/") or done.startswith(f"{path}/") for done in answered)

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
            if self.options.deadline is not None and (left := self.options.deadline - time.monotonic()) <= delay:
                if outcome.retry_after is not None and outcome.retry_after >= left:
                    raise wait_past_deadline(url, outcome, left)
                raise run_deadline_error(url, f"waiting {delay:.1f} s to retry after: {outcome.reason}")
            if outcome.retry_after is not None and delay >= _TOLD_WAIT:
                self._warnings.add(self._waiting(outcome, delay), kind="platform-asks-to-wait")
            time.sleep(delay)

    # -- one attempt --------------------------------------------------------------

    def _attempt(self, url: str, routing: bool, correlation_id: str | None,
                 missing_ok: bool, prepare: Callable[[bytes], Any] | None = None,
                 flags: bool = True, fitted: Callable[[Any, bytes], Any] | None = None) -> Answer | Retry | None:
        first_failure: str | None = None
        asked = url
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
                except BodyStalled as stalled:
                    if run_limited:
                        raise run_deadline_error(url, f"receiving the answer (so far the headers and "
                                                      f"{stalled.received} bytes of the body)") from None
                    return Retry(errors.REQUEST_TIMEOUT, stalled.stalled(min(self.options.timeout, budget)),
                                 timed_out=True)
                except BodyBrokeOff as cut:
                    if tls_failure(cut.cause):
                        raise tls_error(url, self._login_url, cut.cause) from None
                    how = describe(cut.cause) if not isinstance(cut.cause, httpx.RemoteProtocolError) \
                        else "the server closed the connection"
                    return Retry(errors.INVALID_RESPONSE, cut.reason(how))
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
                    if tls_failure(exc):
                        raise tls_error(url, self._login_url, exc) from None
                    return Retry(errors.CONNECTION_FAILED, describe(exc))
            status = response.status_code
            if status in (401, 403):
                challenge = response.headers.get("www-authenticate")
                if self._confirmed == encoding:     # the token worked: a refusal now is the platform's hiccup
                    return Retry(errors.UNAUTHORIZED, with_challenge(error_answer(
                        f"{status_line(status)} after the token was accepted", content), challenge),
                                 http_status=status, module_refused=self._never_answered(url))
                if self._switch_encoding(encoding, routing):
                    continue
                if first_failure is not None:   # 500 in one form, 401 in the other: say both
                    raise first_answer_failed(url, f"{first_failure}, then HTTP {status}", status,
                                              self._setting, encoding)
                raise unauthorized(url, status, self._setting, encoding,
                                   accepted_by=self._accepted_by if routing else None, body=content,
                                   challenge=challenge)
            if status in (301, 302, 303, 307, 308) and "location" in response.headers:
                target = same_origin_redirect(url, response.headers["location"], self._login_url)
                if (kept := query_kept(url, target)) != target:
                    self._warnings.add("the platform redirects list requests to another path without their "
                                       "query (the date filters, `offset` and `limit`); ocpispec keeps the query",
                                       kind="redirect-drops-query")
                    target = kept
                if errors.addresses_object(url):
                    errors.note_redirected_object(target)
                url = target
                continue
            try:
                answer = self._answer(url, response, content, missing_ok, prepare, flags, fitted)
                if routing and isinstance(answer, Answer):
                    self._confirmed = encoding
                    self._answered_at(asked)
                return answer
            except OcpiError as refused:
                if refused.http_status != 404 or not routing or missing_ok or self._never_answered(url):
                    raise
                raise lost_endpoint(refused) from None
            except FirstAnswerFailed as first:
                if self._switch_encoding(encoding):     # a refusal (401) only may switch again on data
                    first_failure = first.what
                    continue                # a platform may answer the other token form with a 500 too
                raise first_answer_failed(url, first.what, status, self._setting, encoding) from None
        raise fail(errors.HTTP_ERROR, "too many redirects", notes=[f"request: GET {safe_url(url)}"],
                   help="check the versions URL; the platform keeps redirecting")

    def _answered_at(self, url: str) -> None:
        """Notes where a data request was answered: its endpoint's path, an object's too (a
        path per object kept every per-id lookup's, without bound over a long run)."""
        path = _endpoint_path(url)
        if path not in self._accepted_paths and errors.addresses_object(url):
            path = path.rpartition("/")[0]
        if path not in self._accepted_paths:
            with self._lock:    # read by another thread's refusal
                self._accepted_paths.add(path)

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

    def _waiting(self, outcome: Retry, delay: float) -> str:
        """What a run is doing while it waits as long as the platform asked: without it a
        `Retry-After: 299` left a frozen progress bar for up to 25 minutes."""
        return (f"the platform asks to wait before the next request ({outcome.reason} with "
                f"`{outcome.wait_header}`): waiting {delay:.0f} s; ocpispec waits at most "
                f"{self.options.retry_after_max:g} s each time and gives up after "
                f"{self.options.max_retries} retries of a request")

    def _delay(self, failures: int, retry_after: float | None) -> float:
        backoff = min(self.options.backoff_max, self.options.backoff_base * 2 ** (failures - 1))
        delay = backoff * random.uniform(0.5, 1.0)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.options.retry_after_max))
        return delay


def _endpoint_path(url: str) -> str:
    """The URL without its query and a trailing slash: a module's pages share it."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def _log_request(url: str, status: int, size: int, started: float) -> None:
    if HTTP.isEnabledFor(20):  # logging.INFO: skip the URL work when nobody listens
        shown = safe_url(url)
        ms = round((time.monotonic() - started) * 1000, 1)
        HTTP.info("GET %s -> %d, %d bytes, %.0f ms", shown, status, size, ms,
                  extra={"event": "request", "method": "GET", "url": shown, "status": status,
                         "bytes": size, "ms": ms})
