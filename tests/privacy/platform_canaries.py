"""Platform text that carries a canary, and every channel ocpispec writes to.

A hostile or careless platform can put a driver's e-mail address, a card id or a token
anywhere it writes text: a next link's host, path or query, an endpoint URL, a module's
identifier, a version label, its party, `status_message`, an error body, a header's
value (`Content-Type`, `Location`, `Retry-After`, `X-Total-Count`, `Date`), a field's
name or an enum value OCPI does not define. `INJECTIONS` names each such place and how
the demo CPO's answers are rewritten to put `CANARY` (or `HOST_CANARY`, where a URL's
host must stay a host) there; `Channels` gathers every text a command left behind:
stdout, stderr, the log file, and every file under the test's folder (outputs,
manifests, data packages, run records, the ledger).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

CANARY = "jan.qx7@example.org"
HOST_CANARY = "jan-qx7-example-org"
STEM = "qx7"                       # what every canary holds, in any casing

Answer = tuple[int, dict[str, str], bytes]
Rewrite = Callable[[str, int, dict[str, str], bytes], Answer]


def _is_details(path: str) -> bool:
    return re.search(r"/ocpi/cpo/\d\.\d\.\d/?(\?|$)", path) is not None


def _is_versions(path: str) -> bool:
    return path.rstrip("/").endswith("/versions")


def _is_list(path: str, module: str = "sessions") -> bool:
    return f"/{module}" in path and not _is_details(path)


def _json(body: bytes) -> dict:
    return json.loads(body)


def _dump(value: object) -> bytes:
    return json.dumps(value).encode()


def _paged(headers: dict[str, str]) -> dict[str, str]:
    """Without a count the crawl follows the next links (with one it pages by offset)."""
    headers.pop("x-total-count", None)
    return headers


def next_link_host(path: str, status: int, headers: dict[str, str], body: bytes) -> Answer:
    if "link" in headers:
        headers["link"] = re.sub(r"//127\.0\.0\.1:\d+", f"//{HOST_CANARY}.cpo.example:8443", headers["link"])
    return status, _paged(headers), body


def next_link_userinfo(path: str, status: int, headers: dict[str, str], body: bytes) -> Answer:
    if "link" in headers:
        headers["link"] = headers["link"].replace("//127.0.0.1:", f"//{HOST_CANARY}@cpo.example:")
    return status, _paged(headers), body


def next_link_path(path: str, status: int, headers: dict[str, str], body: bytes) -> Answer:
    if "link" in headers:
        headers["link"] = re.sub(r"/(sessions|cdrs|locations|tariffs|tokens)/?\?",
                                 rf"/\1/NL*ABC*{HOST_CANARY}?", headers["link"])
    return status, _paged(headers), body


def next_link_query(path: str, status: int, headers: dict[str, str], body: bytes) -> Answer:
    if "link" in headers:
        headers["link"] = headers["link"].replace("?", f"?{HOST_CANARY}=1&driver={HOST_CANARY}&", 1)
    return status, _paged(headers), body


def next_link_garbage(path: str, status: int, headers: dict[str, str], body: bytes) -> Answer:
    if "link" in headers:
        headers["link"] = f'<{CANARY} is no URL>; rel="next"'
    return status, _paged(headers), body


def endpoint_path(path: str, status: int, headers: dict[str, str], body: bytes) -> Answer:
    if _is_details(path):
        body = body.replace(b"/sessions\"", f"/{HOST_CANARY}/sessions\"".encode())
    return status, headers, body


def route_endpoint_path(path: str) -> str:
    return path.replace(f"/{HOST_CANARY}/", "/")


def module_identifier(path: str, status: int, headers: dict[str, str], body: bytes) -> Answer:
    if _is_details(path):
        details = _json(body)
        endpoints = details["data"]["endpoints"]
        endpoints.append({**endpoints[0], "identifier": CANARY})
        endpoints.append({**endpoints[0], "identifier": f"x{HOST_CANARY}", "role": "RECEIVER"})
        body = _dump(details)
    return status, headers, body


def version_label(path: str, status: int, headers: dict[str, str], body: bytes) -> Answer:
    if _is_versions(path):
        versions = _json(body)
        versions["data"].append({**versions["data"][0], "version": CANARY})
        body = _dump(versions)
    return status, headers, body


def endpoint_role(path: str, status: int, headers: dict[str, str], body: bytes) -> Answer:
    if _is_details(path):
        details = _json(body)
        details["data"]["endpoints"].append({**details["data"]["endpoints"][0], "role": CANARY})
        body = _dump(details)
    return status, headers, body


def credentials_endpoint_role(path: str, status: int, headers: dict[str, str], body: bytes) -> Answer:
    if _is_details(path):
        details = _json(body)
        for endpoint in details["data"]["endpoints"]:
            if endpoint["identifier"] == "credentials":
                endpoint["role"] = CANARY
        body = _dump(details)
    return status, headers, body


def credentials_party(path: str, status: int, headers: dict[str, str], body: bytes) -> Answer:
    if path.rstrip("/").endswith("/credentials"):
        credentials = _json(body)
        for role in credentials["data"].get("roles", []) or [credentials["data"]]:   # 2.1.1: no roles
            role["party_id"], role["country_code"] = CANARY, HOST_CANARY
            role["business_details"] = {"name": CANARY}
            role.setdefault("role", "CPO")
        credentials["data"].update(token=CANARY, url=f"http://{HOST_CANARY}.cpo.example/{CANARY}/versions")
        body = _dump(credentials)
    return status, headers, body


def credentials_role(path: str, status: int, headers: dict[str, str], body: bytes) -> Answer:
    if path.rstrip("/").endswith("/credentials"):
        credentials = _json(body)
        for role in credentials["data"].get("roles", []):
            role["role"] = CANARY
        body = _dump(credentials)
    return status, headers, body


def refused(path: str, status: int, headers: dict[str, str], body: bytes) -> Answer:
    if _is_list(path):
        return 401, {"www-authenticate": f'Token realm="{CANARY}"', "content-type": "application/json"}, \
            _dump({"status_code": 2004, "status_message": f"unknown token of {CANARY}", "data": {"uid": CANARY}})
    return status, headers, body


def link_parameters(path: str, status: int, headers: dict[str, str], body: bytes) -> Answer:
    if "link" in headers:
        headers["link"] = headers["link"].replace('rel="next"', f'rel="next"; title="{CANARY}"; {HOST_CANARY}=1') \
            + f', <http://{HOST_CANARY}.cpo.example/{CANARY}>; rel="{HOST_CANARY}"'
    return status, _paged(headers), body


def content_encoding(path: str, status: int, headers: dict[str, str], body: bytes) -> Answer:
    if _is_list(path):
        return status, {**headers, "content-encoding": HOST_CANARY}, body
    return status, headers, body


def status_message(path: str, status: int, headers: dict[str, str], body: bytes) -> Answer:
    if _is_list(path) and "offset=0" not in path and "offset" in path:
        envelope = _json(body)
        return 200, headers, _dump({**envelope, "data": None, "status_code": 3000,
                                    "status_message": f"no session for {CANARY}"})
    return status, headers, body


def status_message_ok(path: str, status: int, headers: dict[str, str], body: bytes) -> Answer:
    if _is_list(path):
        return status, headers, _dump({**_json(body), "status_message": f"driver {CANARY}"})
    return status, headers, body


def error_body(path: str, status: int, headers: dict[str, str], body: bytes) -> Answer:
    if _is_list(path):
        return 500, {"content-type": "text/plain"}, f"NullPointerException at driver {CANARY}".encode()
    return status, headers, body


def content_type(path: str, status: int, headers: dict[str, str], body: bytes) -> Answer:
    if _is_list(path):
        return status, {**headers, "content-type": f"text/{HOST_CANARY}; charset=utf-8"}, \
            f"<html>{CANARY}</html>".encode()
    return status, headers, body


def xml_page(path: str, status: int, headers: dict[str, str], body: bytes) -> Answer:
    if _is_list(path):
        return 200, {"content-type": "application/xml"}, f"<{HOST_CANARY}><id>{CANARY}</id></{HOST_CANARY}>".encode()
    return status, headers, body


def content_type_json(path: str, status: int, headers: dict[str, str], body: bytes) -> Answer:
    if _is_list(path):
        return status, {**headers, "content-type": f"application/json; profile={HOST_CANARY}"}, body
    return status, headers, body


def redirect(path: str, status: int, headers: dict[str, str], body: bytes) -> Answer:
    if _is_list(path) and "offset=0" not in path and "offset" in path:
        return 302, {"location": f"http://{HOST_CANARY}.cpo.example/drivers/{CANARY}/sessions?x={HOST_CANARY}"}, b""
    return status, headers, body


def redirect_same_host(path: str, status: int, headers: dict[str, str], body: bytes) -> Answer:
    if _is_list(path) and "offset=0" not in path and "offset" in path:
        return 302, {"location": f"/drivers/{HOST_CANARY}/sessions?x={HOST_CANARY}"}, b""
    return status, headers, body


def retry_after(path: str, status: int, headers: dict[str, str], body: bytes) -> Answer:
    if _is_list(path):
        return 429, {"retry-after": f"{CANARY}", "content-type": "text/plain"}, CANARY.encode()
    return status, headers, body


def counts(path: str, status: int, headers: dict[str, str], body: bytes) -> Answer:
    if _is_list(path):
        headers = {**headers, "x-total-count": CANARY, "x-limit": HOST_CANARY}
    return status, headers, body


def date_header(path: str, status: int, headers: dict[str, str], body: bytes) -> Answer:
    return status, {**headers, "date": f"Mon, {CANARY}"}, body


def envelope_timestamp(path: str, status: int, headers: dict[str, str], body: bytes) -> Answer:
    if _is_list(path) or _is_versions(path):
        return status, headers, _dump({**_json(body), "timestamp": CANARY})
    return status, headers, body


def data_not_a_list(path: str, status: int, headers: dict[str, str], body: bytes) -> Answer:
    if _is_list(path):
        return status, headers, _dump({**_json(body), "data": CANARY})
    return status, headers, body


def _objects(body: bytes, change: Callable[[int, dict], None], module: str = "sessions") -> bytes:
    envelope = _json(body)
    for index, item in enumerate(envelope.get("data") or []):
        change(index, item)
    return _dump(envelope)


def _each_object(change: Callable[[int, dict], None], module: str = "sessions") -> Rewrite:
    def rewrite(path: str, status: int, headers: dict[str, str], body: bytes) -> Answer:
        if _is_list(path, module) and status == 200:
            body = _objects(body, change)
        return status, headers, body
    return rewrite


def _enum(index: int, item: dict) -> None:
    if index % 3 == 0:
        item["status"] = CANARY
    if index % 3 == 1:
        item["auth_method"] = CANARY
        item["currency"] = CANARY


def _field_name(index: int, item: dict) -> None:
    item[CANARY] = 1
    item.setdefault("cdr_token", {})[f"x_{HOST_CANARY}"] = "x"


def _invalid(index: int, item: dict) -> None:
    if index % 4 == 0:
        item["id"] = CANARY
        item.pop("last_updated", None)
    elif index % 4 == 1:
        item["last_updated"] = CANARY
        item["id"] = CANARY + str(index)


def _wrong_types(index: int, item: dict) -> None:
    item["kwh"] = CANARY
    item["start_date_time"] = CANARY if index % 2 else {"at": CANARY}
    item["location_id"] = [CANARY]


def _repeated_id(index: int, item: dict) -> None:
    item["id"] = CANARY


def _location_private(index: int, item: dict) -> None:
    item["postal_code"] = CANARY
    item["publish"] = CANARY
    item["parking_type"] = CANARY


INJECTIONS: dict[str, tuple[Rewrite, Callable[[str], str] | None]] = {
    "next link host": (next_link_host, None),
    "next link user info": (next_link_userinfo, None),
    "next link path": (next_link_path, None),
    "next link query": (next_link_query, None),
    "next link no URL": (next_link_garbage, None),
    "endpoint path": (endpoint_path, route_endpoint_path),
    "module identifier": (module_identifier, None),
    "version label": (version_label, None),
    "endpoint role": (endpoint_role, None),
    "credentials endpoint role": (credentials_endpoint_role, None),
    "credentials party": (credentials_party, None),
    "credentials role": (credentials_role, None),
    "refused with a realm": (refused, None),
    "link parameters": (link_parameters, None),
    "content encoding": (content_encoding, None),
    "status message (error)": (status_message, None),
    "status message (success)": (status_message_ok, None),
    "error body": (error_body, None),
    "content type": (content_type, None),
    "content type parameter": (content_type_json, None),
    "xml page": (xml_page, None),
    "redirect to another host": (redirect, None),
    "redirect on the host": (redirect_same_host, None),
    "retry after": (retry_after, None),
    "counts": (counts, None),
    "date header": (date_header, None),
    "envelope timestamp": (envelope_timestamp, None),
    "data not a list": (data_not_a_list, None),
    "enum values": (_each_object(_enum), None),
    "field names": (_each_object(_field_name), None),
    "invalid objects": (_each_object(_invalid), None),
    "wrong types": (_each_object(_wrong_types), None),
    "repeated id": (_each_object(_repeated_id), None),
    "location flags": (_each_object(_location_private, "locations"), None),
}


@dataclass
class Channels:
    """Every text the commands of one test left: (where, text) pairs."""
    texts: list[tuple[str, str]] = field(default_factory=list)

    def add(self, where: str, text: str) -> None:
        self.texts.append((where, text))

    def add_files(self, root: Path, skip: tuple[str, ...] = ("config",)) -> None:
        for path in sorted(root.rglob("*")):
            if path.is_file() and not any(part in skip for part in path.relative_to(root).parts):
                self.add(str(path.relative_to(root)), path.read_bytes().decode("utf-8", "replace"))

    def leaks(self) -> list[str]:
        """Where a canary shows, with the line around it."""
        found = []
        for where, text in self.texts:
            for line in text.splitlines():
                if STEM in line.lower():
                    found.append(f"{where}: {line.strip()[:300]}")
                    break
        return found
