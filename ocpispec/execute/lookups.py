"""Dimension records for joins and for the private-location check.

A `TableLookup` holds the normalized records of a whole dimension module (bulk
fetch), keyed by the folded key: only the fields the plan reads (the normalizer
projects them), encoded, in memory up to a bound and in a private SQLite file above it
(`dimension_store`), so memory does not grow with the dimension. `close` removes the
file. A `PerIdLookup` GETs `{endpoint}/{id}` for each
key it is asked for, once (cached): cheaper when a sample needs few keys.

A table whose module serves single objects (locations) asks for a key it does not
hold with a per-id GET (`fallback`), at most `MAX_FALLBACK_KEYS` distinct keys per
run: a location listed late or not at all still joins. The private-location check
reads `listed` only: a location the platform does not list is never public.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from jmespath.exceptions import JMESPathError

from ocpispec.execute.dimension_store import RecordStore
from ocpispec.execute.functions import TransformError
from ocpispec.execute.jmes_compile import Compiled


def fold(value: Any) -> str | None:
    """The comparison form of an OCPI id: ids are case-insensitive CiStrings, and some
    servers send numbers where the spec says string."""
    if value.__class__ is str:
        return value.strip().lower()
    match value:
        case bool() | None:
            return None
        case str():
            return value.strip().lower()
        case int() | float():
            return str(value)
    return None


class Lookup(Protocol):
    def get(self, key: Any) -> dict | None: ...


def _normalized(normalize: Compiled, record: Any) -> dict | None:
    try:
        found = normalize(record)
    except (TransformError, JMESPathError, TypeError, ValueError):
        return None
    return found if isinstance(found, dict) else None


MAX_FALLBACK_KEYS = 1000


def is_credit(record: Any) -> bool:
    """A credit CDR (OCPI 2.2+, `credit` true): it reverses an earlier CDR of the same
    session, with negative costs, so it is not the session's CDR while another is."""
    return isinstance(record, dict) and record.get("credit") is True


class TableLookup:
    def __init__(self, records: Iterable[dict], normalize: Compiled,
                 key: tuple[str, ...], fallback: PerIdLookup | None = None,
                 bound: int | None = None,
                 secondary: Callable[[Any], bool] | None = None,
                 many: Callable[[dict], bool] | None = None,
                 closing: Callable[[dict], bool] | None = None) -> None:
        """`bound`: bytes held in memory before the table spills (default:
        `dimension_store.in_memory_bytes()`). Of the records of one key the last
        wins, except that a `secondary` one (as the platform sent it) only fills a
        key no other record holds: a credit CDR (`is_credit`) never hides the CDR of
        its session it reverses, nor the one issued after it; and that a normalized
        record for which `closing` holds (a location that is not public) is never
        replaced by one for which it does not: location ids are unique per party
        only, and a public site of another party listed later must not open a home
        charger's id.

        `many`: the key is a list of values (a location's tariff ids, through its
        EVSEs and connectors): a record is kept under each, a record naming none is no
        fault, and those `many` says are secondary (an unpublished location) only fill
        a key no other record holds."""
        self.fallback = fallback
        self.table = RecordStore(bound)
        self.unreadable = 0  # records the normalizer could not read, or without a key
        try:
            for record in records:
                normalized = _normalized(normalize, record)
                if many is not None and normalized is not None:
                    self._put_each(normalized, key, many(normalized))
                    continue
                folded = fold(_at(normalized, key)) if normalized is not None else None
                if folded is not None and secondary is not None and secondary(record):
                    self.table.put_first(folded, normalized)
                elif folded is not None and closing is not None and not closing(normalized):
                    held = self.table.peek(folded)
                    if held is None or not closing(held):
                        self.table.put(folded, normalized)
                elif folded is not None:
                    self.table.put(folded, normalized)
                else:
                    self.unreadable += 1
            self.table.finish()
        except BaseException:
            self.table.close()
            raise

    def _put_each(self, normalized: dict, key: tuple[str, ...], secondary: bool) -> None:
        for value in dict.fromkeys(_leaves(normalized, key)):
            folded = fold(value)
            if folded is None:
                continue
            if secondary:
                self.table.put_first(folded, normalized)
            else:
                self.table.put(folded, normalized)

    def listed(self, key: Any) -> dict | None:
        folded = fold(key)
        return None if folded is None else self.table.get(folded)

    def get(self, key: Any) -> dict | None:
        folded = fold(key)
        if folded is None:
            return None
        found = self.table.get(folded)
        fallback = self.fallback
        if found is None and fallback is not None and (
                folded in fallback.cache or len(fallback.cache) < MAX_FALLBACK_KEYS):
            found = fallback.get(key)
        return found

    def __len__(self) -> int:
        return len(self.table)

    def close(self) -> None:
        self.table.close()


class PerIdLookup:
    def __init__(self, get_object: Callable[[str], dict | None], normalize: Compiled) -> None:
        self.get_object = get_object
        self.normalize = normalize
        self.cache: dict[str, dict | None] = {}

    def get(self, key: Any) -> dict | None:
        folded = fold(key)
        if folded is None:
            return None
        if folded not in self.cache:
            record = self.get_object(str(key))
            self.cache[folded] = None if record is None else _normalized(self.normalize, record)
        return self.cache[folded]

    def __len__(self) -> int:
        return len(self.cache)


def _leaves(record: Any, path: tuple[str, ...]) -> list[Any]:
    """The values at `path`, through every list on the way."""
    found = [record]
    for name in path:
        found = [item.get(name) for item in found if isinstance(item, dict)]
        found = [leaf for item in found
                 for leaf in (item if isinstance(item, list) else (item,))]
    return found


def _at(record: Any, path: tuple[str, ...]) -> Any:
    for name in path:
        if not isinstance(record, dict):
            return None
        record = record.get(name)
    return record
