"""Paging through one module list: the objects of a pinned window, each once.

The first page tells the crawler what the platform does. With `X-Total-Count`
and concurrency > 1 it fetches the remaining pages by offset, several at a time,
and hands them on in offset order; it fetches them in a thread of its own
(`ahead.Ahead`), so requests go on while the consumer works on a page. It opens connections gradually: two pages in
flight at first, one more for every page that arrives, up to the concurrency, so a
platform sees no burst of connects and a short list needs few connections. Otherwise it follows the `Link` next URLs one
by one (see `links`), and without usable links pages by offset until an empty
page. Either way:
  * a page shorter than asked is followed by a request for the rest (servers cap
    `limit` below their `X-Limit`);
  * when `X-Total-Count` shrinks between neighbouring pages, objects moved out of
    the window and everything behind them shifted down: the overlap is fetched
    again (OCPI: "re-request the previous page with offset - 1", generalised);
  * objects are deduplicated by key, checked, and counted by reason when unusable.

`Crawl` holds a crawl's state, reads the first page and accepts each page; its paging by
offset (`crawl_offsets`), by next links (`crawl_links`), its checks that a list read to
its end is whole (`crawl_ends`), its request of one page (`crawl_fetch`) and its bound on
a list that grows as it is read (`crawl_bound`) are mixins over that state, and the pieces they share are in `crawl_pages`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from ocpispec.ocpi.errors import OcpiError
from ocpispec.ocpi.accept import Prepared, accept_prepared, fitted_accepter, page_accepter
from ocpispec.ocpi.clean_pages import CleanPage, accept_clean
from ocpispec.ocpi.fitted_pages import FittedPage, fitted_reader
from ocpispec.ocpi.row_pages import RowPage
from ocpispec.ocpi.objects import ObjectCheck, RecentKeys, key_fields
from ocpispec.ocpi.private_copies import MODULES as PRIVATE_COPY_MODULES
from ocpispec.ocpi.private_copies import PRIVATE_COPY, PrivateCopies
from ocpispec.ocpi.options import FetchOptions
from ocpispec.ocpi.stats import CrawlReport, EventSink, FetchStats, Warnings
from ocpispec.timestamps import parse_timestamp
from ocpispec.ocpi.transport import Transport
from ocpispec.ocpi.crawl_pages import (  # noqa: F401 - the client and doctor import some here
    bad_parameter,
    Noted,
    Page,
    PageOutline,
    PageRequest,
    receiver_only_tokens,
    Target,
)
from ocpispec.ocpi.crawl_ends import EndChecks
from ocpispec.ocpi.crawl_epoch import FLOOR, EpochFloor, before_epoch
from ocpispec.ocpi.early_answers import EarlyAnswer, EarlyAnswers
from ocpispec.ocpi.crawl_fetch import PageFetching
from ocpispec.ocpi.crawl_links import LinkPaging
from ocpispec.ocpi.crawl_offsets import OffsetPaging
from ocpispec.ocpi.crawl_tail import TailCount
from ocpispec.ocpi.crawl_bound import BoundedReading, GrowthBound


class Crawl(LinkPaging, OffsetPaging, EndChecks, TailCount, EarlyAnswers, EpochFloor, PageFetching,
            BoundedReading):
    def __init__(self, transport: Transport, target: Target, options: FetchOptions, stats: FetchStats,
                 warnings: Warnings, events: EventSink | None) -> None:
        self._transport = transport
        self._target = target
        self._options = options
        self._stats = stats
        self.report = CrawlReport(target.module)
        stats.crawls.append(self.report)
        self._warnings = Noted(warnings, self.report)
        self._events = events
        self._check = ObjectCheck(target.version, target.module, stats, target.party)
        self._accepter = page_accepter(self._check, self._note_invalid)
        self._keys = RecentKeys(options.dedup_window)
        # an object sent again as private after a copy that was not (`ocpi.private_copies`)
        self._private_copies = PrivateCopies(target.module, key_fields(target.version, target.module),
                                             self._keys, options.dedup_window, target.scope) \
            if target.module in PRIVATE_COPY_MODULES else None
        self._invalid_prints = RecentKeys(options.dedup_window)     # `accept.invalid_print`s
        self._invalid_again = 0         # invalid objects of the page being accepted sent before
        self._yielded = 0
        self._last_duplicates = 0
        self._stale_lasts = False       # a page of repeats asked for again repeated again
        self._first_total: int | None = None
        # the `X-Total-Count` of the page answered last, as it arrives (the concurrent crawl's
        # fetching threads run ahead of the pages accepted, and of `report.last_total`)
        self._answered_total: int | None = None
        self._totals_at_end: dict[int, int] = {}
        self._links_trusted = True      # false once a followed next link answered 404
        self._empty_pages = 0           # empty pages in a row whose next link was followed
        self._linked_repeats = 0        # pages in a row of objects sent before, each with a next link
        self._ended_empty = False       # the list ended at an empty page without a next link
        self._last_filled: PageOutline | None = None  # the page with objects read at the largest offset
        self._first_filled: PageOutline | None = None  # ... and at the smallest: the list's order
        self._last_short = False        # the last page with objects held fewer than asked
        self._cursor_links = False      # a next link without an offset was followed
        self._linked = False            # some page came with a next link
        self._unfiltered_cursor = False  # such links are followed without our date filters
        self._offset_in_pages = False   # the platform's next links count `offset` in pages
        self._page_size = options.page_size     # None once the platform refused it as `limit`
        self._pages_with_objects = 0    # (a shift between pages needs two of them)
        self._capped_at: int | None = None  # the length of a page cut below `limit` as the list went on
        self._longest = 0               # the most objects a page held so far
        self._links_seen = False        # some page accepted so far came with a next link
        self._bound: GrowthBound | None = None  # what the list may grow to as it is read (`crawl_bound`)
        self._endless = False           # ... and it grew past it: the crawl stopped
        self._window_end = parse_timestamp(target.filters.get("date_to"))
        self._early: dict[str, EarlyAnswer] = {}    # end checks' requests asked early, by URL
        self._prepare = target.prepare
        # a page read here (no workers, `auto`'s before they start, one a worker left)
        # whose objects fit the strict types skips the wire reader
        self._fitted = fitted_reader(target.version, target.module) \
            if self._check.reader is not None else None
        self._fitted_accept = fitted_accepter(self._check) if self._fitted is not None else None
        if target.prepare is not None and target.module == "locations":   # workers raise stamps too
            self._prepare = functools.partial(target.prepare, stamps_before=self._window_end)

    def objects(self) -> Iterator[dict[str, Any]]:
        for page in self.pages():
            yield from page

    def pages(self) -> Iterator[list[dict[str, Any]]]:
        """The usable new objects page by page, in order (a page may be empty)."""
        from ocpispec.gc_tuning import fewer_collections
        with fewer_collections():
            yield from self._bounded()
        if self._endless:
            self._let_go()
            return
        dismissed = self._dismiss_unfiltered_total()
        if dismissed and self._pages_with_objects > 1 and self._moved_since_pin():
            self._warnings.add(f"objects of `{self._target.module}` were updated while its list was read, and "
                               "its `X-Total-Count`, which counts the whole list, cannot show objects that "
                               "shifted between pages as they left the window", kind="shift-unseen")
        elif not dismissed and self._count_met_past_window():
            pass    # every object still in the window arrived (`crawl_tail`): no shift lost one
        elif self._count_shift_unseen():
            self._warnings.add(f"objects of `{self._target.module}` read on one page were updated while its list "
                               "was read, and as many objects came into the window meanwhile: its `X-Total-Count` "
                               "did not fall, and objects behind the updated ones may have shifted onto pages "
                               "read already", kind="count-shift")
        if self._cursor_shift_unseen():
            self._warnings.add(f"objects of `{self._target.module}` read on one page were updated before its "
                               "list was read to the end, and the platform pages by a cursor of its own without "
                               "`X-Total-Count`: nothing shows whether the objects behind them shifted onto "
                               "pages read already as they left the window", kind="cursor-shift")
        if repeats := self._keys.forgotten_repeats():
            self._warnings.add(f"{repeats:,} objects of `{self._target.module}` came again farther apart in the list "
                               f"than the crawl remembers keys ({self._options.dedup_window:,} to "
                               f"{2 * self._options.dedup_window:,} objects) and were handed on twice",
                               kind="far-repeat")
        if self._ended_before_last_object():
            self._warnings.add(f"the `{self._target.module}` list ended at an empty page, but its last object lies "
                               "in the window and did not arrive: the platform cuts its pages from the whole list "
                               "before the date filters apply (or failed to fill a page), and sends neither "
                               "`X-Total-Count` nor next links to read on by", kind="cut-before-filters")
        elif self._ended_at_a_full_page():
            self._warnings.add(f"the `{self._target.module}` list ended after a full page, but objects of the "
                               "window beyond that page (updated after its latest one, or before its earliest on "
                               "a list sent newest first) did not arrive: the platform answers no page past the "
                               f"first {self._after_last_filled():,} objects of its list (a search index capping "
                               "how deep a list can be paged, and its `X-Total-Count` with it) or failed to fill "
                               "a page", kind="offset-cap")
        self.report.finished = True
        self.report.limited = self._full()
        self._let_go()

    def _let_go(self) -> None:
        """The keys remembered and forgotten let go: the run goes on long after its crawls
        (a k rule, the risk figures, the sorted output), which held the window's 131,072
        keys and stamps, some 14 MB, to the end."""
        self._keys.close()
        self._invalid_prints.close()
        self._private_copies = None

    def _pages(self) -> Iterator[list[dict[str, Any]]]:
        try:
            first = self._first_page()
        except OcpiError as problem:
            if problem.http_status == 404 and self._target.module == "tokens" and self._target.version == "2.1.1":
                raise receiver_only_tokens(self._target.endpoint) from None
            raise
        self._first_total = self.report.first_total = first.total
        self._bind(first)
        if self._more_by_offset(first):
            # more pages are certainly needed: fetch them while the first one is accepted
            yield from self._by_offset(first, first_accepted=False)
            return
        yield self._accept(first)
        if self._finished_after_first(first):
            return
        if (self._options.concurrency > 1 and first.total is not None and first.objects
                and not self._total_is_page_length(first) and self._offset_links(first)):
            yield from self._by_offset(first, first_accepted=True)
        else:
            yield from self._by_link(first)

    def _first_page(self) -> Page:
        """The first page; asked again without `limit` when the platform refuses the one
        asked for as a bad parameter (HTTP 400, OCPI 2001: a size above its maximum, where
        OCPI says it caps the page), and read at the sizes it chooses from then on. A window
        from the floor asks for its `date_from` a second before the Unix epoch
        (`ASKED_FLOOR`); where the platform refuses that, or answers it with an empty list
        (a Unix time below zero), the list is read from the epoch itself (`epoch_floor`)."""
        limit, asked = self._first_limit(), self._target.filters.get("date_from")
        starts = (asked, FLOOR) if before_epoch(asked) else (asked,)
        for size in dict.fromkeys((limit, None)):
            for start in starts:
                if start is not None:
                    self._target.filters["date_from"] = start
                try:
                    page = self._fetch(PageRequest(0, size))
                except OcpiError as problem:
                    if size is None and start == starts[-1] or not bad_parameter(problem):
                        raise
                    continue
                if size != limit:
                    self._page_size = None
                    self._warnings.add(f"the platform refused `limit={limit}` as a bad parameter instead of "
                                       "capping the page; its pages are read at the size it chooses",
                                       kind="limit-refused")
                return self._epoch_floor(page, asked)
        raise AssertionError("unreachable: the last try raises")

    def _finished_after_first(self, first: Page) -> bool:
        if self._full() or not first.objects and first.next_link is None:
            self._ended_empty = not first.objects
            return True
        return (first.next_link is None and first.total is not None and len(first.objects) >= first.total
                and not self._total_is_page_length(first))

    def _first_limit(self) -> int | None:
        sizes = [s for s in (self._page_size, self._target.limit) if s]
        return min(sizes) if sizes else None

    def _step(self, first: Page) -> int:
        n = len(first.objects)
        step = self._page_size or first.x_limit or n
        if first.request.limit is not None and n > first.request.limit:
            step = n                     # the platform ignores `limit`
        return max(1, step)

    def _full(self) -> bool:
        return self._target.limit is not None and self._yielded >= self._target.limit

    # -- fetching and accepting -----------------------------------------------------

    def _repeated_within(self, objects: list[Any]) -> int:
        """How many objects of one page repeat another of the same page (asked only of a
        page with repeats: a list that names an object once per row of a join)."""
        keys = self._page_keys(objects)
        return len(keys) - len(set(keys))

    def _outline(self, page: Page) -> None:
        """The outline of `page` (with objects, not a refill) kept as the last or the
        first page with objects where it is either (its objects are never kept)."""
        offset, first, last = page.request.offset, self._first_filled, self._last_filled
        is_last = last is None or offset >= last.request.offset
        is_first = first is None or offset < first.request.offset
        if is_last or is_first:
            outline = PageOutline.of(page)
            if is_last:
                self._last_filled = outline
            if is_first:
                self._first_filled = outline

    def _page_keys(self, objects: list[Any]) -> list[Any]:
        """The keys (or their fingerprints) of a page's usable objects, however it was read."""
        if objects.__class__ is CleanPage or objects.__class__ is RowPage:
            return list(objects.fingerprints)
        if objects.__class__ is Prepared:
            return [item[2] for item in objects if item[0] is None and item[2] is not None]
        return [self._check.key(obj) for obj in objects if obj.__class__ is dict]

    def _note_invalid(self, fingerprint: int | None) -> bool:
        """Whether an invalid object is new to this crawl (counted then, once)."""
        if fingerprint is not None and not self._invalid_prints.add_fingerprint(fingerprint):
            self._invalid_again += 1
            return False
        return True

    def _accept(self, page: Page) -> list[dict[str, Any]]:
        """The page's usable objects not seen before (`accept.page_accepter`: one compiled
        loop per page doing `ObjectCheck.problem`, the key and the dedup of each object)."""
        if page.total is not None:
            self.report.last_total = page.total
            n, asked = len(page.objects), page.request.limit
            if n and asked is not None and n < asked and page.request.offset + n < page.total:
                self._capped_at = max(self._capped_at or 0, n)   # pages of this length are full
        self._links_seen |= page.next_link is not None
        self._pages_with_objects += bool(page.objects) and not page.request.refill
        if page.objects and not page.request.refill:
            self._outline(page)
        limit = self._target.limit
        room = None if limit is None else max(0, limit - self._yielded)
        self._invalid_again = 0
        # judged before the page's first copies join the dedup's
        if self._private_copies is not None and self._private_copies.private_repeat(page.objects):
            self._warnings.add(PRIVATE_COPY.format(module=self._target.module), kind="private-copy")
        if page.objects.__class__ is CleanPage or page.objects.__class__ is RowPage:
            # read whole by the fast path, or by worker processes (`row_pages`)
            fresh, duplicates, invalid = accept_clean(page.objects, room, self._keys)
        elif page.objects.__class__ is FittedPage and not page.loose_timestamps:
            fresh, duplicates, invalid = self._fitted_accept(page.objects, room, self._keys)  # type: ignore[misc]
        elif page.objects.__class__ is Prepared:  # read by worker processes
            fresh, duplicates, invalid = accept_prepared(page.objects, room, self._keys, self._stats,
                                                         self._target.module, self._note_invalid)
        else:
            fresh, duplicates, invalid = self._accepter(page.objects, room, page.loose_timestamps,
                                                        self._keys)
        if self._keys.later_copies:
            self._judge_later_copies()
        for problem, n in invalid.items():
            self._stats.note_invalid(problem, n)
            found = self.report.invalid_by_reason
            found[problem] = found.get(problem, 0) + n
        self._yielded += len(fresh)
        if self._bound is not None and self._bound.take(fresh, sum(invalid.values()) if invalid else 0, page.total):
            self._endless = True
        # (invalid objects sent before are repeats too: a page of them is nothing new)
        self._last_duplicates = duplicates + self._invalid_again
        if duplicates:
            self.report.repeated_within += self._repeated_within(page.objects)
        duplicates -= min(duplicates, page.request.overlap)  # asked for again on purpose
        self._stats.add(objects=len(fresh), duplicates=duplicates)
        self.report.objects += len(fresh)
        self.report.duplicates += duplicates
        if self._events is not None:
            self._events.page(self._target.module, self._yielded, self._first_total or page.total)
        return fresh
