"""The pace of requests to a platform: our own limit across threads (`--rps`,
`RateLimiter`), and the wait a platform asks for before the next request (`retry_after`:
`Retry-After`, else the rate-limit headers API gateways send). Apart from the transport,
which sends and retries: `doctor`'s recorder paces its requests with the same limiter.
"""

from __future__ import annotations

import re
import threading
import time
from email.utils import parsedate_to_datetime

import httpx

from ocpispec.ocpi.clock import read_date


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


def retry_after(response: httpx.Response) -> tuple[float | None, str]:
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
