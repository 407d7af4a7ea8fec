"""HTTP handling for the demo CPO: routing, Token auth, fault replies."""

from __future__ import annotations

import base64
import binascii
import calendar
import re
import threading
import time
import zlib
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

import orjson

from ocpispec.demo.faults import Faults
from ocpispec.demo.listing import listed_sites
from ocpispec.demo.pages import ListRequest, Reply, envelope, list_page, redirect
from ocpispec.demo.record_faults import encode_repeated
from ocpispec.demo.rng import unit
from ocpispec.demo.tariffs import TARIFFS
from ocpispec.demo.wire import CPO_COUNTRY, CPO_NAME, CPO_PARTY, iso



class DemoServer(Protocol):
    """What a request handler reads of the demo server it serves (`server.DemoServer`),
    as a protocol so that the handler does not import the server that imports it."""

    faults: Faults
    versions: tuple[str, ...]
    listings: dict[str, dict[str, Any]]
    token: str
    seed: int
    origin: str
    versions_url: str
    max_page_size: int
    default_page_size: int | None
    world: Any
    stopping: threading.Event

    def details_url(self, version: str) -> str: ...

    def render(self, version: str, module: str, index: int) -> dict[str, Any]: ...

    def count_data_request(self) -> int: ...

    def count_ask(self, target: str) -> int: ...

    def record(self, request: RequestRecord) -> None: ...

_DATETIME = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)?$")
_MEANINGS = {2000: "generic client error", 2001: "invalid or missing parameters",
             2002: "not enough information", 2003: "unknown location", 3000: "generic server error",
             3001: "unable to use the client's API", 3002: "unsupported version",
             3003: "no matching endpoints", 4000: "generic hub error"}
