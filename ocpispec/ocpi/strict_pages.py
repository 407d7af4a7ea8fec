"""A page decoded into the strict types of `fast_pages`, or None where it does not fit.

Two of the strict tests are made a page at a time here, not by a `Meta(pattern=...)`
that msgspec calls `re.search` for on every value: that a key field holds more than
white space (`\\S`, `ObjectCheck.judge`'s test), and that the root's `last_updated`,
read as text for the window, is `YYYY-MM-DDTHH:MM:SSZ` of a real day (`STAMP_PATTERN`).
The per-value searches were 2.2 ms of a 4.9 ms decode of 1,000 realistic sessions; a
page fits the same types as before, with the same objects:

    fits = Fits(exact, quick, loose_sensitive, exact_objects, quick_objects, site_keys,
                filled=("id", "country_code", "party_id"), text_stamp=True)
    fits.page(content)                   # the decoded page, or None
    fits.objects(data, content, loose)   # whether orjson's objects fit (`strict_fit`)

A page whose text is exactly what orjson writes of the body it parsed (`AsParsed`: a
compact platform, the benchmarks' static pages) gives no key twice anywhere, which the
counts of `exact_counts` (2.2 µs of a worker's 30 µs a realistic session) only infer.
"""

from __future__ import annotations

import re
from operator import attrgetter
from collections.abc import Callable
from typing import Any

import msgspec
import orjson
from msgspec import convert

from ocpispec.ocpi.repeated_counts import Multiplicities, exact_counts
from ocpispec.timestamps import loose_timestamps

_LEAP = r"(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
_DAY = (r"(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
        r"|02-(?:0[1-9]|1[0-9]|2[0-8]))")
