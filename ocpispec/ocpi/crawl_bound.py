"""How far a window's own list may be read: a list that grows as fast as it is read has
no end (a platform ignoring `date_to` and inventing objects at every request, a count
that keeps rising, next links that never run out), and a crawl following it read on as
long as the platform went on.

Two things show such a list, and either stops the crawl once the objects that came pass
twice what it shows the list held, and 20 pages' worth more (pages as long as the first):
  * the objects that came updated before the crawl began (by the earlier of our clock
    and the platform's `Date`): an object updated while the list is read is none of the
    window's, and an honest list, however long, gains few of them as it is read;
  * a believed first `X-Total-Count` that more than doubled as the list was read (a count
    of pages, or `10**30`, that stays as it was shows nothing, and bounds nothing).
The list then cannot be proven complete (`crawl_doubts`: `endless`), and a run fails
with nothing committed. An ordinary platform does not come near it: its list does not
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
        self.first_total = total            # the first page's `X-Total-Count`, where believed
        self.latest_total = total           # ... and the latest page's
        self.taken = 0                      # objects new to the crawl (usable or invalid)
        self.older = 0                      # ... of them updated before the crawl began
        self._began = began
        self._began_text = format_timestamp(began)

    @property
    def by_count(self) -> bool:
        """Whether the first count more than doubled, and as many objects came."""
        first, latest = self.first_total, self.latest_total
        return first is not None and latest is not None and \
            min(latest, self.taken) > self.floor + TIMES_THE_LIST * first

    @property
    def by_stamps(self) -> bool:
        """Whether more objects came than twice those updated before the crawl began."""
        return self.taken > self.floor + TIMES_THE_LIST * self.older

    def take(self, fresh: Any, invalid: int, total: int | None) -> bool:
        """Counts a page's new objects (`total`: its `X-Total-Count`); whether the crawl went
        past its bound. Under a believed count, the objects of the floor's pages are taken as
        held without reading their stamps: a list of fewer pages never pays for it.
        (Invalid objects, whose stamps are not read, are taken as held.)"""
        taken = len(fresh) + invalid
        self.taken += taken
        if total is not None:
            self.latest_total = total
        if self.first_total is not None and self.taken <= self.floor:
            self.older += taken
            return self.by_stamps or self.by_count
        stamps = page_stamps(fresh)
        if self.first_total is not None and self._all_before(stamps):
            self.older += invalid + len(stamps)
        else:
            self.older += invalid + sum(1 for stamp in stamps if self._before(stamp))
        return self.by_stamps or self.by_count

    def _all_before(self, stamps: list[Any]) -> bool:
        """Under a believed count (whose rise stops a list too), a page's stamps at once: all
        before the crawl began where the latest, in the canonical form, is. (A stamp in
        another form sorting below it is taken as before too.)"""
        try:
            latest = max(stamps, default=None)
        except TypeError:
            return False
        return latest.__class__ is str and len(latest) >= 20 and latest[:4].isdigit() \
            and latest[10] == "T" and latest < self._began_text

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
                    held = (f"its `X-Total-Count` rose from {bound.first_total:,} to {bound.latest_total:,} and "
                            f"{bound.taken:,} objects came, more than twice the {bound.first_total:,} its first page "
                            "counted" if bound.by_count else
                            f"{bound.taken:,} objects came, more than twice the {bound.older:,} updated before its "
                            "reading began")
                    self._warnings.add(
                        f"the `{self._target.module}` list went on growing as it was read: {held}, and "
                        f"{bound.floor:,} more; stopped reading (the platform adds objects faster than they are "
                        "read, or its list does not end)", kind="endless")
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
