"""The few requests `doctor` sends per module, and the pages they brought back.

Per module, at most six GETs (seven for locations older than their EVSEs), all within
`[1970-01-01, now)` unless said otherwise:

    sample   offset=0 limit=SAMPLE   the sample page: headers, link, records, timestamps
    second   offset=1 limit=2        is `limit` honoured, does `offset` shift by one
    third    the second page's next link when it is usable, else offset=3 limit=2
    window   date_from=tA date_to=tB limit=10   (tA < tB: the two earliest seconds seen)
    after    date_from=tB limit=2
    recount  offset=total-1 limit=1  the sample's window again: did objects arrive late in it, and
                                     is there an object where `X-Total-Count` says the last one is?
    stale    date_from=a child's stamp limit=10   locations only, when a sampled one is older than
                                     an EVSE or connector of its: do the filters follow the child?
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from ocpispec.doctor.recorder import ProbeStopped, Recorder
from ocpispec.doctor.stamps import STALE_LIMIT, stale_location, window_from
from ocpispec.numerals import natural
from ocpispec.ocpi.body import nested_list, single_object
from ocpispec.ocpi.crawl import bad_parameter
from ocpispec.ocpi.errors import INVALID_RESPONSE, OcpiError, fail
from ocpispec.ocpi.links import urljoin_or_none
from ocpispec.ocpi.transport import Transport
from ocpispec.timestamps import EPOCH_FLOOR, format_timestamp, parse_timestamp
from ocpispec.text import with_article

SECOND_LIMIT = 2
WINDOW_LIMIT = 10
PAST_END_LIMIT = 100      # objects updated after the window's end, read where its count is above the list
# a second in which no platform holds an object: a count of it above 0 counts past `date_to`
EMPTY_SECOND = {"date_from": "1971-01-01T00:00:00Z", "date_to": "1971-01-01T00:00:01Z"}


@dataclass(frozen=True, slots=True)
class Page:
    url: str
    offset: int
    limit: int | None
    filters: dict[str, str]
    objects: list[Any]
    total: int | None
    x_limit: int | None
    link: str | None              # the next link, absolute
    link_href: str | None         # the next link as sent
    seconds: float
    link_header: str | None = None    # the raw `Link` header (None: not sent)
    nested: str | None = None         # the key `data` wraps the list under (`items`), if it does


@dataclass(slots=True)
class ModuleProbe:
    module: str
    endpoint: str
    now: datetime
    pages: dict[str, Page] = field(default_factory=dict)
    third_by_link: bool = False
    bounds: tuple[datetime, datetime] | None = None     # tA, tB
    error: OcpiError | None = None
    error_status: int | None = None
    stopped: str | None = None
    limit_refused: int | None = None    # the sample's `limit`, refused as a bad parameter
    past_end_refused: bool = False      # an offset past the list's end answered 400 / 2001
    stale: tuple[str, datetime, int] | None = None   # a location older than its EVSEs (`stamps`)

    @property
    def filters(self) -> dict[str, str]:
        return {"date_from": format_timestamp(EPOCH_FLOOR), "date_to": format_timestamp(self.now)}


def probe_module(transport: Transport, recorder: Recorder, module: str, endpoint: str, now: datetime,
                 sample_size: int) -> ModuleProbe:
    probe = ModuleProbe(module, endpoint, now)
    try:
        _run(probe, _Getter(transport, recorder, endpoint), sample_size)
    except ProbeStopped as stop:
        probe.stopped = str(stop)
    except OcpiError as problem:
        probe.error = problem
        probe.error_status = recorder.exchanges[-1].status if recorder.exchanges else None
    return probe


def _run(probe: ModuleProbe, get: _Getter, sample_size: int) -> None:
    filters = probe.filters
    sample = probe.pages["sample"] = _sample(probe, get, sample_size)
    if not sample.objects:
        return
    window_limit = WINDOW_LIMIT if probe.limit_refused is None else min(WINDOW_LIMIT, len(sample.objects))
    end = _end(sample, sample_size)
    second = probe.pages["second"] = get.page(filters, 1, SECOND_LIMIT, end=end)
    link = usable_link(second.link, probe.endpoint, filters) if second.link else None
    if link is not None:
        probe.third_by_link = True
        probe.pages["third"] = get.follow(link, filters)
    else:
        probe.pages["third"] = get.page(filters, 1 + SECOND_LIMIT, SECOND_LIMIT, end=end)
    probe.past_end_refused = get.past_end_refused
    probe.bounds = earliest_seconds(sample.objects)
    if probe.bounds is not None:
        early, late = (format_timestamp(t) for t in probe.bounds)
        probe.pages["window"] = get.page({"date_from": early, "date_to": late}, 0, window_limit)
        probe.pages["after"] = get.page({"date_from": late, "date_to": filters["date_to"]}, 0, SECOND_LIMIT)
    if sample.total is not None:
        recount = probe.pages["recount"] = get.page(filters, max(0, sample.total - 1), 1)
        if recount.total is not None and (recount.total > sample.total or not recount.objects):
            try:   # a count of more than the list: does it count objects updated past the window's end?
                empty = probe.pages["empty_second"] = get.page(dict(EMPTY_SECOND), 0, 1)
                if empty.total and not empty.objects:
                    probe.pages["past_end"] = get.page({"date_from": filters["date_to"]}, 0, PAST_END_LIMIT)
            except OcpiError:
                pass
    if (later := later_second(sample.objects)) is not None:
        try:   # the first page of a window the sample's first object lies before
            probe.pages["late"] = get.page({"date_from": format_timestamp(later), "date_to": filters["date_to"]},
                                           0, 1)
        except OcpiError:
            pass
    if probe.module == "locations":
        probe.stale = stale_location(sample.objects, probe.now)
        if probe.stale is not None:
            probe.pages["stale"] = get.page({"date_from": window_from(probe.stale[1]),
                                             "date_to": filters["date_to"]}, 0, STALE_LIMIT)


def _sample(probe: ModuleProbe, get: _Getter, sample_size: int) -> Page:
    """The sample page; asked again without `limit` when the platform refuses the size as a
    bad parameter (HTTP 400, OCPI 2001), as a run's crawl does (`ocpi.crawl`)."""
    try:
        return get.page(probe.filters, 0, sample_size)
    except OcpiError as problem:
        if not bad_parameter(problem):
            raise
    probe.limit_refused = sample_size
    return get.page(probe.filters, 0, None)


