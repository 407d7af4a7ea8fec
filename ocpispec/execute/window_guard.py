"""The window a crawl's records are held to on our side, `date_from <= last_updated <
date_to`: `WindowGuard` tells on which side of it a stamp lies, on canonical text where
the platform sends it and on instants otherwise. Apart from `crawls.py`, which counts
what lies outside and what that says about the platform's filters.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ocpispec.timestamps import format_timestamp, parse_timestamp


class WindowGuard:
    """`date_from <= last_updated < date_to` (None: open), on canonical text where the
    platform sends it and on instants otherwise. The bounds are whole seconds, as the
    platform is asked for them (`get --date-to 12:00:00.5Z` asks `12:00:00Z`): the text
    of a stamp is its second, and a stamp read whole (`12:00:00.200Z`, as worker
    processes hand it on) lies on the same side of a bound within its second."""

    __slots__ = ("_from", "_to", "date_from", "date_to")

    def __init__(self, date_from: datetime | None, date_to: datetime | None) -> None:
        self.date_from, self.date_to = _whole(date_from), _whole(date_to)
        self._from, self._to = _text(date_from), _text(date_to)

    def side(self, stamp: Any) -> int:
        """-1 before the window, 0 inside, 1 at or after its end."""
        # text compares as time only in the canonical form (a space for the `T` sorts first)
        if stamp.__class__ is str and len(stamp) == 20 and stamp[19] == "Z" and stamp[10] == "T":
            low, high, value = self._from, self._to, stamp
        else:
            moment = parse_timestamp(stamp)
            if moment is None:   # the client checked `last_updated`; never here
                return 0
            low, high, value = self.date_from, self.date_to, moment
        if low is not None and value < low:
            return -1
        if high is not None and value >= high:
            return 1
        return 0


def _text(moment: datetime | None) -> str | None:
    return None if moment is None else format_timestamp(moment)


def _whole(moment: datetime | None) -> datetime | None:
    return moment if moment is None or not moment.microsecond else moment.replace(microsecond=0)