EMSP_PREFIX = "/ocpi/emsp"
_HTML_ERROR = b"<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"
_MAINTENANCE = (b"<!DOCTYPE html><html><head><title>Maintenance</title></head><body><h1>We'll be back soon</h1>"
                b"<p>The service is being updated. Please try again in a few minutes.</p></body></html>")


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request as the server saw it; the Authorization header is left out."""

    method: str
    target: str                      # path and query
    status: int                      # 0: the connection was closed without an answer
    headers: dict[str, str]


class BadParameter(Exception):
    pass


class DemoHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ocpispec-demo/1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms stalls

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def setup(self) -> None:
        super().setup()
        self.demo.count_connection()

    @property
    def demo(self) -> DemoServer:
        return self.server.demo  # type: ignore[attr-defined]

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        faults = self.demo.faults
        if faults.latency_ms:
            time.sleep(faults.latency_ms / 1000)
        url = urlsplit(self.path)
        route = self._route(url.path)
        if route is None:
            return self._send(Reply(404, (), envelope(None, 2000, "no such endpoint")))
        kind, version, module, object_id = route
        if not self._authorized(version, faults):
            return self._send(_unauthorized(faults))
        slow = cut = False
        if kind in ("list", "object"):
            number = self.demo.count_data_request()
            if number > faults.fault_after_requests:
                fault = self._fault(number, faults)
                if fault in ("reset", "never"):
                    self._log(0)
                    if fault == "never":
                        self.demo.stopping.wait()
                    self.close_connection = True
                    return None
                if isinstance(fault, Reply):
                    return self._send(fault)
                slow = bool(faults.trickle_body)
                cut = fault == "cut"
        if kind == "list" and module == "tokens" and version == "2.1.1" and faults.tokens_receiver_only \
                and not url.path.startswith(EMSP_PREFIX):
            return self._send(Reply(404, (), envelope(None, 2000, "tokens are only received here")))
        if kind == "list" and faults.redirect_lists and not url.path.endswith("/"):
            return self._send(redirect(self.demo.origin, url.path, url.query, faults.redirect_lists))
        reply = self._answer(kind, version, module, object_id, url.query, faults)
        if faults.truncated_body and kind == "list":
            body = orjson.dumps(reply.body)
            reply = Reply(reply.status, reply.headers, body[: len(body) // 2])
        self._send(reply, trickle=faults.trickle_body if slow else 0.0, cut=cut)

    def send_response(self, code: int, message: str | None = None) -> None:
        """The standard answer line and headers, with the `Date` the faults make."""
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Server", self.version_string())
        date = _date_header(self.demo.faults)
        if date is not None:
            self.send_header("Date", date)

    def do_POST(self) -> None:  # noqa: N802
        self._send(Reply(405, (), envelope(None, 2000, "the demo CPO only answers GET")))

    do_PUT = do_PATCH = do_DELETE = do_POST

    # -- routing ------------------------------------------------------------------

    def _route(self, path: str) -> tuple[str, str | None, str | None, str | None] | None:
        parts = [p for p in path.split("/") if p]
        if parts == ["ocpi", "emsp", "2.1.1", "tokens"] and self.demo.faults.tokens_receiver_only == 2 \
                and "2.1.1" in self.demo.versions:
            return "list", "2.1.1", "tokens", None
        if parts[:2] != ["ocpi", "cpo"]:
            return None
        rest = parts[2:]
        if rest == ["versions"]:
            return "versions", None, None, None
        if not rest or rest[0] not in self.demo.versions:
            return None
        version, rest = rest[0], rest[1:]
        if not rest:
            return "details", version, None, None
        if rest == ["credentials"]:
            return "credentials", version, None, None
        if len(rest) == 1 and rest[0] in self.demo.listings[version]:
            return "list", version, rest[0], None
        if len(rest) == 2 and rest[0] in ("locations", "tariffs"):
            return "object", version, rest[0], rest[1]
        return None

    def _authorized(self, version: str | None, faults: Faults) -> bool:
        header = self.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "token" or not value:
            return False
        plain = value.strip() == self.demo.token
        encoded = _b64decode(value.strip()) == self.demo.token
        if faults.plain_token_only or version == "2.1.1":
            return plain
        return encoded if version is not None else plain or encoded

    def _fault(self, number: int, faults: Faults) -> Reply | str | None:
        if faults.never_answer:
            return "never"
        if faults.token_expires_after and number >= faults.token_expires_after:
            return Reply(401, (("WWW-Authenticate", "Token"),),
                         envelope(None, 2000, "the token has expired"))
        if faults.reset_every and number % faults.reset_every == 0:
            return "reset"
        if faults.cut_body_every and number % faults.cut_body_every == 0:
            return "cut"
        if faults.error_rate and self._unlucky(faults.error_rate):
            return Reply(faults.error_status, (("Content-Type", "text/plain"),),
                         b"upstream temporarily unavailable")
        if faults.rate_limit_every and number % faults.rate_limit_every == 0:
            return Reply(429, (("Retry-After", _retry_after(faults)),),
                         envelope(None, 2000, "too many requests"))
        if faults.envelope_error is not None:
            code = faults.envelope_error
            return Reply(200, (), envelope(None, code, _MEANINGS.get(code, "error")))
        if faults.malformed_body:
            return Reply(200, (("Content-Type", "text/html"),), _HTML_ERROR)
        if number - faults.fault_after_requests <= faults.maintenance_pages:
            return Reply(200, (("Content-Type", "text/html; charset=utf-8"),), _MAINTENANCE)
        return None

    def _unlucky(self, rate: float) -> bool:
        """Drawn per request by its path, query and how often it was asked before, so
        that clients asking in any order, from any number of processes, meet the same
        failures."""
        asked = self.demo.count_ask(self.path)
        return unit(self.demo.seed, "fault", (zlib.crc32(self.path.encode()) << 24) + asked) < rate

    # -- answers ------------------------------------------------------------------

    def _answer(self, kind: str, version: str | None, module: str | None, object_id: str | None,
                query: str, faults: Faults) -> Reply:
        demo = self.demo
        match kind:
            case "versions":
                listed = [{"version": _label(v, faults), "url": _discovered(demo.details_url(v), faults)}
                          for v in demo.versions]
                return Reply(200, (), envelope({"versions": listed} if faults.nested_versions else listed))
            case "details":
                return Reply(200, (), envelope(_details(demo, version, faults)))
            case "credentials":
                return Reply(200, (), envelope(_credentials(demo, version)))
            case "object":
                return self._object(version, module, object_id)
        try:
            request = self._list_request(module, query)
        except BadParameter as problem:
            return Reply(400, (), envelope(None, 2001, str(problem)))
        listing = demo.listings[version][module]

        def render(index: int, moved: bool) -> dict[str, Any]:
            obj = demo.render(version, module, index)
            if moved:
                obj["last_updated"] = iso(listing.moved_at)
            return obj

        return list_page(listing, request, faults, seed=demo.seed, max_page_size=demo.max_page_size,
                         default_page_size=demo.default_page_size, render=render)

    def _list_request(self, module: str, query: str) -> ListRequest:
        params = dict(parse_qsl(query, keep_blank_values=True))
        date_from = _datetime_param(params, "date_from")
        if module == "sessions" and date_from is None:
            raise BadParameter("`date_from` is required for sessions")
        return ListRequest(origin=self.demo.origin, path=urlsplit(self.path).path, params=params,
                           date_from=date_from, date_to=_datetime_param(params, "date_to"),
                           offset=_int_param(params, "offset", 0) or 0,
                           limit=_int_param(params, "limit", None))

    def _object(self, version: str, module: str, object_id: str) -> Reply:
        demo = self.demo
        if module == "tariffs":
            tariff = TARIFFS.get(object_id.upper())
            if tariff is not None:
                return Reply(200, (), envelope(demo.render(version, module, tariff.index)))
        match = re.fullmatch(r"LOC(\d{5})", object_id.upper())
        sites = listed_sites(demo.world, version, demo.lists_every_site)
        if module == "locations" and match and int(match.group(1)) in sites:
            return Reply(200, (), envelope(demo.render(version, module, sites.index(int(match.group(1))))))
        return Reply(404, (), envelope(None, 2003, f"unknown {module[:-1]} `{object_id}`"))

    def _send(self, reply: Reply, *, trickle: float = 0.0, cut: bool = False) -> None:
        if isinstance(reply.body, dict) and "timestamp" in reply.body and self.demo.faults.clock_behind:
            reply.body["timestamp"] = iso(int(time.time()) - self.demo.faults.clock_behind)
        body = reply.body if isinstance(reply.body, bytes) else orjson.dumps(reply.body)
        if self.demo.faults.repeated_flags:
            body = encode_repeated(body)
        self._log(reply.status)     # before answering, so a test sees it once the client has the answer
        self.send_response(reply.status)
        names = {name.lower() for name, _ in reply.headers}
        if "content-type" not in names:
            self.send_header("Content-Type", "application/json")
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if trickle:
            return self._trickle(body, trickle)
        if cut:     # then closed: the client reads the end of the stream before the body's end
            self.close_connection = True
            body = body[: len(body) // 2]
        self.wfile.write(body)

    def _trickle(self, body: bytes, pause: float) -> None:
        self.wfile.flush()
        self.close_connection = True
        for i in range(len(body)):
            if self.demo.stopping.wait(pause):
                return
            try:
                self.wfile.write(body[i:i + 1])
                self.wfile.flush()
            except OSError:
                return

    def _log(self, status: int) -> None:
        headers = {k: v for k, v in self.headers.items() if k.lower() != "authorization"}
        self.demo.record(RequestRecord(self.command, self.path, status, headers))


def _details(demo: DemoServer, version: str, faults: Faults) -> dict[str, Any]:
    base = demo.details_url(version)
    if faults.https_endpoints:
        base = base.replace("http://", "https://", 1)
    base = _discovered(base, faults)
    modules = ["credentials", *sorted(demo.listings[version])]
    label = _label(version, faults)
    if version == "2.1.1":
        endpoints = [{"identifier": m, "url": f"{base}/{m}"} for m in modules]
        if faults.tokens_receiver_only == 2:
            emsp = _discovered(f"{demo.origin}{EMSP_PREFIX}/2.1.1/tokens", faults)
            endpoints.append({"identifier": "tokens", "url": emsp})
        return {"version": label, "endpoints": endpoints}
    credentials_role = "RECEIVER" if faults.credentials_receiver_only else "SENDER"
    endpoints = [{"identifier": m, "role": credentials_role if m == "credentials" else "SENDER",
                  "url": f"{base}/{m}"} for m in modules]
    endpoints += [{"identifier": "tokens", "role": "RECEIVER", "url": f"{base}/receiver/tokens"},
                  {"identifier": "commands", "role": "RECEIVER", "url": f"{base}/receiver/commands"}]
    return {"version": label, "endpoints": endpoints}


def _date_header(faults: Faults) -> str | None:
    if faults.date_header == "missing":
        return None
    if faults.date_header:
        return faults.date_header
    return formatdate(time.time() - faults.clock_behind, usegmt=True)


def _retry_after(faults: Faults) -> str:
    if faults.retry_after_date:
        return formatdate(time.time() - faults.clock_behind + faults.retry_after, usegmt=True)
    return str(faults.retry_after)


def _label(version: str, faults: Faults) -> str:
    return version[:3] if faults.short_version_label else version


def _discovered(url: str, faults: Faults) -> str:
    """A URL handed out by discovery: on `localhost` with `foreign_details_host`."""
    return url.replace("//127.0.0.1:", "//localhost:", 1) if faults.foreign_details_host else url


def _unauthorized(faults: Faults) -> Reply:
    match faults.bad_token_status:
        case 500:
            return Reply(500, (("Content-Type", "text/plain"),), b"Internal Server Error")
        case 3000:
            return Reply(200, (), envelope(None, 3000, "generic server error"))
    return Reply(401, (("WWW-Authenticate", "Token"),), envelope(None, 2000, "invalid or missing token"))


def _credentials(demo: DemoServer, version: str) -> dict[str, Any]:
    business = {"name": CPO_NAME, "website": "https://demo-cpo.example"}
    url = demo.versions_url
    if version == "2.1.1":
        return {"token": "demo-token-not-for-you", "url": url, "business_details": business,
                "party_id": CPO_PARTY, "country_code": CPO_COUNTRY}
    return {"token": "demo-token-not-for-you", "url": url,
            "roles": [{"role": "CPO", "business_details": business, "party_id": CPO_PARTY,
                       "country_code": CPO_COUNTRY}]}


def _datetime_param(params: dict[str, str], name: str) -> float | None:
    value = params.get(name)
    if value is None:
        return None
    match = _DATETIME.match(value)
    if match is None:
        raise BadParameter(f"`{name}` is not an OCPI DateTime: {value!r}")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    epoch = calendar.timegm((int(year), int(month), int(day), int(hour), int(minute), int(second)))
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        epoch -= sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    return epoch + (float(fraction) if fraction else 0.0)


def _int_param(params: dict[str, str], name: str, default: int | None) -> int | None:
    value = params.get(name)
    if value is None:
        return default
    if not value.isdigit() or (name == "limit" and int(value) == 0):
        raise BadParameter(f"`{name}` must be a positive integer, not {value!r}")
    return int(value)


def _b64decode(value: str) -> str | None:
    try:
        return base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
