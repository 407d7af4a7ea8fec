"""One dataset's records, one at a time: normalize -> privacy -> join -> filter ->
project. Nothing here holds more than the current record and bounded caches; the
lookup tables it reads are built beforehand, in bounded memory (`dimension_store`). Without joins the
normalizer is fused into the later steps (`jmes_fuse`): same values, no neutral record."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import chain
from dataclasses import dataclass, field
from typing import Any

from jmespath.exceptions import JMESPathError, JMESPathTypeError

from ocpispec.plan import ir
from ocpispec.execute.expression_failures import reason as expression_fails
from ocpispec.execute.functions import TransformError
from ocpispec.execute.jmes_compile import Compiled, ExpressionError, is_false, parse_expression
from ocpispec.execute.jmes_fuse import Unfusable, fusable, fuse
from ocpispec.execute.lookups import Lookup, fold, party_reader
from ocpispec.execute.series import expander
from ocpispec.plan.lower import quote

# bound of the per-key caches of the privacy check and the joins (keys are locations,
# EVSEs, connectors: a dimension's size, not the number of records)
_CACHE_LIMIT = 100_000
# a join's bindings hold the joined location as the table decoded it (about 2 KB for a
# location with its EVSEs): 2,048 of them cost a few MB (8,192 cost 18 MB of peak RSS
# in `bench_memory.py --data realistic`); binding again after the cache is cleared
# costs a table lookup (`dimension_store`: an LRU, then a decode) and one dict copy
_BINDINGS_LIMIT = 2_048


@dataclass(slots=True)
class Counts:
    """What happened to the records of one dataset. Reasons and paths only, never
    values. `read` counts every distinct record the platform sent for the window:
    those outside it, the invalid ones (the client's and the transformations'), the
    excluded, the filtered and the rest."""

    read: int = 0
    outside_window: int = 0
    duplicates: int = 0
    excluded_private: int = 0
    filtered: int = 0
    invalid: Counter[str] = field(default_factory=Counter)
    written: int = 0
    groups: int = 0
    groups_suppressed: int = 0
    unknown_fields: Counter[str] = field(default_factory=Counter)
    # from the OCPI client: values nulled for their type, deviations read tolerantly
    invalid_fields: Counter[str] = field(default_factory=Counter)
    deviations: Counter[str] = field(default_factory=Counter)
    join_misses: Counter[str] = field(default_factory=Counter)  # by join alias
    # `each` and `spread`: records, elements and values by what happened to them
    series: Counter[str] = field(default_factory=Counter)
    # groups suppressed by the dominance rule, and to protect released totals
    groups_dominated: int = 0
    groups_secondary: int = 0
    # of `groups_suppressed`: groups of enough drivers where too few of them gave a
    # `sum` or `avg` a value other than 0, by the measure's name
    groups_sparse: Counter[str] = field(default_factory=Counter)
    # of `groups_suppressed`: groups where a `min`, `max`, `median` or `percentile` would
    # tell one driver's value (too few drivers gave its argument values, or one most of
    # them), by the measure's name
    groups_told: Counter[str] = field(default_factory=Counter)
    # the most drivers (records, where a dataset has none) a group too small held: what
    # the run summary of an empty aggregate says, for the CPO only
    largest_small: int = 0
    small_in_records: bool = False

    @property
    def invalid_total(self) -> int:
        return sum(self.invalid.values())


class Pipeline:
    """Compiled steps of one dataset for one OCPI version."""

    def __init__(self, dataset: ir.Dataset, version: str,
                 compile: Callable[[str | dict], Compiled],
                 lookups: Mapping[str, Lookup], counts: Counts,
                 unknown: Callable[[dict], list[str]] | None = None,
                 named_tariffs: set[tuple[Any, Any, Any]] | None = None) -> None:
        self._normalizer = _for_version(dataset.step(ir.Normalize), version)
        # a charge's copies of its tariffs, as the run's scope lets them leave (`charge_tariffs`)
        self.scrub = _embedded_scrub(dataset, named_tariffs)
        self.normalize = compile(self._normalizer)
        self._privacy_step = dataset.step(ir.PrivacyFilter)
        self.privacy = _privacy_check(self._privacy_step, version, compile, lookups)
        self.joins = [_joiner(join, _scoped(join, lookups[join.lookup], self._privacy_step,
                                            version), counts.join_misses)
                      for join in dataset.all(ir.Join)]
        where = dataset.step(ir.Filter)
        self.where = compile(where.expression) if where else None
        project = dataset.step(ir.Project)
        self.project = compile(project.expression) if project else None
        self.counts = counts
        self.unknown = unknown
        self.expand = expander(dataset, counts.series)
        self._fusion = (compile, lookups, version, where, project)  # for `_fused_record`

    def rows(self, records: Iterable[dict]) -> Iterator[dict]:
        """The projected rows of `records`, lazily. `map`/`filter` rather than a
        generator: one Python frame less per record (rows are never empty dicts)."""
        if self.expand is not None:
            return chain.from_iterable(filter(None, map(self._safe(self._expanded()), records)))
        return filter(None, map(self.one(), records))

    def one(self) -> Callable[[dict], dict | None]:
        """The row of one record, or None (counted): what `rows` maps over."""
        record = self.record
        if not self.joins and self.privacy is not None and self.where is not None \
                and self.project is not None:
            record = self._fused_record() or self._common_record()
        return self._safe(record)

    def _safe(self, record: Callable[[dict], dict | None]) -> Callable[[dict], dict | None]:
        """Counts each record read; a record whose transformation fails is counted as
        invalid with its reason, never raised."""
        counts, unknown, invalid = self.counts, self.unknown, self.counts.invalid
        scrub = self.scrub

        def safe(wire: dict) -> dict | None:
            counts.read += 1
            if wire.__class__ is not dict:
                invalid["record is not an object"] += 1
                return None
            if unknown is not None and (found := unknown(wire)):
                counts.unknown_fields.update(found)
            if scrub is not None:
                wire = scrub(wire)
            try:
                return record(wire)
            except TransformError as exc:
                invalid[exc.reason] += 1
            except JMESPathTypeError as exc:
                invalid[expression_fails(exc)] += 1
            except (JMESPathError, TypeError, ValueError, ArithmeticError):
                invalid["unexpected value type in a transformation"] += 1
            return None

        return safe

    def record(self, wire: dict) -> dict | None:
        """The projected row of one wire record, or None when it is excluded."""
        record = self.normalize(wire)
        if not isinstance(record, dict):
            raise TransformError("record is not an object")
        if self.privacy is not None and not self.privacy(record):
            self.counts.excluded_private += 1
            return None
        for join in self.joins:
            join(record)
        if self.where is not None and is_false(self.where(record)):
            self.counts.filtered += 1
            return None
        return self.project(record) if self.project is not None else record

    def _expanded(self) -> Callable[[dict], list[dict] | None]:
        """`record` for a dataset that unnests or spreads: a record becomes rows."""
        record, expand, project = self.record, self.expand, self.project
        self.project = None  # `record` stops before the projection; rows are projected here

        def rows(wire: dict) -> list[dict] | None:
            found = record(wire)
            if found is None:
                return None
            made = expand(found)
            return [project(row) for row in made] if project is not None else made

        return rows

    def _common_record(self) -> Callable[[dict], dict | None]:
        """`record` for the usual shape (privacy check, filter, projection, no join)
        with the steps bound to locals: this runs once per record."""
        normalize, public, where, project = self.normalize, self.privacy, self.where, \
            self.project
        counts = self.counts

        def record(wire: dict) -> dict | None:
            found = normalize(wire)
            if found.__class__ is not dict:
                raise TransformError("record is not an object")
            if not public(found):
                counts.excluded_private += 1
                return None
            if is_false(where(found)):
                counts.filtered += 1
                return None
            return project(found)

        return record

    def _fused_record(self) -> Callable[[dict], dict | None] | None:
        """`_common_record` with the normalizer fused into the privacy check, the
        filter and the projection (see `jmes_fuse`): no neutral record is built. None
        when the steps cannot be fused."""
        compile, lookups, version, where_step, project_step = self._fusion
        normalizer = parse_expression(self._normalizer)
        if self._privacy_step.rule == "public-locations-only" or not fusable(normalizer):
            return None

        def on_wire(text: str) -> Compiled:
            return compile(fuse(parse_expression(text), normalizer))

        try:
            public = _privacy_check(self._privacy_step, version, on_wire, lookups)
            where, project = on_wire(where_step.expression), on_wire(project_step.expression)
        except (Unfusable, ExpressionError):
            return None
        counts = self.counts

        def record(wire: dict) -> dict | None:  # `safe` has checked that `wire` is a dict
            if not public(wire):
                counts.excluded_private += 1
                return None
            if (kept := where(wire)) is not True and is_false(kept):
                counts.filtered += 1
                return None
            return project(wire)

        return record


def _embedded_scrub(dataset: ir.Dataset, named: set[tuple[Any, Any, Any]] | None
                    ) -> Callable[[dict], dict] | None:
    """For sessions and CDRs whose plan reads their copies of their tariffs, where the
    run's scope holds (`named`: the tariffs published locations name), else None."""
    from ocpispec.execute.charge_tariffs import embedded_scrubber, reads_embedded_tariffs

    if named is None or dataset.module not in ("sessions", "cdrs") or \
            not reads_embedded_tariffs(dataset.step(ir.Normalize).fields):
        return None
    return embedded_scrubber(named)


