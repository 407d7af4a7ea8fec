"""Paging by offset: the pages after the first fetched several at a time, in a thread
of their own, and handed on in offset order (`Schedule` says which offset comes next)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Iterator
from typing import TYPE_CHECKING, Any

from ocpispec.ocpi.crawl_pages import AHEAD_WHILE_SITES_READ, FIRST_IN_FLIGHT, OBJECTS_AHEAD_WHILE_SITES_READ, REPEATS_IN_A_ROW, Page, PageRequest, Schedule, offset_in_pages
from ocpispec.ocpi.links import assess
from ocpispec.ocpi.stats import held

if TYPE_CHECKING:
    from concurrent.futures import Future


class OffsetPaging:
    """`Crawl`'s paging by offset (a mixin: it reads and updates the crawl's state)."""

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
        may answer every offset with its first page; its pages are read by their links. So
        are those of one that counts `offset` in pages (`offset_in_pages`)."""
        if first.next_link is None:
            return True
        offset = assess(first.next_link, first.url, self._target.endpoint, self._target.filters).offset
        if offset is None:
            return False
        if offset_in_pages(first.request.offset, first.request.limit, len(first.objects), offset):
            self._warnings.add(f"the platform's first next link of `{self._target.module}` asks for `offset={offset}` "
                               f"after a page of {len(first.objects)} objects: it counts `offset` in pages, not "
                               "objects; its pages are read by their next links", kind="offset-in-pages")
            self._offset_in_pages = True
            return False
        return True

    def _by_offset(self, first: Page, first_accepted: bool) -> Iterator[list[dict[str, Any]]]:
        """The pages after the first, fetched by offset in a thread of their own (`Ahead`)
        while this one accepts and hands on the pages before them, in offset order."""
        from ocpispec.ocpi.ahead import Ahead

        last, repeats = first, 0
        # while the first page waits for the published sites (`get`), the pages after it
        # are read on (by worker processes, or the fast reader) rather than waiting too
        waiting = not first_accepted and self._private_copies is not None \
            and self._private_copies.waits_for_scope
        depth = min(AHEAD_WHILE_SITES_READ, max(1, OBJECTS_AHEAD_WHILE_SITES_READ // max(1, len(first.objects))))
        if (expect := getattr(self._target.prepare, "expect", None)) is not None:
            # `--workers auto` (`execute.lazy_pool`): forked, if at all, before the fetching threads
            end = min(first.total or 0, self._target.limit or first.total or 0)
            expect(end - first.request.offset - len(first.objects))
        with Ahead(self._offset_pages(first), depth=depth if waiting else 1, name="ocpispec-pages") as fetched:
            if not first_accepted:
                yield self._accept(first)
                fetched.narrow(1)
                if self._full():
                    return
            for request, page, notes, ends in fetched:
                accepted = self._accept(self._unless_stale(page, self._fetch_by_offset))
                if not request.refill and request.offset >= last.request.offset:
                    last = page
                if ends and not self._full() and not (last is not first and self._total_is_page_length(last)):
                    self._ask_end_checks_early()    # while the page is handed on
                yield accepted
                if self._full():
                    return
                if not request.refill and page.objects and self._last_duplicates == len(page.objects):
                    repeats += 1
                    if repeats >= REPEATS_IN_A_ROW:
                        self._warnings.add(f"the platform sent {REPEATS_IN_A_ROW} pages in a row of objects it had "
                                           "already sent (it ignores `offset`); stopped paging", kind="repeats-stopped")
                        return
                    self._warnings.add("the platform sent a page of objects it had already sent (it may ignore "
                                       "`offset`); the export may be incomplete", kind="all-repeated")
                elif not request.refill and page.objects:
                    repeats = 0
                for message, kind in notes:
                    self._warnings.add(message, kind=kind)
        if last is not first and self._total_is_page_length(last) and "all-repeated" not in self.report.warning_kinds:
            # a full last page reaching past `X-Total-Count` disproves it: read on page by
            # page (the sequential crawl stops on a page of repeats, a platform ignoring offset)
            yield from self._by_link(last)

    def _offset_pages(self, first: Page) -> Generator[tuple[PageRequest, Page, list[tuple[str, str]], bool],
                                                      None, None]:
        """The fetching side of `_by_offset` (runs in the `Ahead` thread): the pages after
        the first in offset order, each with the warnings it gave rise to (those of its
        fetching in a pool thread, the transport's included, held back by `held`: the
        consumer adds them after the page, in page order, as the sequential crawl says
        them, whichever answer came first) and whether it is the
        last (none in flight or to ask after it). It opens connections gradually:
        `FIRST_IN_FLIGHT` pages in flight, one more per page arrived."""
        from concurrent.futures import ThreadPoolExecutor  # a one-page list never needs it

        end = first.total or 0
        if self._links_past(first):      # a total below what the links announce (the page's own length)
            end = max(end, len(first.objects) + 1)
        schedule = Schedule(self._step(first), end, len(first.objects))
        # each request's notes: the warnings of its fetching (in a pool thread) and of its page
        running: deque[tuple[PageRequest, Future[Page], list[tuple[str, str]]]] = deque()
        pool = ThreadPoolExecutor(self._options.concurrency, thread_name_prefix="ocpispec-fetch")
        in_flight = min(FIRST_IN_FLIGHT, self._options.concurrency)
        try:
            while True:
                while len(running) < in_flight and (request := schedule.next()) is not None:
                    notes: list[tuple[str, str]] = []
                    running.append((request, pool.submit(held, notes, self._fetch_by_offset, request), notes))
                if not running:
                    return
                request, future, notes = running.popleft()
                page = future.result()
                arrived = 1 + sum(1 for _, waiting, _ in running if waiting.done())
                in_flight = min(in_flight + arrived, self._options.concurrency)
                schedule.learn(request, page, self._refill(page, _noting(notes)),
                               self._links_past(page))
                yield request, page, notes, not running and schedule.exhausted
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


def _noting(notes: list[tuple[str, str]]) -> Callable[[str, str], None]:
    """What takes a warning as a note of the page, for the consumer to add in page order."""
    return lambda message, kind: notes.append((message, kind))
