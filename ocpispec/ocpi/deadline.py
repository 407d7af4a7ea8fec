"""The wall-clock deadline of one request: a watchdog that shuts the socket under a
request still running when its time is up (headers or body trickling in)."""

from __future__ import annotations

import contextlib
import os
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

    def drop(self) -> None:
        """Shut the request's connection once its answer is read: the pool opens another for
        the next request (httpcore takes an idle connection whose socket reads as closed)."""
        with self._lock:
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


class Watchdog:
    """One thread that cuts every request still running at its deadline. A
    `threading.Timer` per request started and joined a thread for each page (about
    0.4 ms, 5% of a 200,000-session `get`); this thread starts with the first request and
    sleeps until the nearest deadline.

        ticket = WATCHDOG.watch(budget, guard.cut)
        ...                              # the request
        WATCHDOG.release(ticket)
    """

    def __init__(self) -> None:
        self._wake = threading.Condition(threading.Lock())
        self._due: list[tuple[float, int, Any]] = []   # a heap of (deadline, ticket, cut)
        self._live: set[int] = set()
        self._tickets = 0
        self._thread: threading.Thread | None = None

    def watch(self, seconds: float, cut: Any) -> int:
        import heapq
        import time

        with self._wake:
            self._tickets += 1
            ticket = self._tickets
            heapq.heappush(self._due, (time.monotonic() + seconds, ticket, cut))
            self._live.add(ticket)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._watch, name="ocpispec-deadlines",
                                                daemon=True)
                self._thread.start()
            elif self._due[0][1] == ticket:
                self._wake.notify()
        return ticket

    def release(self, ticket: int) -> None:
        with self._wake:
            self._live.discard(ticket)

    def _watch(self) -> None:
        import heapq
        import time

        while True:
            with self._wake:
                while self._due and self._due[0][1] not in self._live:
                    heapq.heappop(self._due)       # released: forgotten here
                if not self._due:
                    self._wake.wait(60)
                    if not self._due:
                        self._thread = None      # idle: the next request starts another
                        return
                    continue
                left = self._due[0][0] - time.monotonic()
                if left > 0:
                    self._wake.wait(left)
                    continue
                _, ticket, cut = heapq.heappop(self._due)
                self._live.discard(ticket)
            cut()

    def _forked(self) -> None:
        """In a forked child the thread is gone, and the lock may be held by it."""
        self.__init__()  # type: ignore[misc]


WATCHDOG = Watchdog()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=WATCHDOG._forked)
