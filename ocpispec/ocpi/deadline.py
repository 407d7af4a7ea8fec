"""The wall-clock deadline of one request: a watchdog that shuts the socket under a
request still running when its time is up (headers or body trickling in)."""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Any


class Overrun(Exception):
    """The request outlived its deadline; `received` bytes of the body had arrived
    (None: not even the headers)."""

    def __init__(self, received: int | None, budget: float, run_limited: bool) -> None:
        super().__init__(received)
        self.received, self.budget, self.run_limited = received, budget, run_limited


class RequestGuard:
    """The watchdog's view of one request: its connection, learned from httpcore's trace
    when a new connection is made, or from the response once the headers are in."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stream: Any = None
        self.fired = False
        self.headers = False

    def trace(self, event: str, info: dict[str, Any]) -> None:
        if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            self._use(info.get("return_value"))

    def attach(self, stream: Any) -> None:
        self.headers = True
        self._use(stream)

    def cut(self) -> None:
        with self._lock:
            self.fired = True
            stream = self._stream
        shut(stream)

    def _use(self, stream: Any) -> None:
        with self._lock:
            self._stream = stream if stream is not None else self._stream
            fired = self.fired
        if fired:
            shut(stream)


def shut(stream: Any) -> None:
    """Shut the socket under a request that has outlived its deadline: a blocked read returns."""
    sock = stream.get_extra_info("socket") if stream is not None else None
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
