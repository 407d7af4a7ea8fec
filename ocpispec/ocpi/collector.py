"""Fewer cyclic garbage collections while pages stream.

A crawl parses every page into thousands of dicts and lists that live until the
consumer is done with the page; reference counting frees them, and they hold no
cycles. The cyclic collector, run every 700 container allocations, traverses them
again and again (gen 0, gen 1, and full collections as they are promoted) and finds
nothing: on a 20,000-session crawl that is a tenth of the client's CPU. While any
crawl streams, the first generation runs every 20,000 allocations instead; the
threshold is put back when the last one ends. Nested and interleaved crawls (and
`execute`'s own, equal setting) compose: only the outermost entry saves and restores.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

THRESHOLD = 20_000

_lock = threading.Lock()
_active = 0
_saved: tuple[int, int, int] | None = None     # the threshold we replaced, if we did


@contextmanager
def fewer_collections() -> Iterator[None]:
    global _active, _saved
    with _lock:
        if _active == 0:
            before = gc.get_threshold()
            if 0 < before[0] < THRESHOLD:               # 0: collection is off; leave it so
                gc.set_threshold(THRESHOLD, before[1], before[2])
                _saved = before
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0 and _saved is not None:
                if gc.get_threshold()[0] == THRESHOLD:   # unless someone changed it meanwhile
                    gc.set_threshold(*_saved)
                _saved = None
