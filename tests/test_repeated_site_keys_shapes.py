"""`repeated_keys` refuses an object that gives its site's or party's key twice on every
page shape `body` reads, and leaves no marker inside a record: a page of one object sent
bare, a list wrapped in an object (`{"items": [...]}`), and a repeat deep inside an
object (a connector's `id` in a location's EVSE). Before, the first two kept the object
(the marker stayed in it as an unknown field) and the third marked only the connector."""

from __future__ import annotations

from typing import Any

import httpx

from ocpispec.ocpi.body import Unreadable, decode_body
from ocpispec.ocpi.repeated_keys import REFUSED

_TWICE = (b'{"id": "S-1", "location_id": "HOME-1", "country_code": "NL", "party_id": "ABC",'
          b' "location_id": "LOC-PUBLIC", "last_updated": "2025-01-01T00:00:00Z"}')
_ONCE = (b'{"id": "S-2", "location_id": "LOC-PUBLIC", "country_code": "NL", "party_id": "ABC",'
         b' "last_updated": "2025-01-01T00:00:00Z"}')
_LOCATION = (b'{"id": "LOC-1", "country_code": "NL", "party_id": "ABC", "publish": true, "evses": '
             b'[{"uid": "E1", "connectors": [{"id": "1", "standard": "IEC_62196_T2", "id": "2"}]}],'
             b' "last_updated": "2025-01-01T00:00:00Z"}')


def _decoded(content: bytes, flags: bool = False) -> Any:
    response = httpx.Response(200, content=content, headers={"content-type": "application/json"})
    return decode_body("http://127.0.0.1/ocpi/sessions", response, content, flags=flags)


def _markers(node: Any) -> int:
    if isinstance(node, dict):
        return (REFUSED in node) + sum(_markers(value) for value in node.values())
    if isinstance(node, list):
        return sum(_markers(item) for item in node)
    return 0


def test_a_bare_object_page_that_names_its_site_twice_is_refused() -> None:
    body = _decoded(b'{"status_code": 1000, "data": ' + _TWICE + b'}')
    assert isinstance(body["data"], Unreadable), body
    assert "`location_id`" in body["data"].reason
    assert _markers(body) == 0


def test_a_wrapped_list_refuses_only_the_object_that_names_its_site_twice() -> None:
    body = _decoded(b'{"status_code": 1000, "data": {"items": [' + _TWICE + b', ' + _ONCE
                    + b'], "total": 2}}')
    first, second = body["data"]["items"]
    assert isinstance(first, Unreadable) and second["id"] == "S-2", body
    assert _markers(body) == 0


def test_a_key_repeated_deep_inside_refuses_the_listed_object() -> None:
    body = _decoded(b'{"status_code": 1000, "data": [' + _LOCATION + b']}', flags=True)
    refused, = body["data"]
    assert isinstance(refused, Unreadable), body
    assert "evses.connectors.id" in refused.reason or "evses" in refused.reason, refused.reason
    assert _markers(body) == 0
