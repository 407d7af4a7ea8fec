"""Decoding a response body, and saying clearly what is wrong with a bad one.

A list page that does not parse as a whole is split into its objects: an object
holding an invalid UTF-8 byte, or nested deeper than the JSON parser goes (1,024
levels), becomes an `Unreadable` item that the crawl counts as invalid, and the
rest of the page is kept."""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from typing import Any

import httpx
import orjson

from ocpispec.frozen import frozen
from ocpispec.ocpi import errors, failures
from ocpispec.ocpi.body_shown import content_type, preview, undecoded_encoding
from ocpispec.ocpi.errors import fail, safe_url
from ocpispec.ocpi.non_finite import read_non_finite
from ocpispec.ocpi.options import max_body_bytes
from ocpispec.ocpi.repeated import settle
from ocpispec.ocpi.repeated_keys import refuse_marked

# a JSON string (any bytes inside, escapes skipped) or one structural character
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}:,]', re.DOTALL)
MAX_DEPTH = 1024
# the levels the envelope and its `data` list add to an object's own: an object nested
# 1,023 levels reads by itself and not within its page, which then said "not JSON" (OCX504)
_PAGE_LEVELS = 2
_BOM = b"\xef\xbb\xbf"


@frozen
class Unreadable:
    """An object of a list page that cannot be read by itself, why, and a digest of its
    bytes (the same object sent again is told by it: `accept.invalid_print`)."""

    reason: str
    digest: int = 0


@frozen
class Truncated:
    """A body that ends in the middle of a value, and how (worth another try). Its own
    type: a body whose JSON is a string (an envelope encoded twice, an error told as text)
    was taken for this reason when it was a `str`, retried, and quoted whole in OCX504."""

    reason: str


def decode_body(url: str, response: httpx.Response, content: bytes, *, transcoded: bool = False,
                limit: int | None = None, warn: Callable[..., None] | None = None,
                flags: bool = True, fitted: Callable[[Any, bytes], Any] | None = None) -> Any:
    """The parsed JSON (after a UTF-8 byte order mark, if one comes first; in the charset
    the `Content-Type` names when the body is not UTF-8); a `Truncated` for a truncated
    body (worth a retry); or raises OcpiError for a body that is not JSON. Error answers
    (HTTP >= 300) never raise: their body is returned as None when it is not JSON.
    `flags`: whether the body may hold privacy flags, which a repeat must not open
    (`repeated.settle`); a sessions, tariffs or tokens page holds none that counts. An
    object that gives its site's or party's key twice is `Unreadable` (`repeated_keys`).
    `fitted`: the body as parsed where its objects fit the strict types, else None
    (`fitted_pages`: each such object gives each key once, so nothing is to settle)."""
    try:
        parsed = orjson.loads(content)
        if fitted is not None and (body := fitted(parsed, content)) is not None:
            return body
        settled = settle(content, parsed, flags)
        # only a body parsed again (`settle`, `repeated_keys.mark`) can hold a refusal
        return parsed if settled is parsed else refuse_marked(settled, Unreadable)
    except ValueError as exc:
        if str(exc).startswith(_NO_MEMORY):  # orjson's words for a failed allocation
            raise MemoryError from None
    if content.startswith(_BOM):    # a byte order mark before the JSON (some .NET platforms)
        return decode_body(url, response, content[len(_BOM):], transcoded=transcoded, limit=limit, warn=warn,
                           flags=flags)
    if content.startswith(_GZIP_MAGIC) and undecoded_encoding(response) is None \
            and (unpacked := _gunzipped(url, content, limit or max_body_bytes())) is not None:
        return decode_body(url, response, unpacked, transcoded=transcoded, limit=limit, warn=warn,
                           flags=flags)
    if not transcoded and (utf8 := _from_declared_charset(response, content)) is not None:
        return decode_body(url, response, utf8, transcoded=True, limit=limit, warn=warn,
                           flags=flags)
    if not transcoded and (utf8 := _from_undeclared_latin1(response, content)) is not None:
        if warn is not None:
            warn("the platform's answers are not UTF-8 and declare no charset; read as Windows-1252 "
                 "(Latin-1): ask the CPO to send UTF-8, or to declare the charset in `Content-Type`",
                 kind="undeclared-latin1")
        return decode_body(url, response, utf8, transcoded=True, limit=limit, warn=warn,
                           flags=flags)
    if response.status_code >= 300:
        return None
    if (salvaged := _salvage(content, flags)) is not None:
        return salvaged
    if _truncated(content):
        return Truncated(f"the JSON body ends after {len(content):,} bytes, in the middle of a value")
    if (encoding := undecoded_encoding(response)) is not None:  # a gateway's glitch: worth another try
        problem = fail(errors.INVALID_RESPONSE, f"the platform compressed its answer {encoding}, which "
                       "ocpispec did not ask for and cannot read",
                       notes=[f"request: GET {safe_url(url)}", f"status: HTTP {response.status_code}, "
                              f"{len(content)} bytes; ocpispec reads gzip and deflate"],
                       help="ask the CPO (or its gateway) to honour `Accept-Encoding` and send gzip, deflate "
                            "or an uncompressed body")
        raise failures.NotJson(problem.diagnostic, f"a body compressed {encoding}, {len(content)} bytes "
                               "(ocpispec reads gzip and deflate)", packed=encoding)
    what = "an empty body" if not content.strip() else f"{content_type(response)}, not JSON"
    size = f"{len(content)} bytes, starts with {preview(content)}"
    problem = fail(errors.INVALID_RESPONSE, f"the platform answered with {what}",
                   notes=[f"request: GET {safe_url(url)}", f"status: HTTP {response.status_code}, {size}"],
                   help="check that the URL is the platform's OCPI endpoint; a proxy or login page "
                        "may answer instead of the platform")
    raise failures.NotJson(problem.diagnostic, f"{what}, {size}")


