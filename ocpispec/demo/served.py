"""What a request handler of the demo CPO reads of its server, and the record it leaves
of each request: apart from the handler, so that the modules answering for it name them."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Protocol

from ocpispec.demo.faults import Faults


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request as the server saw it; the Authorization header is left out."""

    method: str
    target: str                      # path and query
    status: int                      # 0: the connection was closed without an answer
    headers: dict[str, str]


class DemoServer(Protocol):
    """What a request handler reads of the demo server it serves (`server.DemoServer`),
    as a protocol so that the handler does not import the server that imports it."""

    faults: Faults
    versions: tuple[str, ...]
    listings: dict[str, dict[str, Any]]
    token: str
    seed: int
    origin: str
    versions_url: str
    max_page_size: int
    default_page_size: int | None
    world: Any
    stopping: threading.Event

    def details_url(self, version: str) -> str: ...

    def render(self, version: str, module: str, index: int) -> dict[str, Any]: ...

    def count_data_request(self) -> int: ...

    def count_ask(self, target: str) -> int: ...

    def count_stale_answer(self) -> int: ...

    def record(self, request: RequestRecord) -> None: ...