def normalizer_for(normalize: ir.Normalize, version: str) -> str | None:
    """The normalizer's JMESPath for one OCPI version, None when the plan has none."""
    return next((item.expression for item in normalize.expressions
                 if item.version == version), None)


def _for_version(normalize: ir.Normalize, version: str) -> str:
    expression = normalizer_for(normalize, version)
    if expression is None:
        raise TransformError(f"the plan has no normalizer for OCPI {version}")
    return expression


# ---- privacy ---------------------------------------------------------------------------


def _privacy_check(step: ir.PrivacyFilter | None, version: str,
                   compile: Callable[[str], Compiled],
                   lookups: Mapping[str, Lookup]) -> Callable[[dict], bool] | None:
    if step is None or step.rule in ("included-by-spec", "not-location-bound"):
        return None
    if step.rule == "public-locations-only":
        return lambda record: is_published(record.get("publish"), version)
    exclude = compile(step.exclude) if step.exclude else None
    lookup = lookups[step.lookup] if step.lookup else None
    location_of = compile(".".join(quote(name) for name in step.location_key or ()))

    # only the locations the platform lists count (never a per-id GET for a miss)
    find = getattr(lookup, "listed", None) or getattr(lookup, "get", None)
    # a site is its party's: a home charger's id another party's public site holds
    # opens nothing, and a record whose party is unknown finds no site of a party
    owner_of = party_reader(step.party) if step.party else None
    verdicts: dict[tuple[Any, tuple[str, str] | None], bool] = {}

    def published(key: Any, owner: tuple[str, str] | None) -> bool:
        location = find(key, owner) if find is not None else None
        return location is not None and is_published(location.get("publish"), version)

    def verdict(key: Any, owner: tuple[str, str] | None) -> bool:
        if key.__class__ is not str:
            return published(key, owner)
        found = verdicts.get((key, owner))
        if found is None:  # per location and party: bounded by the locations
            if len(verdicts) >= _CACHE_LIMIT:
                verdicts.clear()
            found = verdicts[(key, owner)] = published(key, owner)
        return found

    def public(record: dict) -> bool:
        if exclude is not None and not is_false(exclude(record)):
            return False
        return lookup is None or verdict(location_of(record),
                                         owner_of(record) if owner_of is not None else None)

    fields = _party_fields(step.party) if lookup is not None and exclude is None else None
    if fields is None:
        return public
    first, second = fields
    as_sent: dict[tuple[str, Any, Any], bool] = {}

    def public_as_sent(record: dict) -> bool:
        """`public`, remembered by the location key and party fields as the record
        sends them (the verdict is a function of those three values alone): the party
        is not folded again for every record at a site."""
        key = location_of(record)
        if key.__class__ is not str:
            return public(record)
        sent = (key, record.get(first), record.get(second))
        found = as_sent.get(sent)
        if found is None:
            if sent[1].__class__ is not str or sent[2].__class__ is not str:
                return public(record)   # another type: keyed only as text
            if len(as_sent) >= _CACHE_LIMIT:
                as_sent.clear()
            # not remembered by the folded party as well: a second memo of the same
            # sites behind this one (some 330 bytes a site) answered only a party spelled
            # two ways, and held 5 MB at 16,666 sites
            found = as_sent[sent] = published(key, owner_of(record))  # type: ignore[misc]
        return found

    return public_as_sent


