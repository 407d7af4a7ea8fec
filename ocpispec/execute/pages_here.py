"""A worker's reading of pages, done in this process (`run --workers 1`).

With worker processes, a page is parsed, checked, keyed, transformed, measured and
rendered whole by `workers.prepare_page`, and the parent takes it in a few calls
(`row_stream`). One process used to take its records one by one instead: the
transport's decoding, the crawl's per-object accept, the pipeline's counting wrapper,
the meter and the key per row, then the sort and the writer rendering each dict row,
some 50% more CPU than the parent and two workers together. `PagesHere` hands each
page body to the very function a worker runs, in this process, so both paths share
their code and their output:

    pool = PagesHere(version, module, record, scratch_counts, beside, ...)  # as PagePool
    pages = client.fetch_pages(..., prepare=pool.prepare)
    pool.close()

The crawl calls `prepare` from its fetching threads, several at a time: one page is
read at a time (the functions keep per-record state in the counts they are given,
which are not the run's: `prepared_rows` and `row_stream` count what comes back, as
they count a worker's pages), and `guarded` runs the parent's own record function for
a page decoded the usual way under the same lock (the lookups' caches are not shared
across threads otherwise).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ocpispec.execute import workers


class PagesHere:
    def __init__(self, version: str, module: str, record: Callable[[dict], Any], counts: Any,
                 beside: Callable[[dict, dict], Any] | None = None,
                 order: Callable[[dict], bytes] | None = None,
                 strict: Callable[[list, bytes, bool, Any], bool | None] | None = None,
                 render: Callable[[dict], tuple[str, int] | None] | None = None,
                 keyed: Callable[[dict], tuple[bytes, tuple[str, int] | None]] | None = None,
                 fused: Callable[[dict], Any] | None = None) -> None:
        """As `workers.PagePool`'s arguments; `record` and `counts` (and the functions
        made of the same pipeline) must count apart from the run's `Counts`."""
        workers.install(version, module, record, counts, beside, None, order, strict, render,
                        keyed, fused)
        self._lock = threading.Lock()

    def prepare(self, content: bytes, stamps_before: datetime | None = None) -> dict[str, Any] | None:
        with self._lock:
            return workers.prepare_page(content, stamps_before)

    def guarded(self, function: Callable[[Any], Any]) -> Callable[[Any], Any]:
        """`function` run under the lock `prepare` holds."""
        lock = self._lock

        def run(item: Any) -> Any:
            with lock:
                return function(item)
        return run

    def later(self, function: Callable[..., Any], *args: Any) -> None:
        """None: nothing is computed elsewhere (`RowRisk.measured` computes it now)."""
        return None

    def close(self) -> None:
        workers.uninstall()
