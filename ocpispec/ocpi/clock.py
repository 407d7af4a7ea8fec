"""The platform's clock, as the HTTP `Date` header of its answers tells it.

A window that ends "now" must end at the platform's now when its clock is behind ours:
records it stamps later carry its time in `last_updated`, and with a window that
ended at our (later) time they would fall into a window already closed
(`execute/platform_clock.py`). The header says whole seconds, rounded down, when the
answer was made; the estimate adds the time passed since the answer arrived, so it
never runs ahead of the platform's clock (by more than the network's delay).

Where the header is missing or does not parse, the OCPI envelope's `timestamp` (the time
the platform made the answer) is read instead, when it names its zone (a timestamp
without one may be local time). Neither is no reading: the run goes on with its own
clock. A date before 2000 or after 9999 is garbage, not a clock.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from ocpispec.frozen import frozen

_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
_ZONED = re.compile(r"(?:[Zz]|[+-]\d\d:?\d\d)$")


@frozen
class ClockReading:
    said: datetime      # the `Date` header, in UTC
    received: float     # `time.monotonic()` when the answer had arrived
    source: str = "the `Date` header"  # or "the envelope `timestamp`"

    def now(self) -> datetime:
        """The platform's time now, never later than its clock says."""
        return self.said + timedelta(seconds=max(0.0, time.monotonic() - self.received))


def read_date(value: str | None, received: float) -> ClockReading | None:
    """The reading of a `Date` header (RFC 9110: `Sun, 06 Nov 1994 08:49:37 GMT`, or
    the obsolete forms), or None for a missing, unparseable or absurd one."""
    if not value or len(value) > 64:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment is None:
        return None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    if moment < _EARLIEST:
        return None
    return ClockReading(moment, received)


def read_envelope_time(value: object, received: float) -> ClockReading | None:
    """The reading of an envelope's `timestamp` that names its zone, or None."""
    from ocpispec.timestamps import parse_timestamp

    if not isinstance(value, str) or len(value) > 40 or not _ZONED.search(value.strip()):
        return None
    moment = parse_timestamp(value)
    if moment is None or moment < _EARLIEST:
        return None
    return ClockReading(moment, received, "the envelope `timestamp`")
