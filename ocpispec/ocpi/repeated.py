"""A privacy flag an object gives twice is read the cautious way, not the last way.

JSON parsers keep the last of a repeated key, so a location sent as
`{"publish": false, ..., "publish": true}` (a serializer that merges a vendor default
over the record, a proxy that appends fields) would be a public site, and a CDR
saying `home_charging_compensation` true and then false a public charge. RFC 8259 only
says names SHOULD be unique, so the parse alone cannot be trusted with these keys.

A body is scanned for the keys that decide whether a site or a charge is private
(`schema/publish.py`: publish in any spelling, `publish_allowed_to`, `parking_type`,
and `type`, its 2.1.1 name, where the page says ON_DRIVEWAY, `home_charging_compensation`); when its text holds more of them than the parsed
objects show, it is parsed again keeping every value, and a repeated flag takes the
value that says private if any of them does. The object then carries `REPEATED`, the
kinds of flag concerned, which the wire reader removes and counts as a deviation.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ocpispec.ocpi import repeated_keys
from ocpispec.ocpi.repeated_keys import REFUSED
from ocpispec.schema.publish import REPEATED, most_private, repeated_kind
# the words of the flags' keys (lowercased), and what may follow one up to the key's end
_WORDS = ((b"publish", re.compile(rb'[^"\\]{0,16}"\s*:')),
          (b"compensation", re.compile(rb'[^"\\]{0,16}"\s*:')),
          (b"parking", re.compile(rb'_?type[^"\\]{0,16}"\s*:')))
# `type`, `parking_type`'s 2.1.1 name, is a flag only on a page that says ON_DRIVEWAY
# (in any spelling of its letters); other objects (images, dimensions) hold a `type` too
_TYPE = (b'"type', re.compile(rb'"\s*:'))
_DRIVE_WAY = re.compile(rb'[^a-z"]{0,4}way')
_FLAGS = frozenset({"publish", "publish_allowed_to", "parking_type", "home_charging_compensation"})
_CARRIED = ("location", "cdr_location")
# the modules whose objects decide with a flag whether a site or a charge is private:
# sessions, tariffs and tokens are judged by the locations list, never by flags of
# their own (a 2.1.1 session's embedded location leaves stripped whatever it says)
FLAGGED_MODULES = frozenset({"locations", "cdrs"})


def settle(content: bytes, parsed: Any, flags: bool = True) -> Any:
    """`parsed`, or `content` parsed again with repeated privacy flags settled (`flags`:
    the page may hold some, `FLAGGED_MODULES`) and each object that gives its site's or
    party's key twice marked `REFUSED` (`repeated_keys.refuse_marked` refuses it)."""
    low = repeated_keys.folded(content)     # once: a page of locations runs to megabytes
    flagged = False
    if flags:
        typed = _driveway(low)
        found = _raw_flag_keys(content, typed, low)
        flagged = found != 0 and found != _flag_keys(parsed, typed)  # none, or each once
    if not flagged and not repeated_keys.doubtful(content, low, parsed):
        return parsed
    try:
        return json.loads(content, object_pairs_hook=_cautious if flags else _sited)
    except (ValueError, RecursionError):  # orjson read it; keep its reading
        return parsed


def _sited(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    repeated_keys.mark(obj, pairs)
    return obj


def _raw_flag_keys(content: bytes, typed: bool, low: bytes | None = None) -> int:
    """The keys in the text that may name a flag: a flag's word ending a key (not a
    value: a colon follows), and any key written with a `\\u` escape, which may spell
    one (`"pub\\u006cish"`). A word search, not a regex over the page: pages are large.
    `low`: `content` folded (`repeated_keys.folded`), where the caller has it."""
    low = repeated_keys.folded(content) if low is None else low
    count = 0
    for word, tail in (*_WORDS, _TYPE) if typed else _WORDS:
        at = low.find(word)
        while at >= 0:
            at += len(word)
            count += tail.match(low, at, at + 48) is not None
            at = low.find(word, at)
    # a key in other letters may spell one (`ｐｕｂｌｉｓｈ`: NFKC)
    count += repeated_keys.non_ascii_keys(low)
    return count + repeated_keys.escaped_keys(low)


def _driveway(low: bytes) -> bool:
    at = low.find(b"drive")
    while at >= 0:
        if _DRIVE_WAY.match(low, at + 5, at + 12) is not None:
            return True
        at = low.find(b"drive", at + 5)
    return False


def _cautious(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = _sited(pairs)
    if len(obj) == len(pairs) - (REFUSED in obj):
        return obj
    values: dict[str, list[Any]] = {}
    for key, value in pairs:
        values.setdefault(key, []).append(value)
    repeated = {key: kind for key, found in values.items()
                if len(found) > 1 and (kind := repeated_kind(key, found)) is not None}
    for key, kind in repeated.items():
        obj[key] = most_private(kind, values[key])
    if repeated:
        obj[REPEATED] = sorted(set(repeated.values()))
    return obj


def _flag_keys(parsed: Any, typed: bool) -> int:
    """The flags' keys, as OCPI spells them, in the objects of a list page (or one
    object) and the location a 2.1.1 session or a CDR carries: a set operation per
    object. A key spelt otherwise (`Publish`), or deeper, makes the counts differ, and
    the page is parsed again: slower, never wrong."""
    data = parsed.get("data", parsed) if isinstance(parsed, dict) else parsed
    count = 0
    flags = _FLAGS | {"type"} if typed else _FLAGS
    for item in data if isinstance(data, list) else (data,):
        if item.__class__ is dict:
            count += len(item.keys() & flags)
            for name in _CARRIED:
                if (inner := item.get(name)).__class__ is dict:
                    count += len(inner.keys() & flags)
    return count
