"""A dataset's lookups: the tables its joins and its private-location test read, built
from the platform's lists before the dataset's records stream, and closed after."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterator
from datetime import datetime
from typing import Any

from ocpispec.execute.client import Client, RunError
from ocpispec.execute.crawls import AuditedFetch
from ocpispec.execute.dataset_findings import no_key
from ocpispec.execute.join_scope import SCOPED_JOINS, JoinScope
from ocpispec.execute.lookups import Lookup, PerIdLookup, TableLookup
from ocpispec.execute.lookup_tables import fed, keyed_by_many, new_table, versions_of
from ocpispec.execute.shared_lookups import SharedLookups, SharedTable
from ocpispec.execute.pipeline import normalizer_for
from ocpispec.execute.windows import ResolvedWindow, fetch_window, listed_date_from
from ocpispec.plan import ir
from ocpispec.timestamps import read_timestamp, utc_now

# modules whose CPO interface serves `GET {endpoint}/{id}` (OCPI: locations only)
SINGLE_OBJECT_MODULES = ("locations",)
# pages of a lookup's bulk fetch in flight at most: its pages are read once, and a
# location page parses to about 9 KB per object, so each page fetched ahead of the
# table costs about 10 MB of peak memory at 1,000 per page (docs/plan-and-run.md)
LOOKUP_CONCURRENCY = 1


class DatasetLookups:
    """Builds a dataset's lookups (`build`) and keeps what the run reports of them: the
    bulk fetches (`crawls`), the tables, and the warnings of joins that cannot match."""

    def __init__(self, dataset: ir.Dataset, window: ResolvedWindow, now: datetime,
                 compile: Callable[[str], Any], other_version: Callable[[str], RunError],
                 shared: SharedLookups | None = None) -> None:
        self.dataset, self.window, self.now = dataset, window, now
        self.compile, self.other_version = compile, other_version
        self.shared = shared  # the run's tables other datasets built (`shared_lookups`)
        if shared is not None:
            shared.join(self)
        self.crawls: list[AuditedFetch] = []
        self.tables: list[tuple[str, TableLookup]] = []
        self.warnings: list[str] = []
        # objects `GET {endpoint}/{id}` answered that were invalid, by module and reason
        self.invalid_objects: Counter[str] = Counter()
        # what the joins may find: the objects `from MODULE` keeps (a run that includes
        # private locations by its spec: everything)
        privacy = dataset.step(ir.PrivacyFilter)
        self.scope = JoinScope("", _reads_tariffs(dataset)) if privacy is not None and \
            privacy.rule == "exclude-private-locations" else None

    def build(self, client: Client, step: ir.Lookup, version: str) -> Lookup:
        normalize: ir.Normalize = self.dataset.get(step.normalize)
        expression = normalizer_for(normalize, version)
        if expression is None:
            raise self.other_version(version)
        compiled = self.compile(expression)
        from ocpispec.schema import catalogue

        if version not in catalogue().versions_of(step.module, step.key):
            return self._keyless(step, compiled, version)
        per_id = PerIdLookup(self._counted(client, step.module,
                                           lambda key: client.get_object(step.module, key)),
                             compiled, step.party)
        if step.strategy == "per-id":
            return per_id
        fallback = None
        if step.module in SINGLE_OBJECT_MODULES and not keyed_by_many(step):
            fallback = PerIdLookup(self._counted(client, step.module,
                                                 _best_effort(client, step.module)),
                                   compiled, step.party)
        key = self._share_key(step, version, expression)
        held = None if key is None or self.shared is None else self.shared.find(key)
        if held is not None:
            table = self._reuse(held, step.module, fallback, version)
        else:
            table = self._table(client, step, version, compiled, fallback, key)
        self.tables.append((step.module, table))
        if self.scope is not None and step.module in SCOPED_JOINS:
            self.warnings += self.scope.warnings(step.module)
        return table

    def _table(self, client: Client, step: ir.Lookup, version: str, compiled: Any,
               fallback: PerIdLookup | None, key: Hashable | None) -> TableLookup:
        """A table built from the platform's list. Where a later dataset of the run reads
        the same list (`shared_lookups`), the tables it needs are built from the same
        pages, as they come (none of its records is kept but in its own table), and
        kept for it, with this one."""
        crawls, named = len(self.crawls), set(self.scope.tariffs) if self.scope else set()
        later = {} if key is None or self.shared is None else self._later_tables(step, version, key)
        records = self._scoped(step.module, version, self._listed(
            client, step.module, self.dataset.get(step.fetch)),
            lambda key, party=None: table.listed(key, party))
        table = new_table(step, version, compiled, fallback)
        try:
            table.fill(fed(records, later.values()) if later else records)
            for other in later.values():
                other.table.finish()
        except BaseException:
            for other in later.values():
                other.close()
            raise
        if key is None or self.shared is None:
            return table
        made = (tuple(self.crawls[crawls:]),
                frozenset(self.scope.tariffs - named) if self.scope else frozenset(), version)
        for other_key, other in ((key, table), *later.items()):
            self.shared.keep(other_key, SharedTable(other, *made))
        return table.view(fallback)

    def _later_tables(self, step: ir.Lookup, version: str, key: tuple) -> dict[Hashable, TableLookup]:
        """Empty tables for the lookups of later datasets of the run that read the list
        `step` reads (the same `_share_key` but for the projection, key and party),
        by their keys."""
        assert self.shared is not None
        tables: dict[Hashable, TableLookup] = {}
        for other in self.shared.later(self):
            for each in other.dataset.all(ir.Lookup):
                expression = normalizer_for(other.dataset.get(each.normalize), version)
                found = other._share_key(each, version, expression)
                if found is None or found[3:] != key[3:] or found == key \
                        or found in tables or self.shared.find(found) is not None \
                        or version not in versions_of(each):
                    continue
                tables[found] = new_table(each, version, self.compile(expression), None)
        return tables

    def _reuse(self, held: SharedTable, module: str, fallback: PerIdLookup | None,
               version: str) -> TableLookup:
        """The table of an earlier dataset of the run that read the same list: its lists
        are this dataset's too (their doubts and counts), and, for locations, what the
        scope learnt from them (`JoinScope.read_locations`)."""
        table = held.table.view(fallback)
        self.crawls += held.crawls
        if self.scope is not None and module == "locations":
            from ocpispec.execute.private_places import LookedUpSites
            from ocpispec.schema.joins import PARTY

            self.scope.version = version
            self.scope.tariffs.update(held.tariffs)
            self.scope.sites = LookedUpSites("cdrs", version, table.listed, PARTY)
        return table

    def _share_key(self, step: ir.Lookup, version: str, expression: str | None
                   ) -> tuple | None:
        """What makes two datasets' tables of `step` the same (None: never shared): how
        each record is projected and keyed (the first three), the list they read
        (module, version, window) and what the scope keeps of it. A joined module the
        scope judges (`SCOPED_JOINS`) depends on the dataset's other lookups: not shared."""
        if step.strategy == "per-id" or expression is None or (
                self.scope is not None and step.module in SCOPED_JOINS):
            return None
        fetch: ir.Fetch = self.dataset.get(step.fetch)
        window = fetch_window(fetch, self.window, self.now)
        scope = None if self.scope is None else self.scope.reads_tariffs
        return (expression, step.key, step.party, step.module, version,
                listed_date_from(fetch, window), window.date_to, scope)

    def _list_keys(self, fetch: ir.Fetch, version: str) -> list[tuple]:
        """The lists (`_share_key` less the projection) the lookups of `fetch` read."""
        keys = []
        for step in self.dataset.all(ir.Lookup):
            if step.fetch == fetch.id:
                expression = normalizer_for(self.dataset.get(step.normalize), version)
                if (key := self._share_key(step, version, expression)) is not None:
                    keys.append(key[3:])
        return keys

    def estimated(self, fetch: ir.Fetch, version: str) -> int | None:
        """A dry run: the records of `fetch`'s list where an earlier dataset's estimate
        counted its requests already (None: not read before)."""
        if self.shared is None:
            return None
        return next((found for key in self._list_keys(fetch, version)
                     if (found := self.shared.estimates.get(key)) is not None), None)

    def estimate(self, fetch: ir.Fetch, version: str, records: int) -> None:
        """A dry run: `fetch`'s list is counted, with its requests, by this dataset."""
        if self.shared is not None:
            for key in self._list_keys(fetch, version):
                self.shared.estimates.setdefault(key, records)

    def share_keys(self, version: str) -> set[Hashable]:
        """The keys of the tables this dataset will read (`SharedLookups.release`)."""
        keys = set()
        for step in self.dataset.all(ir.Lookup):
            expression = normalizer_for(self.dataset.get(step.normalize), version)
            if (key := self._share_key(step, version, expression)) is not None:
                keys.add(key)
        return keys

    def _scoped(self, module: str, version: str, records: Iterator[dict],
                listed: Callable[..., Any]) -> Iterator[dict]:
        """A lookup's records as the run's scope lets a join see them (`join_scope`)."""
        if self.scope is None:
            return records
        self.scope.version = version
        if module == "locations":
            return self.scope.read_locations(records, listed)
        if module in SCOPED_JOINS:
            return self.scope.kept(module, records)
        return records

    def _counted(self, client: Client, module: str,
                 get: Callable[[str], dict | None]) -> Callable[[str], dict | None]:
        """`get`, with the objects the client found invalid (and answered as none)
        counted for the run: a session at a site whose object is invalid was otherwise
        only 'excluded at non-public locations', and the run's invalid records said
        nothing of it. The client notes them in its statistics, read around the call."""
        stats = getattr(client, "stats", None)
        if stats is None or not hasattr(stats, "invalid_by_reason"):
            return get

        def counted(key: str) -> dict | None:
            before = dict(stats.invalid_by_reason)
            found = get(key)
            if found is None:
                for reason, n in stats.invalid_by_reason.items():
                    if n > before.get(reason, 0):
                        self.invalid_objects[f"{module}: {reason}"] += n - before.get(reason, 0)
            return found

        return counted

    def close(self) -> None:
        for _, table in self.tables:  # a spilled table's file, once nothing reads it
            table.close()
        if self.shared is not None:  # and the shared ones no later dataset reads
            self.shared.release(self)

    def discard(self) -> None:
        """The run failed: the shared tables too are closed."""
        if self.shared is not None:
            self.shared.close()

    def _keyless(self, step: ir.Lookup, compiled: Any, version: str) -> Lookup:
        """A dimension whose join key this OCPI version does not have (2.1.1 CDRs name
        no session): nothing can match, so nothing is fetched; every join on it misses,
        and the summary says why (the platform is not at fault)."""
        self.warnings.append(no_key(version, step.module, step.key, step.module))
        table = TableLookup((), compiled, step.key)
        self.tables.append((step.module, table))
        return table

    def _listed(self, client: Client, module: str, fetch: ir.Fetch) -> Iterator[dict]:
        """A lookup's records as the platform lists them. A list read up to now is read
        with `date_to` pinned when it starts (pages stay still), so an object updated
        while it is read (a location whose EVSE changed status) leaves that window
        before its page comes: it is read again from a second list, of the objects
        updated since the pin (without any `date_to`: a platform clock ahead of ours
        must not hide them again). Without it, a public location missed this way made its
        sessions count as at a location the platform does not list."""
        window = fetch_window(fetch, self.window, self.now)
        end = None if window.date_to is None else read_timestamp(window.date_to)
        pinned = end if end is not None else utc_now()
        date_from = listed_date_from(fetch, window)
        listed = AuditedFetch(client, module,
                              date_from=None if date_from is None else read_timestamp(date_from),
                              date_to=pinned, enforce=False, concurrency=LOOKUP_CONCURRENCY)
        self.crawls.append(listed)
        yield from listed
        if end is None:
            moved = AuditedFetch(client, module, date_from=pinned, date_to=None, enforce=False,
                                 concurrency=LOOKUP_CONCURRENCY, open_end=True)
            self.crawls.append(moved)
            yield from moved


def _best_effort(client: Client, module: str) -> Callable[[str], dict | None]:
    """`GET {endpoint}/{id}` for a key the bulk fetch did not hold. A platform that
    refuses these (no single-object endpoint, errors) turns them off for the run: the
    keys stay misses, counted as such."""
    from ocpispec.ocpi import OcpiError

    refused = False

    def get(key: str) -> dict | None:
        nonlocal refused
        if refused:
            return None
        try:
            return client.get_object(module, key)
        except OcpiError:
            refused = True
            return None

    return get






def _reads_tariffs(dataset: ir.Dataset) -> bool:
    """Whether the dataset reads tariffs the scope judges: a tariffs join, or a charge's
    copies of its tariffs (`pipeline._embedded_scrub`)."""
    from ocpispec.execute.charge_tariffs import reads_embedded_tariffs

    return any(step.module == "tariffs" for step in dataset.all(ir.Lookup)) or (
        dataset.module in ("sessions", "cdrs")
        and reads_embedded_tariffs(dataset.step(ir.Normalize).fields))







