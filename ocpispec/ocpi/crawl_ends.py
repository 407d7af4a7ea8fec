"""How a crawl judges that a list it read to its end is whole: a count that counts the
whole list, objects updated while it was read, a cursor list that went on without a
next link, a list that ended before its last object; each with a probe of one object."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from ocpispec.ocpi.errors import OcpiError
from ocpispec.ocpi.objects import ObjectCheck
from ocpispec.timestamps import format_timestamp, parse_timestamp

from ocpispec.ocpi.crawl_pages import (
    EMPTY_WINDOW,
    FLOOR,
    header_count,
    PageOutline,
    page_objects,
)


LATER_COPY = ("objects of `{module}` came again with a later `last_updated` inside the window than the "
              "copy read first (the platform lists several versions of one object, or back-dates updates "
              "while the list is read): each object is handed on once, as its first copy")


# a `last_updated` as almost every platform writes it: the order of such texts is their
# order in time
_PLAIN_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def stamp_range(texts: tuple[Any, ...]) -> tuple[datetime, datetime] | None:
    """The earliest and latest of `texts` read as timestamps (None: none reads as one).
    Where every text is a plain `YYYY-MM-DDTHH:MM:SSZ`, only the first and last in the
    order of texts are read (a page of 1,000 stamps read whole cost a few ms, at the end
    of every deep crawl); where either is no time after all (`2026-02-30`), all are."""
    if texts and all(text.__class__ is str and _PLAIN_STAMP.fullmatch(text) for text in texts):
        low, high = parse_timestamp(min(texts)), parse_timestamp(max(texts))
        if low is not None and high is not None:
            return low, high
    moments = [moment for text in texts if (moment := parse_timestamp(text)) is not None]
    return (min(moments), max(moments)) if moments else None


# a list read this deep may have met a search index's cap on paging (Elasticsearch's
# `max_result_window` is 10,000 by default; some platforms cap at a few thousand)
DEEP_PAGING = 1_000


class EndChecks:
    """`Crawl`'s checks of a list's end (a mixin: they read the crawl's state)."""

    def _judge_later_copies(self) -> None:
        """The repeats of the page just accepted that carried a later `last_updated` than
        their first copy (`RecentKeys.later_copies`). One inside the pinned window is a
        version of the object this window should deliver instead of the one handed on
        (which a `where` may even have left out), and no later window reads it: the list
        cannot be proven whole. One at or after `date_to` is the next window's, and a list
        without an end (read for joins) may see an object updated while it is read."""
        stamps, self._keys.later_copies = self._keys.later_copies, []
        if self._window_end is None:
            return
        start = parse_timestamp(self._target.filters.get("date_from"))
        inside = [moment for stamp in stamps if (moment := parse_timestamp(stamp)) is not None
                  and moment < self._window_end and (start is None or moment >= start)]
        if inside:
            self._warnings.add(LATER_COPY.format(module=self._target.module), kind="later-copy")

    def _dismiss_unfiltered_total(self) -> bool:
        """A list that ended short of its `X-Total-Count`: the platform may count its whole
        list whatever the date filters keep (a count query apart from the list query). Asked
        for a window in which nothing lies (`EMPTY_WINDOW`), such a platform answers no
        objects and a count no smaller than ours: its count is then no evidence, and the list
        ended on its last page as one without a count does (True). A count of 0 there (the
        filters are counted) leaves the shortfall standing, and so does any failure of the
        request, and a window from the floor (the whole list: a count of it is the count of
        the list)."""
        report = self.report
        if not self._count_in_doubt():
            return False
        answer = self._probe(EMPTY_WINDOW)
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

    def _count_in_doubt(self) -> bool:
        """Whether `_dismiss_unfiltered_total` asks a window where nothing lies."""
        report = self.report
        return not (report.last_total is None or report.received >= report.last_total or self._full()
                    or self._target.filters.get("date_from", FLOOR) <= FLOOR)

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

    def _count_shift_unseen(self) -> bool:
        """After a list of several pages with `X-Total-Count`: whether objects read on its
        pages left the window while it was read (updated since the pinned `date_to`) without
        the count falling by as much. Each object that left shifted those behind it down one
        place, onto pages that may have been read already; a count that shrinks between
        pages has them asked for again, but objects that came into the window meanwhile (a
        back-dated insert, a replica catching up) keep the count level, and the next page
        skipped as many objects, with exit 0, for good. The objects still in the window
        (counted now, after the list of those that left) must all have arrived: at least as
        many as were read, less those that left. A failed request, or a list of those that
        left that goes on past its first page, cannot tell: no doubt is raised."""
        if (request := self._count_shift_request()) is None:
            return False
        filters, report = self._target.filters, self.report
        answer = self._answer(request[0], limit=request[1])
        if answer is None:
            return False
        pin = self._window_end
        # (a platform ignoring `date_from` lists objects of the window too, and one reading
        # `date_to` as inclusive objects at it: read there, they left nothing, `_read_inside`)
        moved = [obj for obj in page_objects(answer.data) if isinstance(obj, dict)
                 and (stamp := parse_timestamp(obj.get("last_updated"))) is not None and stamp >= pin]
        left = sum(1 for obj in moved if self._read_inside(self._check.key(obj), pin))
        if not left:
            return False
        now = self._probe(filters)
        return now is not None and now[1] is not None and report.received - left < now[1]

    def _count_shift_request(self) -> tuple[dict[str, str], int | None] | None:
        """The filters and `limit` of the request `_count_shift_unseen` asks (None: none)."""
        filters, report = self._target.filters, self.report
        if report.last_total is None or report.received < report.last_total or self._pages_with_objects < 2 \
                or self._cursor_links or self._full() or "date_to" not in filters:
            return None      # (a list short of its count is in doubt already)
        return {"date_from": filters["date_to"]}, self._first_limit()

    def _read_inside(self, key: tuple[str, ...], pin: Any) -> bool:
        """Whether an object of `key` was read with a `last_updated` before `pin` (a
        platform ignoring `date_to` sends objects past it, which leave nothing)."""
        seen, stamp = self._keys.first_copy(hash(key))
        read = parse_timestamp(stamp) if isinstance(stamp, str) else None
        return seen and read is not None and read < pin

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
        moved = page_objects(answer.data)
        total = header_count(answer.headers.get("x-total-count"))
        caps = [cap for cap in (limit, header_count(answer.headers.get("x-limit"))) if cap] or [self._longest]
        cut = answer.headers.get("link") is not None or (total is not None and total > len(moved)) \
            or len(moved) >= min(caps) or report.received >= self._options.dedup_window
        if moved and cut:
            return True
        keys = (self._check.key(obj) for obj in moved if isinstance(obj, dict))
        return any(self._keys.seen(key) for key in keys)

    def _cursor_list_went_on(self, page: PageOutline, caps: list[int]) -> bool:
        """A list read by a cursor of the platform's ends at a page without a next link.
        A full one (as long as asked, as `X-Limit`, or as the longest page) may have lost
        the link to the page after it (a platform failing to write it now and then): the
        objects updated at or after the latest one of that page, and those updated up to
        its earliest one, each asked for once, tell. One of the window that did not arrive
        shows the list went on; read as its end, the run delivered the first pages and
        moved past the rest. (It tells on a platform listing by `last_updated`, oldest or
        newest first, as most do; a request that fails cannot tell: ended.)"""
        return any(self._unseen_in(probe, page.request.limit) for probe in self._went_on_probes(page, caps))

    def _went_on_probes(self, page: PageOutline, caps: list[int]) -> list[dict[str, str]]:
        """The filters `_cursor_list_went_on` asks for, in turn (none: the list ended)."""
        if page.count < (min(caps) if caps else self._longest) or self._full():
            return []
        span = stamp_range(page.stamps)
        if span is None:
            return []
        filters = self._target.filters
        after = {**filters, "date_from": format_timestamp(span[1].replace(microsecond=0))}
        # to the second after its earliest (`date_to` is exclusive), within the window
        earliest = span[0].replace(microsecond=0) + timedelta(seconds=1)
        before = {**filters, "date_to": format_timestamp(earliest)}
        if self._window_end is not None and self._window_end < earliest:
            before["date_to"] = filters["date_to"]
        # (past the window's end, as on a platform ignoring `date_to`, nothing of it lies after)
        beyond = self._window_end is not None and span[1] >= self._window_end
        order = self._list_order(page, span)
        # the far side of an ordered list is its first pages, read long ago: their keys may be
        # forgotten (`RecentKeys` is bounded), and would read as objects that never arrived
        return [probe for probe, side in ((after, "newest first"), (before, "oldest first"))
                if side != order and not (probe is after and beyond)]

    def _list_order(self, page: PageOutline, span: tuple[datetime, datetime]) -> str | None:
        """`oldest first` or `newest first` where the list's first page with objects and
        `page` (its last, its stamps from `span[0]` to `span[1]`) say so by their stamps,
        or None (one page, or overlapping)."""
        first = getattr(self, "_first_filled", None)
        if first is None or first.request is page.request:
            return None
        earlier = stamp_range(first.stamps)
        if earlier is None:
            return None
        if span[0] >= earlier[1]:
            return "oldest first"
        return "newest first" if span[1] <= earlier[0] else None

    def _unseen_in(self, filters: dict[str, str], limit: int | None) -> bool:
        """Whether the first page for `filters` holds an object of the crawl's window that
        did not arrive (False when the request fails)."""
        answer = self._answer(filters, limit=limit)
        if answer is None:
            return False
        low, high = parse_timestamp(filters.get("date_from", FLOOR)), parse_timestamp(filters.get("date_to"))
        start = parse_timestamp(self._target.filters.get("date_from", FLOOR))
        for obj in page_objects(answer.data):
            if not isinstance(obj, dict) or (moment := parse_timestamp(obj.get("last_updated"))) is None:
                continue
            inside = moment >= max(low, start) and (high is None or moment < high) \
                and (self._window_end is None or moment < self._window_end)
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
        whole = {**filters, "date_from": FLOOR} if "date_from" in filters else dict(filters)
        last = last_object(lambda offset: None if (answer := self._probe(whole, offset)) is None else answer[0])
        # after `date_from`, not at it: a platform reading it as exclusive rightly leaves out
        # an object there (ocpispec asks a window a second early, so it is the previous one's)
        start = parse_timestamp(filters.get("date_from", FLOOR))
        if last is None or start is None or not inside(last, start + timedelta(microseconds=1), self._window_end):
            return False
        usable = ObjectCheck(self._target.version, self._target.module).problem(last) is None
        return usable and not self._keys.seen(self._check.key(last))

    def _ended_at_a_full_page(self) -> bool:
        """A list read to its end whose last page with objects was full (as long as asked,
        as `X-Limit`, or as a page the platform cut below `limit` while the list went on):
        whether objects of the window beyond that page did not arrive (`_cursor_list_went_on`:
        those updated at or after its latest one, and up to its earliest one, asked for once
        each). A platform whose list cannot be paged past a depth (a search index capping
        `offset`, as Elasticsearch's `max_result_window` does) answers a deeper page with
        `[]`, counts no further (`X-Total-Count` at the cap, as `track_total_hits` does) and
        links no further: the list ends there by every sign it gives, and its last object by
        offset (`_ended_before_last_object`) lies at that depth too. Read as the list's end,
        the run delivered the first pages and moved past the rest. Asked where the list ended
        at an empty page with no other sign of its end, or at a depth where such caps lie
        (`DEEP_PAGING`): a list of a few pages ending at a full one is common and honest. (A
        list read by the links of a cursor of the platform's is judged where it ends.)"""
        ended = self._full_page_end()
        return ended is not None and self._cursor_list_went_on(*ended)

    def _full_page_end(self) -> tuple[PageOutline, list[int]] | None:
        """The last page with objects and its caps where `_ended_at_a_full_page` asks
        whether the list went on past it (None: it asks nothing)."""
        page, report = self._last_filled, self.report
        if page is None or self._cursor_links or self._full() or "date_to" not in self._target.filters:
            return None
        unsigned = self._ended_empty and report.first_total is None and report.last_total is None \
            and not self._linked
        if not unsigned and self._after_last_filled() < DEEP_PAGING:
            return None
        return page, [cap for cap in (page.request.limit, page.x_limit, self._capped_at) if cap]

    def _after_last_filled(self) -> int:
        """The offset after the last page with objects."""
        page = self._last_filled
        return 0 if page is None else page.request.offset + page.count

    def _probe(self, filters: dict[str, str], offset: int = 0) -> tuple[list[Any], int | None] | None:
        """The objects and `X-Total-Count` of a one-object request for `filters` at `offset`
        (None when it fails)."""
        answer = self._answer(filters, offset)
        if answer is None:
            return None
        return page_objects(answer.data), header_count(answer.headers.get("x-total-count"))

    def _answer(self, filters: dict[str, str], offset: int = 0, limit: int | None = 1) -> Any:
        """The answer to a request for `filters` at `offset` (None when it fails), or the
        one to the same request asked early (`early_answers`)."""
        return self._early_or_asked(self._probe_url(filters, offset, limit))

    def _probe_url(self, filters: dict[str, str], offset: int, limit: int | None) -> str:
        endpoint = self._target.endpoint
        sized = {} if limit is None else {"limit": str(limit)}
        query = urlencode({**filters, "offset": str(offset), **sized})
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"

    def _asked(self, url: str) -> Any:
        """The answer to `url` asked now (None when it fails)."""
        try:
            return self._transport.get(url, routing=True, correlation_id=self._target.correlation_id)
        except OcpiError:
            return None
