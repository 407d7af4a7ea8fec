"""One page of a module list, as the demo CPO answers it, quirks included.

`list_page` turns a parsed list request into a `Reply` (status, headers, body):
the window and page from the listing, the pagination headers and the next link,
and the data faults (`Faults`) that real platforms show.
"""

from __future__ import annotations

import dataclasses
import re
import time
from datetime import datetime, timedelta
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from ocpispec.demo.faults import Faults
from ocpispec.demo.listing import Listing
from ocpispec.demo.record_faults import encode_page, mark_unreadable
from ocpispec.demo.rng import Rng
from ocpispec.demo.wire import iso

FOREIGN_ORIGIN = "http://cpo-internal.local:8080"
_TIMESTAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)Z$")


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: Any                       # an envelope (dict) or raw bytes


@dataclass(frozen=True, slots=True)
class ListRequest:
    origin: str                     # http://127.0.0.1:PORT
    path: str
    params: dict[str, str]          # the query as received (last value wins)
    date_from: int | None
    date_to: int | None
    offset: int
    limit: int | None


def envelope(data: Any, status_code: int = 1000, message: str = "Success") -> dict[str, Any]:
    body: dict[str, Any] = {"data": data, "status_code": status_code, "status_message": message}
    body["timestamp"] = iso(int(time.time()))
    return body


def list_page(listing: Listing, request: ListRequest, faults: Faults, *, seed: int,
              max_page_size: int, default_page_size: int,
              render: Any, stale: bool = False) -> Reply:
    """`render(index, moved)` builds one wire object; `stale`: answered as the request for
    the page before was (`stale_pages`)."""
    request = _date_faults(request, faults)
    page_size = _page_size(request.limit, faults, max_page_size, default_page_size)
    if faults.late_records and listing.events and request.offset == 0:
        listing.crawl_started(request.date_from, request.date_to, faults.late_records)
    if faults.insert_mid_crawl and listing.events:
        _insert_mid_crawl(listing, request, faults.insert_mid_crawl)
    if faults.clock_behind and listing.events and request.offset == 0:
        listing.restamp_on_later_crawl(_clock(faults))
    if faults.mutate_mid_crawl and request.offset > 0:
        first = listing.window(request.date_from, request.date_to).low
        listing.move(list(range(first + 1, first + 1 + faults.mutate_mid_crawl)), _clock(faults))
    if faults.update_unread and request.offset > 0:
        _update_unread(listing, request, faults.update_unread, _clock(faults))
    if faults.update_after_window and (listing.window_end is not None or request.date_to is not None):
        _update_after_window(listing, request, faults.update_after_window, _clock(faults))
    if stale:
        earlier = max(0, request.offset - page_size)
        request = dataclasses.replace(request, offset=earlier, params={**request.params, "offset": str(earlier)})
    window = listing.window(request.date_from, _visible_until(listing, request, faults))
    total = listing.total(window)
    offset = 0 if faults.ignore_offset else request.offset
    items = list(listing.page(window, offset, page_size))
    served = len(items)
    if faults.duplicate_objects and request.offset > 0:
        items = list(listing.page(window, request.offset - 1, 1)) + items
    objects = [render(index, moved) for index, moved in items]
    objects = _data_faults(objects, [i for i, _ in items], request, faults, seed, page_size)
    mark_unreadable(objects, faults)
    headers = _headers(request, faults, total, page_size, max_page_size, request.offset + served)
    return Reply(200, headers, encode_page(envelope(objects), faults))


def redirect(origin: str, path: str, query: str, how: str) -> Reply:
    """`redirect_lists`: a list request sent on to its path with a slash, without its query
    (`bare`), or to another host name."""
    status, _, host = how.partition(":")
    where = origin.replace("//127.0.0.1:", f"//{host}:", 1) if host not in ("", "bare") else origin
    kept = f"?{query}" if query and host != "bare" else ""
    return Reply(int(status), (("Location", f"{where}{path}/{kept}"),), b"")


def _clock(faults: Faults) -> int:
    """The platform's time, by which it stamps the objects it updates (`clock_behind`)."""
    return int(time.time()) - faults.clock_behind


def _insert_mid_crawl(listing: Listing, request: ListRequest, count: int) -> None:
    """Hidden at the first crawl's first page; there from its next page on (`late`)."""
    if (listing.late_state == "none") == (request.offset == 0):
        listing.crawl_started(request.date_from, request.date_to, count)