def _party_fields(party: tuple[tuple[str, ...], ...] | None) -> tuple[str, str] | None:
    """The two top-level fields a record names its party by (`country_code`,
    `party_id`), None for any other shape of `party`."""
    if party is None or len(party) != 2 or len(party[0]) != 1 or len(party[1]) != 1:
        return None
    return party[0][0], party[1][0]


def is_published(flag: Any, version: str) -> bool:
    # OCPI 2.1.1 has no `publish`: every location it lists is a public one
    return flag is True or (flag is None and version == "2.1.1")


# ---- joins -----------------------------------------------------------------------------


def _joiner(join: ir.Join, lookup: Lookup, misses: Counter[str]) -> Callable[[dict], None]:
    """Binds the joined record under its alias and each sub-binding inside it:
    `location.evse` is the EVSE of `location.evses` the record used, found by
    `evse_uid`; `location.connector` is then searched in that EVSE's connectors.

    Records at the same connector bind the same (read-only) dict, built once: the
    cache is bounded by the number of connectors, not of records. A record whose key
    finds no match is counted in `misses` under the alias."""
    alias, local_key, subs = join.alias, join.local_key, join.sub_bindings
    owner_of = party_reader(join.party) if join.party else None
    sub_keys = [sub.local_key for sub in subs]
    cache: dict[tuple, dict | None] = {}

    def attach(record: dict) -> None:
        key = _first(_at(record, local_key))
        owner = owner_of(record) if owner_of is not None else None
        identity = (fold(key), owner, *(fold(_at(record, path)) for path in sub_keys))
        bound = cache.get(identity, _MISSING)
        if bound is _MISSING:
            if len(cache) >= _BINDINGS_LIMIT:
                cache.clear()
            bound = cache[identity] = _bind(lookup.get(key, owner), alias, subs, record)
        if bound is None and identity[0] is not None:
            misses[alias] += 1
        record[alias] = bound

    return attach


