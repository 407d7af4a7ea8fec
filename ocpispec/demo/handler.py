"""HTTP handling for the demo CPO: routing, Token auth, fault replies."""

from __future__ import annotations

import re
import time
import zlib
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson

from ocpispec.demo import odd_pages
from ocpispec.demo.chunked import write_chunked
from ocpispec.demo.faults import Faults
from ocpispec.demo.framework_errors import framework_error
from ocpispec.demo.listing import listed_sites
from ocpispec.demo.pages import ListRequest, Reply, envelope, list_page, redirect
from ocpispec.demo.record_faults import encode_repeated
from ocpispec.demo.replies import (EMSP_PREFIX, MEANINGS, cpo_credentials, date_header, discovered, retry_after_header,
                                   unauthorized, version_details, version_label)
from ocpispec.demo.request_params import BadParameter, b64decode, datetime_param, int_param
from ocpispec.demo.rng import unit
from ocpispec.demo.served import DemoServer, RequestRecord
from ocpispec.demo.tariffs import TARIFFS
from ocpispec.demo.wire import iso


SHORT_BY = 10      # `short_length_every`: bytes of a body its `Content-Length` leaves out
_HTML_ERROR = b"<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"
_MAINTENANCE = (b"<!DOCTYPE html><html><head><title>Maintenance</title></head><body><h1>We'll be back soon</h1>"
                b"<p>The service is being updated. Please try again in a few minutes.</p></body></html>")


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
        if not self._authorized(version, faults) or (module is not None and module == faults.refuse_module):
            return self._send(unauthorized(faults))
        slow = cut = stall = short = False
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
                stall = faults.stall_body
                short = bool(faults.short_length_every) and number % faults.short_length_every == 0
        if kind == "list" and module == "tokens" and version == "2.1.1" and faults.tokens_receiver_only \
                and not url.path.startswith(EMSP_PREFIX):
            return self._send(Reply(404, (), envelope(None, 2000, "tokens are only received here")))
        if kind == "list" and faults.redirect_lists and not url.path.endswith("/"):
            return self._send(redirect(self.demo.origin, url.path, url.query, faults.redirect_lists))
        reply = self._answer(kind, version, module, object_id, url.query, faults)
        if faults.truncated_body and kind == "list":
            body = orjson.dumps(reply.body)
            reply = Reply(reply.status, reply.headers, body[: len(body) // 2])
        chunked = faults.chunked_bodies if kind in ("list", "object") else ""
        last = kind == "list" and dict(parse_qsl(url.query)).get("offset", "0") != "0" \
            and not any(name == "Link" and value for name, value in reply.headers)     # of several pages
        self._send(reply, trickle=faults.trickle_body if slow else 0.0, cut=cut, stall=stall, short=short,
                   chunked=chunked, last=last)

    def send_response(self, code: int, message: str | None = None) -> None:
        """The standard answer line and headers, with the `Date` the faults make."""
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Server", self.version_string())
        date = date_header(self.demo.faults)
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
        encoded = b64decode(value.strip()) == self.demo.token
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
        if faults.error_rate and self._unlucky(faults.error_rate) \
                or faults.error_every and number % faults.error_every == 0:
            if faults.error_body:
                return framework_error(faults.error_body, faults.error_status, faults.error_message,
                                       urlsplit(self.path).path, int(time.time()))
            if faults.error_message:
                return Reply(faults.error_status, (), envelope(None, 3000, faults.error_message))
            return Reply(faults.error_status, (("Content-Type", "text/plain"),),
                         b"upstream temporarily unavailable")
        if faults.rate_limit_every and number % faults.rate_limit_every == 0:
            return Reply(429, (("Retry-After", retry_after_header(faults)),),
                         envelope(None, 2000, "too many requests"))
        if faults.envelope_error is not None:
            code = faults.envelope_error
            return Reply(200, (), envelope(None, code, MEANINGS.get(code, "error")))
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
                listed = [{"version": version_label(v, faults), "url": discovered(demo.details_url(v), faults)}
                          for v in demo.versions]
                return Reply(200, (), envelope({"versions": listed} if faults.nested_versions else listed))
            case "details":
                return Reply(200, (), envelope(version_details(demo, version, faults)))
            case "credentials":
                return Reply(200, (), envelope(cpo_credentials(demo, version)))
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

        stale = bool(faults.stale_pages) and request.offset > 0 and demo.count_stale_answer() < faults.stale_pages
        if wait := odd_pages.delay(faults, request.offset):
            time.sleep(wait)
        reply = list_page(listing, request, faults, seed=demo.seed, max_page_size=demo.max_page_size,
                          default_page_size=demo.default_page_size, render=render, stale=stale)
        return odd_pages.reshaped(reply, faults, request.offset)

    def _list_request(self, module: str, query: str) -> ListRequest:
        params = dict(parse_qsl(query, keep_blank_values=True))
        date_from = datetime_param(params, "date_from")
        if module == "sessions" and date_from is None:
            raise BadParameter("`date_from` is required for sessions")
        return ListRequest(origin=self.demo.origin, path=urlsplit(self.path).path, params=params,
                           date_from=date_from, date_to=datetime_param(params, "date_to"),
                           offset=int_param(params, "offset", 0) or 0,
                           limit=int_param(params, "limit", None))

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

    def _send(self, reply: Reply, *, trickle: float = 0.0, cut: bool = False, stall: bool = False,
              short: bool = False, chunked: str = "", last: bool = False) -> None:
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
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.close_connection = write_chunked(self.wfile, body, chunked, last)
            return None
        self.send_header("Content-Length", str(len(body) - SHORT_BY if short else len(body)))
        self.end_headers()
        if trickle:
            return self._trickle(body, trickle)
        if stall:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.demo.stopping.wait()
            self.close_connection = True
            return None
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


