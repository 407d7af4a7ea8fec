"""Faults of one list page, chosen by its offset (`slow_page`, `odd_pages`): the same
pages misbehave whatever order a client asks them in, however many at a time."""

from __future__ import annotations

from ocpispec.demo.faults import Faults
from ocpispec.demo.pages import Reply

SHAPES = ("bare", "nested")


def delay(faults: Faults, offset: int) -> float:
    """Seconds the page at `offset` waits before it is answered (`slow_page`)."""
    if not faults.slow_page:
        return 0.0
    at, _, seconds = faults.slow_page.partition(":")
    return float(seconds or 1) if int(at) == offset else 0.0


def reshaped(reply: Reply, faults: Faults, offset: int) -> Reply:
    """The page's answer in the shape `odd_pages` gives the page at `offset`."""
    if not faults.odd_pages or reply.status != 200 or not isinstance(reply.body, dict):
        return reply
    shapes = dict(part.strip().split(":", 1) for part in faults.odd_pages.split(",") if part.strip())
    match shapes.get(str(offset)):
        case None:
            return reply
        case "bare":
            return Reply(reply.status, reply.headers, reply.body.get("data"))
        case "nested":
            return Reply(reply.status, reply.headers, {**reply.body, "data": {"items": reply.body.get("data")}})
        case other:
            raise ValueError(f"odd_pages: unknown shape {other!r}; choose from {', '.join(SHAPES)}")
