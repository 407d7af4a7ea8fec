"""A privacy flag an object gives twice is read the cautious way, not the last way.

JSON parsers keep the last of a repeated key, so a location sent as
`{"publish": false, ..., "publish": true}` (a serializer that merges a vendor default
over the record, a proxy that appends fields) would be a public site, and a CDR
saying `home_charging_compensation` true and then false a public charge. RFC 8259 only
says names SHOULD be unique, so the parse alone cannot be trusted with these keys.

A body is scanned for the keys that decide whether a site or a charge is private
(`schema/publish.py`: publish in any spelling, `publish_allowed_to`, `parking_type`,
`home_charging_compensation`); when its text holds more of them than the parsed
objects show, it is parsed again keeping every value, and a repeated flag takes the
value that says private if any of them does. The object then carries `REPEATED`, the
kinds of flag concerned, which the wire reader removes and counts as a deviation.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ocpispec.schema.publish import REPEATED, flag_kind, most_private
# a key (not a value: a colon follows) that may name a privacy flag; a key written with
# escapes (`"pub\\u006cish"`) may be one too, whatever it spells
_RAW_KEY = re.compile(rb'"[^"\\]{0,16}(?i:publish|compensation|parking_?type)[^"\\]{0,16}"\s*:')
_ESCAPED_KEY = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)+"\s*:')
_PARSED_KEY = re.compile(r'^[^"\\]{0,16}(?i:publish|compensation|parking_?type)[^"\\]{0,16}$')


def settle(content: bytes, parsed: Any) -> Any:
    """`parsed`, or `content` parsed again with repeated privacy flags settled."""
    found = len(_RAW_KEY.findall(content))
    if b"\\" in content:
        found += len(_ESCAPED_KEY.findall(content))
    if found == _flag_keys(parsed):  # none, or each once
        return parsed
    try:
        return json.loads(content, object_pairs_hook=_cautious)
    except (ValueError, RecursionError):  # orjson read it; keep its reading
        return parsed


def _cautious(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    values: dict[str, list[Any]] = {}
    for key, value in pairs:
        values.setdefault(key, []).append(value)
    repeated = [key for key, found in values.items()
                if len(found) > 1 and flag_kind(key) is not None]
    for key in repeated:
        obj[key] = most_private(key, values[key])
    if repeated:
        obj[REPEATED] = sorted({flag_kind(key) for key in repeated})
    return obj


def _flag_keys(parsed: Any) -> int:
    """The keys that may name a flag in the objects of a list page (or one object),
    at their top level and one level down (a 2.1.1 session's embedded location)."""
    data = parsed.get("data", parsed) if isinstance(parsed, dict) else parsed
    items = data if isinstance(data, list) else [data]
    count = 0
    for item in items:
        if not isinstance(item, dict):
            continue
        count += _count(item)
        for value in item.values():
            for inner in value if isinstance(value, list) else (value,):
                if isinstance(inner, dict):
                    count += _count(inner)
    if isinstance(parsed, dict) and isinstance(parsed.get("data"), (list, dict)):
        count += _count(parsed)  # the envelope's own keys
    return count


def _count(obj: dict[str, Any]) -> int:
    return sum(1 for key in obj if isinstance(key, str) and _PARSED_KEY.match(key))
