"""A second OCPI sender, written apart from `ocpispec.demo` and sharing none of its code.

Its records are the official example payloads (`/work/shared/ocpi-examples`, copied to
`tests/ocpi_examples/`), cloned into lists: each clone gets its own id, `last_updated`
and card ids, so a test can count records and look for personal values. It follows the
transport rules as another implementer would read them, with choices of its own where
the demo CPO made others:

- the token is accepted only in the form the version asks for (plain in 2.1.1, base64
  from 2.2 on), so a client that sends the wrong form gets 401;
- pages hold at most `page_cap` objects whatever `limit` asks (`X-Limit` says so), the
  next page is announced in a `Link` header with every query parameter repeated, and
  `X-Total-Count` counts the filtered list;
- `date_from` is inclusive and `date_to` exclusive, compared as instants;
- every third `last_updated` carries milliseconds (`...:05.250Z`), which OCPI allows.

`quirks` switches on deviations real platforms show (`QUIRKS` says what each does).

    with IndependentCpo("2.2.1", records=40) as cpo:
        cpo.versions_url, cpo.token, cpo.personal_values()
"""

from __future__ import annotations

import base64
import copy
import functools
import gzip
import json
import math
import re
import threading
import time
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

EXAMPLES = Path(__file__).parent / "ocpi_examples"
MODULES = ("locations", "sessions", "cdrs", "tariffs", "tokens")
FIRST = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
QUIRKS = {
    # HTTP
    "lower headers": "header names in lower case (`x-total-count`, `link`)",
    "upper headers": "header names in upper case (`X-TOTAL-COUNT`, `LINK`)",
    "link unquoted": "`Link: <...>; rel=next` (the relation not quoted)",
    "link rel case": "`rel=\"Next\"` (relation types are case-insensitive, RFC 8288)",
    "link with prev": "`Link: <...>; rel=\"prev\", <...>; rel=\"next\"` (several links)",
    "link without slash": "next links to `.../sessions?...` where the endpoint is `.../sessions/`",
    "link past end": "the last page links on, to an offset past the list (which answers `[]`)",
    "limit refused": "a `limit` above the page cap answered 400 (OCPI 2001) instead of capped",
    "total spaced": "`X-Total-Count` and `X-Limit` padded with spaces",
    "total unfiltered": "`X-Total-Count` counts the whole list, whatever the date filters keep",
    "total thousands": "`X-Total-Count` with a thousands separator (`1,234`)",
    "gzip": "gzip bodies (`Content-Encoding: gzip`)",
    "deflate": "deflate bodies (`Content-Encoding: deflate`)",
    "bom": "a UTF-8 byte order mark before the JSON",
    "text plain": "`Content-Type: text/plain`",
    "latin1 declared": "`application/json; charset=iso-8859-1` over a UTF-8 body",
    "latin1 body": "bodies in ISO-8859-1, as `charset=iso-8859-1` declares, with accented city names",
    "http10": "HTTP/1.0 answers delimited by closing the connection (no Content-Length)",
    "close": "`Connection: close` on every answer",
    "204 empty": "204 No Content instead of an empty list",
    "401 once": "one page request answered 401 (a token store refreshing), the retry answered",
    "token revoked": "every page request from offset 14 on answered 401 (the token was rotated)",
    # envelope
    "status string": "`status_code` as a string (`\"1000\"`)",
    "no timestamp": "no `timestamp` in the envelope",
    "no status message": "no `status_message` in the envelope",
    "extra keys": "extra top-level keys in the envelope",
    "data wrapped": "list pages as `{\"data\": {\"items\": [...]}}`",
    "null for empty": "`\"data\": null` for an empty list",
    "numbers as strings": "numbers in the objects as strings (`\"kwh\": \"12.5\"`)",
    "booleans as strings": "booleans in the objects as strings (`\"true\"`)",
    "stamp offsets": "`last_updated` with offsets, no `Z` or microseconds",
    "far past": "every other record last updated in 1999 or at the Unix epoch (a lost update time)",
    # discovery
    "bare discovery": "versions and version details answered without the envelope (the `data` alone)",
    "bare pages": "list pages answered with the list alone, without the envelope",
    "duplicate versions": "each version listed twice, with and without a trailing slash",
    "no role": "2.2+ endpoints without `role`",
    "module case": "module identifiers capitalised (`Sessions`)",
    "endpoint query": "endpoint URLs with a query (`?tenant=x`) the platform requires on every page",
    # data
    "no contract id": "tokens without `contract_id`/`auth_id`",
    "no cdr token": "sessions and CDRs without `cdr_token`",
    "zero evses": "locations without EVSEs",
    "vendor fields": "unknown vendor fields at every depth of the objects",
    # discovery (last, so the versions the table gives the quirks above stay as they were)
    "padded labels": "endpoint identifiers and roles, and the credentials' role and party, in lower case, "
                     "padded with spaces (`\" sender \"`, `\" nl \"`)",
    # paging (last, as above)
    "cursor without filters": "pages by an opaque cursor that holds the date filters; the next links carry "
                              "nothing else, and `offset` is ignored",
    # HTTP (last, as above)
    "x-gzip": "gzip bodies labelled `Content-Encoding: x-gzip` (HTTP/1.1: the same as gzip)",
    "token in path": "every URL, the versions URL too, holds the credentials token as a path segment",
    # charset (last, as above)
    "latin1 undeclared": "bodies in ISO-8859-1 with accented city names, `application/json` without a charset",
    # paging (last, as above)
    "filter after paging": "the page is cut from the whole list (`offset`, `limit`) before the date filters "
                           "apply; `X-Total-Count` and the next links count the whole list",
    # discovery (last, as above)
    "userinfo urls": "the version, endpoint and next-link URLs it hands out hold `user:password@` "
                     "(an internal proxy's login; the requests still need the token)",
    # paging (last, as above)
    "total behind": "`X-Total-Count` two below what the list holds (a count from a lagging replica), "
                    "and neither `Link` nor `X-Limit` headers",
    "total ahead": "`X-Total-Count` two above what the list holds (it counts deleted objects it no longer lists)",
    "offset past end refused": "an `offset` at or past the end of the (filtered) list answered 400 (OCPI 2001) "
                               "instead of an empty page",
    "evse stamps": "an EVSE's update (`update_evse`) stamps the EVSE alone, not its location; the date filters "
                   "compare the latest `last_updated` of a location, its EVSEs and connectors",
    "one object bare": "a page of one object sends `data` as that object, not a list of one (an XML-to-JSON layer)",
    # parties (last, as above; the deviation tables try it on 2.1.1, where it changes nothing:
    # tests/test_party_joins.py reads it on 2.2.1 and 2.3.0)
    "two parties": "a platform serving two CPOs (2.2+): the second (`DE*XYZ`) lists a site of its own "
                   "under the first's location id, in Berlin, and every other session and CDR is its (2.1.1 "
                   "names no party: nothing changes there)",
    # discovery (last, as above)
    "one version object": "the versions answer is its one version object, not a list of one, and the "
                          "credentials' `roles` one role object (an XML-to-JSON layer collapsing "
                          "one-element arrays)",
    "receivers first": "version details in 2.2's shape on every version (2.1.1 too): each data module "
                       "listed first with role RECEIVER (a push interface, which answers a list 404), "
                       "then as SENDER",
    "padded stamps": "`last_updated` padded in front (`\" 2026-01-05T08:00:00Z\"`, `\"\\t2026-...\"`: a "
                     "right-aligned fixed-width formatter)",
    "rate limit reset": "the first page request after a first page opens 2 s in which page requests after a first "
                        "page are answered 429 with `RateLimit-Reset` (seconds) and no `Retry-After` (an API gateway)",
    "rate limit reset epoch": "as 'rate limit reset', with `X-RateLimit-Reset` as a Unix time",
    "padded urls": "the version and endpoint URLs it lists padded with spaces (`\" http://.../sessions/ \"`)",
    "no links": "no `Link` headers (OCPI requires them)",
    "status float": "`status_code` as a JSON number with a fraction (`1000.0`: a serialiser of doubles)",
    "spaced stamps": "`last_updated` with a space for the `T` (`\"2026-01-05 08:00:00Z\"`, which RFC 3339 allows)",
    # numbers and URLs Python's readers refuse (last, as above)
    "counts superscript": "`X-Total-Count` and `X-Limit` ending in a superscript two (`10²`, a Latin-1 byte)",
    "link unreadable": "next links whose host is an unclosed IPv6 bracket (`http://[::1/...`): no URL",
    # paging and filters (last, as above)
    "from exclusive": "`date_from` exclusive: an object last updated at the instant it names is left out",
    "to ignored": "`date_to` ignored: the list runs to now whatever it names",
    "newest first": "lists sorted by `last_updated` descending, the newest first",
    "link same offset": "the page at offset 14 links to offset 14 again (a next link that does not move)",
    "offset from one": "`offset` counted from 1 (`offset=1` is the first object, `0` reads as 1); its next "
                       "links count the same way",
    "link other host": "next links name `localhost` where the platform was reached at `127.0.0.1`",
    "limit ignored": "`limit` ignored: every page holds the page cap, and `X-Limit` echoes the `limit` asked",
    # discovery (last, as above)
    "discovery token form": "the versions and version details take the token only in the other form than the "
                            "data endpoints (a gateway in front of the versions URL): Base64 on 2.1.1, plain on 2.2+",
    # filters (last, as above)
    "filter on start": "sessions and CDRs filtered on when they started (`start_date_time`, 2.1.1 sessions "
                       "`start_datetime`), two hours before their `last_updated`, instead of on `last_updated`",
    # filters (last, as above)
    "epoch refused": "a `date_from` or `date_to` before 1970-01-01T00:00:00Z answered HTTP 400 (OCPI 2001): "
                     "a time before the Unix epoch, which a platform reading Unix times refuses",
    "epoch empty": "a `date_from` before 1970-01-01T00:00:00Z answered with an empty list (`X-Total-Count: 0`): "
                   "the time read as an unsigned Unix time, so far in the future",
    # objects by id (last, as above): without these `GET {locations}/{id}` answers 404
    "object routes": "`GET {locations}/{id}` answers the location (OCPI's single-object route)",
    "object routes listed": "`GET {locations}/{id}` answers a list of that one location, as the list does (a "
                            "platform finding the object with its list query)",
    # paging (last, as above)
    "link session path": "next links name the servlet session in the path (`.../sessions;jsessionid=1A2B/?...`, "
                         "as a Java platform writing URLs for a client without cookies does); every path may "
                         "carry one",
    # data (last, as above)
    "lists of one bare": "every list of one inside a record sent as its one item: an EVSE, connector, charging "
                         "period, dimension, tariff element, price component or tariff id where OCPI says a list "
                         "(an XML-to-JSON layer collapsing one-element arrays)",
    "objects in lists": "every object inside a record sent as a list of that one object (`\"cdr_token\": [{...}]`, "
                        "`\"coordinates\": [{...}]`: a serialiser writing every nested object as an array)",    "null items": "every list inside a record (EVSEs, connectors, charging periods, dimensions, tariff ids) "
                  "with a null item before its first and after its last (a serialiser writing removed "
                  "elements as null)",
}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SECOND_PARTY = {"country_code": "DE", "party_id": "XYZ"}


