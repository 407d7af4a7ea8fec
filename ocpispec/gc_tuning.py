"""The cyclic garbage collector, set for what a command does: streaming many records,
crawling pages, or checking a spec.

Parsing a page of 1,000 OCPI objects makes some 50,000 containers. With CPython's
default thresholds (a young collection every 700 new containers, an older one every
ten of those) the collector runs dozens of times per page, and its older collections
walk every object the process holds: the modules, the compiled plan, the lookup
tables. Measured on realistic sessions, `orjson.loads` then costs about 2.5 times
what it costs without those collections (`benchmarks/bench_gc.py`).

The records themselves form no reference cycles and are freed by reference counting
as soon as a page is done, so while records stream:

- everything alive before the stream starts is frozen (`gc.freeze`: moved out of the
  collector's sight; forked worker processes then share those pages instead of
  copying them when the collector would touch them), and
- a young collection waits for 50,000 new containers, an older one for 20 of those.

Cycles are still collected, only less often. `streaming()` restores the settings it
found, so code that runs later (or the tests, in one process) sees the usual collector.

`fewer_collections()` is the crawl's lighter setting (any command that crawls: a young
collection every 20,000 allocations while pages stream; nested and interleaved crawls
compose, and a higher setting such as `streaming()`'s is left alone), and `paused()`
the check's (a check builds trees, not cycles).
"""

from __future__ import annotations

import contextlib
import _thread
import gc
from collections.abc import Iterator

STREAMING_THRESHOLDS = (50_000, 20, 100)


@contextlib.contextmanager
def streaming() -> Iterator[None]:
    """The collector set for a stream of records, and reset afterwards."""
    found = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*STREAMING_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*found)
        gc.unfreeze()


CRAWL_THRESHOLD = 20_000

# `threading.Lock` is this lock; `threading` itself would cost a cold `check` 1%
_lock = _thread.allocate_lock()
_active = 0
_saved: tuple[int, int, int] | None = None     # the threshold we replaced, if we did


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    global _active, _saved
    with _lock:
        if _active == 0:
            before = gc.get_threshold()
            if 0 < before[0] < CRAWL_THRESHOLD:               # 0: collection is off; leave it so
                gc.set_threshold(CRAWL_THRESHOLD, before[1], before[2])
                _saved = before
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0 and _saved is not None:
                if gc.get_threshold()[0] == CRAWL_THRESHOLD:   # unless someone changed it meanwhile
                    gc.set_threshold(*_saved)
                _saved = None


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection at all until the block ends (then as before)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
