"""A record's required own id that holds its card, read as null where a dataset shows it.

The attack (adversarial review, round nine): a platform that numbers its sessions by
contract (`NL-TNM-C12345678-0001`) or its CDRs by card (`AUTH-04A2B3C4-7`) released the
card through a column the officer approved as the platform's reference (`id as session
because "..."`). The wire reader reads a required own id (a session's or CDR's `id`) as
null only when it is the card (`schema/own_ids.py`): a null `id` makes its record
invalid, and every record of such a platform would be, whatever the spec releases.

Here a dataset whose columns or measures show such an id other than as a pseudonym
(`pseudonymize(id)` keys it apart from the card's pseudonym) reads it as the wire
reader reads an optional own id: whole or holding a card as free text does (a long card
anywhere in its letters and digits, a short one only as a whole word), it is null in the
dataset's copy of the record, which stays valid and keeps its rows; counted by path and
reason with the values the wire reader nulls (`joined_own_ids.settle`), never shown.

    scrub = shown_own_id_scrubber(dataset, "2.2.1", counts.join_misses)  # None: none shown
    wire = scrub(wire)   # a copy where an id was read as null

An id a join matches on (`from cdrs join sessions on session_id`, `from sessions join
cdrs on id`) is matched as sent and read as null after the joins, in the record they
bound (`key_scrubber`): nulled before, the record would find no partner.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from ocpispec.plan import ir
from ocpispec.execute.joined_own_ids import counted_as_nulled
from ocpispec.schema.own_ids_as_ids import contract_parts
from ocpispec.schema.own_ids import CARD_PATHS, OWN_ID_IN_TEXT, card_held, shown_required_own_ids

Path = tuple[str, ...]


def read_sources(dataset: ir.Dataset, hidden: bool = True, joins: bool = True) -> list[str]:
    """The paths a dataset's released columns, measures and joins read (`hidden=False`:
    but those a column releases only as a pseudonym; `joins=False`: but join keys)."""
    aggregate = dataset.step(ir.Aggregate)
    measures = aggregate.measures if aggregate is not None else ()
    return [*(source for column in (*dataset.columns, *measures) for source in column.sources
              if hidden or getattr(column, "treatment", None) != "pseudonymised"),
            *(".".join(join.local_key) for join in dataset.all(ir.Join) if joins)]


def shown_own_id_scrubber(dataset: ir.Dataset, version: str, counted: Counter[str]
                          ) -> Callable[[dict], dict] | None:
    """The scrub of `dataset`'s records (counting into `counted`, a dataset's join
    misses), or None where it shows no required own id of its records but join keys."""
    paths = _shown(dataset, version)
    keys = _join_keys(dataset)
    scrub = _scrubber(dataset.module, tuple(path for path in paths if path not in keys), counted)
    return None if scrub is None else lambda wire: scrub(wire, wire)


def key_scrubber(dataset: ir.Dataset, version: str, counted: Counter[str]
                 ) -> Callable[[dict, dict], None] | None:
    """The scrub of the shown ids a join of `dataset` matches on, in a record once its
    joins have bound: `scrub(record, wire)` (the record normalized, its cards read from
    `wire`, the record as sent); None where no join key is shown."""
    keys = _join_keys(dataset)
    scrub = _scrubber(dataset.module, tuple(path for path in _shown(dataset, version)
                                            if path in keys), counted, copied=False)
    return None if scrub is None else scrub     # type: ignore[return-value]


def _shown(dataset: ir.Dataset, version: str) -> tuple[Path, ...]:
    if dataset.module not in CARD_PATHS:
        return ()
    # (a join key is read, not shown: `join cdrs on id` alone keeps every session's id)
    return shown_required_own_ids(version, dataset.module,
                                  read_sources(dataset, hidden=False, joins=False))


def _join_keys(dataset: ir.Dataset) -> set[Path]:
    return {tuple(join.local_key) for join in dataset.all(ir.Join) if not join.element}


def _scrubber(module: str, paths: tuple[Path, ...], counted: Counter[str], copied: bool = True
              ) -> Callable[[dict, dict], dict] | None:
    """`scrub(record, wire)`: `record` (a copy of it along the path where `copied`) with
    the ids at `paths` holding a card of `wire` null."""
    if not paths:
        return None
    cards = CARD_PATHS[module]
    keys = {path: counted_as_nulled(".".join(path), OWN_ID_IN_TEXT) for path in paths}

    def scrub(record: dict, wire: dict) -> dict:
        copy = None if copied else record
        for path in paths:
            node = _parent(record if copy is None else copy, path)
            value = node.get(path[-1]) if node is not None else None
            if value.__class__ is str and card_held(value, record_cards(wire, cards)):
                copy = copy if copy is not None else _copied(record, path)
                parent = _parent(copy, path)
                assert parent is not None   # (copied along the path)
                parent[path[-1]] = None
                counted[keys[path]] += 1
        return record if copy is None else copy
    return scrub


def _parent(record: dict, path: Path) -> dict | None:
    node: object = record
    for name in path[:-1]:
        node = node.get(name) if node.__class__ is dict else None  # type: ignore[attr-defined]
    return node if node.__class__ is dict else None  # type: ignore[return-value]


def _copied(wire: dict, path: Path) -> dict:
    """`wire`, copied along `path` (the objects on the way to its last name)."""
    copy = dict(wire)
    node = copy
    for name in path[:-1]:
        node[name] = dict(node[name])
        node = node[name]
    return copy


def record_cards(record: dict, paths: tuple[Path, ...]) -> list[str]:
    """The texts at `paths` of `record` (its cards), and a contract id's parts."""
    found = []
    for path in paths:
        value: object = record
        for name in path:
            value = value.get(name) if value.__class__ is dict else None  # type: ignore[attr-defined]
        if value.__class__ is str:
            found.append(value)  # type: ignore[arg-type]
            found.extend(contract_parts(value))  # type: ignore[arg-type]
    return found