def _update_unread(listing: Listing, request: ListRequest, count: int, now: int) -> None:
    window = listing.window(request.date_from, request.date_to)
    middle = max(window.low + request.offset, (window.low + window.high) // 2)
    listing.move(list(range(middle, min(middle + count, window.high))), now)


def _update_after_window(listing: Listing, request: ListRequest, count: int, now: int) -> None:
    """`update_after_window`: the first list asked with a `date_to` names the window's end."""
    if listing.window_end is None:
        listing.window_end = request.date_to
        return
    if request.offset > 0 and request.date_from is not None and request.date_from >= listing.window_end:
        low = listing.window(request.date_from, request.date_to).low
        # stamped at the end of the list asked (as of a run at the real time, whose list after
        # the window reaches now): they stay in it, behind the objects that shift down
        end = now if request.date_to is None else min(now, request.date_to - 1)
        listing.move(list(range(low, low + count)), end)


def _visible_until(listing: Listing, request: ListRequest, faults: Faults) -> int | None:
    """The list's end as a lagging replica serves it (`visibility_lag`): the writes of
    its last seconds before the platform's now are not there yet."""
    if not faults.visibility_lag or not listing.events:
        return request.date_to
    now = (faults.replica_now or int(time.time())) - faults.visibility_lag
    return now if request.date_to is None else min(request.date_to, now)


def _date_faults(request: ListRequest, faults: Faults) -> ListRequest:
    if faults.ignore_date_filters:
        return dataclasses.replace(request, date_from=None, date_to=None)
    if faults.inclusive_date_to and request.date_to is not None:
        request = dataclasses.replace(request, date_to=request.date_to + 1)  # whole seconds
    if faults.exclusive_date_from and request.date_from is not None:
        request = dataclasses.replace(request, date_from=request.date_from + 1)
    return request


def _page_size(limit: int | None, faults: Faults, max_page_size: int, default: int) -> int:
    if faults.ignore_limit:
        return max_page_size
    return min(limit if limit is not None else default, max_page_size)


def _headers(request: ListRequest, faults: Faults, total: int, page_size: int, max_page_size: int,
             next_offset: int) -> tuple[tuple[str, str], ...]:
    if faults.no_pagination_headers:
        return ()
    x_limit = request.limit if faults.echo_limit and request.limit is not None else max_page_size
    headers = [("X-Total-Count", str(total)), ("X-Limit", str(x_limit))]
    if next_offset < total:
        headers.append(("Link", f'<{_next_link(request, faults, page_size, next_offset)}>; rel="next"'))
    elif faults.empty_link_on_last:
        headers.append(("Link", ""))
    return tuple(headers)


def _next_link(request: ListRequest, faults: Faults, page_size: int, next_offset: int) -> str:
    params = dict(request.params)
    params["offset"] = str(0 if faults.next_link_loop and request.offset > 0 else next_offset)
    params["limit"] = str(request.limit if request.limit is not None else page_size)
    if faults.garbled_date_filters:
        params["date_from"] = "None"
        params["date_to"] = "None"
    path = request.path
    if faults.garbled_next_path:
        params = {"date_from": "None", **params}
        path = _garbled(path)
    target = f"{path}?{urlencode(params)}"
    if faults.relative_next_link:
        return target
    return (FOREIGN_ORIGIN if faults.foreign_next_link else request.origin) + target


def _garbled(path: str) -> str:
    """`/ocpi/cpo/2.2.1/sessions` as a broken gateway rewrites it: `/cpo/VersionNumber.v_2_2_1/ModuleID.sessions/`."""
    parts = [p for p in path.split("/") if p]
    version, module = parts[-2], parts[-1]
    return f"/cpo/VersionNumber.v_{version.replace('.', '_')}/ModuleID.{module}/"


def _data_faults(objects: list[Any], indices: list[int], request: ListRequest, faults: Faults,
                 seed: int, page_size: int) -> list[Any]:
    page_number = request.offset // max(page_size, 1)
    if faults.lowercase_ids and page_number % 2 == 1:
        for obj in objects:
            _lowercase_ids(obj)
    if faults.naive_timestamps or faults.fractional_timestamps or faults.offset_timestamps:
        for position, obj in enumerate(objects):
            _restyle_timestamps(obj, faults, position)
    if faults.unknown_fields:
        for obj in objects:
            obj["x_demo_rating"] = 4.5
            obj.setdefault("extensions", {"vendor": "demo"})
    if faults.invalid_objects:
        objects = [_invalidate(obj, index, faults.invalid_objects) for obj, index in zip(objects, indices)]
    if faults.unstable_order:
        rng = Rng(seed, "fault", request.offset)
        objects.sort(key=lambda _: rng.random())
    return objects


def _lowercase_ids(obj: dict[str, Any]) -> None:
    for key in ("id", "uid"):
        if isinstance(obj.get(key), str):
            obj[key] = obj[key].lower()
    token = obj.get("cdr_token")
    if isinstance(token, dict):  # the driver of a session or CDR, as another eMSP spells it
        for key in ("uid", "contract_id"):
            if isinstance(token.get(key), str):
                token[key] = token[key].lower()


def _restyle_timestamps(value: Any, faults: Faults, position: int) -> Any:
    if isinstance(value, dict):
        for key, item in value.items():
            value[key] = _restyle_timestamps(item, faults, position)
    elif isinstance(value, list):
        return [_restyle_timestamps(item, faults, position) for item in value]
    elif isinstance(value, str) and (match := _TIMESTAMP.match(value)):
        if faults.naive_timestamps:
            return match.group(1)
        if faults.offset_timestamps:
            return _local_time(match.group(1), position)
        zone = "+00:00" if position % 2 else "Z"
        return f"{match.group(1)}.123456789{zone}" if position % 3 else f"{match.group(1)}.5{zone}"
    return value


def _local_time(utc: str, position: int) -> str:
    if position % 2:
        return utc.replace("T", "t") + "z"
    moment = datetime.fromisoformat(utc) + timedelta(hours=1)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + "+01:00"


def _invalidate(obj: dict[str, Any], index: int, every: int) -> Any:
    if index % every != every - 1:
        return obj
    match (index // every) % 3:
        case 0:
            obj.pop("last_updated", None)
        case 1:
            obj.pop("id", None)
            obj.pop("uid", None)
        case _:
            return f"corrupt object {index}"
    return obj
