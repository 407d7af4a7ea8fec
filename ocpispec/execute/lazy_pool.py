"""`--workers auto`: worker processes started only for a list long enough to pay for them.

Starting two workers costs a fixed amount (the forks, the pool's pipes and threads,
the pages the children touch) that a short list never earns back: a `run` or `get` of
one page spent 10-16% more CPU with them, for the same output (docs/plan-and-run.md,
"Worker processes", `benchmarks/bench_workers.py`). So `auto` reads the first page in
this process, and the crawl, before its threads start fetching the pages after it by
offset, tells the pool how many objects its `X-Total-Count` says follow (`expect`):
from `worker_count.AUTO_START_OBJECTS` on, the workers are forked then and read every page from
there; below it, the whole list is read here, as with `--workers 1`. So is a list
paged one request at a time (next links, no count, `--concurrency 1`): each page waits
for the one before, and a worker would only add its pickling to the wait.

    pool = LazyPool(functools.partial(PagePool, 2, version, module, pipeline), here=None)
    pages = client.fetch_pages(..., prepare=pool.prepare)   # the crawl calls pool.expect(n)
    pool.close()

The output is byte-identical to `--workers 1` and `--workers 2`: a page read here
takes the path a page takes that a worker could not read (the parent's own decoding).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ocpispec import worker_count


class LazyPool:
    def __init__(self, start: Callable[[], Any],
                 here: Callable[[bytes], dict[str, Any] | None] | None = None) -> None:
        """`start`: makes the `workers.PagePool` (forking its workers). `here`: how a page
        body is read in this process until then (`get`'s fast reader), or None (the
        transport's own decoding)."""
        self._start, self._here = start, here
        self.pool: Any = None

    @property
    def prepare(self) -> LazyPool:
        """What the crawl calls per page body, and asks `expect` of (`ocpi.crawl_offsets`)."""
        return self

    def __call__(self, content: bytes, stamps_before: datetime | None = None) -> dict[str, Any] | None:
        if (pool := self.pool) is not None:
            return pool.prepare(content, stamps_before)  # type: ignore[no-any-return]
        return None if self._here is None else self._here(content)

    def expect(self, objects: int) -> None:
        """The crawl's word, before it fetches the pages after the first, that `objects`
        more are to come: enough of them start the workers now."""
        if self.pool is None and objects >= worker_count.AUTO_START_OBJECTS:
            self.pool = self._start()

    def later(self, function: Callable[..., Any], *args: Any) -> Callable[[], Any] | None:
        """`PagePool.later` once the workers are started; None (not started) before."""
        return None if self.pool is None else self.pool.later(function, *args)

    @property
    def started(self) -> bool:
        return self.pool is not None

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
