"""How far a window's own list may be read: a list that grows as fast as it is read has
no end (a platform ignoring `date_to` and inventing objects at every request, a count
that keeps rising, next links that never run out), and a crawl following it read on as
long as the platform went on.

What the list held when the crawl began bounds it. Where the first page's
`X-Total-Count` can be believed, that count; otherwise the objects that arrived updated
before the crawl began (the platform's clock, where its `Date` says it is behind ours):
an object updated while the list is read is none of the window's, and an honest list
gains few of them. The crawl may take twice as many objects as that, and 20 pages'
worth more (pages as long as its first), before it stops and says so: the list cannot
be proven complete (`crawl_doubts`: `endless`), and a run fails with nothing committed.
An ordinary platform, however big its list, does not come near it: its list does not
double while it is read. (The extra lists read after a window are bounded by what the
window needed, `execute/extra_lists.py`.)
"""

from __future__ import annotations

from datetime import datetime, timedelta
from collections.abc import Iterator
from typing import Any

from ocpispec.ocpi.crawl_pages import Page, page_stamps
from ocpispec.timestamps import format_timestamp, parse_timestamp, utc_now

FLOOR_PAGES = 20        # pages as long as the first a list may take whatever it held
TIMES_THE_LIST = 2      # ... and objects per object it held when its first page came


class GrowthBound:
    """The objects a crawl takes, against what its list held when its first page came."""

    def __init__(self, width: int, total: int | None, began: datetime) -> None:
        self.floor = FLOOR_PAGES * max(1, width)
        self.total = total                  # the first page's `X-Total-Count`, where believed
        self.taken = 0                      # objects new to the crawl (usable or invalid)
        self.older = 0                      # ... of them updated before the crawl began
        self._began = began
        self._began_text = format_timestamp(began)

    @property
    def held(self) -> int:
        """What the list held when the crawl began, as far as it is known."""
        return self.total if self.total is not None else self.older

    @property
    def limit(self) -> int:
        return self.floor + TIMES_THE_LIST * self.held

    def take(self, fresh: Any, invalid: int) -> bool:
        """Counts a page's new objects; whether the crawl went past its bound."""
        self.taken += len(fresh) + invalid
        if self.total is None:
            self.older += invalid + sum(1 for stamp in page_stamps(fresh) if self._before(stamp))
        return self.taken > self.limit

    def _before(self, stamp: Any) -> bool:
        if stamp.__class__ is str and len(stamp) == 20 and stamp[19] == "Z" and stamp[10] == "T":
            return stamp < self._began_text
        moment = parse_timestamp(stamp)
        return moment is None or moment < self._began   # (a stamp that names no time: counted as held)


def began(now: datetime, platform_now: datetime | None) -> datetime:
    """When the crawl began, by the earlier of the two clocks, a second early (the `Date`
    header says whole seconds)."""
    moment = now if platform_now is None else min(now, platform_now)
    return moment.replace(microsecond=0) - timedelta(seconds=1)


class BoundedReading:
    """`Crawl`'s bound on its list's growth (a mixin: it reads and sets the crawl's state)."""

    def _bounded(self) -> Iterator[list[dict[str, Any]]]:
        """`_pages`, stopped once the list grew past what it held when it began
        (`crawl_bound`): the pages in flight are let go, the crawl is said not to be whole."""
        pages = self._pages()
        try:
            for page in pages:
                yield page
                if self._endless:
                    bound = self._bound
                    assert bound is not None
                    held = (f"twice the {bound.held:,} its first page counted (`X-Total-Count`)"
                            if bound.total is not None else
                            f"twice the {bound.held:,} updated before its reading began")
                    self._warnings.add(
                        f"the `{self._target.module}` list went on growing as it was read: {bound.taken:,} objects "
                        f"came, more than {held} and {bound.floor:,} more; stopped reading (the platform adds "
                        "objects faster than they are read, or its list does not end)", kind="endless")
                    return
        finally:
            pages.close()

    def _bind(self, first: Page) -> None:
        """The bound of this list's growth (`crawl_bound`), from its first page."""
        total = first.total
        believed = total is not None and total >= len(first.objects) and not self._total_is_page_length(first)
        width = len(first.objects) or first.x_limit or first.request.limit or 1
        clock = getattr(self._transport, "clock", None)
        self._bound = GrowthBound(width, total if believed else None,
                                  began(utc_now(), clock.now() if clock is not None else None))
