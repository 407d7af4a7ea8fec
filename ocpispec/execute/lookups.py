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

Ids are unique within their party only (OCPI 2.2+): every lookup is by the party of
the record that asks and the id, compared as `ocpispec.ids` says; a record of another
party with the same id is no match, nor is one whose party is unknown.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from jmespath.exceptions import JMESPathError

from ocpispec.execute.dimension_store import RecordStore
from ocpispec.ids import same_id
from ocpispec.execute.functions import TransformError
from ocpispec.execute.jmes_compile import Compiled


def fold(value: Any) -> str | None:
    """The comparison form of an OCPI id (`ocpispec.ids.same_id`)."""
    return same_id(value)


class Lookup(Protocol):
    def get(self, key: Any, party: tuple[str, str] | None = None) -> dict | None: ...


def party_of(record: Any, paths: tuple[tuple[str, ...], ...]) -> tuple[str, str] | None:
    """The folded (country code, party id) at `paths`, None when either is missing or
    blank: such a record's party is unknown."""
    if len(paths) != 2:
        return None
    country, party = fold(_at(record, paths[0])), fold(_at(record, paths[1]))
    return (country, party) if country and party else None


def party_reader(paths: tuple[tuple[str, ...], ...]) -> Callable[[Any], tuple[str, str] | None]:
    """`party_of` with its paths bound, for a step that runs once per record: where the
    party is two fields of the record itself (`country_code`, `party_id`) and they are
    ASCII text, as nearly every record sends them, they are read inline as `ids.id_text`
    reads them, without the nine calls of the general reading."""
    if len(paths) != 2 or len(paths[0]) != 1 or len(paths[1]) != 1:
        return lambda record: party_of(record, paths)
    (first,), (second,) = paths

    def party(record: Any) -> tuple[str, str] | None:
        if record.__class__ is dict:
            country, owner = record.get(first), record.get(second)
            if country.__class__ is str and owner.__class__ is str and country.isascii() \
                    and owner.isascii():
                country, owner = country.strip().lower(), owner.strip().lower()
                return (country, owner) if country and owner else None
        return party_of(record, paths)

    return party


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
    def __init__(self, records: Iterable[dict] | None, normalize: Compiled,
                 key: tuple[str, ...], fallback: PerIdLookup | None = None,
                 bound: int | None = None,
                 secondary: Callable[[Any], bool] | None = None,
                 many: Callable[[dict], bool] | None = None,
                 closing: Callable[[dict], bool] | None = None,
                 party: tuple[tuple[str, ...], ...] = ()) -> None:
        """`bound`: bytes held in memory before the table spills (default:
        `dimension_store.in_memory_bytes()`). Of the records of one key the last
        wins, except that a `secondary` one (as the platform sent it) only fills a
        key no other record holds: a credit CDR (`is_credit`) never hides the CDR of
        its session it reverses, nor the one issued after it; and that a normalized
        record for which `closing` holds (a location that is not public) is never
        replaced by one for which it does not.

        `many`: the key is a list of values (a location's tariff ids, through its
        EVSEs and connectors): a record is kept under each, a record naming none is no
        fault, and those `many` says are secondary (an unpublished location) only fill
        a key no other record holds.

        `party`: where a record names its party (`party_of`). Ids are unique per
        party only (OCPI 2.2+): a record is kept under its party and its key, and
        `get` finds it for that party only; a record naming no party (OCPI 2.1.1 has
        none) is found only by a record naming none either.

        `records` None: they come by `add`, then `table.finish()` (`shared_lookups`)."""
        self.fallback = fallback
        self.owns = True  # False for a view (`view`): its store is closed by its owner
        self.table = RecordStore(bound)
        self.unreadable = 0  # records the normalizer could not read, or without a key
        self._rules = (secondary, closing)
        self._party = party
        self._reading = (normalize, key, many)
        if records is not None:
            self.fill(records)

    def fill(self, records: Iterable[dict]) -> None:
        """Every record of `records` added, then the table finished (closed if any fails)."""
        try:
            for record in records:
                self.add(record)
            self.table.finish()
        except BaseException:
            self.table.close()
            raise

    def add(self, record: Any) -> None:
        """One record as the platform sent it (before `finish`)."""
        normalize, key, many = self._reading
        normalized = _normalized(normalize, record)
        if many is not None and normalized is not None:
            self._put_each(normalized, key, many(normalized))
            return
        folded = fold(_at(normalized, key)) if normalized is not None else None
        if folded is None:
            self.unreadable += 1
            return
        self._put(self._stored(folded, self._owner(normalized)), normalized, record)

    def _owner(self, record: Any) -> tuple[str, str] | None:
        return party_of(record, self._party) if self._party else None

    def _stored(self, folded: str, party: tuple[str, str] | None) -> str:
        """Where the record of `folded` within `party` is kept (a table without party
        paths keeps every record by its key alone)."""
        return _ID + folded if party is None or not self._party else _by_party(folded, party)

    def _put(self, stored: str, normalized: dict, record: dict) -> None:
        secondary, closing = self._rules
        if secondary is not None and secondary(record):
            self.table.put_first(stored, normalized)
        elif closing is not None and not closing(normalized):
            held = self.table.peek(stored)
            if held is None or not closing(held):
                self.table.put(stored, normalized)
        else:
            self.table.put(stored, normalized)

    def _put_each(self, normalized: dict, key: tuple[str, ...], secondary: bool) -> None:
        owner = self._owner(normalized)
        for value in dict.fromkeys(_leaves(normalized, key)):
            folded = fold(value)
            if folded is None:
                continue
            if secondary:
                self.table.put_first(self._stored(folded, owner), normalized)
            else:
                self.table.put(self._stored(folded, owner), normalized)

    def listed(self, key: Any, party: tuple[str, str] | None = None) -> dict | None:
        """The record of `key` of `party` the platform listed (never asked for)."""
        folded = fold(key)
        return None if folded is None else self.table.get(self._stored(folded, party))

    def get(self, key: Any, party: tuple[str, str] | None = None) -> dict | None:
        """The record of `key` of `party` (`listed`); one not listed is asked for
        (`fallback`), and the answer kept only where it is of `party`."""
        folded = fold(key)
        if folded is None:
            return None
        found = self.table.get(self._stored(folded, party))
        fallback = self.fallback
        if found is None and fallback is not None and (
                folded in fallback.cache or len(fallback.cache) < MAX_FALLBACK_KEYS):
            found = fallback.get(key, party)
        return found

    def __len__(self) -> int:
        return len(self.table)

    def view(self, fallback: PerIdLookup | None) -> TableLookup:
        """The same records, read with `fallback` for the keys not listed; closing the
        view leaves them to this table (`shared_lookups`)."""
        seen = copy.copy(self)
        seen.fallback, seen.owns = fallback, False
        return seen

    def close(self) -> None:
        if self.owns:
            self.table.close()


