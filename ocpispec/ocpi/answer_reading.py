"""Reading one answer of an OCPI platform: its body off the wire within the request's
budget (`_send`), a body labelled gzip or deflate (`_labelled_packed`), and the OCPI
envelope around its `data` (`_answer`, `_unwrap`). Apart from `transport.py`, which
decides where a request goes, in which token form and whether it is tried again:
`Transport` mixes this in, and gets back an `Answer`, a `Retry`, None (a missing object)
or `FirstAnswerFailed`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from ocpispec.frozen import frozen
from ocpispec.ocpi import errors
from ocpispec.ocpi.body import Truncated, decode_body, json_text, labelled_packed, wide_charset
from ocpispec.ocpi.clock import ClockReading, read_date, read_envelope_time
from ocpispec.ocpi.deadline import WATCHDOG, Overrun, RequestGuard
from ocpispec.ocpi.errors import fail, safe_url, status_line, status_meaning
from ocpispec.ocpi.error_answers import error_answer, http_error, status_error, with_words
from ocpispec.ocpi.failures import (RETRIED_4XX, BodyBrokeOff, BodyStalled, BodyTooLarge, NotJson, Retry,
                                    int_or_none)
from ocpispec.ocpi.links import next_href
from ocpispec.ocpi.options import FetchOptions
from ocpispec.ocpi.pacing import retry_after
from ocpispec.ocpi.stats import Warnings
from ocpispec.timestamps import loose_timestamps


@frozen
class Answer:
    url: str
    status: int
    headers: httpx.Headers
    data: Any
    next_link: str | None
    loose_timestamps: bool       # some DateTime in the body is not `YYYY-MM-DDTHH:MM:SSZ`


def ends_short(body: bytes) -> bool:
    """Whether a body ends where no JSON answer can (one cut short, or not JSON at all). Its
    connection is not used again: a body cut short by its own `Content-Length` (a server that
    counted wrong) left the rest on the connection, which the next answer read there would
    begin with, and that request failed once more."""
    tail = body[-16:].rstrip()
    return bool(tail) and tail[-1:] not in (b"}", b"]")


class FirstAnswerFailed(Exception):
    """HTTP 500 or OCPI 3000 before anything was answered: likely a wrong token."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


class AnswerReading:
    """What `Transport` gives this mixin: its options, HTTP client and warnings, whether
    the platform has answered a first request, and the platform's clock."""

    options: FetchOptions
    clock: ClockReading | None
    _http: httpx.Client
    _warnings: Warnings
    _answered: bool
    _confirmed: str | None

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
        length: str | None = None
        try:
            with self._http.stream("GET", url, headers=headers, timeout=httpx.Timeout(min(self.options.timeout, budget)),
                                   extensions={"trace": guard.trace}) as response:
                guard.attach(response.extensions.get("network_stream"))
                length = response.headers.get("content-length")
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
                try:
                    body = self._labelled_packed(url, content, packing, response.status_code) \
                        if packed else content
                except httpx.DecodingError:
                    guard.drop()
                    raise
                if ends_short(body):
                    guard.drop()
                return response, body
        except httpx.TransportError as exc:
            if not guard.fired:
                if guard.headers and not isinstance(exc, httpx.TimeoutException):
                    # answered, then cut: a retry's reason and a give-up that say so (a
                    # platform "out of reach" sent users to check their VPN)
                    raise BodyBrokeOff(sum(map(len, chunks)), length, exc) from None
                if guard.headers:   # answered, then silent: not a platform that "did not answer"
                    raise BodyStalled(sum(map(len, chunks)), length, exc) from None
                raise
            raise Overrun(sum(map(len, chunks)) if guard.headers else None, budget, run_limited) from None
        finally:
            WATCHDOG.release(ticket)

    def _labelled_packed(self, url: str, content: bytes, packing: str, status: int) -> bytes:
        """A body labelled gzip or deflate, unpacked; one that is not compressed at all is read
        as it is, with a warning (a gateway labelling what it did not pack failed every attempt).
        A successful answer neither packed nor JSON is a garbled one: worth another try."""
        read = labelled_packed(url, content, packing, self.options.max_body_bytes)
        if read is None or (not read[1] and status < 300 and content.strip() and not json_text(content)):
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
            raise FirstAnswerFailed(error_answer(status_line(status), content))
        if status in RETRIED_4XX or status >= 500:
            wait, said_by = retry_after(response)
            return Retry(errors.RETRIES_EXHAUSTED, error_answer(status_line(status), content), wait,
                         wait_header=said_by)
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
            try:
                body = decode_body(url, response, content, limit=self.options.max_body_bytes, warn=self._warnings.add,
                                   flags=flags, fitted=None if loose is not False else fitted)
            except NotJson as page:
                if self._confirmed is None and page.packed is None:  # no data answered yet: no OCPI endpoint?
                    raise
                return Retry(errors.INVALID_RESPONSE, f"HTTP {status} with {page.reason}",
                             not_json=page.packed is None, packed=page.packed)
        if isinstance(body, Truncated):           # worth another try
            return Retry(errors.INVALID_RESPONSE, body.reason)
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
        if isinstance(body, str):
            raise fail(errors.INVALID_RESPONSE, "the answer is a JSON string, not an OCPI response",
                       notes=[f"request: GET {safe_url(url)}",
                              "expected an object with `status_code` and `data`; a platform that encodes its "
                              "answer twice sends the envelope's JSON as a string (not shown: it may hold "
                              "personal data)"],
                       help="ask the CPO to send the OCPI envelope as a JSON object")
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
            raise FirstAnswerFailed(with_words(f"OCPI status 3000, {status_meaning(3000)}", body.get("status_message")))
        if code in PASSING_STATUS:   # the envelope's 5xx: retried like one
            return Retry(errors.OCPI_STATUS, with_words(f"OCPI status {code} ({status_meaning(code)})",
                                                        body.get("status_message")))
        raise status_error(url, response.status_code, code, body.get("status_message"), body.get("status_code"))


_MISSING = object()
# OCPI statuses of a passing failure (generic server error; a hub's timeout or connection
# problem forwarding the request), retried like HTTP 5xx once the platform has answered
PASSING_STATUS = frozenset({3000, 4002, 4003})


def _empty_success(body: Any) -> bool:
    """An OCPI envelope saying success (1000) with no objects: some platforms send it with
    HTTP 404 for a window without objects. Any other 404 is an error (a 2xxx status may
    mean the token is unknown: never read as "nothing there")."""
    return (isinstance(body, dict) and int_or_none(body.get("status_code")) == 1000
            and body.get("data") in (None, []))


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
