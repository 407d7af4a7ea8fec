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
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ocpispec.ocpi import errors
from ocpispec.ocpi.body import nested_list, single_object
from ocpispec.ocpi.errors import OcpiError, fail, safe_url
from ocpispec.ocpi.links import NextLink, assess
from ocpispec.ocpi.accept import Prepared, accept_prepared, page_accepter
from ocpispec.ocpi.clean_pages import CleanPage, accept_clean
from ocpispec.ocpi.objects import LOCATION_STAMPS, ObjectCheck, RecentKeys, raise_location_stamp
from ocpispec.ocpi.repeated import FLAGGED_MODULES
from ocpispec.ocpi.options import FetchOptions
from ocpispec.ocpi.stats import CrawlReport, EventSink, FetchStats, Warnings
from ocpispec.timestamps import EPOCH_FLOOR, format_timestamp, parse_timestamp
from ocpispec.ocpi.transport import Transport

if TYPE_CHECKING:
    from concurrent.futures import Future


_FIRST_IN_FLIGHT = 2   # pages in flight after the first; one more per page that has arrived
# objects of the previous page asked for again when the platform sends no `X-Total-Count`,
# whose shrinking would show that objects left the list and the rest shifted down
_SHIFT_OVERLAP = 5
_MOST_EMPTY_PAGES = 5   # empty pages in a row followed by their next link before giving up


@dataclass(frozen=True, slots=True)
class PageRequest:
    offset: int
    limit: int | None
    url: str | None = None      # a next link, followed as is
    refill: bool = False        # re-fetch after a shrink; never triggers more requests
    overlap: int = 0            # objects of the previous page asked for again (no total)
    cursor: bool = False        # a next link without an offset: a cursor of the platform's


@dataclass(frozen=True, slots=True)
class Page:
    request: PageRequest
    url: str
    objects: list[Any]
    total: int | None
    x_limit: int | None
    next_link: str | None
    loose_timestamps: bool


@dataclass(frozen=True, slots=True)
class Target:
    module: str
    version: str
    endpoint: str
    filters: dict[str, str]     # date_from / date_to, already formatted
    limit: int | None           # most objects to yield
    correlation_id: str
    prepare: Any = None         # reads a page body in worker processes (`executor.workers`)


@dataclass(slots=True)
class _Schedule:
    """Which offsets the concurrent crawl asks for next, adjusted by every page seen."""

    step: int
    end: int                    # X-Total-Count as last seen (grows; an empty page cuts it)
    cursor: int                 # the next regular offset
    extra: deque[PageRequest] = field(default_factory=deque)

    def next(self) -> PageRequest | None:
        if self.extra:
            return self.extra.popleft()
        if self.cursor >= self.end:
            return None
        request, self.cursor = PageRequest(self.cursor, self.step), self.cursor + self.step
        return request

    def learn(self, request: PageRequest, page: Page, refill: PageRequest | None, more: bool) -> None:
        """`more`: the page's next link points past it, whatever `X-Total-Count` says."""
        n = len(page.objects)
        if page.total is not None and page.total > self.end:
            self.end = page.total
        if more and n and not request.refill:
            self.end = max(self.end, request.offset + n + 1)
        if refill is not None:
            self.extra.append(refill)
        if request.refill:
            return
        if n == 0:
            self.end = min(self.end, request.offset)
        elif request.limit is not None and n < request.limit and request.offset + n < self.end:
            self.extra.append(PageRequest(request.offset + n, request.limit - n))
            self.step = n           # the platform caps pages below what it announced


