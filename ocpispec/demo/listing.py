"""Module lists of the demo CPO as index arithmetic: windows, counts, pages.

An object is identified by its index; `last_updated` never decreases with the index,
so a `[date_from, date_to)` window is a range found by binary search. Objects
"updated mid-crawl" leave their place and, with their new `last_updated`, join the
end of any window that still contains it.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ocpispec.demo import charges, wire
from ocpispec.demo.tariffs import TARIFF_LIST
from ocpispec.demo.world import World

MODULES = ("cdrs", "locations", "sessions", "tariffs", "tokens")


@dataclass(frozen=True, slots=True)
class Window:
    low: int
    high: int
    moved: tuple[int, ...]        # moved indices inside [low, high): skipped
    moved_tail: tuple[int, ...]   # moved objects whose new last_updated is inside the window


class Listing:
    """One module of one version."""

    def __init__(self, count: int, last_updated: Callable[[int], int],
                 render: Callable[[int], dict[str, Any]]) -> None:
        self.count = count
        self.last_updated = last_updated
        self.render = render
        self.moved: list[int] = []
        self.moved_at = 0
        self.late: tuple[int, ...] = ()   # hidden until the next crawl (`late_records`)
        self.late_state = "none"          # none -> hidden -> arrived
        self.events = False               # sessions and CDRs can arrive late
        self.crawls = 0                   # crawls started (`clock_behind`)
        self.window_end: int | None = None  # the first list's `date_to` (`update_after_window`)
        self._lock = threading.Lock()

    def window(self, date_from: int | None, date_to: int | None) -> Window:
        low = 0 if date_from is None else self._first_at_or_after(date_from)
        high = self.count if date_to is None else self._first_at_or_after(date_to)
        high = max(low, high)   # a window ending before it starts (`visibility_lag`) is empty
        hidden = self.late if self.late_state == "hidden" else ()
        inside = tuple(sorted(i for i in (*self.moved, *hidden) if low <= i < high))
        in_window = ((date_from is None or self.moved_at >= date_from)
                     and (date_to is None or self.moved_at < date_to))
        return Window(low, high, inside, tuple(self.moved) if in_window and self.moved else ())

    def total(self, window: Window) -> int:
        return window.high - window.low - len(window.moved) + len(window.moved_tail)

    def page(self, window: Window, offset: int, limit: int) -> Iterator[tuple[int, bool]]:
        """(index, moved) of the objects at positions [offset, offset + limit)."""
        position = offset
        end = min(offset + limit, self.total(window))
        regular = window.high - window.low - len(window.moved)
        while position < end and position < regular:
            yield self._nth_regular(window, position), False
            position += 1
        while position < end:
            yield window.moved_tail[position - regular], True
            position += 1

    def move(self, indices: list[int], now: int) -> None:
        """Mark objects as updated at `now` (once per listing)."""
        with self._lock:
            if not self.moved:
                self.moved = sorted(i for i in indices if 0 <= i < self.count)
                self.moved_at = now

    def restamp_on_later_crawl(self, now: int) -> None:
        """From the second crawl on, the first object has been updated at `now` (once)."""
        with self._lock:
            self.crawls += 1
            later = self.crawls > 1
        if later:
            self.move([0], now)

    def crawl_started(self, date_from: int | None, date_to: int | None, late: int) -> None:
        """The first crawl misses the window's last `late` objects; the next finds them."""
        with self._lock:
            if self.late_state == "none":
                high = self.count if date_to is None else self._first_at_or_after(date_to)
                self.late = tuple(range(max(0, high - late), high))
                self.late_state = "hidden"
            elif self.late_state == "hidden":
                self.late_state = "arrived"

    def _nth_regular(self, window: Window, position: int) -> int:
        index = window.low + position
        for skipped in window.moved:      # few moved objects: a linear pass is fine
            if skipped <= index:
                index += 1
        return index

    def _first_at_or_after(self, epoch: int) -> int:
        return bisect.bisect_left(range(self.count), epoch, key=self.last_updated)


def listed_sites(world: World, version: str, every: bool = False) -> Sequence[int]:
    """The site indices `/locations` lists, in order. OCPI 2.1.1 has no `publish`
    flag, and private chargers must not be published: there it lists public sites only
    (sessions and CDRs at private sites still name them), unless `every` (the fault
    `publish_under`)."""
    if version != "2.1.1" or every:
        return range(world.site_count)
    private = set(world.private_sites())
    return [j for j in range(world.site_count) if j not in private]


def listings(world: World, version: str, every: bool = False,
             tokens_per_contract: int = 0) -> dict[str, Listing]:
    sites = listed_sites(world, version, every)
    per_driver = max(1, tokens_per_contract)

    def location(position: int) -> dict[str, Any]:
        site = world.site(sites[position])
        owner = world.driver(site.owner_driver) if site.owner_driver is not None else None
        return wire.location(version, site, owner_driver=owner)

    def cdr(k: int) -> dict[str, Any]:
        index, credit = world.cdr_ref(k)
        return charges.cdr(version, world.charge(index), world.cdr_last_updated(k), credit=credit)

    sessions = Listing(world.size, world.session_last_updated,
                       lambda i: charges.session(version, world.charge(i)))
    cdrs = Listing(world.cdr_count(), world.cdr_last_updated, cdr)
    sessions.events = cdrs.events = True
    return {
        "sessions": sessions,
        "cdrs": cdrs,
        "locations": Listing(len(sites), lambda n: world.site(sites[n]).last_updated, location),
        "tariffs": Listing(len(TARIFF_LIST), lambda t: TARIFF_LIST[t].last_updated,
                           lambda t: wire.tariff(version, TARIFF_LIST[t])),
        "tokens": Listing(world.driver_count * per_driver,
                          lambda t: world.driver(t // per_driver).last_updated,
                          lambda t: wire.token(version, world.driver(t // per_driver),
                                               t % per_driver)),
    }
