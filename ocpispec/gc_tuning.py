"""The cyclic garbage collector, set for streaming many records.

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
"""

from __future__ import annotations

import contextlib
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