class Crawl:
    def __init__(self, transport: Transport, target: Target, options: FetchOptions, stats: FetchStats,
                 warnings: Warnings, events: EventSink | None) -> None:
        self._transport = transport
        self._target = target
        self._options = options
        self._stats = stats
        self.report = CrawlReport(target.module)
        stats.crawls.append(self.report)
        self._warnings = _Noted(warnings, self.report)
        self._events = events
        self._check = ObjectCheck(target.version, target.module, stats)
        self._accepter = page_accepter(self._check)
        self._keys = RecentKeys(options.dedup_window)
        self._yielded = 0
        self._last_duplicates = 0
        self._first_total: int | None = None
        self._totals_at_end: dict[int, int] = {}
        self._links_trusted = True      # false once a followed next link answered 404
        self._empty_pages = 0           # empty pages in a row whose next link was followed
        self._ended_empty = False       # the list ended at an empty page without a next link
        self._last_short = False        # the last page with objects held fewer than asked
        self._cursor_links = False      # a next link without an offset was followed
        self._linked = False            # some page came with a next link
        self._unfiltered_cursor = False  # such links are followed without our date filters
        self._page_size = options.page_size     # None once the platform refused it as `limit`
        self._pages_with_objects = 0    # (a shift between pages needs two of them)
        self._capped_at: int | None = None  # the length of a page cut below `limit` as the list went on
        self._longest = 0               # the most objects a page held so far
        self._links_seen = False        # some page accepted so far came with a next link
        self._window_end = parse_timestamp(target.filters.get("date_to"))
        self._prepare = target.prepare
        if target.prepare is not None and target.module == "locations":   # workers raise stamps too
            self._prepare = functools.partial(target.prepare, stamps_before=self._window_end)

    def objects(self) -> Iterator[dict[str, Any]]:
        for page in self.pages():
            yield from page

    def pages(self) -> Iterator[list[dict[str, Any]]]:
        """The usable new objects page by page, in order (a page may be empty)."""
        from ocpispec.gc_tuning import fewer_collections
        with fewer_collections():
            yield from self._pages()
        if self._dismiss_unfiltered_total() and self._pages_with_objects > 1 and self._moved_since_pin():
            self._warnings.add(f"objects of `{self._target.module}` were updated while its list was read, and "
                               "its `X-Total-Count`, which counts the whole list, cannot show objects that "
                               "shifted between pages as they left the window", kind="shift-unseen")
        if self._cursor_shift_unseen():
            self._warnings.add(f"objects of `{self._target.module}` read on one page were updated before its "
                               "list was read to the end, and the platform pages by a cursor of its own without "
                               "`X-Total-Count`: nothing shows whether the objects behind them shifted onto "
                               "pages read already as they left the window", kind="cursor-shift")
        if self._ended_before_last_object():
            self._warnings.add(f"the `{self._target.module}` list ended at an empty page, but its last object lies "
                               "in the window and did not arrive: the platform cuts its pages from the whole list "
                               "before the date filters apply (or failed to fill a page), and sends neither "
                               "`X-Total-Count` nor next links to read on by", kind="cut-before-filters")
        self.report.finished = True
        self.report.limited = self._full()

    def _pages(self) -> Iterator[list[dict[str, Any]]]:
        try:
            first = self._first_page()
        except OcpiError as problem:
            if problem.http_status == 404 and self._target.module == "tokens" and self._target.version == "2.1.1":
                raise receiver_only_tokens(self._target.endpoint) from None
            raise
        self._first_total = self.report.first_total = first.total
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
        OCPI says it caps the page), and read at the sizes it chooses from then on."""
        request = PageRequest(0, self._first_limit())
        try:
            return self._fetch(request)
        except OcpiError as problem:
            if request.limit is None or not bad_parameter(problem):
                raise
        self._page_size = None
        self._warnings.add(f"the platform refused `limit={request.limit}` as a bad parameter instead of capping "
                           "the page; its pages are read at the size it chooses", kind="limit-refused")
        return self._fetch(PageRequest(0, None))

    def _dismiss_unfiltered_total(self) -> bool:
        """A list that ended short of its `X-Total-Count`: the platform may count its whole
        list whatever the date filters keep (a count query apart from the list query). Asked
        for a window in which nothing lies (`_EMPTY_WINDOW`), such a platform answers no
        objects and a count no smaller than ours: its count is then no evidence, and the list
        ended on its last page as one without a count does (True). A count of 0 there (the
        filters are counted) leaves the shortfall standing, and so does any failure of the
        request, and a window from the floor (the whole list: a count of it is the count of
        the list)."""
        report = self.report
        if report.last_total is None or report.received >= report.last_total or self._full() \
                or self._target.filters.get("date_from", _FLOOR) <= _FLOOR:
            return False
        answer = self._probe(_EMPTY_WINDOW)
        if answer is None:
            return False
        objects, total = answer
        if objects or total is None or total < report.last_total:
            return False
        self._warnings.add(f"the platform's `X-Total-Count` for `{self._target.module}` counts its whole "
                           f"list whatever the date filters keep ({total:,} for a window in 2100, where "
                           f"nothing lies): {report.received:,} objects of the window were read to the end "
                           "of the list", kind="total-unfiltered")
        report.last_total = None
        return True

    def _moved_since_pin(self) -> bool:
        """Whether objects were updated since the pinned `date_to` (asked for with it as
        `date_from`, without an end): each left the window while the list was read, and
        the objects behind it shifted down one place, onto pages that may have been read
        already. A count that shrinks (or pages asked for with an overlap) would show such
        a shift; a count of the whole list does not. A failed request cannot tell: moved.
        (Asked only after a list of several pages: a list read in one page has no page
        boundary for an object to shift across.)"""
        if "date_to" not in self._target.filters:
            return False
        answer = self._probe({"date_from": self._target.filters["date_to"]})
        return answer is None or bool(answer[0])

    def _cursor_shift_unseen(self) -> bool:
        """After a list of several pages read by the next links of a cursor of the
        platform's and no `X-Total-Count`: whether an object read on one of them was updated
        since the pinned `date_to` (it is in the list asked for with it as `date_from`). It
        left the window while the list was read; when the cursor counts positions (a page
        number, an encoded offset) the object behind it shifted onto its page, read already,
        and the next link skipped it, with no count to shrink and no offset to ask early by.
        Objects updated before their page came shift nothing onto a page read. A failed
        request, or a list of them that may go on past what it holds, cannot tell: moved."""
        filters, report = self._target.filters, self.report
        if not self._cursor_links or self._first_total is not None or report.last_total is not None \
                or self._pages_with_objects < 2 or self._full() or "date_to" not in filters:
            return False
        limit = self._first_limit()     # a size the platform took (None: the one it chooses)
        answer = self._answer({"date_from": filters["date_to"]}, limit=limit)
        if answer is None:
            return True
        moved = _objects(answer.data)
        total = _count(answer.headers.get("x-total-count"))
        caps = [cap for cap in (limit, _count(answer.headers.get("x-limit"))) if cap] or [self._longest]
        cut = answer.headers.get("link") is not None or (total is not None and total > len(moved)) \
            or len(moved) >= min(caps) or report.received >= self._options.dedup_window
        if moved and cut:
            return True
        keys = (self._check.key(obj) for obj in moved if isinstance(obj, dict))
        return any(self._keys.seen(key) for key in keys)

    def _cursor_list_went_on(self, page: Page, caps: list[int]) -> bool:
        """A list read by a cursor of the platform's ends at a page without a next link.
        A full one (as long as asked, as `X-Limit`, or as the longest page) may have lost
        the link to the page after it (a platform failing to write it now and then): the
        objects updated at or after the latest one of that page, asked for once, tell. One
        of the window that did not arrive shows the list went on; read as its end, the
        run delivered the first pages and moved past the rest. (It tells on a platform
        listing by `last_updated`, as most do; a request that fails cannot tell: ended.)"""
        if len(page.objects) < (min(caps) if caps else self._longest) or self._full():
            return False
        stamps = [moment for text in _stamps(page.objects)
                  if (moment := parse_timestamp(text)) is not None]
        if not stamps:
            return False
        latest = max(stamps).replace(microsecond=0)
        answer = self._answer({**self._target.filters, "date_from": format_timestamp(latest)},
                              limit=page.request.limit)
        if answer is None:
            return False
        for obj in _objects(answer.data):
            if not isinstance(obj, dict) or (moment := parse_timestamp(obj.get("last_updated"))) is None:
                continue
            inside = moment >= latest and (self._window_end is None or moment < self._window_end)
            if inside and not self._keys.seen(self._check.key(obj)):
                return True
        return False

    def _ended_before_last_object(self) -> bool:
        """A list that ended at an empty page on a platform that says neither `X-Total-Count`
        nor next links: whether the last object of the list up to the window's end lies in
        the window and did not arrive (`cut_pages`), so the list went on after all."""
        filters, report = self._target.filters, self.report
        if not self._ended_empty or report.first_total is not None or report.last_total is not None \
                or self._linked or self._full() or "date_to" not in filters:
            return False
        from ocpispec.ocpi.cut_pages import inside, last_object
        whole = {**filters, "date_from": _FLOOR} if "date_from" in filters else dict(filters)
        last = last_object(lambda offset: None if (answer := self._probe(whole, offset)) is None else answer[0])
        if last is None or not inside(last, parse_timestamp(filters.get("date_from", _FLOOR)), self._window_end):
            return False
        usable = ObjectCheck(self._target.version, self._target.module).problem(last) is None
        return usable and not self._keys.seen(self._check.key(last))

    def _probe(self, filters: dict[str, str], offset: int = 0) -> tuple[list[Any], int | None] | None:
        """The objects and `X-Total-Count` of a one-object request for `filters` at `offset`
        (None when it fails)."""
        answer = self._answer(filters, offset)
        if answer is None:
            return None
        return _objects(answer.data), _count(answer.headers.get("x-total-count"))

    def _answer(self, filters: dict[str, str], offset: int = 0, limit: int | None = 1) -> Any:
        """The answer to a request for `filters` at `offset` (None when it fails)."""
        endpoint = self._target.endpoint
        sized = {} if limit is None else {"limit": str(limit)}
        query = urlencode({**filters, "offset": str(offset), **sized})
        url = f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
        try:
            return self._transport.get(url, routing=True, correlation_id=self._target.correlation_id)
        except OcpiError:
            return None

    def _more_by_offset(self, first: Page) -> bool:
        """Whether the concurrent crawl follows the first page, whatever accepting it finds."""
        limit = self._target.limit
        return (self._options.concurrency > 1 and first.total is not None and bool(first.objects)
                and (limit is None or len(first.objects) < limit)
                and not (first.next_link is None and len(first.objects) >= first.total)
                and not self._total_is_page_length(first) and self._offset_links(first))

    def _offset_links(self, first: Page) -> bool:
        """Whether the platform's pages are addressed by offset: its next link names one.
        A platform that pages with a cursor of its own (`?cursor=...`, `?page_token=...`)
        may answer every offset with its first page; its pages are read by their links."""
        if first.next_link is None:
            return True
        return assess(first.next_link, first.url, self._target.endpoint, self._target.filters).offset is not None

    # -- strategies ---------------------------------------------------------------

    def _by_offset(self, first: Page, first_accepted: bool) -> Iterator[list[dict[str, Any]]]:
        """The pages after the first, fetched by offset in a thread of their own (`Ahead`)
        while this one accepts and hands on the pages before them, in offset order."""
        from ocpispec.ocpi.ahead import Ahead

        last = first
        with Ahead(self._offset_pages(first), name="ocpispec-pages") as fetched:
            if not first_accepted:
                yield self._accept(first)
                if self._full():
                    return
            for request, page, notes in fetched:
                yield self._accept(page)
                if self._full():
                    return
                if not request.refill and page.objects and self._last_duplicates == len(page.objects):
                    self._warnings.add("the platform sent a page of objects it had already sent (it may ignore "
                                       "`offset`); the export may be incomplete", kind="all-repeated")
                for message, kind in notes:
                    self._warnings.add(message, kind=kind)
                if not request.refill and request.offset >= last.request.offset:
                    last = page
        if last is not first and self._total_is_page_length(last) and "all-repeated" not in self.report.warning_kinds:
            # a full last page reaching past `X-Total-Count` disproves it: read on page by
            # page (the sequential crawl stops on a page of repeats, a platform ignoring offset)
            yield from self._by_link(last)

    def _offset_pages(self, first: Page) -> Generator[tuple[PageRequest, Page, list[tuple[str, str]]], None, None]:
        """The fetching side of `_by_offset` (runs in the `Ahead` thread): the pages after
        the first in offset order, each with the warnings it gave rise to (the consumer
        adds them, after the page, as the sequential crawl does). It opens connections
        gradually: `_FIRST_IN_FLIGHT` pages in flight, one more per page arrived."""
        from concurrent.futures import ThreadPoolExecutor  # a one-page list never needs it

        end = first.total or 0
        if self._links_past(first):      # a total below what the links announce (the page's own length)
            end = max(end, len(first.objects) + 1)
        schedule = _Schedule(self._step(first), end, len(first.objects))
        running: deque[tuple[PageRequest, Future[Page]]] = deque()
        pool = ThreadPoolExecutor(self._options.concurrency, thread_name_prefix="ocpispec-fetch")
        in_flight = min(_FIRST_IN_FLIGHT, self._options.concurrency)
        try:
            while True:
                while len(running) < in_flight and (request := schedule.next()) is not None:
                    running.append((request, pool.submit(self._fetch, request)))
                if not running:
                    return
                request, future = running.popleft()
                page = future.result()
                arrived = 1 + sum(1 for _, waiting in running if waiting.done())
                in_flight = min(in_flight + arrived, self._options.concurrency)
                notes: list[tuple[str, str]] = []
                schedule.learn(request, page, self._refill(page, lambda message, kind: notes.append((message, kind))),
                               self._links_past(page))
                yield request, page, notes
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _links_past(self, page: Page) -> bool:
        """Whether the page's next link asks for objects after it: the list goes on even where
        `X-Total-Count` says it ends (some platforms send the page's own length there)."""
        if page.next_link is None:
            return False
        offset = assess(page.next_link, page.url, self._target.endpoint, self._target.filters).offset
        # a link without an offset says nothing about where it leads: counting it as "past"
        # let a platform answering every offset with such a link extend the crawl forever
        return offset is not None and offset > page.request.offset

    def _total_is_page_length(self, page: Page) -> bool:
        """Whether `X-Total-Count` may be the length of this full page (as long as asked, or
        as `X-Limit`) rather than of the list, as some platforms send it, or is disproved by
        it: a full page reaching past the total (a stale or cached count, a count of 0), or
        up to it exactly on a platform that sends no next links (a count lagging behind the
        list by whole pages: nothing else says where the list ends). The list is then read
        page by page until one is not full, whatever the total says (a list that really is
        one full page, or ends with one there, costs one more request, answered with an
        empty page)."""
        n = len(page.objects)
        caps = [cap for cap in (page.request.limit, page.x_limit, self._capped_at) if cap]
        if page.total is None or not caps or n < min(caps):
            return False
        reached = page.request.offset + n
        return 0 < page.total <= n or reached > page.total or (reached == page.total and not self._links_seen)

    def _by_link(self, first: Page) -> Iterator[list[dict[str, Any]]]:
        page, seen, previous = first, {first.url}, None
        resumed = False
        while not self._full():
            if not resumed and (refill := self._refill(page)):
                yield self._accept(self._refetch(refill, page, previous))
            resumed = False
            request = self._next_request(page, seen)
            if request is None:
                return
            previous, page = page, self._fetch_followed(request)
            seen.add(page.url)
            yield self._accept(page)
            if request.overlap and self._overlap_ends_or_broke(request, page, previous):
                return
            # an empty page ends the list on the next turn, after the refill its shrunk total asks for
            if page.objects and self._last_duplicates == len(page.objects) and request.url is None \
                    and self._cursor_without_filters(previous):
                page, resumed = previous, True      # its next link is followed now
                continue
            if page.objects and self._last_duplicates == len(page.objects) and (
                    self._one_object_list(request, previous) or self._ended_at_last_link(previous)
                    or self._stop_on_repeats(page)):
                return

    # -- deciding the next request --------------------------------------------------

    def _next_request(self, page: Page, seen: set[str]) -> PageRequest | None:
        n = len(page.objects)
        self._linked |= page.next_link is not None
        if n == 0:
            return self._after_empty_page(page, seen)
        self._empty_pages = 0
        caps = [cap for cap in (page.request.limit, page.x_limit) if cap]
        self._last_short = bool(caps) and n < min(caps)
        self._longest = max(self._longest, n)
        following = page.request.offset + n
        limit = self._step(page)
        if page.next_link is not None and not self._links_trusted:
            rebuilt = self._overlapping(page, following, limit)
        elif page.next_link is not None:
            link = assess(page.next_link, page.url, self._target.endpoint, self._target.filters,
                          cursor_without_filters=self._unfiltered_cursor)
            verdict, detail = link.verdict, link.detail
            if verdict == "ok" and link.offset is not None and link.offset > following:
                verdict, detail = "skip", f"offset {link.offset} after {n} objects from offset {page.request.offset}"
            if verdict == "ok" and link.url not in seen and (link.offset is None or link.offset > page.request.offset):
                self._cursor_links |= link.offset is None
                return self._followed(page, link, following, limit)
            self._warn_link(verdict, detail)
            rebuilt = self._overlapping(page, following, limit)
        else:
            if self._cursor_links:  # a platform paging with a cursor of its own ends its list so
                if self._cursor_list_went_on(page, caps):
                    self._warnings.add(f"the `{self._target.module}` list ended at a full page without a next "
                                       "link, but objects of the window updated after that page's last one "
                                       "did not arrive: the platform left out the link to the next page",
                                       kind="cursor-end")
                return None
            if page.total is not None and following >= page.total:
                if not self._total_is_page_length(page):
                    return None
            else:
                self._warn_missing_link(page)
            rebuilt = self._overlapping(page, following, limit)
        if self._url(rebuilt) in seen:
            self._warnings.add("the next page would repeat an earlier one; stopped paging", kind="repeat")
            return None
        return rebuilt

    def _followed(self, page: Page, link: NextLink, following: int, limit: int) -> PageRequest:
        """The request a usable next link makes: as sent, but a smaller `limit` raised to
        ours, and a link by offset on a platform without `X-Total-Count` asking a few
        objects early, as a rebuilt request does (`_overlapping`): following such links,
        an object that left the list from a page already read (updated past a pinned
        `date_to`) let the next link skip the object that shifted onto that page."""
        url, size = link.url, link.limit
        if size is not None and size < limit:
            url, size = _with_params(url, limit=limit), limit
        if link.offset is None:
            return PageRequest(following, size, url, cursor=True)
        early = self._overlapping(page, link.offset, size or limit)
        if early.overlap and link.offset == following:
            return PageRequest(early.offset, size, _with_params(url, offset=early.offset), overlap=early.overlap)
        return PageRequest(link.offset, size, url)

    def _overlapping(self, page: Page, following: int, limit: int) -> PageRequest:
        """The next page by offset. Without `X-Total-Count` nothing shows that objects
        left the list while it is read (updated past a pinned `date_to`) and those behind
        them shifted onto pages already read: the request starts a few objects early, and
        those it repeats must be among them (`_overlap_ends_or_broke`)."""
        overlap = min(_SHIFT_OVERLAP, len(page.objects) - 1, limit - 1)
        if page.total is not None or overlap <= 0:
            return PageRequest(following, limit)
        return PageRequest(following - overlap, limit, overlap=overlap)

    def _overlap_ends_or_broke(self, request: PageRequest, page: Page, previous: Page) -> bool:
        """After a page asked for with an overlap: True when it held nothing but objects
        already sent (the end of the list; after a page with a next link, only within the
        overlap: more repeats are a platform ignoring `offset`). A page that repeats none
        of them may follow a shift of more objects than the overlap: the crawl cannot be
        proven complete."""
        n, repeated = len(page.objects), self._last_duplicates
        if n and repeated == n and (n <= request.overlap or (
                previous.next_link is None and self._links_mark_more(previous))):
            return True
        if n and not repeated:
            self._warnings.add(f"no object of the previous page came again at offset {request.offset} "
                               "(objects may have shifted between pages, and the platform sends no "
                               "`X-Total-Count` to show it)", kind="shift")
        return False

    def _cursor_without_filters(self, page: Page | None) -> bool:
        """After the request rebuilt by offset from `page` brought nothing but repeats (the
        platform ignores `offset`): whether `page`'s next link, not followed because it
        leaves out our date filters, carries a cursor of the platform's that is followed
        from now on. The list it leads to holds the window's objects (a cursor that keeps
        the filters) or more (one that dropped them: left out here as outside the window);
        refusing it failed every crawl of such a platform after its first page."""
        if page is None or page.next_link is None or self._unfiltered_cursor:
            return False
        link = assess(page.next_link, page.url, self._target.endpoint, self._target.filters,
                      cursor_without_filters=True)
        if link.verdict != "ok" or link.offset is not None:
            return False
        self._unfiltered_cursor = True
        self._warnings.add("the platform ignores `offset` and its next links carry a cursor of its own without the "
                           "date filters: following them as sent (objects outside the window are left out)",
                           kind="cursor-without-filters")
        return True

    def _one_object_list(self, request: PageRequest, single: Page) -> bool:
        """A page of one object without a next link, answered again at the next offset: a
        cursor platform's list of one object (a single tariff), which cannot be asked for
        shorter (`_links_mark_more`). A platform capping its pages at one object without
        saying so would look the same; one that says pages hold at most one, or that its
        list holds more, does not, and without a page size asked or said it stays in doubt."""
        caps = [cap for cap in (single.request.limit, single.x_limit) if cap]
        return (request.url is None and single.next_link is None and len(single.objects) == 1
                and (single.total is None or single.total <= 1) and bool(caps) and all(cap > 1 for cap in caps))

    def _links_mark_more(self, short: Page) -> bool:
        """Whether a page without a next link ended the list, on a platform that
        answered the next offset with that page again (it pages by a cursor of its own, or
        ignores `offset`). Only a platform that marks a page followed by more with a next
        link says so: the same page is asked for one object shorter, and must come with a
        link. Without one the short page may be a silent cap on page size, and the list
        cannot be proven complete (the crawl stops on the repeats and the run fails).
        A list of one object cannot be asked for shorter (`_one_object_list`)."""
        n = len(short.objects)
        if n < 2:
            return False
        probe = self._fetch(PageRequest(short.request.offset, n - 1))
        return probe.next_link is not None and 0 < len(probe.objects) < n

    def _after_empty_page(self, page: Page, seen: set[str]) -> PageRequest | None:
        """An empty page ends the list unless its next link asks for a later page: some
        platforms filter a page after cutting it, so a page may hold nothing while the list
        goes on. After a short page the list ended there (some platforms link every page,
        the last one too). A link that cannot be followed leaves the list in doubt."""
        if page.next_link is None or self._last_short:
            self._ended_empty = page.next_link is None
            return None
        link = assess(page.next_link, page.url, self._target.endpoint, self._target.filters)
        onward = link.offset is None or link.offset > page.request.offset
        if not (self._links_trusted and link.verdict == "ok" and onward and link.url not in seen):
            self._warnings.add("the platform sent an empty page with a next link that is not followed "
                               f"({link.detail or 'it does not lead further'}); the list may go on",
                               kind="empty-page-link")
            return None
        self._empty_pages += 1
        if self._empty_pages > _MOST_EMPTY_PAGES:
            self._warnings.add(f"the platform sent {_MOST_EMPTY_PAGES} empty pages in a row, each with a next "
                               "link; stopped paging, the list may go on", kind="empty-pages")
            return None
        self._warnings.add("the platform sent an empty page with a next link; following the link",
                           kind="empty-page-followed")
        offset = link.offset if link.offset is not None else page.request.offset
        return PageRequest(offset, link.limit, link.url)

    def _warn_link(self, verdict: str, detail: str) -> None:
        match verdict:
            case "foreign":
                message = (f"the platform's next links point to another host ({detail}); the token is not "
                           "sent there: the next pages are requested from the endpoint URL by offset")
            case "path":
                message = (f"the platform's next links point to another path ({detail}); the next pages "
                           "are requested from the endpoint URL by offset")
            case "skip":
                message = (f"the platform's next links skip objects ({detail}); the next pages are "
                           "requested by offset from the end of each page")
            case "filters":
                message = (f"the platform's next links change the date filters ({detail}); the next pages "
                           "are requested with the original filters by offset")
            case _:
                message = "the platform's next links repeat an earlier page; the next pages are requested by offset"
        self._warnings.add(message, kind=f"link-{verdict}")

    def _warn_missing_link(self, page: Page) -> None:
        if page.total is None and page.x_limit is None:
            self._warnings.add("the platform sends no pagination headers; paging by offset until an empty page",
                               kind="no-headers")
        elif page.total is not None:
            self._warnings.add(f"the platform sent no next link although `X-Total-Count` is {page.total}; "
                               "paging by offset", kind="no-link")

    def _ended_at_last_link(self, previous: Page | None) -> bool:
        """After a page without a next link, on a platform whose earlier pages had one, the
        next offset brought only objects already sent: a platform that cuts a page from its
        whole list and then applies the date filters (short pages, links by `limit`) and
        counts the whole list. Its missing link ended the list if its count is shown to be
        of the whole list (`_dismiss_unfiltered_total`); the repeats then lost nothing."""
        return previous is not None and previous.next_link is None and self._linked \
            and self._dismiss_unfiltered_total()

    def _stop_on_repeats(self, page: Page) -> bool:
        if page.request.url is not None and page.next_link is not None:
            return False
        self._warnings.add("the platform sent a page of objects it had already sent (it may ignore `offset`); "
                           "stopped paging", kind="all-repeated")
        return True

    def _refill(self, page: Page, warn: Callable[..., None] | None = None) -> PageRequest | None:
        """The request for objects that shifted below this page when the total shrank
        (its warning goes to `warn`, by default to the client's warnings)."""
        if page.total is None or page.request.refill:
            return None
        start, n = page.request.offset, len(page.objects)
        before = self._totals_at_end.get(start, self._first_total) if start else None
        self._totals_at_end[start + n] = page.total     # (after reading: an empty page ends where it starts)
        if before is None or before <= page.total:
            return None
        drop = before - page.total
        (warn or self._warnings.add)(f"`X-Total-Count` shrank from {before} to {page.total} during "
                                     "the crawl (objects changed on the platform); fetching the shifted objects "
                                     "again", kind="shrink")
        return PageRequest(max(0, start - drop), drop, refill=True)

    def _refetch(self, refill: PageRequest, page: Page, previous: Page | None) -> Page:
        """The objects that shifted onto pages read already when `X-Total-Count` shrank. A
        platform paging by a cursor of its own answers a request by offset with its first
        page; the page before is asked for again by the URL it came from instead (the
        OCPI rule: re-request the previous page), which holds the shifted objects whether
        the cursor encodes a position or a key. A shift longer than that page, or a
        cursor that no longer answers, leaves the list in doubt."""
        if not page.request.cursor or previous is None:
            return self._fetch(refill)
        again = PageRequest(previous.request.offset, previous.request.limit, previous.url, refill=True,
                            overlap=max(0, len(previous.objects) - (refill.limit or 0)))
        if (refill.limit or 0) > len(previous.objects):
            self._warnings.add("`X-Total-Count` shrank by more objects than the page before held, on a platform "
                               "paging by a cursor of its own: objects may have shifted past it", kind="shift")
        try:
            return self._fetch(again)
        except OcpiError as problem:
            if problem.http_status not in (400, 404, 410):
                raise
            status = problem.http_status
        self._warnings.add(f"the page before answered HTTP {status} when asked for again after "
                           "`X-Total-Count` shrank (its cursor may have expired): objects may have shifted "
                           "onto pages read already", kind="shift")
        return Page(again, previous.url, [], None, None, None, False)

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

    def _url(self, request: PageRequest) -> str:
        if request.url is not None:
            return request.url
        params = dict(self._target.filters)
        params["offset"] = str(request.offset)
        if request.limit is not None:
            params["limit"] = str(request.limit)
        endpoint = self._target.endpoint
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"

    def _fetch_followed(self, request: PageRequest) -> Page:
        """A next link that answers 404 is tried once more as a request rebuilt from the endpoint;
        so is a cursor of the platform's that answers 400 or 410 (expired while the list was
        read). The crawl's checks judge what the endpoint then sends: a platform that answers
        any offset with its first page fails the run as incomplete, never ends the list early."""
        if request.url is None:
            return self._fetch_by_offset(request)
        try:
            return self._fetch(request)
        except OcpiError as problem:
            refused = (400, 404, 410) if request.cursor else (404,)
            if problem.http_status not in refused:
                raise
            status = problem.http_status
        self._links_trusted = False
        what = (f"the cursor in a next link of the platform answered HTTP {status} after "
                f"{request.offset:,} objects (it may have expired)") if request.cursor \
            else "a next link of the platform answered HTTP 404"
        self._warnings.add(f"{what}; this and the next pages are requested from the endpoint URL "
                           "by offset", kind="link-404")
        return self._fetch(PageRequest(request.offset, request.limit))

    def _fetch_by_offset(self, request: PageRequest) -> Page:
        """A request at or after `X-Total-Count` (asked because a full page reached it) that
        the platform refuses as a bad parameter (HTTP 400, OCPI 2001: an offset past the end
        of its list) is the empty page that ends the list, not a failed run."""
        try:
            return self._fetch(request)
        except OcpiError as problem:
            total = self.report.last_total
            if total is None or request.offset < total or not bad_parameter(problem):
                raise
        self._warnings.add(f"the platform refuses an `offset` at the end of its `{self._target.module}` list "
                           "(HTTP 400 or OCPI 2001) instead of answering an empty page; read as the end of "
                           "the list", kind="offset-past-end")
        return Page(request, self._url(request), [], total, None, None, False)

    def _fetch(self, request: PageRequest) -> Page:
        url = self._url(request)
        answer = self._transport.get(url, routing=True, correlation_id=self._target.correlation_id,
                                     prepare=self._prepare,
                                     flags=self._target.module in FLAGGED_MODULES)
        assert answer is not None  # only `missing_ok` requests answer None
        headers = answer.headers
        total = _count(headers.get("x-total-count"))
        if answer.data is None:
            self._check_no_data(request, url, total, answer.next_link)
        data = [] if answer.data is None else answer.data
        if (nested := nested_list(data)) is not None:
            self._warnings.add(f"the platform's `{self._target.module}` pages nest the list as "
                               f"`data.{nested[0]}` instead of `data`; read it there", kind="nested-list")
            data = nested[1]
        elif single_object(data):
            self._warnings.add(f"the platform sends a `{self._target.module}` page of one object as the object "
                               "itself instead of a list of one; read as a list", kind="single-object")
            data = [data]
        if self._target.module == "locations" and data.__class__ is list and any(
                [raise_location_stamp(location, self._window_end) for location in data]):
            self._warnings.add(LOCATION_STAMPS, kind="location-stamps")
        if not isinstance(data, list):
            raise fail(errors.INVALID_RESPONSE, f"the `{self._target.module}` list answered with a "
                       f"{type(data).__name__} instead of a list of objects",
                       notes=[f"request: GET {safe_url(url)}"],
                       help="check that the endpoint is the module's list (SENDER) interface")
        self._stats.add(pages=1)
        return Page(request, url, data, total, _count(headers.get("x-limit")), answer.next_link,
                    answer.loose_timestamps)

    def _check_no_data(self, request: PageRequest, url: str, total: int | None, next_link: str | None) -> None:
        """A page without `data` (null, missing, HTTP 204) is an empty page where the list
        ends; where the platform says the list goes on (a next link, or `X-Total-Count`
        beyond this offset) it is a page the platform failed to fill, not an empty one."""
        goes_on = next_link is not None or (total is not None and total > request.offset)
        if not goes_on:
            return
        said = "a next link" if next_link is not None else f"`X-Total-Count` {total:,}"
        raise fail(errors.INVALID_RESPONSE, f"a page of the `{self._target.module}` list came without `data`, "
                   "although the list goes on",
                   notes=[f"request: GET {safe_url(url)}", f"the page carries {said}; an empty page "
                          "would be `\"data\": []`"],
                   help="the platform failed to fill this page (an error inside it?); try again later, "
                        "and tell the CPO if it persists")

    def _repeated_within(self, objects: list[Any]) -> int:
        """How many objects of one page repeat another of the same page (asked only of a
        page with repeats: a list that names an object once per row of a join)."""
        if objects.__class__ is CleanPage:
            keys: list[Any] = objects.fingerprints
        elif objects.__class__ is Prepared:
            keys = [item[2] for item in objects if item[2] is not None]
        else:
            keys = [self._check.key(obj) for obj in objects if obj.__class__ is dict]
        return len(keys) - len(set(keys))

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
        limit = self._target.limit
        room = None if limit is None else max(0, limit - self._yielded)
        if page.objects.__class__ is CleanPage:  # read whole by the fast path
            fresh, duplicates, invalid = accept_clean(page.objects, room, self._keys)
        elif page.objects.__class__ is Prepared:  # read by worker processes
            fresh, duplicates, invalid = accept_prepared(page.objects, room, self._keys, self._stats,
                                                         self._target.module)
        else:
            fresh, duplicates, invalid = self._accepter(page.objects, room, page.loose_timestamps,
                                                        self._keys)
        for problem, n in invalid.items():
            self._stats.note_invalid(problem, n)
            found = self.report.invalid_by_reason
            found[problem] = found.get(problem, 0) + n
        self._yielded += len(fresh)
        self._last_duplicates = duplicates
        if duplicates:
            self.report.repeated_within += self._repeated_within(page.objects)
        duplicates -= min(duplicates, page.request.overlap)  # asked for again on purpose
        self._stats.add(objects=len(fresh), duplicates=duplicates)
        self.report.objects += len(fresh)
        self.report.duplicates += duplicates
        if self._events is not None:
            self._events.page(self._target.module, self._yielded, self._first_total or page.total)
        return fresh


def receiver_only_tokens(endpoint: str) -> OcpiError:
    return fail(errors.UNKNOWN_MODULE, "the platform's OCPI 2.1.1 `tokens` endpoint cannot be listed",
                notes=[f"request: GET {safe_url(endpoint)} answered HTTP 404",
                       "in OCPI 2.1.1 a CPO's `tokens` module only receives tokens pushed by eMSPs; "
                       "the version details list it all the same (2.1.1 has no roles)",
                       "the platform lists no eMSP-side `tokens` endpoint (a URL with an `emsp` path segment)"],
                help="leave `tokens` out of the export, or ask the CPO for OCPI 2.2.1+ or for an eMSP-side "
                     "tokens endpoint")


class _Noted:
    """The client's warnings, with the kind of each one this crawl raised noted in its
    report (the client shows each warning once; the report keeps them per crawl)."""

    def __init__(self, warnings: Warnings, report: CrawlReport) -> None:
        self._warnings = warnings
        self._report = report

    def add(self, message: str, *, kind: str | None = None) -> None:
        self._report.warning_kinds.append(kind or message)
        self._warnings.add(message, kind=kind)


def _with_params(url: str, **values: int) -> str:
    """The link with the paging parameters `values` (`limit`, `offset`) set to ours, every
    other parameter kept as sent."""
    parts = urlsplit(url)
    pairs = [(k, str(values[k]) if k in values else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(query=urlencode(pairs)))


def bad_parameter(problem: OcpiError) -> bool:
    """A request refused as holding a bad parameter (HTTP 400, or OCPI 2001)."""
    return problem.http_status == 400 or (problem.code == errors.OCPI_STATUS
                                          and "status `2001`" in problem.diagnostic.message)


def _stamps(objects: Any) -> list[Any]:
    """The `last_updated` of a page's objects, however the page was read."""
    if objects.__class__ is CleanPage:
        return list(objects.stamps)
    if objects.__class__ is Prepared:
        return [item[3] for item in objects]
    return [obj.get("last_updated") for obj in objects if obj.__class__ is dict]


def _objects(data: Any) -> list[Any]:
    """The objects of a page's `data`, as a page is read (a wrapped list, one object)."""
    objects = nested[1] if (nested := nested_list(data)) is not None else [data] if single_object(data) else data
    return objects if isinstance(objects, list) else []


# a window in which no record lies: what a platform counts there, it counts unfiltered
_FLOOR = format_timestamp(EPOCH_FLOOR)
_EMPTY_WINDOW = {"date_from": "2100-01-01T00:00:00Z", "date_to": "2100-01-02T00:00:00Z"}


def _count(value: str | None) -> int | None:
    return int(value) if value is not None and value.strip().isdigit() else None
