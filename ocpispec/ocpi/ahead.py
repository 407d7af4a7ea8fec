"""Fetching ahead of the consumer: an iterator run in a thread of its own.

The concurrent crawl decides its next requests from the pages it has fetched, not
from what the consumer did with them. Run in the consumer's thread, that decision
waits until the consumer asks for the next page: while it checks, transforms and
writes a page, no new request goes out, and the connections idle. `Ahead` runs the
fetching loop in its own thread instead, handing its items over in order through a
queue of `depth`, so requests keep going out while the consumer works:

    for item in Ahead(fetching_loop()):    # starts fetching at once
        ...

Items arrive in the order the loop yields them; an exception the loop raises is
raised to the consumer in its place, after every item before it. Closing (or
leaving the `for` early, or an exception in the consumer) stops the loop after the
item it is fetching, and closes it in its own thread (its `finally` runs there).
Memory stays bounded: the loop holds at most one item beyond the `depth` queued
(`narrow` lowers the depth once a deeper one is no longer needed).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")

_DONE = object()


class Ahead(Generic[T]):
    def __init__(self, items: Generator[T, None, None], depth: int = 1,
                 name: str = "ocpispec-ahead") -> None:
        self._items = items
        self._handoff: queue.Queue[tuple[object, BaseException | None]] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._finished = False
        self._thread = threading.Thread(target=self._produce, name=name, daemon=True)
        self._thread.start()

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        if self._finished:
            raise StopIteration
        item, problem = self._handoff.get()
        if item is _DONE:
            self._finished = True
            self._thread.join()
            if problem is not None:
                raise problem
            raise StopIteration
        return item  # type: ignore[return-value]

    def narrow(self, depth: int) -> None:
        """Hand over through a queue of `depth` from now on (a deeper one let the loop run
        further ahead while the consumer waited for something else): the loop waits until
        the consumer has taken what is queued beyond it."""
        with self._handoff.mutex:
            self._handoff.maxsize = depth

    def close(self) -> None:
        """Stop the loop and wait for its thread (at most the request it is waiting for)."""
        self._finished = True
        self._stop.set()
        while self._thread.is_alive():
            try:
                self._handoff.get_nowait()       # a loop blocked on a full queue moves on
            except queue.Empty:
                pass
            self._thread.join(0.01)

    def __enter__(self) -> Ahead[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _produce(self) -> None:
        problem: BaseException | None = None
        try:
            for item in self._items:
                if self._stop.is_set():
                    return
                self._handoff.put((item, None))
                if self._stop.is_set():
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, raised there
            problem = exc
        finally:
            self._items.close()
        self._handoff.put((_DONE, problem))