def _start_field(record: dict[str, Any]) -> str | None:
    """The field a session's or CDR's start is in (2.1.1 sessions: `start_datetime`)."""
    return next((name for name in ("start_date_time", "start_datetime") if name in record), None)


def _stamp(moment: datetime, index: int) -> str:
    if index % 3 == 2:
        return moment.strftime("%Y-%m-%dT%H:%M:%S") + ".250Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@functools.lru_cache(maxsize=1 << 17)
def _instant(text: str) -> datetime:
    """The instant a stamp names (kept: the date filters compare every object's stamp on
    every page, 7 million parses for a list of 132,000 objects read in pages of 5,000)."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:  # a stamp stored as text that names no instant: compared by its parts
        year, month, day, hour, minute, second = map(int, re.findall(r"\d+", text)[:6])
        return datetime(year, month, 1, tzinfo=UTC) + timedelta(days=day - 1, hours=hour, minutes=minute,
                                                                 seconds=second)
    return moment.replace(tzinfo=moment.tzinfo or UTC).astimezone(UTC)   # no zone: UTC, as OCPI says


def _odd_stamp(moment: datetime, index: int) -> str:
    """The same instant written as platforms do: with an offset, without a zone, with
    microseconds, with `+00:00`."""
    match index % 4:
        case 0:
            return moment.astimezone(timezone(timedelta(hours=1))).isoformat()
        case 1:
            return moment.strftime("%Y-%m-%dT%H:%M:%S")
        case 2:
            return moment.strftime("%Y-%m-%dT%H:%M:%S.123456Z")
        case _:
            return moment.isoformat()


def _add_vendor_fields(value: Any) -> None:
    if isinstance(value, dict):
        for child in value.values():
            _add_vendor_fields(child)
        value["x_vendor_note"] = {"internal_ref": "VENDOR-SECRET-1", "flags": [1, 2]}
    elif isinstance(value, list):
        for child in value:
            _add_vendor_fields(child)


def _collapsed(value: Any, top: bool = True) -> Any:
    """Every list of one below the top (a page, then its objects) as its one item."""
    if isinstance(value, dict):
        return {key: _collapsed(child, False) for key, child in value.items()}
    if isinstance(value, list):
        items = [_collapsed(child, top) for child in value]
        return items[0] if len(items) == 1 and not top else items
    return value


def _with_null_items(value: Any) -> Any:
    """Every list inside `value` (an object of a page) with a null first and last item."""
    if isinstance(value, list):
        return [None, *(_with_null_items(item) for item in value), None]
    if isinstance(value, dict):
        return {key: _with_null_items(child) for key, child in value.items()}
    return value


def _objects_listed(value: Any) -> Any:
    """Every object that is a field's value (below the page's objects) as a list of that
    one object; the items of lists stay objects."""
    if isinstance(value, list):
        return [_objects_listed(item) for item in value]
    if isinstance(value, dict):
        return {key: [_objects_listed(child)] if isinstance(child, dict) else _objects_listed(child)
                for key, child in value.items()}
    return value


def _stringified(value: Any, kind: type) -> Any:
    """Numbers (or booleans) inside objects written as JSON strings."""
    if isinstance(value, dict):
        return {key: _stringified(child, kind) for key, child in value.items()}
    if isinstance(value, list):
        return [_stringified(child, kind) for child in value]
    if kind is bool and isinstance(value, bool):
        return "true" if value else "false"
    if kind is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


class _QuietServer(ThreadingHTTPServer):
    """Quiet about clients that hang up, as the demo CPO's server is: `get` closes its
    connections with pages in flight when it stops early (its locations failed)."""

    def handle_error(self, request: object, client_address: object) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class GatewayTimeout(Exception):
    """The platform answered, but the gateway in front of it gave up first (HTTP 504)."""


class CursorExpired(Exception):
    def __init__(self, status: int) -> None:
        self.status = status


class IndependentCpo:
    def __init__(self, version: str, records: int = 30, page_cap: int = 7, *,
                 paging: str = "offset", relative_links: bool = False,
                 total: bool = True, cursor_expiry: tuple[int, int] | None = None,
                 updates_mid_crawl: int = 0, link_left_out: int | None = None,
                 offset_cap: int | None = None, scroll_lost: int | None = None,
                 ties_reordered_at: int | None = None,
                 quirks: tuple[str, ...] = (), examples: dict[str, str] | None = None,
                 unoffered: tuple[str, ...] = (), challenge: str | None = None) -> None:
        assert set(quirks) <= set(QUIRKS), quirks
        # the `WWW-Authenticate` header of its 401 answers (RFC 9110: a scheme and its
        # parameters, `Bearer realm="...", error="invalid_token", ...`), where given
        self.challenge = challenge
        # modules the version details do not offer (a platform that shares sessions and
        # CDRs but not its locations): their lists are still made, never reachable
        self.unoffered = frozenset(unoffered)
        # the example file a module's records are cloned from, where not `<module>.json`
        # (`{"sessions": "sessions_simple_start"}`; a list in an envelope clones its objects in turn)
        self.examples = examples or {}
        self.version, self.page_cap, self.quirks = version, page_cap, frozenset(quirks)
        # (n, status): the n-th cursor handed out and every later one answer `status`
        # (400, 404, 410): a cursor that expired while the list was read
        self.cursor_expiry, self._cursors_followed = cursor_expiry, 0
        self.paging, self.relative_links, self.total = paging, relative_links, total
        if "cursor without filters" in quirks:
            self.paging = "cursor"
        # at the first page request of a list after its first page, this many objects of
        # that first page are updated now: they leave a window pinned before, and the
        # objects behind them shift down by as many places (once per module)
        self.updates_mid_crawl = updates_mid_crawl
        # the page at this offset comes without its next link, although more follow (a
        # platform failing to write it now and then)
        self.link_left_out = link_left_out
        # a list is its first this many objects: a page reaching past it (`offset + limit`)
        # answers empty, and `X-Total-Count` and the next links end there too (a search index
        # that caps how deep a list can be paged, as Elasticsearch's `max_result_window` does,
        # and counts no further, as its `track_total_hits` does, behind a platform answering
        # its refusal with `[]`)
        self.offset_cap = offset_cap
        # paging "scroll": a cursor whose place in the list is kept on the server (a search
        # index's scroll): each request with a cursor answers the page after the one the
        # last such request of the module answered, whatever cursor it names (a scroll is
        # per list: `get sessions` reads the locations at the same time); the answer to the
        # `scroll_lost`-th of them (of each list) never arrives (a gateway's HTTP 504 after the platform
        # had moved on), so asking again answers the page after it
        self.scroll_lost = scroll_lost
        self._scrolled: dict[str, int] = {}     # module -> where its scroll stands
        self._scroll_requests: dict[str, int] = {}  # module -> its requests with a cursor
        # the page at this offset starts with the list's first object in place of its own
        # first one (a list sorted by `last_updated` whose ties, objects of one bulk update,
        # come in another order on each request)
        self.ties_reordered_at = ties_reordered_at
        self._updated: set[str] = set()
        self._update_lock = threading.Lock()
        self.token = "independent-cpo-token-0001"
        # JSON texts written as they are in place of a string that holds them quoted
        # (`{'"1.234e3"': "1.234e3"}`: a number in a form `json.dumps` never writes)
        self.raw_json: dict[str, str] = {}
        self.lists = {module: self._records(module, records) for module in MODULES}
        # the index of the next session `add_session` makes: a counter, not the list's length,
        # so that one added after others were removed never takes an id served before
        self._sessions_made = len(self.lists["sessions"])
        self.requests: list[str] = []
        self._refused = False
        self._limited_until: float | None = None    # 'rate limit reset': the end of the 2 s
        self._server = _QuietServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self._server.server_port}"
        self.root = f"/{self.token}/ocpi/cpo" if "token in path" in self.quirks else "/ocpi/cpo"
        self.versions_url = f"{self.origin}{self.root}/versions"
        # the origin of the URLs it hands out
        self.listed = self.origin.replace("//", "//svc:pw-proxy@") if "userinfo urls" in self.quirks else self.origin

    def __enter__(self) -> IndependentCpo:
        # a shutdown waits for the serving loop's next look at it: every 0.5 s by default,
        # which was most of a test's time against this server; every 0.01 s, a stop waits
        # 5 ms on average, not 25 (some 600 servers a suite), for 0.4 % of a core while idle
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01},
                         daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # ---- data -----------------------------------------------------------------------

    def _example(self, name: str) -> dict[str, Any]:
        return json.loads((EXAMPLES / self.version / f"{name}.json").read_text())

    def _records(self, module: str, count: int) -> list[dict[str, Any]]:
        if module == "locations":
            bases = [self._example("locations")]
            self._name_the_tariffs(bases[0], count)
            if (EXAMPLES / self.version / "locations_home_charge_point.json").exists():
                bases.append(self._example("locations_home_charge_point"))
            if "two parties" in self.quirks and self.version != "2.1.1":
                bases.append({**copy.deepcopy(bases[0]), **SECOND_PARTY, "city": "Berlin",
                              "postal_code": "10115"})
            return [self._stamped(base, index, index) for index, base in enumerate(bases)]
        example = self._example(self.examples.get(module, module))
        bases = example["data"] if isinstance(example.get("data"), list) else [example]
        # the official examples' tariffs are another CPO's (DE*ALL) than the site naming
        # them (BE*BEC), and `sessions_simple_start`'s session another's (NL*STK) than its
        # site: a platform's sessions, CDRs and tariffs are of its sites' party (OCPI 2.2+)
        owner = {} if module not in ("tariffs", "sessions", "cdrs") or self.version == "2.1.1" else {
            name: self._example("locations")[name] for name in ("country_code", "party_id")}
        made = []
        for index in range(count):
            record = self._stamped(bases[index % len(bases)], index, index)
            record.update(owner)
            self._personal(module, record, index)
            if "two parties" in self.quirks and index % 2 and module in ("sessions", "cdrs") \
                    and self.version != "2.1.1":
                record.update(SECOND_PARTY)
            self._started_before(record)
            made.append(record)
        return made

    def _started_before(self, record: dict[str, Any]) -> None:
        """'filter on start': the session or CDR started two hours before its `last_updated`."""
        if "filter on start" in self.quirks and (field := _start_field(record)) is not None:
            started = _instant(record["last_updated"]) - timedelta(hours=2)
            record[field] = started.strftime("%Y-%m-%dT%H:%M:%SZ")

    def _name_the_tariffs(self, location: dict[str, Any], count: int) -> None:
        """The public location's first EVSE gets a connector per tariff clone, naming it:
        a tariff leaves an export only when a published location names it (the official
        examples' tariff and locations name different ids)."""
        tariff = self._example(self.examples.get("tariffs", "tariffs"))["id"]
        evse = location["evses"][0]
        model = evse["connectors"][0]
        for index in range(count):
            connector = copy.deepcopy(model)
            connector["id"] = f"T{index}"
            clone = f"{tariff}-{index:04d}"
            if self.version == "2.1.1":
                connector["tariff_id"] = clone
            else:
                connector["tariff_ids"] = [clone]
            evse["connectors"].append(connector)

    def _stamped(self, base: dict[str, Any], index: int, minutes: int) -> dict[str, Any]:
        record = copy.deepcopy(base)
        moment = FIRST + timedelta(minutes=37 * minutes)
        record["last_updated"] = _stamp(moment, index)
        if "far past" in self.quirks and index % 2:
            moment = moment.replace(year=1999) if index % 4 == 3 else datetime(1970, 1, 1, tzinfo=UTC)
            record["last_updated"] = _stamp(moment, index)
        if "stamp offsets" in self.quirks:
            record["last_updated"] = _odd_stamp(moment, index)
        if "padded stamps" in self.quirks:
            record["last_updated"] = ("\t" if index % 2 else " ") + record["last_updated"]
        if "spaced stamps" in self.quirks:
            record["last_updated"] = record["last_updated"].replace("T", " ")
        if "no contract id" in self.quirks and "whitelist" in record:   # a token
            for key in ("contract_id", "auth_id"):
                record.pop(key, None)
        if "no cdr token" in self.quirks:
            record.pop("cdr_token", None)
        if "zero evses" in self.quirks and "evses" in record:
            record["evses"] = []
        if "vendor fields" in self.quirks:
            _add_vendor_fields(record)
        if ("latin1 body" in self.quirks or "latin1 undeclared" in self.quirks) and "city" in record:
            record["city"] = "Saint-Étienne"
        return record

    def _personal(self, module: str, record: dict[str, Any], index: int) -> None:
        suffix = f"{index:04d}"
        if module == "tokens":
            record["uid"] = f"TOKUID{suffix}"
            for key in ("auth_id", "contract_id"):
                if key in record:
                    record[key] = f"NL-IND-C{suffix}"
            if "visual_number" in record:
                record["visual_number"] = f"VIS-{suffix}"
            return
        record["id"] = f"{record['id']}-{suffix}"
        if "auth_id" in record:
            record["auth_id"] = f"NL-IND-C{suffix}"
        token = record.get("cdr_token")
        if isinstance(token, dict):
            token["uid"] = f"TOKUID{suffix}"
            token["contract_id"] = f"NL-IND-C{suffix}"

    def add_session(self, updated: datetime) -> None:
        """One more session, last updated at `updated` (a run that follows reads it)."""
        index, self._sessions_made = self._sessions_made, self._sessions_made + 1
        record = self._stamped(self._example("sessions"), index, 0)
        record["last_updated"] = updated.strftime("%Y-%m-%dT%H:%M:%SZ")
        if "spaced stamps" in self.quirks:
            record["last_updated"] = record["last_updated"].replace("T", " ")
        self._personal("sessions", record, index)
        self._started_before(record)
        self.lists["sessions"].append(record)

    def personal_values(self) -> list[str]:
        """Every card id, contract id and visual number served: none may be exported."""
        found: list[str] = []
        for module in ("sessions", "cdrs", "tokens"):
            for record in self.lists[module]:
                token = record.get("cdr_token") or {}
                found += [v for v in (record.get("auth_id"), token.get("uid"),
                                      token.get("contract_id"), record.get("visual_number"),
                                      record.get("uid") if module == "tokens" else None,
                                      record.get("contract_id"))
                          if isinstance(v, str)]
        return found

    # ---- transport --------------------------------------------------------------------

    def _authorised(self, header: str | None, path: str) -> bool:
        if header is None or not header.startswith("Token "):
            return False
        given = header[len("Token "):]
        plain = self.version == "2.1.1"
        if "discovery token form" in self.quirks and \
                urlsplit(path).path.rstrip("/") in (f"{self.root}/versions", f"{self.root}/{self.version}"):
            plain = not plain
        return given == (self.token if plain else base64.b64encode(self.token.encode()).decode())

    def _update_first_page(self, module: str, query: dict[str, str]) -> None:
        """`updates_mid_crawl`: the objects of the window's first page after its first one."""
        first = query.get("offset", "0") == "0" and "cursor" not in query
        if not self.updates_mid_crawl or module in self._updated or first:
            return
        # whole or not at all to a request answered beside it (the server is threaded):
        # the updated copies, in their new order, take the list's place at once
        with self._update_lock:
            if module in self._updated:
                return
            self._updated.add(module)
            stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")   # at or after a `date_to` pinned before
            moved = {id(record): {**record, "last_updated": stamp}
                     for record in self._window(module, query)[1:1 + self.updates_mid_crawl]}
            self.lists[module] = sorted((moved.get(id(record), record) for record in self.lists[module]),
                                        key=lambda record: _instant(record["last_updated"]))

    def _window(self, module: str, query: dict[str, str]) -> list[dict[str, Any]]:
        chosen = self.lists[module]
        if "newest first" in self.quirks:
            chosen = sorted(chosen, key=self._updated_at, reverse=True)
        if "date_from" in query:
            since = _instant(query["date_from"])
            exclusive = "from exclusive" in self.quirks
            chosen = [r for r in chosen if self._updated_at(r) > since
                      or (not exclusive and self._updated_at(r) == since)]
        if "date_to" in query and "to ignored" not in self.quirks:
            until = _instant(query["date_to"])
            chosen = [r for r in chosen if self._updated_at(r) < until]
        return chosen

    def _updated_at(self, record: dict[str, Any]) -> datetime:
        """The instant the date filters compare."""
        if "filter on start" in self.quirks and (field := _start_field(record)) is not None:
            return _instant(record[field])
        if "evse stamps" not in self.quirks:
            return _instant(record["last_updated"])
        evses = record.get("evses") or []
        children = [child for evse in evses for child in (evse, *evse.get("connectors", []))]
        return max(_instant(item["last_updated"]) for item in (record, *children) if "last_updated" in item)

    def update_evse(self, updated: datetime) -> None:
        """The first location's first EVSE starts charging at `updated`."""
        location = self.lists["locations"][0]
        evse = location["evses"][0]
        evse["status"], evse["last_updated"] = "CHARGING", updated.strftime("%Y-%m-%dT%H:%M:%SZ")
        if "evse stamps" not in self.quirks:
            location["last_updated"] = evse["last_updated"]

    def _page(self, module: str, query: dict[str, str]) -> tuple[list[dict], dict[str, str]]:
        if "cursor without filters" in self.quirks and "cursor" in query:   # the filters are in the cursor
            query.update(json.loads(base64.urlsafe_b64decode(query["cursor"]).decode())["filters"])
        self._update_first_page(module, query)
        after = "filter after paging" in self.quirks
        chosen = self.lists[module] if after else self._window(module, query)
        if self.paging == "cursor" and "cursor" in query and self.cursor_expiry:
            self._cursors_followed += 1
            if self._cursors_followed >= self.cursor_expiry[0]:
                raise CursorExpired(self.cursor_expiry[1])
        if self.paging == "cursor" and "cursor without filters" in self.quirks:
            offset = json.loads(base64.urlsafe_b64decode(query.pop("cursor", "") or "e30=").decode()).get("at", 0)
            query.pop("offset", None)
        elif self.paging == "scroll" and "cursor" in query:
            offset = self._scrolled.get(module, 0)
            query.pop("cursor")
            query.pop("offset", None)
        elif self.paging == "cursor":  # an opaque cursor: the position, encoded
            offset = int(base64.urlsafe_b64decode(query.pop("cursor", "") or "MA==").decode())
            query.pop("offset", None)
        else:
            offset = int(query.get("offset", "0"))
        from_one = "offset from one" in self.quirks
        offset = max(offset, 1) if from_one else offset
        asked = query.get("limit", str(self.page_cap))
        limit = self.page_cap if "limit ignored" in self.quirks else min(int(asked), self.page_cap)
        start = 0 if self.paging == "ignore_offset" else offset - from_one  # a broken platform
        if self.offset_cap is not None:
            chosen = chosen[:self.offset_cap]
        page = chosen[start:start + limit]
        if start == self.ties_reordered_at and page:
            page = [chosen[0], *page[1:]]
        if self.paging == "scroll":
            self._scrolled[module] = offset + limit
            if offset:
                self._scroll_requests[module] = self._scroll_requests.get(module, 0) + 1
                if self._scroll_requests[module] == self.scroll_lost:
                    raise GatewayTimeout
        if self.offset_cap is not None and start + limit > self.offset_cap:
            page = []
        if after:
            page = [record for record in page if record in self._window(module, query)]
        headers = {"X-Limit": self._count(int(asked) if "limit ignored" in self.quirks else self.page_cap)}
        if self.total:
            counted = self.lists[module] if "total unfiltered" in self.quirks else chosen
            behind = 2 if "total behind" in self.quirks else -2 if "total ahead" in self.quirks else 0
            headers["X-Total-Count"] = self._count(max(0, len(counted) - behind))
        if offset - from_one + limit < len(chosen) or ("link past end" in self.quirks and offset < len(chosen)):
            following = {**query, "limit": str(limit)}
            if "cursor without filters" in self.quirks:
                filters = {k: v for k, v in query.items() if k in ("date_from", "date_to")}
                state = json.dumps({"at": offset + limit, "filters": filters}).encode()
                following = {"cursor": base64.urlsafe_b64encode(state).decode()}
            elif self.paging == "cursor":
                following["cursor"] = base64.urlsafe_b64encode(str(offset + limit).encode()).decode()
            elif self.paging == "scroll":
                following.pop("offset", None)
                following["cursor"] = f"scroll-{self._scroll_requests.get(module, 0) + 1}"   # a new one each time
            else:
                following["offset"] = str(offset if "link same offset" in self.quirks and start == 14
                                          else offset + limit)
            origin = "" if self.relative_links else self.listed
            if "link other host" in self.quirks:
                origin = origin.replace("127.0.0.1", "localhost")
            slash = "" if "link without slash" in self.quirks else "/"
            if "link session path" in self.quirks:
                slash = ";jsessionid=1A2B3C" + slash
            base = f"{origin}{self.root}/{self.version}/{module}{slash}?"
            rel = "next" if "link unquoted" in self.quirks else '"next"'
            rel = '"Next"' if "link rel case" in self.quirks else rel
            headers["Link"] = f"<{base}{urlencode(following)}>; rel={rel}"
            if "link unreadable" in self.quirks:
                headers["Link"] = f'<http://[::1{self.root}/{self.version}/{module}/?{urlencode(following)}>; rel="next"'
            if "link with prev" in self.quirks:
                previous = {**following, "offset": str(max(0, offset - limit))}
                headers["Link"] = f'<{base}{urlencode(previous)}>; rel="prev", ' + headers["Link"]
        if "total behind" in self.quirks:
            headers = {name: value for name, value in headers.items() if name in ("X-Total-Count",)}
        if "no links" in self.quirks or offset == self.link_left_out:
            headers.pop("Link", None)
        return page, headers

    def _object_by_id(self, path: str) -> tuple[int, Any] | None:
        """'object routes', 'object routes listed': the answer to `GET {locations}/{id}`, or
        None for any other request."""
        head, _, wanted = path.rpartition("/")
        if head != f"{self.root}/{self.version}/locations" or \
                not self.quirks & {"object routes", "object routes listed"}:
            return None
        found = [record for record in self.lists["locations"] if record["id"] == unquote(wanted)]
        if not found:
            return 404, self._envelope(None, 2003, "Unknown location")
        return 200, self._envelope(found if "object routes listed" in self.quirks else found[0], 1000, "Success")

    def _before_epoch(self, query: dict[str, str]) -> tuple[int, Any, dict[str, str]] | None:
        """'epoch refused', 'epoch empty': the answer to a list request with a date filter
        before the Unix epoch, or None when it is answered as any other."""
        refused = "epoch refused" in self.quirks and any(
            name in query and _instant(query[name]) < EPOCH for name in ("date_from", "date_to"))
        if refused:
            return 400, self._envelope(None, 2001, "Invalid date"), {}
        if "epoch empty" in self.quirks and "date_from" in query and _instant(query["date_from"]) < EPOCH:
            return 200, self._envelope([], 1000, "Success"), {"X-Total-Count": "0", "X-Limit": str(self.page_cap)}
        return None

    def _rate_limited(self, query: dict[str, str]) -> dict[str, str] | None:
        """'rate limit reset': the headers of a 429, or None when the request passes."""
        epoch = "rate limit reset epoch" in self.quirks
        if not (epoch or "rate limit reset" in self.quirks) or query.get("offset", "0") == "0":
            return None
        now = time.monotonic()
        self._limited_until = self._limited_until or now + 2.0
        if now >= self._limited_until:
            return None
        if epoch:
            return {"X-RateLimit-Reset": str(math.ceil(time.time() + self._limited_until - now))}
        return {"RateLimit-Reset": str(math.ceil(self._limited_until - now))}

    def _count(self, number: int) -> str:
        if "total thousands" in self.quirks:
            return f"{number:,}"
        if "total spaced" in self.quirks:
            return f"  {number} "
        if "counts superscript" in self.quirks:
            return f"{number}\u00b2"
        return str(number)

    def _endpoint(self, module: str) -> str:
        url = f"{self.listed}{self.root}/{self.version}/{module}/"
        url = url + "?tenant=x" if "endpoint query" in self.quirks else url
        return f" {url} " if "padded urls" in self.quirks else url

    def _details(self) -> dict[str, Any]:
        endpoints = []
        for module in ("credentials", *MODULES):
            if module in self.unoffered:
                continue
            identifier = module.capitalize() if "module case" in self.quirks else module
            padded = "padded labels" in self.quirks
            endpoint = {"identifier": f" {identifier} " if padded else identifier, "url": self._endpoint(module)}
            if "receivers first" in self.quirks and module != "credentials":
                receiver = self._endpoint(module).replace(f"{self.root}/", f"{self.root}/receiver/")
                endpoints.append({"identifier": identifier, "role": "RECEIVER", "url": receiver})
                endpoint["role"] = "SENDER"
            if self.version != "2.1.1" and "no role" not in self.quirks:
                role = "SENDER" if module != "credentials" else "RECEIVER"
                endpoint["role"] = f" {role.lower()} " if padded else role
            endpoints.append(endpoint)
        return {"version": self.version, "endpoints": endpoints}

    def _versions(self) -> list[dict[str, str]]:
        url = f"{self.listed}{self.root}/{self.version}"
        if "duplicate versions" in self.quirks:
            return [{"version": self.version, "url": url}, {"version": self.version, "url": url + "/"}]
        if "padded urls" in self.quirks:
            return [{"version": self.version, "url": f" {url}/ "}]
        if "one version object" in self.quirks:
            return {"version": self.version, "url": url + "/"}  # type: ignore[return-value]
        return [{"version": self.version, "url": url + "/"}]

    def _credentials(self) -> dict[str, Any]:
        """Served under 'one version object' and 'padded labels' only (elsewhere 404: no
        CPO party known)."""
        party = {"country_code": "NL", "party_id": "IND"}
        if "padded labels" in self.quirks:
            party = {"country_code": " nl ", "party_id": " ind "}
        if self.version == "2.1.1":
            return {"token": "x", "url": self.versions_url, **party}
        role = {"role": " cpo " if "padded labels" in self.quirks else "CPO", **party}
        return {"token": "x", "url": self.versions_url,
                "roles": role if "one version object" in self.quirks else [role]}

    def _envelope(self, data: Any, status_code: int, message: str) -> dict[str, Any]:
        body: dict[str, Any] = {"data": data, "status_code": status_code, "status_message": message,
                                "timestamp": _stamp(datetime.now(UTC), 0)}
        if "status string" in self.quirks:
            body["status_code"] = str(status_code)
        if "status float" in self.quirks:
            body["status_code"] = float(status_code)
        if "no timestamp" in self.quirks:
            del body["timestamp"]
        if "no status message" in self.quirks:
            del body["status_message"]
        if "extra keys" in self.quirks:
            body.update({"version": self.version, "request_id": "r-1", "errors": []})
        return body

    def _shaped(self, page: list[dict[str, Any]]) -> Any:
        if "numbers as strings" in self.quirks:
            page = _stringified(page, float)
        if "booleans as strings" in self.quirks:
            page = _stringified(page, bool)
        if "lists of one bare" in self.quirks:
            page = _collapsed(page)
        if "null items" in self.quirks:
            page = [_with_null_items(record) for record in page]
        if "objects in lists" in self.quirks:
            page = [_objects_listed(record) for record in page]
        return page

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        cpo = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0" if "http10" in cpo.quirks else "HTTP/1.1"
            # headers and body go out as two writes: with Nagle's algorithm on, the body waits
            # for the client's delayed ACK, about 40 ms a request
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

            def do_GET(self) -> None:  # noqa: N802
                cpo.requests.append(self.path)
                if not cpo._authorised(self.headers.get("Authorization"), self.path):
                    return self._refused()
                parts = urlsplit(self.path)
                path = re.sub(r";[^/]*", "", parts.path).rstrip("/")   # a path parameter names no resource
                query = dict(parse_qsl(parts.query))
                if path == f"{cpo.root}/versions":
                    return self._discovery(cpo._versions())
                if path == f"{cpo.root}/{cpo.version}":
                    return self._discovery(cpo._details())
                module = path.rsplit("/", 1)[-1]
                if path == f"{cpo.root}/{cpo.version}/credentials" and \
                        cpo.quirks & {"one version object", "padded labels"}:
                    return self._data(cpo._credentials())
                if (found := cpo._object_by_id(path)) is not None:
                    return self._answer(*found)
                if path != f"{cpo.root}/{cpo.version}/{module}" or module not in MODULES:
                    return self._answer(404, cpo._envelope(None, 2000, "Unknown path"))
                if "limit refused" in cpo.quirks and int(query.get("limit", "0")) > cpo.page_cap:
                    return self._answer(400, cpo._envelope(None, 2001, "limit exceeds maximum"))
                if (early := cpo._before_epoch(query)) is not None:
                    return self._answer(*early)
                if "endpoint query" in cpo.quirks and query.pop("tenant", None) != "x":
                    return self._answer(404, cpo._envelope(None, 2000, "Unknown tenant"))
                if (limited := cpo._rate_limited(query)) is not None:
                    return self._answer(429, cpo._envelope(None, 2000, "Too many requests"), limited)
                past = int(query.get("offset", "0"))
                if "offset past end refused" in cpo.quirks and 0 < len(cpo._window(module, query)) <= past:
                    return self._answer(400, cpo._envelope(None, 2001, "offset out of range"))
                try:
                    page, headers = cpo._page(module, query)
                except CursorExpired as expired:
                    return self._answer(expired.status, cpo._envelope(None, 2001, "Unknown or expired cursor"))
                except GatewayTimeout:
                    return self._answer(504, None)
                if "endpoint query" in cpo.quirks and "Link" in headers:
                    headers["Link"] = headers["Link"].replace("?", "?tenant=x&")
                if not page and "204 empty" in cpo.quirks:
                    return self._answer(204, None, headers)
                if "token revoked" in cpo.quirks and int(query.get("offset", "0")) >= 14:
                    return self._refused()
                if "401 once" in cpo.quirks and query.get("offset") == "14" and not cpo._refused:
                    cpo._refused = True
                    return self._answer(401, cpo._envelope(None, 2001, "Unauthorized"))
                data: Any = cpo._shaped(page)
                if "data wrapped" in cpo.quirks:
                    data = {"items": data}
                if "one object bare" in cpo.quirks and len(page) == 1:
                    data = data[0]
                if "null for empty" in cpo.quirks and not page:
                    data = None
                if "bare pages" in cpo.quirks:
                    return self._answer(200, data, headers)
                self._data(data, headers)

            def _refused(self) -> None:
                challenge = {"WWW-Authenticate": cpo.challenge} if cpo.challenge is not None else None
                return self._answer(401, cpo._envelope(None, 2001, "Unauthorized"), challenge)

            def _discovery(self, data: Any) -> None:
                if "bare discovery" in cpo.quirks:
                    return self._answer(200, data)
                return self._data(data)

            def _data(self, data: Any, headers: dict[str, str] | None = None) -> None:
                self._answer(200, cpo._envelope(data, 1000, "Success"), headers or {})

            def _answer(self, status: int, body: Any,
                        headers: dict[str, str] | None = None) -> None:
                text = "" if body is None else json.dumps(body, ensure_ascii=False)
                for quoted, written in cpo.raw_json.items():
                    text = text.replace(quoted, written)
                raw = text.encode(
                    "latin-1" if "latin1 body" in cpo.quirks or "latin1 undeclared" in cpo.quirks else "utf-8")
                kind = "application/json"
                if "bom" in cpo.quirks:
                    raw = b"\xef\xbb\xbf" + raw
                if "text plain" in cpo.quirks:
                    kind = "text/plain"
                if "latin1 declared" in cpo.quirks or "latin1 body" in cpo.quirks:
                    kind = "application/json; charset=iso-8859-1"
                sent = {"Content-Type": kind, **(headers or {})}
                accepted = self.headers.get("Accept-Encoding", "")
                if "gzip" in cpo.quirks and "gzip" in accepted:
                    raw, sent["Content-Encoding"] = gzip.compress(raw), "gzip"
                if "x-gzip" in cpo.quirks:
                    raw, sent["Content-Encoding"] = gzip.compress(raw), "x-gzip"
                if "deflate" in cpo.quirks and "deflate" in accepted:
                    raw, sent["Content-Encoding"] = zlib.compress(raw), "deflate"
                if "http10" not in cpo.quirks:
                    sent["Content-Length"] = str(len(raw))
                if "close" in cpo.quirks:
                    sent["Connection"] = "close"
                    self.close_connection = True
                self.send_response(status)
                for name, value in sent.items():
                    if "lower headers" in cpo.quirks:
                        name = name.lower()
                    elif "upper headers" in cpo.quirks:
                        name = name.upper()
                    self.send_header(name, value)
                self.end_headers()
                if status != 204:
                    self.wfile.write(raw)

        return Handler


def served(version: str, **options: Any) -> Iterator[IndependentCpo]:
    with IndependentCpo(version, **options) as cpo:
        yield cpo
