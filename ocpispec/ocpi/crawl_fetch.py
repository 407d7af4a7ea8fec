"""How a crawl asks for one page and reads the answer: the page's URL, a next link that
no longer answers tried again by offset, an offset past the list's end read as its end,
and the shapes a platform sends a page in (nested, a lone object, without `data`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

from ocpispec.ocpi import errors
from ocpispec.ocpi.accept import Prepared
from ocpispec.ocpi.clean_pages import CleanPage
from ocpispec.ocpi.row_pages import RowPage
from ocpispec.ocpi.body import nested_list, single_object
from ocpispec.ocpi.body_shown import json_kind
from ocpispec.ocpi.errors import OcpiError, fail, safe_url
from ocpispec.ocpi.objects import LOCATION_STAMPS, raise_location_stamp
from ocpispec.ocpi.repeated import FLAGGED_MODULES
from ocpispec.ocpi.crawl_pages import Page, PageRequest, bad_parameter, header_count


class PageFetching:
    """`Crawl`'s requests of pages (a mixin: it reads and updates the crawl's state)."""

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
        of its list) is the empty page that ends the list, not a failed run. The count is
        the last one answered, not the last page's accepted: the concurrent crawl asks on
        while the pages before are accepted (the first one waiting for `get`'s published
        sites, or its thread not yet run on a loaded machine), and judged by a count
        accepted, a refusal failed the run or not by how far acceptance lagged. (In the
        concurrent crawl, its warnings are held as notes of the page: `_offset_pages`.)"""
        try:
            return self._fetch(request)
        except OcpiError as problem:
            total = self._answered_total
            if total is None or request.offset < total or not bad_parameter(problem):
                raise
        message = (f"the platform refuses an `offset` at the end of its `{self._target.module}` list (HTTP 400 "
                   "or OCPI 2001) instead of answering an empty page; read as the end of the list")
        self._warnings.add(message, kind="offset-past-end")
        return Page(request, self._url(request), [], total, None, None, False)

    def _unless_stale(self, page: Page, again: Callable[[PageRequest], Page]) -> Page:
        """A page whose objects were all sent before, asked for once more (`again`): a cache
        in front of the platform that ignored the offset once answers it the second time, and
        the crawl failed as incomplete for a page it never asked again. What the second
        answer holds is judged as any page is: a repeat that lasts ends the crawl as before,
        and no later page is asked for twice.
        Not a refill or an overlap (their repeats are asked for), nor a cursor of the
        platform's, which may answer the page after it when asked again (a scroll)."""
        request = page.request
        if self._stale_lasts or request.refill or request.overlap or request.cursor or not page.objects \
                or not self._sent_before(page.objects):
            return page
        page = again(request)
        # a platform ignoring `offset` answers the same again: not asked twice for its next repeats
        self._stale_lasts = bool(page.objects) and self._sent_before(page.objects)
        if not self._stale_lasts:
            self._warnings.add(f"a page of the `{self._target.module}` list repeated objects already sent (a cache "
                               "in front of the platform?); asked for again, it answered that page", kind="stale-page")
        return page

    def _unless_emptied(self, page: Page, again: Callable[[PageRequest], Page]) -> Page:
        """An empty answer to a request asked a few objects early (`overlap`, on a list
        without `X-Total-Count`): those objects were read just before, inside the window,
        so the page is no end of the list but one the platform failed to fill (a query that
        timed out inside, answered as an empty list), unless the list shrank. Followed by
        its next link, the objects between the previous page's end and the link's offset
        never arrived, and the run exited 0 without them. Asked for once more; empty again
        with a next link, paging stops in doubt. Empty again without one, it ends the list
        as any empty page does, and the checks of a list's end judge it (an offset cap, a
        list cut before its filters; or a list that shrank while it was read: objects
        updated out of the pinned window, which the next run delivers)."""
        request = page.request
        if page.objects or not request.overlap:
            return page
        page = again(request)
        said = (f"a page of the `{self._target.module}` list came empty (offset {request.offset}), although "
                f"it was asked to start with {request.overlap} objects read just before")
        if page.objects:
            self._warnings.add(f"{said}; asked for again, it answered them", kind="emptied-once")
        elif page.next_link is not None:
            self._warnings.add(f"{said}, and again when asked once more: the platform failed to fill it; "
                               "stopped paging", kind="emptied")
        return page

    def _sent_before(self, objects: list[Any]) -> bool:
        """Whether every object of a page is one the crawl has handed on already: asked of
        every page, and answered at its first object for almost all of them."""
        seen = self._keys.first_copy
        return all(key is not None and seen(key if key.__class__ is int else hash(key))[0]
                   for key in self._keys_one_by_one(objects))

    def _keys_one_by_one(self, objects: list[Any]) -> Iterator[Any]:
        """The keys (or their fingerprints) of a page's objects as `_page_keys` reads them, one
        at a time; None for an object without one (invalid: never a page of repeats here)."""
        if objects.__class__ is CleanPage or objects.__class__ is RowPage:
            fingerprints = objects.fingerprints     # type: ignore[attr-defined]
            yield from fingerprints if len(fingerprints) == len(objects) else (None,)
        elif objects.__class__ is Prepared:
            for item in objects:
                yield item[2] if item[0] is None else None
        else:
            for obj in objects:
                yield self._check.key(obj) if obj.__class__ is dict else None

    def _fetch(self, request: PageRequest) -> Page:
        url = self._url(request)
        answer = self._transport.get(url, routing=True, correlation_id=self._target.correlation_id,
                                     prepare=self._prepare, fitted=self._fitted,
                                     flags=self._target.module in FLAGGED_MODULES)
        assert answer is not None  # only `missing_ok` requests answer None
        headers = answer.headers
        total = header_count(headers.get("x-total-count"))
        if total is not None:
            self._answered_total = total
        if answer.data is None:
            self._check_no_data(url, answer.next_link)
        data = [] if answer.data is None else answer.data
        if (nested := nested_list(data)) is not None:
            self._warnings.add(f"the platform's `{self._target.module}` pages nest the list as "
                               f"`data.{nested[0]}` instead of `data`; read it there", kind="nested-list")
            data = nested[1]
        elif single_object(data):
            self._warnings.add(f"the platform sends a `{self._target.module}` page of one object as the object "
                               "itself instead of a list of one; read as a list", kind="single-object")
            data = [data]
        if self._target.module == "locations" and (getattr(data, "stamps_raised", False) or (
                data.__class__ is list and any(
                    [raise_location_stamp(location, self._window_end) for location in data]))):
            self._warnings.add(LOCATION_STAMPS, kind="location-stamps")
        if not isinstance(data, list):
            raise fail(errors.INVALID_RESPONSE, f"the `{self._target.module}` list answered with "
                       f"{json_kind(data)} instead of a list of objects",
                       notes=[f"request: GET {safe_url(url)}"],
                       help="check that the endpoint is the module's list (SENDER) interface")
        self._stats.add(pages=1)
        return Page(request, url, data, total, header_count(headers.get("x-limit")), answer.next_link,
                    answer.loose_timestamps)

    def _check_no_data(self, url: str, next_link: str | None) -> None:
        """A page without `data` (null, missing, HTTP 204) is an empty page where the list
        ends; where a next link says the list goes on it is a page the platform failed to
        fill, not an empty one. An `X-Total-Count` beyond its offset alone does not say so:
        such a page is judged as `"data": []` is (`crawl_ends`: the count tested by a window
        where nothing lies, the list short of one that holds is OCX571), since a platform
        counting its whole list sends that count with every empty window, and each run
        there failed here with OCX504."""
        if next_link is None:
            return
        raise fail(errors.INVALID_RESPONSE, f"a page of the `{self._target.module}` list came without `data`, "
                   "although the list goes on",
                   notes=[f"request: GET {safe_url(url)}", "the page carries a next link; an empty page "
                          "would be `\"data\": []`"],
                   help="the platform failed to fill this page (an error inside it?); try again later, "
                        "and tell the CPO if it persists")
