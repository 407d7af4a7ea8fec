"""Paging by the platform's next links, one page at a time: links followed, judged,
or replaced by an offset where they break; short pages refilled; a shrunk total's
overlap asked for again; empty pages followed a few times."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ocpispec.ocpi.errors import OcpiError
from ocpispec.ocpi.links import NextLink, assess

from ocpispec.ocpi.crawl_pages import (
    MOST_EMPTY_PAGES,
    Page,
    PageOutline,
    PageRequest,
    REPEATS_IN_A_ROW,
    SHIFT_OVERLAP,
    with_params,
)


class LinkPaging:
    """`Crawl`'s paging by next links (a mixin: it reads and updates the crawl's state)."""

    def _by_link(self, first: Page) -> Iterator[list[dict[str, Any]]]:
        page, seen, previous = first, {first.url}, None
        resumed = False
        self._drop_early_answers()
        while not self._full():
            if not resumed and (refill := self._refill(page)):
                yield self._accept(self._refetch(refill, page, previous))
            resumed = False
            request = self._next_request(page, seen)
            if request is None:
                return
            retries = self._stats.retries
            previous, page = page, self._unless_emptied(
                self._unless_stale(self._fetch_followed(request), self._fetch_followed), self._fetch_followed)
            seen.add(page.url)
            yield self._accept(page)
            if request.cursor and self._stats.retries > retries and self._cursor_moved_on(page, previous):
                self._warnings.add(f"a page of the `{self._target.module}` list was asked for again after a "
                                   "failure, and the platform's cursor answers each request with the page after "
                                   "the one it answered last (a scroll kept on the platform): the page whose "
                                   "answer was lost was skipped; stopped paging", kind="cursor-moved-on")
                return
            if self._last_duplicates < len(page.objects):
                self._linked_repeats = 0
            if request.overlap and self._overlap_ends_or_broke(request, page, previous):
                return
            if request.overlap and self._last_duplicates == len(page.objects) <= request.overlap \
                    and self._cut_short_links_on(page, previous):
                continue        # the objects asked again alone, after a full page, linking on
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
                if self._cursor_list_went_on(PageOutline.of(page), caps):
                    self._warnings.add(f"the `{self._target.module}` list ended at a full page without a next "
                                       "link, but objects of the window beyond that page (updated after its "
                                       "latest one, or before its earliest on a list sent newest first) did "
                                       "not arrive: the platform left out the link to the next page",
                                       kind="cursor-end")
                return None
            if self._offset_in_pages:   # no offset of ours is its: its last page has no link
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
            url, size = with_params(url, limit=limit), limit
        if link.offset is None:
            return PageRequest(following, size, url, cursor=True)
        early = self._overlapping(page, link.offset, size or limit)
        if early.overlap and link.offset == following:
            return PageRequest(early.offset, size, with_params(url, offset=early.offset), overlap=early.overlap)
        return PageRequest(link.offset, size, url)

    def _overlapping(self, page: Page, following: int, limit: int) -> PageRequest:
        """The next page by offset. Without `X-Total-Count` nothing shows that objects
        left the list while it is read (updated past a pinned `date_to`) and those behind
        them shifted onto pages already read: the request starts a few objects early, and
        those it repeats must be among them (`_overlap_ends_or_broke`)."""
        overlap = min(SHIFT_OVERLAP, len(page.objects) - 1, limit - 1)
        if page.total is not None or overlap <= 0:
            return PageRequest(following, limit)
        return PageRequest(following - overlap, limit, overlap=overlap)

    def _overlap_ends_or_broke(self, request: PageRequest, page: Page, previous: Page) -> bool:
        """After a page asked for with an overlap: True when it held nothing but objects
        already sent (the end of the list; after a page with a next link, only within the
        overlap: more repeats are a platform ignoring `offset`). A page that repeats none
        of them may follow a shift of more objects than the overlap: the crawl cannot be
        proven complete. An empty one with a next link ends paging: the platform failed to fill it."""
        n, repeated = len(page.objects), self._last_duplicates
        if not n:   # empty twice with a next link (`_unless_emptied`); without one, the list's end
            return page.next_link is not None
        if repeated == n and (n <= request.overlap or (
                previous.next_link is None and self._links_mark_more(previous))):
            return not self._cut_short_links_on(page, previous)
        if n and not repeated:
            self._warnings.add(f"no object of the previous page came again at offset {request.offset} "
                               "(objects may have shifted between pages, and the platform sends no "
                               "`X-Total-Count` to show it)", kind="shift")
        return False

    @staticmethod
    def _cut_short_links_on(page: Page, previous: Page) -> bool:
        """A page of nothing but the objects asked for again, after a full page, with a next
        link: the platform cut it short (a cap on this page, or objects it filters after
        cutting the page), and the list goes on; read on from its end. Taken for the end of
        the list, the objects after it were lost without a word."""
        caps = [cap for cap in (previous.request.limit, previous.x_limit) if cap]
        return page.next_link is not None and bool(caps) and len(previous.objects) >= min(caps)

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

    def _cursor_moved_on(self, page: Page, previous: Page) -> bool:
        """Whether a platform's cursor keeps its place on the platform (a search index's
        scroll): asked for again, the URL of `page` (which came only after a retry) answers
        other objects than `page` did. Such a cursor moved on when the platform answered the
        request whose answer was lost (a gateway's HTTP 504, a connection closed after the
        platform had sent it), and the retry got the page after the lost one: nothing else
        shows the skip on a list without `X-Total-Count`. A cursor that names its page answers
        the same objects again (dropped as repeats). An empty `page` (the lost one was the
        last) cannot be told so: there, objects of the window beyond the full page before it
        that did not arrive tell (`_cursor_list_went_on`)."""
        if not page.objects:
            caps = [cap for cap in (previous.request.limit, previous.x_limit) if cap]
            return self._cursor_list_went_on(PageOutline.of(previous), caps)
        try:
            again = self._fetch(PageRequest(page.request.offset, page.request.limit, page.url, cursor=True))
        except OcpiError:
            return True         # (a cursor read once is refused the second time: it moved on)
        return self._page_keys(again.objects) != self._page_keys(page.objects)

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
                               f"({_why_not_followed(link)}); the list may go on",
                               kind="empty-page-link")
            return None
        self._empty_pages += 1
        if self._empty_pages > MOST_EMPTY_PAGES:
            self._warnings.add(f"the platform sent {MOST_EMPTY_PAGES} empty pages in a row, each with a next "
                               "link; stopped paging, the list may go on", kind="empty-pages")
            return None
        self._warnings.add("the platform sent an empty page with a next link; following the link",
                           kind="empty-page-followed")
        offset = link.offset if link.offset is not None else page.request.offset
        return PageRequest(offset, link.limit, link.url)

    def _warn_link(self, verdict: str, detail: str) -> None:
        match verdict:
            case "foreign":
                message = (f"the platform's next links point to another host than the endpoint's ({detail}; "
                           "the other host is not shown); the token is not sent there: the next pages "
                           "are requested from the endpoint URL by offset")
            case "path":
                message = (f"the platform's next links point to another path ({detail}); the next pages "
                           "are requested from the endpoint URL by offset")
            case "unreadable":
                message = ("the platform's next links are no URL that can be read (a malformed host or "
                           "port); the next pages are requested from the endpoint URL by offset")
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
        """Whether to stop after a page of objects sent before. One that came by a next link
        and links on may be objects that moved behind others as they were updated; pages of
        them in a row are links leading back to pages read already (a cursor that wraps
        around to the start under a new URL each time: followed, the crawl never ended), or
        links by an `offset` the platform ignores (followed to the end of its count)."""
        if page.request.url is not None and page.next_link is not None:
            self._linked_repeats += 1
            if self._linked_repeats < REPEATS_IN_A_ROW:
                return False
            self._warnings.add(f"the platform's next links led to {REPEATS_IN_A_ROW} pages in a row of objects "
                               "it had already sent (they lead back to pages read before, or the platform "
                               "ignores the `offset` they name); stopped paging", kind="link-loop")
            return True
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


def _why_not_followed(link: NextLink) -> str:
    if link.verdict == "foreign":
        return f"it points to another host than the endpoint's, {link.detail}"
    return link.detail or "it does not lead further"
