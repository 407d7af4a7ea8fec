"""Streaming aggregation with small-group suppression.

Records stream into one accumulator per group (memory grows with the number of
groups, not of records). A group is released only when it holds at least
`min_group_size` people (distinct driver identifiers, when the records have one) or
records; smaller groups are dropped entirely and counted. Drivers are told apart by
the same canonical form their pseudonyms use (`pseudonyms.canonicalizer`):
`NL-TNM-C0123` and `nltnmc0123` are one driver, never two. Records without a driver
identifier count together as one. Rows come out sorted by their keys, so the same
data always gives the same file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ocpispec import plan as ir
from ocpispec.executor.functions import TransformError, as_number
from ocpispec.executor.jmes_compile import Compiled
from ocpispec.executor.pipeline import Counts
from ocpispec.executor.pseudonyms import canonicalizer
from ocpispec.render.values import json_text

_NOBODY = b"\x00nobody"  # the entity of records without a driver identifier: one member
DRIVER_FAMILY = "token"  # the pseudonym family of card uids and contract ids
_canonical_driver = canonicalizer(DRIVER_FAMILY)


@dataclass(slots=True)
class _Measure:
    total: float = 0
    values: int = 0
    low: Any = None
    high: Any = None

    def add(self, value: Any) -> None:
        if value is None:
            return
        number = as_number(value)
        self.total += number
        self.values += 1
        self.low = number if self.low is None or number < self.low else self.low
        self.high = number if self.high is None or number > self.high else self.high


@dataclass(slots=True)
class _Group:
    keys: tuple[Any, ...]
    measures: list[_Measure]
    records: int = 0
    entities: set[bytes] = field(default_factory=set)


class Aggregator:
    def __init__(self, step: ir.Aggregate, compile: Callable[[str], Compiled],
                 counts: Counts) -> None:
        self.step = step
        self.keys = [compile(key.expression) for key in step.keys]
        self.arguments = [compile(m.argument) if m.argument else None for m in step.measures]
        self.entity = compile(step.entity) if step.entity else None
        self.counts = counts
        self.groups: dict[tuple[str, ...], _Group] = {}
        self._person: Any = _NOBODY  # the last driver seen and its identity
        self._identity = _NOBODY

    def add_all(self, records: Iterable[dict]) -> None:
        for record in records:
            try:
                self.add(record)
            except TransformError as exc:
                self.counts.invalid[exc.reason] += 1

    def add(self, record: dict) -> None:
        keys = tuple(key(record) for key in self.keys)
        values = [argument(record) if argument else None for argument in self.arguments]
        identity = tuple(json_text(key) if isinstance(key, (dict, list)) else repr(key)
                         for key in keys)
        group = self.groups.get(identity)
        if group is None:
            group = _Group(keys, [_Measure() for _ in self.arguments])
            self.groups[identity] = group
        for measure, value in zip(group.measures, values):
            measure.add(value)
        group.records += 1
        if self.entity is not None and len(group.entities) < self.step.min_group_size:
            # the set only decides `size < min_group_size`: beyond that it need not grow
            person = self.entity(record)
            if person is not self._person:  # rows of one record (each/spread) share it
                self._person, self._identity = person, _identity(person)
            group.entities.add(self._identity)

    def rows(self) -> Iterator[dict]:
        names = [key.name for key in self.step.keys]
        for identity in sorted(self.groups, key=lambda i: _order(self.groups[i].keys)):
            group = self.groups[identity]
            size = len(group.entities) if self.entity is not None else group.records
            if size < self.step.min_group_size:
                self.counts.groups_suppressed += 1
                continue
            row = dict(zip(names, group.keys))
            for measure, result in zip(self.step.measures, group.measures):
                row[measure.name] = _result(measure.function, result, group.records)
            yield row
        self.counts.groups = len(self.groups)


def _identity(person: Any) -> bytes:
    """The driver as pseudonyms see them: canonical bytes of the token id."""
    if isinstance(person, (dict, list)):
        return json_text(person).encode()
    canonical = _canonical_driver(person)
    return _NOBODY if canonical is None or canonical == b"" else canonical


def _result(function: str, measure: _Measure, records: int) -> Any:
    match function:
        case "count":
            return records
        case "sum":
            return _tidy(measure.total) if measure.values else None
        case "avg":
            return _tidy(measure.total / measure.values) if measure.values else None
        case "min":
            return measure.low
        case "max":
            return measure.high
    raise TransformError(f"unknown aggregate `{function}`")


def _tidy(number: float) -> float | int:
    """Sums of decimals carry binary noise (12.300000000000001); six decimals is
    far below any precision OCPI data has."""
    return number if isinstance(number, int) else round(number, 6)


def _order(keys: tuple[Any, ...]) -> tuple[tuple[int, Any], ...]:
    ordered = []
    for key in keys:
        match key:
            case None:
                ordered.append((0, 0))
            case bool():
                ordered.append((1, int(key)))
            case int() | float():
                ordered.append((2, key))
            case str():
                ordered.append((3, key))
            case _:
                ordered.append((4, json_text(key)))
    return tuple(ordered)