def _end(sample: Page, sample_size: int) -> int | None:
    """Where the list ends: its count, or the length of a sample that held it all."""
    if sample.total is not None:
        return sample.total
    return len(sample.objects) if sample.link is None and len(sample.objects) < sample_size else None


class _Getter:
    def __init__(self, transport: Transport, recorder: Recorder, endpoint: str) -> None:
        self._transport = transport
        self._recorder = recorder
        self._endpoint = endpoint
        self.past_end_refused = False

    def page(self, filters: dict[str, str], offset: int, limit: int | None, *, end: int | None = None) -> Page:
        """`end`: where the list ends; an offset at or past it refused as a bad parameter
        (HTTP 400, OCPI 2001) is the empty page a run reads there (`ocpi.crawl`)."""
        query = urlencode({**filters, "offset": str(offset), **({"limit": str(limit)} if limit else {})})
        url = f"{self._endpoint}{'&' if '?' in self._endpoint else '?'}{query}"
        try:
            return self._get(url, filters, offset, limit)
        except OcpiError as problem:
            if end is None or offset < end or not bad_parameter(problem):
                raise
        self.past_end_refused = True
        return Page(url, offset, limit, filters, [], None, None, None, None, self._recorder.exchanges[-1].seconds)

    def follow(self, url: str, filters: dict[str, str]) -> Page:
        params = dict(parse_qsl(urlsplit(url).query))
        return self._get(url, filters, _natural(params.get("offset")) or 0, _natural(params.get("limit")))

    def _get(self, url: str, filters: dict[str, str], offset: int, limit: int | None) -> Page:
        answer = self._transport.get(url, routing=True)
        data = answer.data if answer is not None else None
        nested = nested_list(data)
        if nested is not None:
            data = nested[1]
        elif single_object(data):     # read as a run reads it (`ocpi.crawl`), which warns
            data = [data]
        if data is not None and not isinstance(data, list):
            raise fail(INVALID_RESPONSE, f"the list answered with {with_article(type(data).__name__)} instead of a list "
                       "of objects", help="check that the endpoint is the module's SENDER list interface")
        objects = data or []
        headers = answer.headers if answer is not None else {}
        href = answer.next_link.strip() if answer is not None and answer.next_link else None
        return Page(url, offset, limit, filters, objects, _natural(headers.get("x-total-count")),
                    _natural(headers.get("x-limit")), urljoin_or_none(url, href) if href else None, href,
                    self._recorder.exchanges[-1].seconds, headers.get("link"),
                    nested[0] if nested is not None else None)


def usable_link(link: str, endpoint: str, filters: dict[str, str]) -> str | None:
    """The link when it stays on the endpoint (scheme, host, port and path) and keeps
    both date filters; None otherwise. Only such a link is ever requested."""
    return link if not link_problems(link, endpoint, filters) else None


def link_problems(link: str, endpoint: str, filters: dict[str, str]) -> list[str]:
    ours, theirs = urlsplit(endpoint), urlsplit(link)
    problems = []
    if (ours.scheme.lower(), _host_port(ours)) != (theirs.scheme.lower(), _host_port(theirs)):
        problems.append("another scheme, host or port")
    elif ours.path.rstrip("/") != theirs.path.rstrip("/"):
        problems.append("another path")
    params = dict(parse_qsl(theirs.query, keep_blank_values=True))
    missing = [name for name in filters if name not in params]
    changed = [name for name, value in filters.items()
               if name in params and parse_timestamp(params[name]) != parse_timestamp(value)]
    if changed:
        problems.append(f"changed {' and '.join(f'`{n}`' for n in changed)}")
    if missing:
        problems.append(f"left out {' and '.join(f'`{n}`' for n in missing)}")
    return problems


def earliest_seconds(objects: list[Any]) -> tuple[datetime, datetime] | None:
    """The two earliest distinct whole seconds of `last_updated` among `objects`."""
    seconds = sorted({stamp for obj in objects if (stamp := last_updated(obj)) is not None})
    return (seconds[0], seconds[1]) if len(seconds) >= 2 else None


def later_second(objects: list[Any]) -> datetime | None:
    """The latest whole second of `last_updated` in the sample, when it is after the first
    object's: a window from it holds that object, and not the first."""
    first = last_updated(objects[0]) if objects else None
    latest = max((stamp for obj in objects if (stamp := last_updated(obj)) is not None), default=None)
    return latest if first is not None and latest is not None and latest > first else None


def last_updated(obj: Any) -> datetime | None:
    stamp = parse_timestamp(obj.get("last_updated")) if isinstance(obj, dict) else None
    return stamp - timedelta(microseconds=stamp.microsecond) if stamp is not None else None


def _host_port(parts: Any) -> tuple[str, int | None]:
    try:
        port = parts.port
    except ValueError:
        port = -1
    return (parts.hostname or "").lower(), port or {"http": 80, "https": 443}.get(parts.scheme.lower())


def _natural(value: str | None) -> int | None:
    return natural(value)
