"""The pieces every part of a crawl shares: a page asked for and a page read, the
crawl's target, the concurrent schedule of offsets, and the helpers that read pages,
links and counts."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ocpispec.frozen import frozen
from ocpispec.numerals import natural
from ocpispec.ocpi import errors
from ocpispec.ocpi.body import nested_list, single_object
from ocpispec.ocpi.errors import OcpiError, fail, safe_url
from ocpispec.ocpi.accept import Prepared
from ocpispec.ocpi.clean_pages import CleanPage
from ocpispec.ocpi.row_pages import RowPage
from ocpispec.ocpi.stats import CrawlReport, Warnings
from ocpispec.timestamps import EPOCH_FLOOR, format_timestamp



# pages read on and held while the first waits for the published sites (`get`): the
# workers' pages would otherwise stop after the few in flight, and the workers idle until
# the locations are read. At most 16 pages, and some 16,000 objects (a page of 1,000
# sessions read whole is about half a megabyte)
AHEAD_WHILE_SITES_READ = 16
OBJECTS_AHEAD_WHILE_SITES_READ = 16_000
FIRST_IN_FLIGHT = 2   # pages in flight after the first; one more per page that has arrived
# objects of the previous page asked for again when the platform sends no `X-Total-Count`,
# whose shrinking would show that objects left the list and the rest shifted down
SHIFT_OVERLAP = 5
MOST_EMPTY_PAGES = 5   # empty pages in a row followed by their next link before giving up
# pages in a row holding only objects sent before: the platform ignores `offset` (and a
# count it sends, `10**30`, would have the crawl ask for the same page up to it), or its
# next links lead back to pages read (a cursor wrapping around): either way, forever.
# One such page may come of objects that moved up as others left a pinned window
REPEATS_IN_A_ROW = 3


@frozen
class PageRequest:
    offset: int
    limit: int | None
    url: str | None = None      # a next link, followed as is
    refill: bool = False        # re-fetch after a shrink; never triggers more requests
    overlap: int = 0            # objects of the previous page asked for again (no total)
    cursor: bool = False        # a next link without an offset: a cursor of the platform's


@frozen
class Page:
    request: PageRequest
    url: str
    objects: list[Any]
    total: int | None
    x_limit: int | None
    next_link: str | None
    loose_timestamps: bool


@frozen
class PageOutline:
    """What the checks of a list's end read of a page with objects (`EndChecks`): its
    request, `X-Limit`, how many objects it held and their `last_updated`, without the
    objects. The crawl keeps the outlines of its first and last such pages for the
    whole list (and a lookup's crawl for the whole run): a page of 1,000 realistic
    locations is some 7 MB of Python objects, and held whole, the first and last of a
    16,666-site list raised a run's peak memory by 25 MB."""

    request: PageRequest
    x_limit: int | None
    count: int
    stamps: tuple[Any, ...]

    @classmethod
    def of(cls, page: Page) -> PageOutline:
        return cls(page.request, page.x_limit, len(page.objects), tuple(page_stamps(page.objects)))


@frozen
class Target:
    module: str
    version: str
    endpoint: str
    filters: dict[str, str]     # date_from / date_to, already formatted
    limit: int | None           # most objects to yield
    correlation_id: str
    prepare: Any = None         # reads a page body in worker processes (`executor.workers`)
    # what a private copy is for sessions and CDRs, whose objects do not tell it alone: the
    # published sites (`public_scope.PublicScope`, `get`'s; `ocpi.private_copies`)
    scope: Any = None
    party: str | None = None    # the CPO party an object sent without one is read as (`schema.own_party`)


@dataclass(slots=True)
class Schedule:
    """Which offsets the concurrent crawl asks for next, adjusted by every page seen."""

    step: int
    end: int                    # X-Total-Count as last seen (grows; an empty page cuts it)
    cursor: int                 # the next regular offset
    extra: deque[PageRequest] = field(default_factory=deque)
    # the first offset answered with an empty page: the list ends there, whatever a later
    # page's `X-Total-Count` says. A count above the list on every page but the empty ones
    # (a cached count; `10**30`) raised the end again after each empty page, and the crawl
    # asked for every offset up to the count: a thousand requests for ten objects, or forever
    emptied: int | None = None

    def next(self) -> PageRequest | None:
        if self.extra:
            return self.extra.popleft()
        if self.cursor >= self.end:
            return None
        request, self.cursor = PageRequest(self.cursor, self.step), self.cursor + self.step
        return request

    @property
    def exhausted(self) -> bool:
        """Nothing is left to ask (`next` answers None)."""
        return not self.extra and self.cursor >= self.end

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
            self._cut()
            return
        if n == 0:
            self.emptied = request.offset if self.emptied is None else min(self.emptied, request.offset)
        self._cut()
        if n and request.limit is not None and n < request.limit and request.offset + n < self.end:
            self.extra.append(PageRequest(request.offset + n, request.limit - n))
            self.step = n           # the platform caps pages below what it announced

    def _cut(self) -> None:
        if self.emptied is not None:
            self.end = min(self.end, self.emptied)


def receiver_only_tokens(endpoint: str) -> OcpiError:
    return fail(errors.UNKNOWN_MODULE, "the platform's OCPI 2.1.1 `tokens` endpoint cannot be listed",
                notes=[f"request: GET {safe_url(endpoint)} answered HTTP 404",
                       "in OCPI 2.1.1 a CPO's `tokens` module only receives tokens pushed by eMSPs; "
                       "the version details list it all the same (2.1.1 has no roles)",
                       "the platform lists no eMSP-side `tokens` endpoint (a URL with an `emsp` path segment)"],
                help="leave `tokens` out of the export, or ask the CPO for OCPI 2.2.1+ or for an eMSP-side "
                     "tokens endpoint")


class Noted:
    """The client's warnings, with the kind of each one this crawl raised noted in its
    report (the client shows each warning once; the report keeps them per crawl)."""

    def __init__(self, warnings: Warnings, report: CrawlReport) -> None:
        self._warnings = warnings
        self._report = report

    def add(self, message: str, *, kind: str | None = None) -> None:
        self._report.warning_kinds.append(kind or message)
        self._warnings.add(message, kind=self._per_module(message, kind))

    def _per_module(self, message: str, kind: str | None) -> str | None:
        """A warning that names its module is said once a module, not once a client: `run`
        reads the locations and the sessions on one client, `get sessions` on two, and
        they say the same warnings (a nesting of the sessions' pages as of the locations')."""
        module = self._report.module
        return f"{module}:{kind}" if kind and f"`{module}`" in message else kind


def with_params(url: str, **values: int) -> str:
    """The link with the paging parameters `values` (`limit`, `offset`) set to ours, every
    other parameter kept as sent."""
    parts = urlsplit(url)
    pairs = [(k, str(values[k]) if k in values else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(query=urlencode(pairs)))


def offset_in_pages(offset: int, limit: int | None, objects: int, link_offset: int | None) -> bool:
    """Whether a first page (asked at `offset` for `limit`, holding `objects`) whose next
    link asks for `offset=1` (or 2, counting from 1), before the objects it brought and not
    as many as asked, comes from a platform counting `offset` in pages, not objects."""
    return offset == 0 and link_offset in (1, 2) and objects > link_offset != limit


def bad_parameter(problem: OcpiError) -> bool:
    """A request refused as holding a bad parameter (HTTP 400, or OCPI 2001)."""
    return problem.http_status == 400 or (problem.code == errors.OCPI_STATUS
                                          and "status `2001`" in problem.diagnostic.message)


def page_stamps(objects: Any) -> list[Any]:
    """The `last_updated` of a page's objects, however the page was read."""
    if objects.__class__ is CleanPage or objects.__class__ is RowPage:
        return list(objects.stamps)
    if objects.__class__ is Prepared:
        return [item[3] for item in objects]
    return [obj.get("last_updated") for obj in objects if obj.__class__ is dict]


def page_objects(data: Any) -> list[Any]:
    """The objects of a page's `data`, as a page is read (a wrapped list, one object)."""
    objects = nested[1] if (nested := nested_list(data)) is not None else [data] if single_object(data) else data
    return objects if isinstance(objects, list) else []


# a window in which no record lies: what a platform counts there, it counts unfiltered
FLOOR = format_timestamp(EPOCH_FLOOR)
EMPTY_WINDOW = {"date_from": "2100-01-01T00:00:00Z", "date_to": "2100-01-02T00:00:00Z"}


def header_count(value: str | None) -> int | None:
    return natural(value)
