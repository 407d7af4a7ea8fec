"""A dataset's lookups: the tables its joins and its private-location test read, built
from the platform's lists before the dataset's records stream, and closed after."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from ocpispec.execute.client import Client, RunError
from ocpispec.execute.crawls import AuditedFetch
from ocpispec.execute.dataset_findings import no_key
from ocpispec.execute.join_scope import SCOPED_JOINS, JoinScope
from ocpispec.execute.lookups import Lookup, PerIdLookup, TableLookup, is_credit
from ocpispec.execute.pipeline import is_published, normalizer_for
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
                 compile: Callable[[str], Any], other_version: Callable[[str], RunError]
                 ) -> None:
        self.dataset, self.window, self.now = dataset, window, now
        self.compile, self.other_version = compile, other_version
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
        fallback, many = None, None
        if catalogue().resolve(step.module, step.key).many:
            # a location's tariff ids: a published location's own entry wins
            many = _not_published
        elif step.module in SINGLE_OBJECT_MODULES:
            fallback = PerIdLookup(self._counted(client, step.module,
                                                 _best_effort(client, step.module)),
                                   compiled, step.party)
        table = TableLookup(self._scoped(step.module, version, self._listed(
                                client, step.module, self.dataset.get(step.fetch)),
                                lambda key, party=None: table.listed(key, party)),
                            compiled, step.key, fallback,
                            secondary=is_credit if step.module == "cdrs" else None,
                            many=many,
                            closing=_not_public(version) if step.module == "locations" else None,
                            party=step.party)
        self.tables.append((step.module, table))
        if self.scope is not None and step.module in SCOPED_JOINS:
            self.warnings += self.scope.warnings(step.module)
        return table

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


def _not_public(version: str) -> Callable[[dict], bool]:
    """Whether a normalized location is not public (as the private-location check reads it)."""
    return lambda location: not is_published(location.get("publish"), version)


def _not_published(location: dict) -> bool:
    return location.get("publish") is not True


def _reads_tariffs(dataset: ir.Dataset) -> bool:
    """Whether the dataset reads tariffs the scope judges: a tariffs join, or a charge's
    copies of its tariffs (`pipeline._embedded_scrub`)."""
    from ocpispec.execute.charge_tariffs import reads_embedded_tariffs

    return any(step.module == "tariffs" for step in dataset.all(ir.Lookup)) or (
        dataset.module in ("sessions", "cdrs")
        and reads_embedded_tariffs(dataset.step(ir.Normalize).fields))
