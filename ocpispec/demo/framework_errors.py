"""Error answers as the frameworks platforms are built on write them, not as OCPI envelopes
(demo `error_body`): Spring Boot's default error body, RFC 9457 problem details, an OAuth
resource server's refusal, and a list of `errors`. Each holds the request's path or a
URL beside its message, as theirs do."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import orjson

from ocpispec.demo.pages import Reply
from ocpispec.demo.wire import iso

SHAPES = ("spring", "problem", "oauth", "errors")


def framework_error(shape: str, status: int, message: str, path: str, now: int) -> Reply:
    """HTTP `status` with `shape`'s body saying `message` (`path`: the request's)."""
    reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    body: dict[str, Any]
    content_type = "application/json"
    match shape:
        case "spring":
            body = {"timestamp": iso(now), "status": status, "error": reason,
                    "message": message or "No message available", "path": path}
        case "problem":
            content_type = "application/problem+json"
            body = {"type": "https://cpo.example/problems/request-failed", "title": reason, "status": status,
                    "detail": message, "instance": path}
        case "oauth":
            body = {"error": "invalid_token", "error_description": message}
        case _:
            body = {"errors": [{"message": message, "path": path, "code": status}]}
    return Reply(status, (("Content-Type", content_type),), orjson.dumps(body))