_STAMP = (rf"(?:(?!0000)[0-9]{{4}}-{_DAY}|{_LEAP}-02-29)"
          r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z")
# what the wire walk accepts inline (`wire_codegen`, `wire_check._instant`), and no more: `YYYY-MM-DDTHH:MM:SSZ` of a real day
STAMP_PATTERN = f"^{_STAMP}$"
# a page's stamps, each of exactly 20 characters as the type holds them, joined by line
# breaks: each is matched exactly where it lies, and none holds a line break
_STAMPS = re.compile(rf"{_STAMP}(?:\n{_STAMP})*")
_ESCAPED_SURROGATE = re.compile(rb"\\u[dD][89abAB]")
_LAST_UPDATED = attrgetter("last_updated")
# an at sign (`@`, or NFKC's fullwidth and small ones) as UTF-8 or as a JSON escape; and a
# percent sign or an ampersand, which may encode one (`%40`, `&#64;`: `mail_forms`)
_WIDE_AT_SIGNS = ("\uff20".encode(), "\ufe6b".encode())   # (both start with 0xEF)
_ESCAPED_AT_SIGN = re.compile(rb"\\u(?:0040|0025|0026|[fF][fF]20|[fF][eE]6[bB])")


def at_sign(content: bytes) -> bool:
    """Whether a page holds an at sign anywhere, or a sign that may encode one (`%`,
    `&`): then it fits no strict type, as an id a spec may release holds none
    (`wire_tests.ident`: a text with an e-mail address in it, also percent-escaped or as
    an entity, is null). One scan of the text a page at a time, instead of a pattern per id."""
    # one-byte searches first (memchr): the others only where those find one
    return b"@" in content or b"%" in content or b"&" in content \
        or b"\xef" in content and any(sign in content for sign in _WIDE_AT_SIGNS) \
        or b"\\" in content and _ESCAPED_AT_SIGN.search(content) is not None


class Fits:
    def __init__(self, exact: msgspec.json.Decoder, quick: msgspec.json.Decoder,
                 loose_sensitive: bool, exact_objects: Any = None, quick_objects: Any = None,
                 site_keys: Multiplicities | None = None, filled: tuple[str, ...] = (),
                 text_stamp: bool = False) -> None:
        """`filled`: the root's text fields that must hold more than white space;
        `text_stamp`: the root's `last_updated` is text, its pattern tested here."""
        self.exact, self.quick, self.loose_sensitive = exact, quick, loose_sensitive
        self.site_keys = site_keys      # `repeated_keys.multiplicities`
        self.exact_objects, self.quick_objects = exact_objects, quick_objects
        self.filled = tuple(map(attrgetter, filled))
        self.text_stamp = text_stamp

    def objects(self, data: list[Any], content: bytes, loose: bool,
                as_parsed: Callable[[], bool] | None = None) -> bool:
        """Whether `data`, the objects orjson parsed from `content`, fit the strict types
        (`loose`: `loose_timestamps(content)`). The DateTimes are chosen as `page` chooses
        them: an escape may hide a loose one from the scan, so then they are tested as
        text, by pattern. `as_parsed`: whether the text is written exactly as orjson
        writes the parsed body (`AsParsed`), asked once the objects fit: then no key is
        given twice, and the counts are not needed."""
        if at_sign(content):
            return False
        if b"\\" in content:
            if self.loose_sensitive and loose:
                return False
            types = self.exact_objects
        elif loose:
            return False
        else:
            types = self.quick_objects
        try:
            converted = convert(data, types)
        except msgspec.ValidationError:
            return False
        # orjson keeps a repeated key's last
        return self._settled(converted) and (
            as_parsed is not None and as_parsed() or exact_counts(content, data, self.site_keys))

    def page(self, content: bytes, loose: bool | None = None) -> Any | None:
        """`loose`: `loose_timestamps(content)`, where the caller knows it already."""
        if at_sign(content):
            return None
        if b"\\" in content:      # an escape: DateTimes are tested as text, by pattern
            if _ESCAPED_SURROGATE.search(content) is not None:
                return None         # orjson and msgspec may differ on a lone one: the slow path's
            if self.loose_sensitive and (loose_timestamps(content) if loose is None else loose):
                return None
            strict = self.exact
        elif loose_timestamps(content) if loose is None else loose:
            return None
        else:                       # every DateTime-shaped text is canonical: read as an instant
            strict = self.quick
        try:
            page = strict.decode(content)
        except (msgspec.ValidationError, msgspec.DecodeError):
            return None
        # msgspec keeps the last of a repeated key: a site's or party's key given twice
        # is read (and the object refused) the slow way
        return page if self._settled(page.data) and \
            exact_counts(content, page.data, self.site_keys, every_value=True) else None

    def _settled(self, objects: list[Any]) -> bool:
        """The page-at-a-time tests: every `filled` field holds more than white space (as
        `re.search(r"\\S", text)` finds, `str.strip` strips exactly the characters `\\s`
        matches), and every root `last_updated` matches `STAMP_PATTERN`."""
        for read in self.filled:
            if not all(map(str.strip, map(read, objects))):
                return False
        return not self.text_stamp or not objects or \
            _STAMPS.fullmatch("\n".join(map(_LAST_UPDATED, objects))) is not None


class AsParsed:
    """Whether a page's text is byte for byte what `orjson.dumps` writes of the body
    orjson parsed from it: a writing that gives each key of an object once, so the text
    gives none twice. Tried until `GIVE_UP` pages in a row were not, none having been
    before (a platform writing otherwise, with white space or `\\/`, pays a write of
    each page for nothing)."""

    GIVE_UP = 4

    def __init__(self) -> None:
        self.misses, self.written = 0, False

    def __call__(self, body: Any, content: bytes) -> bool:
        if body is None or self.misses >= self.GIVE_UP and not self.written:
            return False
        try:
            same = orjson.dumps(body) == content
        except orjson.JSONEncodeError:   # nested deeper than orjson writes
            same = False
        if same:
            self.written = True
        else:
            self.misses += 1
        return same
