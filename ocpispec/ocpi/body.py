"""Decoding a response body, and saying clearly what is wrong with a bad one."""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from ocpispec.ocpi import errors
from ocpispec.ocpi.errors import fail, safe_url



def decode_body(url: str, response: httpx.Response, content: bytes) -> Any:
    """The parsed JSON; a `str` describing a truncated body (worth a retry); or raises
    OcpiError for a body that is not JSON. Error answers (HTTP >= 300) never raise:
    their body is returned as None when it is not JSON."""
    try:
        return orjson.loads(content)
    except ValueError:
        pass
    if response.status_code >= 300:
        return None
    if _truncated(content):
        return f"the JSON body ends after {len(content)} bytes, in the middle of a value"
    kind = response.headers.get("content-type", "no content type").split(";")[0].strip()
    what = "an empty body" if not content.strip() else f"`{kind}`, not JSON"
    raise fail(errors.INVALID_RESPONSE, f"the platform answered with {what}",
               notes=[f"request: GET {safe_url(url)}", f"status: HTTP {response.status_code}, "
                      f"{len(content)} bytes, starts with {_preview(content)}"],
               help="check that the URL is the platform's OCPI endpoint; a proxy or login page "
                    "may answer instead of the platform")


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


def _preview(content: bytes) -> str:
    """The first few bytes, printable only: enough to recognise an HTML page."""
    head = content[:24].decode("utf-8", errors="replace")
    cleaned = "".join(c if c.isprintable() else " " for c in head).strip()
    return f"`{cleaned}`" if cleaned else "nothing printable"