_GZIP_MAGIC = b"\x1f\x8b"       # no JSON text starts so


def _gunzipped(url: str, content: bytes, limit: int) -> bytes | None:
    """A gzip body httpx left packed: labelled `x-gzip` (which HTTP/1.1 says is gzip, but
    httpx does not read), compressed twice under one label, or not labelled at all (a
    gateway that drops the header). Such bodies said "not JSON". Unpacked to `limit`
    bytes at most: a small body may unpack to gigabytes (a gzip bomb)."""
    import zlib
    unpacked: list[bytes] = []
    size = 0
    while content:
        unpacker = zlib.decompressobj(wbits=31)     # one gzip member; concatenated ones follow
        try:
            while chunk := unpacker.decompress(content, limit + 1 - size):
                unpacked.append(chunk)
                size += len(chunk)
                if size > limit:
                    raise failures.body_too_large(url, failures.BodyTooLarge(limit, " once unpacked"))
                content = unpacker.unconsumed_tail
        except zlib.error:
            return None
        if not unpacker.eof:
            return None                 # cut short
        content = unpacker.unused_data
    return b"".join(unpacked)


def labelled_packed(url: str, content: bytes, encoding: str, limit: int) -> tuple[bytes, bool] | None:
    """A body labelled `Content-Encoding: gzip` or `deflate`, read as it came:
    `(unpacked, True)` when it is packed so; `(content, False)` when it is not compressed at
    all (a gateway labelling what it did not pack: decoding it failed every attempt); None
    when it is packed but does not unpack (cut short or damaged: worth another try)."""
    if encoding == "gzip":
        if not content.startswith(_GZIP_MAGIC):
            return content, False
        unpacked = _gunzipped(url, content, limit)
    else:
        unpacked = _inflated(url, content, limit)
        if json_text(content) and (unpacked is None or not json_text(unpacked)):
            return content, False       # JSON text may inflate as raw deflate, to garbage
    return None if unpacked is None else (unpacked, True)


