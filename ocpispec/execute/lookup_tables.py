"""The tables of a dataset's lookups as `DatasetLookups` makes them: empty, filled from
the platform's list (`TableLookup.fill`), or several from one list (`fed`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ocpispec.execute.lookups import PerIdLookup, TableLookup, is_credit
from ocpispec.execute.pipeline import is_published
from ocpispec.plan import ir


def _not_public(version: str) -> Callable[[dict], bool]:
    """Whether a normalized location is not public (as the private-location check reads it)."""
    return lambda location: not is_published(location.get("publish"), version)


def _not_published(location: dict) -> bool:
    return location.get("publish") is not True


def versions_of(step: ir.Lookup) -> Any:
    from ocpispec.schema import catalogue

    return catalogue().versions_of(step.module, step.key)


def keyed_by_many(step: ir.Lookup) -> bool:
    """Whether the join key is a list of values (a location's tariff ids)."""
    from ocpispec.schema import catalogue

    return catalogue().resolve(step.module, step.key).many


def new_table(step: ir.Lookup, version: str, compiled: Any,
              fallback: PerIdLookup | None) -> TableLookup:
    """An empty table for `step` (filled by `TableLookup.fill` or `add`)."""
    return TableLookup(None, compiled, step.key, fallback,
                       secondary=is_credit if step.module == "cdrs" else None,
                       # a location's tariff ids: a published location's own entry wins
                       many=_not_published if keyed_by_many(step) else None,
                       closing=_not_public(version) if step.module == "locations" else None,
                       party=step.party)


def fed(records: Iterable[dict], tables: Iterable[TableLookup]) -> Iterator[dict]:
    """`records`, each added to every one of `tables` on the way."""
    tables = tuple(tables)
    for record in records:
        for table in tables:
            table.add(record)
        yield record
