"""How an answer ocpispec cannot read is described in a diagnostic: its content type, its
encoding and how its body starts, each named only from a closed vocabulary (the platform's
own words may quote a record)."""

from __future__ import annotations

import re

import httpx

# content types named as they are; any other is the platform's text, so not shown
_KNOWN_TYPES = frozenset({"application/json", "text/html", "text/plain", "text/xml",
                          "application/xml", "application/xhtml+xml", "application/octet-stream",
                          "application/problem+json", "text/json", "text/javascript"})


def content_type(response: httpx.Response) -> str:
    kind = response.headers.get("content-type")
    if kind is None:
        return "no content type"
    kind = kind.split(";")[0].strip().lower()
    return f"`{kind}`" if kind in _KNOWN_TYPES else "a content type of its own (not shown)"


_DECODED = frozenset({"gzip", "x-gzip", "deflate", "identity", ""})   # x-gzip: by `_gunzipped`
_KNOWN_ENCODINGS = frozenset({"br", "zstd", "compress", "x-compress", "lzma", "xz", "bzip2", "snappy"})


def undecoded_encoding(response: httpx.Response) -> str | None:
    """The `Content-Encoding` httpx passed through undecoded (it decodes gzip and
    deflate; `br` and `zstd` only with optional packages this tool does not need)."""
    names = [name.strip().lower() for name in response.headers.get("content-encoding", "").split(",")]
    unknown = [name for name in names if name not in _DECODED]
    if not unknown:
        return None
    return f"as `{unknown[0]}`" if unknown[0] in _KNOWN_ENCODINGS else "in an encoding of its own (not shown)"


_TAG = re.compile(r"<[!?]?[A-Za-z][A-Za-z0-9-]{0,15}")
# opening tags named as they are; any other is the platform's text (`<JanJansen>`, an XML
# page of records), so not shown, as content types are not
_KNOWN_TAGS = frozenset({"<!doctype", "<html", "<head", "<body", "<title", "<?xml", "<h1", "<p", "<div",
                         "<pre", "<error", "<errors", "<response", "<meta", "<!--", "<center", "<hr"})


def preview(content: bytes) -> str:
    """What the body looks like, never its text (a broken page of records starts with
    one): the opening tag of an HTML or XML page (a common one, `_KNOWN_TAGS`), or the
    kind of text."""
    head = content.lstrip()[:64].decode("utf-8", errors="replace")
    if not head:
        return "nothing printable"
    if (tag := _TAG.match(head)) is not None:
        shown = f"`{tag.group()}`" if tag.group().lower() in _KNOWN_TAGS else "a tag of its own (not shown)"
        return f"{shown} (an HTML or XML page)"
    if head[0] in "{[":
        return f"`{head[0]}` (JSON that does not parse; its text is not shown)"
    return "text that is not JSON (not shown)"


def json_kind(value: object) -> str:
    """A parsed JSON value named by its kind, never quoted (`answered with text`): Python's
    type names (`a str`, `a int`) said what the code holds, not what the platform sent."""
    match value:
        case None:
            return "null"
        case bool():
            return "a boolean"
        case str():
            return "text"
        case int() | float():
            return "a number"
        case list():
            return "a list"
        case _:
            return "an object"
