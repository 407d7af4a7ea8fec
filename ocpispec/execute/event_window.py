"""`window on start_date_time`: a window on an event time of the record, where OCPI
can only filter on `last_updated`.

A session's or CDR's `last_updated` is never before its start or its end: the record
is created when the session starts and updated when it ends or is billed. So every
record whose event time lies in `[start, end)` was last updated at or after `start`.
The fetch therefore asks for `last_updated >= start - EVENT_MARGIN` with no upper
bound (a CDR of a March session may be issued in April), a superset, and this module
keeps the records whose event time falls in `[start, end)`. The margin absorbs clocks
that disagree: the charger stamps the start, the platform `last_updated`.

"Open-ended" is a list pinned at `MOVED_MARGIN` before the run starts, then a second
list of the records updated since that pin (`keep_moved`). A record of the window the
platform updates while the first list is read leaves it (its `last_updated` passes the
pin) before its page comes; the next run reads another event-time window, so without
the second list it was never delivered. A record both lists hold is delivered once: as
the first list read it, unless that version was left out (a session still ACTIVE, where
the export keeps COMPLETED ones) and the later one is not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from ocpispec.plan import ir
from ocpispec.execute.windows import ResolvedWindow
from ocpispec.timestamps import TimestampError, format_timestamp, parse_timestamp, read_timestamp

EVENT_MARGIN = timedelta(days=1)
# the first list ends this long before the run starts: a platform clock that lags ours
# by less still stamps a record updated during the crawl after the pin, so it leaves the
# list (which the crawl sees as a shrinking total) instead of moving to its end and
# shifting an unread record onto a page already read
MOVED_MARGIN = timedelta(minutes=10)


def pin(window: ResolvedWindow, now: datetime) -> datetime:
    """Where the first list of an event window ends and the list of updates starts."""
    start = superset(window).date_from
    return max(now - MOVED_MARGIN, read_timestamp(start)) if start is not None else now - MOVED_MARGIN


def superset(window: ResolvedWindow) -> ResolvedWindow:
    """What to fetch by `last_updated` for an event window: from EVENT_MARGIN before its
    start, open-ended."""
    start = window.date_from
    if start is not None:
        start = format_timestamp(read_timestamp(start) - EVENT_MARGIN)
    return ResolvedWindow(start, None, window.first_run, window.watermark, window.rule)


class EventWindow:
    """Keeps the wire records whose event time is in `[window.date_from, date_to)`;
    counts the others (`outside`), including records without a readable event time."""

    def __init__(self, step: ir.Window, version: str, window: ResolvedWindow,
                 compile: Callable[[str], Any],
                 key: Callable[[dict], tuple[str, ...]] | None = None) -> None:
        expression = next(item.expression for item in step.event_expressions
                          if item.version == version)
        self.extract = compile(expression)
        self.field = step.event_time or ""
        self.start = _moment(window.date_from)
        self.end = _moment(window.date_to)
        # after a window by `last_updated` (`window_basis`): records updated from then
        # on whose event time lies before this window were in neither
        self.unread_from = _moment(window.unread_from)
        self.outside = 0
        self.moved = 0       # records of the window delivered from the list of updates
        self.repeated = 0    # records of that list delivered already
        self._key = key
        self._kept: dict[int, bool] = {}  # key fingerprints read (with `key`): delivered?

    def keep(self, records: Iterable[Any],
             dropped: Callable[[], int] | None = None) -> Iterator[Any]:
        """The records inside the window. With a `key`, those the pipeline delivered
        are remembered for `keep_moved`: `dropped` counts the records it left out (by
        `where`, privacy, invalid), and a record is done with once the next is asked
        for, so a version left out (an ACTIVE session) gives way to a later one."""
        for record in records:
            if not self._inside(record):
                self.outside += 1
                continue
            before = dropped() if dropped is not None else 0
            yield record
            if self._key is not None and isinstance(record, dict):
                self._kept[hash(self._key(record))] = dropped is None or dropped() == before

    def keep_moved(self, records: Iterable[Any], pin: datetime) -> Iterator[Any]:
        """The records of the list of updates since `pin` that are inside the window
        and were not delivered from the first list (each once). A record it holds from
        before the pin (a platform that ignores `date_from`) was the first list's to
        count: it is only delivered when the first list did not bring it."""
        assert self._key is not None
        for record in records:
            if not isinstance(record, dict):
                yield record      # the pipeline counts it as invalid
                continue
            updated = parse_timestamp(record.get("last_updated"))
            again = updated is not None and updated < pin   # the first list's version
            if not self._inside(record):
                self.outside += not again
                continue
            delivered = self._kept.get(fingerprint := hash(self._key(record)))
            if delivered or (delivered is not None and again):
                self.repeated += not again
                continue
            self._kept[fingerprint] = True
            self.moved += 1
            yield record

    def _inside(self, record: Any) -> bool:
        if not isinstance(record, dict):
            return True  # the pipeline counts it as invalid
        found = self.extract(record)
        value = found.get(self.field) if isinstance(found, dict) else None
        if not isinstance(value, str):
            return False
        try:
            moment = read_timestamp(value)
        except (TimestampError, ValueError):
            return False
        if self.start is not None and moment < self.start:
            return self._unread(record)
        return self.end is None or moment < self.end

    def _unread(self, record: dict) -> bool:
        """An event before the window, updated when the last window (by `last_updated`)
        had closed: no window held it."""
        if self.unread_from is None:
            return False
        updated = parse_timestamp(record.get("last_updated"))
        return updated is not None and updated >= self.unread_from


def _moment(text: str | None) -> datetime | None:
    return read_timestamp(text) if text is not None else None