def _inflated(url: str, content: bytes, limit: int) -> bytes | None:
    """A `deflate` body: a zlib stream, as HTTP says, or raw deflate, as some servers send;
    unpacked to `limit` bytes at most."""
    import zlib
    for wbits in (15, -15):
        unpacker = zlib.decompressobj(wbits=wbits)
        try:
            unpacked = unpacker.decompress(content, limit + 1)
        except zlib.error:
            continue
        if len(unpacked) > limit:
            raise failures.body_too_large(url, failures.BodyTooLarge(limit, " once unpacked"))
        if unpacker.eof and not unpacker.unused_data:
            return unpacked
    return None


def json_text(content: bytes) -> bool:
    """Whether `content` starts as JSON text does (after blanks or a byte order mark)."""
    return content.lstrip()[:1] in (b"{", b"[") or content.startswith(_BOM)


_KEY_SHAPE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")


def nested_list(data: Any) -> tuple[str, list[Any]] | None:
    """`(key, list)` when a list page's `data` is an object wrapping the list under one
    key (`{"items": [...], "total": 30}`, as some frameworks page): the only list among
    its values, its items objects, under a key shaped like a name (a key that could be
    data, such as a card id, is no wrapper). None otherwise, and for a single OCPI object
    sent where the list belongs (it has `last_updated`): its `charging_periods` or
    `elements` are no list of sessions or tariffs."""
    if not isinstance(data, dict) or "last_updated" in data:
        return None
    lists = [(key, value) for key, value in data.items() if isinstance(value, list)]
    if len(lists) != 1:
        return None
    key, items = lists[0]
    if not isinstance(key, str) or not _KEY_SHAPE.match(key) or not all(isinstance(item, dict) for item in items):
        return None
    return key, items


def single_object(data: Any) -> bool:
    """Whether a list page's `data` is one OCPI object instead of a list of one (an
    XML-to-JSON layer collapsing a one-element array): an object with `last_updated`."""
    return isinstance(data, dict) and "last_updated" in data


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def wide_charset(response: httpx.Response, content: bytes) -> bool:
    """Whether the body is UTF-16 or UTF-32 (declared, or a UTF-16 byte order mark), or
    gzip that httpx left packed (`_gunzipped`), where byte scans for ASCII text (the
    transport's test for loose timestamps) see nothing."""
    if content.startswith(_GZIP_MAGIC):
        return True
    charset = (response.charset_encoding or "").lower().replace("_", "-")
    return content[:2] in _UTF16_BOMS or charset.startswith(("utf-16", "utf-32", "utf16", "utf32", "ucs-"))


def _from_declared_charset(response: httpx.Response, content: bytes) -> bytes | None:
    """The body re-encoded as UTF-8 when it is not UTF-8 but in the charset its
    `Content-Type` declares (`charset=iso-8859-1`, `windows-1252`: older platforms), or
    UTF-16 with a byte order mark. Only a body that failed as UTF-8 gets here: a platform
    that declares Latin-1 but sends UTF-8 (a common server default) is read as UTF-8."""
    charset = response.charset_encoding or ("utf-16" if content[:2] in _UTF16_BOMS else None)
    if charset is None:
        return None
    try:
        codec = codecs.lookup(charset).name
    except LookupError:
        return None
    if codec == "utf-8":
        return None
    try:
        return content.decode(codec).encode("utf-8")
    except (UnicodeError, ValueError):
        return None


# a well-formed UTF-8 sequence of two to four bytes: a body holding one is UTF-8 with a
# broken byte somewhere, not Latin-1 (whose accented letters almost never form one)
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _from_undeclared_latin1(response: httpx.Response, content: bytes) -> bytes | None:
    """The body re-encoded as UTF-8 when it declares no charset, is not UTF-8 and holds
    no UTF-8 sequence at all: an older platform writing Windows-1252 or ISO-8859-1 (read
    as Windows-1252, which is Latin-1 with printable characters for 0x80-0x9F). Every
    object with an accented letter was counted invalid and the run failed. A body mixing
    UTF-8 with a broken byte is not read so (its other objects would be garbled)."""
    if response.charset_encoding is not None or content.isascii() or content[:2] in _UTF16_BOMS \
            or _UTF8_SEQUENCE.search(content) or _is_utf8(content):
        return None
    try:
        text = content.decode("cp1252")
    except UnicodeDecodeError:          # 0x81, 0x8d, 0x8f, 0x90, 0x9d: no character in Windows-1252
        text = content.decode("latin-1")
    return text.encode("utf-8")


