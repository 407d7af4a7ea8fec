"""How many late records a `--lookback` re-read may bring: a bound on the part of the
window's list before the watermark.

The crawl's bound on a list that grows as it is read (`ocpi/crawl_bound.py`) takes every
object updated before the crawl began as one the list held: an honest list, however long,
gains few objects as it is read, and those are updated now. A platform that invents
objects back-dated into windows delivered already (an adversary, or a replica replaying a
backlog at every request) passes that test, and a platform sending no `X-Total-Count` says
nothing of its growth: a `--lookback` run read on as long as the platform invented (1,384
requests of sessions until a test's platform stopped). The part before the watermark has
a measure of its own, though: the records the runs before read there, whose digests the
state keeps. Late records past twice those, and 20 pages' worth more (pages as long as the
crawl's), stop the reading; the window cannot be proven complete (OCX571, nothing
committed, the state unchanged), and the run says why. An honest late arrival (a CDR
rated after its session, a backlog after an outage) does not come near it, and once the
platform stops the next run delivers every record once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

FLOOR_PAGES = 20    # pages as long as the crawl's a lookback may bring late whatever was read before
TIMES_HELD = 2      # ... and late records per record the runs before read in the part re-read


class LateBound:
    """The late records of a lookback's `Screen`, stopped past their bound."""

    def __init__(self, screen: Any, module: str, audited: Any) -> None:
        self._screen, self._module, self._audited = screen, module, audited
        self.stopped = False

    def __call__(self, records: Iterable[dict]) -> Iterator[dict]:
        screen = self._screen
        limit = self._limit()
        for record in records:
            yield record
            if screen.late > limit:
                limit = self._limit()   # pages may have come longer since
                if screen.late > limit:
                    self.stopped = self._audited.stopped_by_bound = True
                    return

    def doubt(self) -> str:
        """Why the window cannot be proven complete, once `stopped`."""
        held = self._screen.held
        return (f"`{self._module}`: {self._screen.late:,} late records came as the part before the watermark "
                f"was read again, more than twice the {held:,} the runs before read there and "
                f"{self._floor():,} more; stopped reading (the platform adds records back-dated into windows "
                "delivered already faster than they are read, or its list does not end)")

    def _limit(self) -> int:
        return self._floor() + TIMES_HELD * self._screen.held

    def _floor(self) -> int:
        return FLOOR_PAGES * max(1, self._audited.widest)
