"""Whether a dataset's run reads its records in worker processes (`--workers`), and the
value-order keys the workers compute beside each row."""

from __future__ import annotations

from ocpispec.plan import ir
from ocpispec.execute.client import Client
from ocpispec.execute.dataset_findings import counts_unknown
from ocpispec.execute.lookups import Lookup, TableLookup
from ocpispec.execute import value_order
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

    def _uses_workers(self, client: Client, lookups: dict[str, Lookup]) -> bool:
        """`--workers N` (N > 1) for the OCPI client's records, where the platform can
        fork. A lookback screen reads whole records, and a lookup that may ask the
        platform for a key (per-id, or a join on a table with a per-id fallback) needs
        the parent's connection: such datasets keep one process."""
        if getattr(self.options, "workers", 1) <= 1 or self.screen is not None:
            return False
        from ocpispec.execute.workers import available, small_sample

        if small_sample(self.options.limit):
            return False
        if self.dataset.all(ir.Unnest) or self.dataset.step(ir.Spread) is not None \
                or self.dataset.step(ir.Fetch).window.event_time:
            # `each` and `spread` make several rows of one record, and `window on` reads
            # each record's event time: all need the records in this process
            return False
        joined = {join.lookup for join in self.dataset.all(ir.Join)}
        if not all(isinstance(lookup, TableLookup) and (lookup.fallback is None or name not in joined)
                   for name, lookup in lookups.items()):
            return False
        return counts_unknown(client) and hasattr(client, "fetch_pages") and available()
