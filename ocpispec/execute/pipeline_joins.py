"""The joins of a dataset's pipeline (`pipeline.py`): the joined record bound under its
alias, with its sub-bindings (`location.evse`, `location.connector`), in a bounded cache;
a joined location only where the privacy step keeps it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from typing import Any

from ocpispec.frozen import frozen
from ocpispec.execute.joined_own_ids import JoinedTextGuard, Screen, counted_as_missed
from ocpispec.execute.lookups import Lookup, fold, party_reader
from ocpispec.execute.pipeline_privacy import is_published
from ocpispec.plan import ir
from ocpispec.schema.tariff_prices import with_prices

# a join's bindings hold the joined location as the table decoded it (about 2 KB for a
# location with its EVSEs): 2,048 of them cost a few MB (8,192 cost 18 MB of peak RSS
# in `bench_memory.py --data realistic`); binding again after the cache is cleared
# costs a table lookup (`dimension_store`: an LRU, then a decode) and one dict copy
_BINDINGS_LIMIT = 2_048


def _joiner(join: ir.Join, lookup: Lookup, misses: Counter[str],
            guard: JoinedTextGuard | None = None) -> Callable[[dict, dict], None]:
    """Binds the joined record under its alias and each sub-binding inside it:
    `location.evse` is the EVSE of `location.evses` the record used, found by
    `evse_uid`; `location.connector` is then searched in that EVSE's connectors.

    Records at the same connector bind the same (read-only) dict, built once: the
    cache is bounded by the number of connectors, not of records. A record whose key
    finds no match is counted in `misses` under the alias. `guard`: the joined
    record's free texts, links and public ids read against the ids of the record as sent
    (`wire`; its normalized form holds only the fields the spec reads): a record whose
    card one names binds a copy with it null (`joined_own_ids`)."""
    alias, local_key, subs = join.alias, join.local_key, join.sub_bindings
    owner_of = party_reader(join.party) if join.party else None
    sub_keys = [sub.local_key for sub in subs]
    cache: dict[tuple, dict | None] = {}
    screens: dict[int, Screen | None] = {}  # the free texts of each bound dict of `cache`

    def attach(record: dict, wire: dict) -> None:
        key = _first(_at(record, local_key))
        owner = owner_of(record) if owner_of is not None else None
        identity = (fold(key), owner, *(fold(_at(record, path)) for path in sub_keys))
        bound = cache.get(identity, _MISSING)
        if bound is _MISSING:
            if len(cache) >= _BINDINGS_LIMIT:
                cache.clear()
                screens.clear()
            bound = cache[identity] = _bind(lookup.get(key, owner), alias, subs, record,
                                            join.module)
            if guard is not None and bound is not None:
                screens[id(bound)] = guard.screen(bound)
        if bound is None:
            if identity[0] is not None:
                misses[alias] += 1
        elif guard is not None and (screen := screens[id(bound)]) is not None:
            bound, nulled = guard.guarded(wire, bound, screen)
            for path, reason in nulled:
                misses[counted_as_missed(alias, path, reason)] += 1
        record[alias] = bound

    return attach


_MISSING = object()


def element_joiner(join: ir.Join, lookup: Lookup, misses: Counter[str],
                   guard: JoinedTextGuard | None = None
                   ) -> Callable[[list[dict], dict], list[dict]]:
    """A join on an `each` element (`join tariffs on connector.tariff_ids`): each row
    becomes one row per distinct key of its element, bound to the record it finds (null
    where none: counted in `misses` under `element.key:alias`); a row whose element
    names no key is kept once, the join null. The joined records are bound read-only,
    shared by the rows of one key. `guard`: as `_joiner`'s, read against the record the
    rows were made of as sent (`wire`)."""
    alias, element, local_key = join.alias, join.element, join.local_key
    owner_of = party_reader(join.party) if join.party else None
    missed = f"{element}.{'.'.join(local_key)}:{alias}"
    priced = join.module == "tariffs"
    cache: dict[tuple, dict | None] = {}
    screens: dict[int, Screen | None] = {}  # the free texts of each bound dict of `cache`

    def attach(rows: list[dict], wire: dict) -> list[dict]:
        out: list[dict] = []
        for row in rows:
            keys = _distinct(_at(row.get(element), local_key))
            if not keys:
                row[alias] = None
                out.append(row)
                continue
            owner = owner_of(row) if owner_of is not None else None
            for key, folded in keys:
                bound = cache.get((folded, owner), _MISSING)
                if bound is _MISSING:
                    if len(cache) >= _BINDINGS_LIMIT:
                        cache.clear()
                        screens.clear()
                    found = lookup.get(key, owner)
                    bound = cache[folded, owner] = with_prices(found) \
                        if found is not None and priced else found
                    if guard is not None and bound is not None:
                        screens[id(bound)] = guard.screen(bound)
                if bound is None:
                    misses[missed] += 1
                elif guard is not None and (screen := screens[id(bound)]) is not None:
                    bound, nulled = guard.guarded(wire, bound, screen)
                    for path, reason in nulled:
                        misses[counted_as_missed(alias, path, reason)] += 1
                joined = row.copy() if len(keys) > 1 else row
                joined[alias] = bound
                out.append(joined)
        return out

    return attach


def _distinct(value: Any) -> list[tuple[Any, Any]]:
    """The keys of a list (or the one key), each once, with its folded form."""
    seen: dict[Any, Any] = {}
    for key in value if isinstance(value, list) else [value]:
        if (folded := fold(key)) is not None and folded not in seen:
            seen[folded] = key
    return [(key, folded) for folded, key in seen.items()]


def _scoped(join: ir.Join, lookup: Lookup, privacy: ir.PrivacyFilter | None,
            version: str) -> Lookup:
    """A joined location only where `from locations` keeps it: published, else no match
    (joined tariffs, sessions and CDRs are judged before their table holds them:
    `join_scope`)."""
    if join.module != "locations" or privacy is None or \
            privacy.rule != "exclude-private-locations":
        return lookup
    return _PublishedLocations(lookup, version)


@frozen
class _PublishedLocations:
    lookup: Lookup
    version: str

    def get(self, key: Any, party: tuple[str, str] | None = None) -> dict | None:
        found = self.lookup.get(key, party)
        return found if found is not None and is_published(found.get("publish"),
                                                           self.version) else None


def _bind(found: dict | None, alias: str, subs: tuple[ir.SubBinding, ...],
          record: dict, module: str = "") -> dict | None:
    if found is None:
        return None
    bound = with_prices(found) if module == "tariffs" else dict(found)
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
