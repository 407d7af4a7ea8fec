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

    with IndependentCpo("2.2.1", records=40) as cpo:
        cpo.versions_url, cpo.token, cpo.personal_values()
"""

from __future__ import annotations

import base64
import copy
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

EXAMPLES = Path(__file__).parent / "ocpi_examples"
MODULES = ("locations", "sessions", "cdrs", "tariffs", "tokens")
FIRST = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def _stamp(moment: datetime, index: int) -> str:
    if index % 3 == 2:
        return moment.strftime("%Y-%m-%dT%H:%M:%S") + ".250Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


class CursorExpired(Exception):
    def __init__(self, status: int) -> None:
        self.status = status


class IndependentCpo:
    def __init__(self, version: str, records: int = 30, page_cap: int = 7, *,
                 paging: str = "offset", relative_links: bool = False,
                 total: bool = True, cursor_expiry: tuple[int, int] | None = None) -> None:
        self.version, self.page_cap = version, page_cap
        # (n, status): the n-th cursor handed out and every later one answer `status`
        # (400, 404, 410): a cursor that expired while the list was read
        self.cursor_expiry, self._cursors_followed = cursor_expiry, 0
        self.paging, self.relative_links, self.total = paging, relative_links, total
        self.token = "independent-cpo-token-0001"
        self.lists = {module: self._records(module, records) for module in MODULES}
        self.requests: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self._server.server_port}"
        self.versions_url = f"{self.origin}/ocpi/cpo/versions"

    def __enter__(self) -> IndependentCpo:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
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
            if (EXAMPLES / self.version / "locations_home_charge_point.json").exists():
                bases.append(self._example("locations_home_charge_point"))
            return [self._stamped(base, index, index) for index, base in enumerate(bases)]
        base = self._example(module)
        made = []
        for index in range(count):
            record = self._stamped(base, index, index)
            self._personal(module, record, index)
            made.append(record)
        return made

    def _stamped(self, base: dict[str, Any], index: int, minutes: int) -> dict[str, Any]:
        record = copy.deepcopy(base)
        record["last_updated"] = _stamp(FIRST + timedelta(minutes=37 * minutes), index)
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
        sessions = self.lists["sessions"]
        record = self._stamped(self._example("sessions"), len(sessions), 0)
        record["last_updated"] = updated.strftime("%Y-%m-%dT%H:%M:%SZ")
        self._personal("sessions", record, len(sessions))
        sessions.append(record)

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

    def _authorised(self, header: str | None) -> bool:
        if header is None or not header.startswith("Token "):
            return False
        given = header[len("Token "):]
        if self.version == "2.1.1":
            return given == self.token
        return given == base64.b64encode(self.token.encode()).decode()

    def _page(self, module: str, query: dict[str, str]) -> tuple[list[dict], dict[str, str]]:
        chosen = self.lists[module]
        if "date_from" in query:
            chosen = [r for r in chosen if _instant(r["last_updated"]) >= _instant(query["date_from"])]
        if "date_to" in query:
            chosen = [r for r in chosen if _instant(r["last_updated"]) < _instant(query["date_to"])]
        if self.paging == "cursor" and "cursor" in query and self.cursor_expiry:
            self._cursors_followed += 1
            if self._cursors_followed >= self.cursor_expiry[0]:
                raise CursorExpired(self.cursor_expiry[1])
        if self.paging == "cursor":  # an opaque cursor: the position, encoded
            offset = int(base64.urlsafe_b64decode(query.pop("cursor", "") or "MA==").decode())
            query.pop("offset", None)
        else:
            offset = int(query.get("offset", "0"))
        limit = min(int(query.get("limit", str(self.page_cap))), self.page_cap)
        start = 0 if self.paging == "ignore_offset" else offset  # a broken platform
        page = chosen[start:start + limit]
        headers = {"X-Limit": str(self.page_cap)}
        if self.total:
            headers["X-Total-Count"] = str(len(chosen))
        if offset + limit < len(chosen):
            following = {**query, "limit": str(limit)}
            if self.paging == "cursor":
                following["cursor"] = base64.urlsafe_b64encode(str(offset + limit).encode()).decode()
            else:
                following["offset"] = str(offset + limit)
            origin = "" if self.relative_links else self.origin
            headers["Link"] = f'<{origin}/ocpi/cpo/{self.version}/{module}/?' \
                              f'{urlencode(following)}>; rel="next"'
        return page, headers

    def _details(self) -> dict[str, Any]:
        endpoints = []
        for module in ("credentials", *MODULES):
            endpoint = {"identifier": module, "url": f"{self.origin}/ocpi/cpo/{self.version}/{module}/"}
            if self.version != "2.1.1":
                endpoint["role"] = "SENDER" if module != "credentials" else "RECEIVER"
            endpoints.append(endpoint)
        return {"version": self.version, "endpoints": endpoints}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        cpo = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

            def do_GET(self) -> None:  # noqa: N802
                cpo.requests.append(self.path)
                if not cpo._authorised(self.headers.get("Authorization")):
                    return self._answer(401, {"status_code": 2001, "status_message": "Unauthorized",
                                              "timestamp": _stamp(datetime.now(UTC), 0)})
                parts = urlsplit(self.path)
                path = parts.path.rstrip("/")
                query = dict(parse_qsl(parts.query))
                if path == "/ocpi/cpo/versions":
                    return self._data([{"version": cpo.version,
                                        "url": f"{cpo.origin}/ocpi/cpo/{cpo.version}/"}])
                if path == f"/ocpi/cpo/{cpo.version}":
                    return self._data(cpo._details())
                module = path.rsplit("/", 1)[-1]
                if path != f"/ocpi/cpo/{cpo.version}/{module}" or module not in MODULES:
                    return self._answer(404, {"status_code": 2000, "status_message": "Unknown path",
                                              "timestamp": _stamp(datetime.now(UTC), 0)})
                try:
                    page, headers = cpo._page(module, query)
                except CursorExpired as expired:
                    return self._answer(expired.status, {
                        "status_code": 2001, "status_message": "Unknown or expired cursor",
                        "timestamp": _stamp(datetime.now(UTC), 0)})
                self._data(page, headers)

            def _data(self, data: Any, headers: dict[str, str] | None = None) -> None:
                self._answer(200, {"data": data, "status_code": 1000, "status_message": "Success",
                                   "timestamp": _stamp(datetime.now(UTC), 0)}, headers or {})

            def _answer(self, status: int, body: dict[str, Any],
                        headers: dict[str, str] | None = None) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(raw)

        return Handler


def served(version: str, **options: Any) -> Iterator[IndependentCpo]:
    with IndependentCpo(version, **options) as cpo:
        yield cpo
