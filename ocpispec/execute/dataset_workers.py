"""Whether a dataset's run reads its pages whole, in worker processes (`--workers N`) or
in this process (`pages_here`), and the value-order keys computed beside each row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ocpispec.plan import ir
from ocpispec.execute.client import Client
from ocpispec.execute.dataset_findings import counts_unknown
from ocpispec.execute.empty_columns import EmptyColumns
from ocpispec.execute.lookups import Lookup, TableLookup
from ocpispec.execute import value_order
from ocpispec.execute.pipeline import Counts, Pipeline
from ocpispec.execute.private_places import LookedUpSites
from ocpispec.execute.shown_own_ids import read_sources
from ocpispec.execute.value_key import KeyBeside, ascending_key


class WorkerChoice:
    """`DatasetRun`'s choice of worker processes (a mixin: it reads the run's state)."""

    def _order_keys(self) -> KeyBeside | None:
        """The rows' value order (`in_value_order`), keyed in the workers beside each
        row, which then travels pickled. Not where another order is stated or groups are
        sorted, nor under a k rule (it recodes the rows it holds back), nor where the
        risk meter reads the rows themselves (no driver to measure in the worker)."""
        if self.dataset.step(ir.Order) is not None or self.dataset.step(ir.Aggregate) \
                is not None:
            return None
        if self.risk is not None and (self.risk.rule is not None or self.risk.beside() is None):
            return None
        ranks = value_order.ranks(self.dataset.released_columns)
        return KeyBeside(ascending_key(self.dataset.column_names, ranks))

    def _reads_pages_whole(self, client: Client, lookups: dict[str, Lookup]) -> bool:
        """Whether the OCPI client's pages are read whole (`workers.prepare_page`): in
        worker processes (`--workers N`, N > 1, where the platform can fork), else in
        this process (`pages_here`). Not for a small sample (`small_sample`), nor for a
        lookback screen (it reads whole records), nor where a lookup may ask the platform
        for a key (per-id, or a join on a table with a per-id fallback: the parent's
        connection)."""
        if self.screen is not None:
            return False
        from ocpispec.execute.workers import small_sample

        if small_sample(self.options.limit):
            return False
        if self.dataset.all(ir.Unnest) or self.dataset.step(ir.Spread) is not None \
                or self.dataset.step(ir.Fetch).window.event_time:
            # `each` and `spread` make several rows of one record, and `window on` reads
            # each record's event time: all need the records one by one
            return False
        joined = {join.lookup for join in self.dataset.all(ir.Join)}
        if not all(isinstance(lookup, TableLookup) and (lookup.fallback is None or name not in joined)
                   for name, lookup in lookups.items()):
            return False
        return counts_unknown(client) and hasattr(client, "fetch_pages")

    def _crawl_sites(self, scope: LookedUpSites | None) -> LookedUpSites | None:
        """The published sites the crawl judges a repeated charge by (`private_places`):
        read under the page reader's lock where the pages are read in this process."""
        guarded = getattr(self.pool, "sites_guarded", None)  # `PagesHere`'s alone
        return scope if guarded is None else guarded(scope)  # type: ignore[no-any-return]

    def _page_reader(self, version: str, module: str, pipeline: Pipeline,
                     pipeline_of: Callable[[Counts], Pipeline], party: str | None = None) -> Callable[[dict], Any]:
        """Sets `pool` (what reads the pages, `PagePool` or `PagesHere`), `order_keys`
        and `streamed`; returns the pipeline's record function for the records of a page
        decoded the usual way. `pipeline_of(counts)`: another pipeline of the dataset,
        counting into `counts` (the pages read here are counted apart, as a worker's).
        `party`: the CPO party an object sent without one is read as (`schema.own_party`)."""
        from ocpispec.execute.workers import available

        self.order_keys = self._order_keys()
        render = None if getattr(self.options, "assess", False) \
            else self.output.rendered_beside(EmptyColumns(self.dataset).filled())
        order = self.order_keys.compute if self.order_keys else None
        if render is not None and self.order_keys is not None and self.options.limit is None:
            # rendered and keyed a page at a time: taken a page at a time into the sort
            self.streamed = EmptyColumns(self.dataset)

        def parts(made: Pipeline, counts: Counts) -> dict[str, Any]:
            from ocpispec.ocpi.fast_pages import strict_fit  # msgspec: not for a short list
            from ocpispec.schema.own_ids import may_release_public_ids, may_show_own_ids

            ranks = value_order.ranks(self.dataset.released_columns)
            keyed = self.output.keyed_beside(render, order, ranks)
            beside = self.risk.beside() if self.risk is not None else None
            meter = self.risk.fused_parts() if beside is not None else None
            fused = None if beside is not None and meter is None else \
                self.output.fused_beside(keyed, made.bare(), counts, ranks, meter)
            return {"beside": beside, "order": order, "strict": strict_fit(
                version, module, may_release_public_ids(module, read_sources(self.dataset)),
                may_show_own_ids(module, read_sources(self.dataset, hidden=False))),
                    "render": render, "keyed": keyed, "fused": fused}

        workers = getattr(self.options, "workers", 1)
        if workers <= 1 or not available():
            from ocpispec.execute.pages_here import PagesHere

            counts = Counts()
            here = pipeline_of(counts)
            made = parts(here, counts)
            if render is None:  # a row not rendered is keyed by the sort, never pickled
                made["order"] = None
            self.pool = PagesHere(version, module, here.one(), counts, **made, party=party)
            return self.pool.guarded(pipeline.one())  # type: ignore[no-any-return]
        from ocpispec.execute.lazy_pool import LazyPool
        from ocpispec.execute.workers import PagePool
        from ocpispec.worker_count import started_lazily

        one = pipeline.one()

        def started() -> PagePool:
            return PagePool(workers, version, module, one, self.counts,
                            **parts(pipeline, self.counts), party=party)
        self.pool = LazyPool(started) if started_lazily(workers) else started()
        return one