# how orjson begins the message of a JSONDecodeError raised for an allocation that failed
# (under `ulimit -v` or a container's limit): the page was taken for one that is not JSON
_NO_MEMORY = "Not enough memory"


def _is_utf8(content: bytes) -> bool:
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _salvage(content: bytes, flags: bool = True) -> dict[str, Any] | None:
    """The envelope with each object of its `data` list read by itself, or None when
    the page does not have that shape or its fault lies outside the objects. Each object
    read is settled as a whole page is (`repeated.settle`, `flags` as `decode_body`'s):
    one beside a broken object that gave its site's key or a privacy flag twice was read
    the last way."""
    spans = _data_items(content)
    if spans is None:
        return None
    (start, end), items = spans
    try:
        body = orjson.loads(content[:start] + b"[]" + content[end:])
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    data: list[Any] = []
    reread = non_finite = False
    for low, high, depth in items:
        piece = content[low:high]
        if depth + _PAGE_LEVELS > MAX_DEPTH:  # reads alone, one or two levels short of the limit
            data.append(Unreadable(_why(piece, depth + _PAGE_LEVELS), hash(piece)))
            continue
        try:
            parsed = orjson.loads(piece)
        except ValueError:
            parsed = read_non_finite(piece)
            if parsed is None:
                data.append(Unreadable(_why(piece, depth), hash(piece)))
                continue
            non_finite = True
        settled = settle(piece, parsed, flags)
        reread = reread or settled is not parsed
        data.append(settled)
    if not non_finite and not any(isinstance(item, Unreadable) for item in data):
        return None
    body["data"] = data
    return refuse_marked(body, Unreadable) if reread else body


def _data_items(content: bytes) -> tuple[tuple[int, int], list[tuple[int, int, int]]] | None:
    """The byte span of the top-level `data` list and of each of its items (with the
    item's nesting depth), found without parsing the items."""
    depth, last_string, last, data_start = 0, b"", b"", -1
    items: list[tuple[int, int, int]] = []
    item_start, deepest = 0, 0
    for match in _TOKENS.finditer(content):
        token = match.group()
        if token[:1] == b'"':
            if depth == 1:
                last_string = token
            last = b'"'
            continue
        if token in (b"[", b"{"):
            if depth == 1 and token == b"[" and last == b":" and last_string == b'"data"' and data_start < 0:
                data_start, item_start, deepest = match.start(), match.end(), 0
            depth += 1
            if data_start >= 0:
                deepest = max(deepest, depth - 2)
        elif token in (b"]", b"}"):
            depth -= 1
            if depth == 1 and data_start >= 0 and token == b"]":
                if content[item_start:match.start()].strip():
                    items.append((item_start, match.start(), deepest))
                return (data_start, match.end()), items
        elif token == b"," and depth == 2 and data_start >= 0:
            items.append((item_start, match.start(), deepest))
            item_start, deepest = match.end(), 0
        last = token
    return None


def _why(piece: bytes, depth: int) -> str:
    try:
        piece.decode("utf-8")
    except UnicodeDecodeError:
        return "holds an invalid UTF-8 byte"
    if depth > MAX_DEPTH:
        return f"nested deeper than {MAX_DEPTH:,} levels"
    return "not valid JSON"


def _truncated(content: bytes) -> bool:
    """Valid JSON so far, but unfinished: open brackets or an open string at the end."""
    text = content.decode("utf-8", errors="replace").strip()
    if not text or text[0] not in "[{":
        return False
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth < 0:
                return False
    return in_string or depth > 0