class PerIdLookup:
    def __init__(self, get_object: Callable[[str], dict | None], normalize: Compiled,
                 party: tuple[tuple[str, ...], ...] = ()) -> None:
        """`party`: where an answer names its party. `GET {endpoint}/{id}` names no
        party: on a platform serving several, the answer may be another party's
        object of the same id, which is no object of the party asked for."""
        self.get_object = get_object
        self.normalize = normalize
        self.party = party
        self.cache: dict[str, dict | None] = {}
        self.other_party = 0  # answers that were another party's object

    def get(self, key: Any, party: tuple[str, str] | None = None) -> dict | None:
        folded = fold(key)
        if folded is None:
            return None
        if folded not in self.cache:
            record = self.get_object(str(key))
            self.cache[folded] = None if record is None else _normalized(self.normalize, record)
        found = self.cache[folded]
        if found is None or not self.party:
            return found
        if party_of(found, self.party) != party:
            self.other_party += 1
            return None
        return found

    def __len__(self) -> int:
        return len(self.cache)


# stored keys: a key alone, or a key within a party; the lengths keep any two apart
_ID = "i:"


def _by_party(folded: str, party: tuple[str, str]) -> str:
    country, owner = party
    return f"p{len(country)}:{country}{len(owner)}:{owner}{folded}"


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
