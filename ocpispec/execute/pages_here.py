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
they count a worker's pages). What else reads the lookup tables while pages are read
runs under the same lock (their caches and spilled files are not shared across
threads): the parent's own record function, for a page decoded the usual way
(`guarded`), and the crawl's judge of a charge sent again at a home (`sites_guarded`).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ocpispec.execute import workers
from ocpispec.execute.private_places import LookedUpSites


class PagesHere:
    def __init__(self, version: str, module: str, record: Callable[[dict], Any], counts: Any,
                 beside: Callable[[dict, dict], Any] | None = None,
                 order: Callable[[dict], bytes] | None = None,
                 strict: Callable[[list, bytes, bool, Any], bool | None] | None = None,
                 render: Callable[[dict], tuple[str, int] | None] | None = None,
                 keyed: Callable[[dict], tuple[bytes, tuple[str, int] | None]] | None = None,
                 fused: Callable[[dict], Any] | None = None, party: str | None = None) -> None:
        """As `workers.PagePool`'s arguments; `record` and `counts` (and the functions
        made of the same pipeline) must count apart from the run's `Counts`."""
        workers.install(version, module, record, counts, beside, None, order, strict, render,
                        keyed, fused, party)
        self._lock = threading.Lock()

    def prepare(self, content: bytes, stamps_before: datetime | None = None) -> dict[str, Any] | None:
        with self._lock:
            return workers.prepare_page(content, stamps_before)

    def guarded(self, function: Callable[..., Any]) -> Callable[..., Any]:
        """`function` run under the lock `prepare` holds."""
        lock = self._lock

        def run(*args: Any) -> Any:
            with lock:
                return function(*args)
        return run

    def sites_guarded(self, scope: LookedUpSites | None) -> LookedUpSites | None:
        """The crawl's published sites (`private_places`), read in its own thread from the
        table the pages' privacy check reads, under the same lock."""
        return None if scope is None else dataclasses.replace(scope, find=self.guarded(scope.find))

    def later(self, function: Callable[..., Any], *args: Any) -> None:
        """None: nothing is computed elsewhere (`RowRisk.measured` computes it now)."""
        return None

    def close(self) -> None:
        workers.uninstall()