_MISSING = object()


def _scoped(join: ir.Join, lookup: Lookup, privacy: ir.PrivacyFilter | None,
            version: str) -> Lookup:
    """A joined location only where `from locations` keeps it: published, else no match
    (joined tariffs, sessions and CDRs are judged before their table holds them:
    `join_scope`)."""
    if join.module != "locations" or privacy is None or \
            privacy.rule != "exclude-private-locations":
        return lookup
    return _PublishedLocations(lookup, version)


@dataclass(frozen=True, slots=True)
class _PublishedLocations:
    lookup: Lookup
    version: str

    def get(self, key: Any, party: tuple[str, str] | None = None) -> dict | None:
        found = self.lookup.get(key, party)
        return found if found is not None and is_published(found.get("publish"),
                                                           self.version) else None


def _bind(found: dict | None, alias: str, subs: tuple[ir.SubBinding, ...],
          record: dict) -> dict | None:
    if found is None:
        return None
    bound = dict(found)
    scopes: dict[str, dict | None] = {alias: bound}
    prefix = alias + "."
    for sub in subs:
        scope = scopes.get(sub.parent)
        picked = _pick(scope, sub, record) if scope is not None else None
        scopes[sub.name] = picked
        bound[sub.name.removeprefix(prefix)] = picked
    return bound


def _pick(scope: dict, sub: ir.SubBinding, record: dict) -> dict | None:
    wanted = fold(_at(record, sub.local_key))
    candidates = scope.get(sub.items[-1])
    if wanted is None or not isinstance(candidates, list):
        return None
    for candidate in candidates:
        if isinstance(candidate, dict) and fold(_at(candidate, sub.item_key)) == wanted:
            return candidate
    return None


def _at(record: Any, path: tuple[str, ...]) -> Any:
    """The value at a neutral path; through a list it is the list of the values below
    (`tariffs.id` of a CDR is the ids of its tariffs)."""
    for index, name in enumerate(path):
        if isinstance(record, list):
            rest = path[index:]
            return [value for item in record if (value := _at(item, rest)) is not None]
        if not isinstance(record, dict):
            return None
        record = record.get(name)
    return record


def _first(value: Any) -> Any:
    """A key path through a list (`charging_periods.tariff_id`) joins on its first value."""
    if isinstance(value, list):
        return next((item for item in value if item is not None), None)
    return value
