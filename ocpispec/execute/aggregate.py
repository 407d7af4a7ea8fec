"""Streaming aggregation with small-group suppression, in bounded memory.

Records stream into one compact state per group (`accumulators`). A group is released
only when it holds at least `min_group_size` people (distinct driver identifiers, when
the records have one) or records; smaller groups are dropped entirely and counted.
Drivers are told apart by the same canonical form their pseudonyms use
(`pseudonyms.canonicalizer`): `NL-TNM-C0123` and `nltnmc0123` are one driver, never
two. Records without a driver identifier (null, empty, or separators only) add no
driver: they may be anyone, also a driver the group already counts, so counting them
as one or more people could make a small group look big. A group remembers its
drivers only until it reaches the minimum.

When more than `max_groups` groups are in memory, their states are appended to a
temporary SQLite file (`spill`) and memory starts again; at the end the file gives each
group once, its partial states merged, in the same order as without it. Rows come out
sorted by their keys (timestamps, buckets and weekdays by what they stand for:
`value_order`), so the same data always gives the same file, spilled or not.

A measure is one aggregate (`sum(kwh)`) or a formula over several (`round(sum(kwh) /
count(), 1)`): each distinct aggregate is computed once per group (`aggregate_layout`
places them in a group's state), then the formula is evaluated over their results
(`aggregate_values`). `aggregate_margins` decides secondary suppression across the totals
a coarser dataset releases; `group_identity` tells groups, drivers and values apart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from jmespath.exceptions import JMESPathError, JMESPathTypeError

from ocpispec.execute import accumulators as acc
from ocpispec.disclosure.people import People
from ocpispec.execute import suppression, value_order
from ocpispec.execute.aggregate_layout import Layout
from ocpispec.execute.aggregate_margins import MarginCells
from ocpispec.execute.aggregate_values import measure_value
from ocpispec.execute.errors import TransformError
from ocpispec.execute.expression_failures import reason as expression_fails
from ocpispec.execute.functions import as_number
# DRIVER_FAMILY: the privacy tests read it from here
from ocpispec.execute.group_identity import (DRIVER_FAMILY, NOBODY,  # noqa: F401
                                             distinct_bytes, driver_identity, plain_drivers,
                                             typed_keys)
from ocpispec.execute.jmes_compile import Compiled
from ocpispec.execute.pipeline import Counts
from ocpispec.execute.series import further
from ocpispec.execute.spill import SpillFile, sort_key
from ocpispec.plan import ir
from ocpispec.plan.drivers import uid_first
from ocpispec.plan.margins import line_keys

# groups held in memory before they spill to disk (about 0.3 KiB each for a typical
# aggregate; see benchmarks/aggregate_memory.py)
MAX_GROUPS = 100_000


def export_aggregates(plan: ir.Plan) -> dict[str, ir.Aggregate]:
    """Every aggregate of an export by dataset name."""
    return {dataset.name: step for dataset in plan.datasets
            if (step := dataset.step(ir.Aggregate)) is not None}


def finer_rows(plan: ir.Plan, dataset: ir.Dataset) -> dict[str, Any]:
    """For each dataset whose totals `dataset` releases, how one of `dataset`'s rows
    becomes its rows (`series.further`; None: the row as it is)."""
    return {other.name: further(dataset, other) for other in plan.datasets
            if any(margin.dataset == dataset.name
                   for margin in getattr(other.step(ir.Aggregate), "margins", ()))}


DIGESTS_HELD = 1 << 16


class Aggregator(MarginCells):
    def __init__(self, step: ir.Aggregate, compile: Callable[[str], Compiled],
                 counts: Counts, max_groups: int = MAX_GROUPS,
                 spill_directory: str | None = None, dataset: str = "",
                 export: Mapping[str, ir.Aggregate] | None = None,
                 rows_of: Mapping[str, Callable[[dict], list[dict]] | None] | None = None,
                 _within: frozenset[str] = frozenset()) -> None:
        """`dataset` is this aggregate's dataset name and `export` every aggregate of the
        export by dataset name: a finer dataset whose totals this one releases is
        aggregated alongside, to withhold the totals its secondary suppression needs.
        `rows_of` turns one of this dataset's rows into a finer dataset's rows, when that
        one unnests or spreads further (`series.further`): its cells are counted over
        its own rows, as its own run counts them."""
        self.step = step
        self.keys = [compile(key.expression) for key in step.keys]
        self.layout = Layout(step, compile)
        self.names = [key.name for key in step.keys]
        # keys whose texts order by what they stand for (local slots, buckets, weekdays)
        by_name = value_order.ranks(step.keys)
        self.ranks = {index: by_name[key.name] for index, key in enumerate(step.keys)
                      if key.name in by_name}
        self.kinds = tuple(self.layout.kinds)
        self.entity = compile(step.entity) if step.entity else None
        other_way = uid_first(step.entity) if step.entity else None
        self.uid_first = compile(other_way) if other_way else None
        self.digests: dict[str, bytes] = {}  # `_digest_of`
        self.both = plain_drivers(step.entity) if step.entity else None
        # the slots whose contributors are counted (people, where the minimum counts them)
        counts_people = self.entity is not None and step.min_group_size > 1
        self.contributed = self.layout.magnitudes if counts_people else frozenset()
        self.order_checks = self.layout.order_checks if counts_people else []
        self.counts = counts
        self.minimum = max(step.min_group_size, 1)
        self.digest = acc.Digester()
        self.nobody = self.digest(NOBODY)
        # who is one person: the ids each record names together, linked (`People`)
        self.people = People(self.nobody)
        self.groups: dict[tuple, list] = {}
        self.max_groups = max_groups
        self.spill_directory = spill_directory
        self.spill: SpillFile | None = None
        self.records_seen = 0
        self.dataset = dataset
        # the positions of the keys a finer dataset's lines name (not the constants)
        self.all_keys = tuple(index for index, key in enumerate(step.keys)
                              if key in line_keys(step))
        self.finer = self._finer(compile, export or {}, rows_of or {}, _within | {dataset})
        # per margin with observed keys: their compiled expressions, and per group (by
        # its keys' repr) the values its records showed: a list of them when they differ
        # (the group lies on several lines), None when one is unknown
        self.observed = [([compile(e) if e else None for e in margin.observed], {})
                         if margin.observed else None for margin in step.margins]

    def _finer(self, compile: Callable[[str], Compiled], export: Mapping[str, ir.Aggregate],
               rows_of: Mapping[str, Callable[[dict], list[dict]] | None],
               within: frozenset[str]) -> list[tuple[Aggregator, Any]]:
        """An aggregator of each finer dataset whose totals this one releases, with how
        one of this dataset's rows becomes its rows. Totals by a value the run observes
        per group (a country over cities) may point both ways (cities over countries): a
        replica never runs one it runs `within`."""
        return [(Aggregator(other, compile, Counts(), self.max_groups, self.spill_directory,
                            name, export, None, within), rows_of.get(name))
                for name, other in export.items() if name not in within
                if any(margin.dataset == self.dataset for margin in other.margins)]

    def add_all(self, records: Iterable[dict]) -> None:
        """Adds each record; one whose keys or measures cannot be computed is counted as
        invalid with its reason, as a row export counts it (`Pipeline._safe`)."""
        invalid = self.counts.invalid
        for record in records:
            try:
                self.add(record)
            except TransformError as exc:
                invalid[exc.reason] += 1
            except JMESPathTypeError as exc:  # `sum(jmespath("sum(x[?...].y)"))`, no `x`
                invalid[expression_fails(exc)] += 1
            except (JMESPathError, TypeError, ValueError, ArithmeticError):
                invalid["unexpected value type in a transformation"] += 1

    def add(self, record: dict) -> None:
        for finer, rows_of in self.finer:  # as its own run sees it, whatever this one does
            for row in _rows_of(rows_of, record):
                try:
                    finer.add(row)
                except (TransformError, JMESPathError, TypeError, ValueError,
                        ArithmeticError):
                    pass
        keys = tuple([key(record) for key in self.keys])
        # every measure's value before any state changes: a record that fails counts
        # in no group, not in some of its measures
        values = [argument(record) for argument in self.layout.arguments]
        identity = keys if all(k.__class__ is str for k in keys) else typed_keys(keys)
        state = self.groups.get(identity)
        if state is None:
            if len(self.groups) >= self.max_groups:
                self._spill()
            state = self.groups[identity] = acc.new_state(keys, self.kinds)
        if self.observed:
            self._observe(repr(identity), record)
        driver = None
        if self.entity is not None:  # every record: its ids may link two of any group's
            driver = self._person(record)
            if driver is not self.nobody:
                state[acc.DRIVERS] = acc.counted(state[acc.DRIVERS], driver, self.minimum,
                                                 self.people)
        elif self.layout.by_driver or self.order_checks:
            driver = self._driver(record)
        index = acc.FIRST_SLOT
        for slot, (kind, value) in enumerate(zip(self.kinds, values)):
            if kind is acc.STATS:
                stats = state[index]
                if value is not None and slot in self.contributed:
                    driver = driver or self._driver(record)
                    acc.add_stats(stats, value, None if driver == self.nobody else driver,
                                  self.minimum, self.people)
                else:
                    acc.add_stats(stats, value)
            elif kind is acc.BY_DRIVER:
                acc.add_by_driver(state[index], driver, value)  # type: ignore[arg-type]
            elif kind is acc.VALUE_COUNTS:
                if driver is not None:  # counted where the minimum counts people
                    acc.add_value_count(state[index], driver, value)
            elif value is not None:
                self._add_value(kind, state[index], value)
            index += 1
        state[acc.RECORDS] += 1

    def _driver(self, record: dict) -> bytes:
        """The contributor of a record: its driver, or the record itself when the
        module has no driver."""
        if self.entity is None:
            self.records_seen += 1
            return self.records_seen.to_bytes(8, "big")
        return self._digest_of(self.entity(record))

    def _digest_of(self, person: Any) -> bytes:
        """A driver's digest; a driver charges again and again, so the digest of an id
        as read is remembered (up to `DIGESTS_HELD` of them)."""
        if person is None:
            return self.nobody
        if person.__class__ is not str:
            return self.digest(driver_identity(person))
        if (found := self.digests.get(person)) is None:
            if len(self.digests) >= DIGESTS_HELD:
                self.digests.clear()
            found = self.digests[person] = self.digest(driver_identity(person))
        return found

    def _person(self, record: dict) -> bytes:
        """The person of a record: its driver read contract first and uid first
        (`plan.drivers.uid_first`), the two ids linked (`People`); nobody where either
        is nobody, as such a record adds no driver."""
        if self.both is not None:
            first, second = self.both(record)
            driver = self._digest_of(first)
            other = driver if second is first else self._digest_of(second)
        else:
            driver = self._digest_of(self.entity(record))  # type: ignore[misc]
            other = self._digest_of(self.uid_first(record)) if self.uid_first else driver
        return self.people.person(driver, other)

    def _add_value(self, kind: str, slot: Any, value: Any) -> None:
        match kind:
            case acc.DISTINCT:
                slot.add(self.digest(distinct_bytes(value)))
            case acc.QUANTILES:
                slot.add(as_number(value))

    def _spill(self) -> None:
        if self.spill is None:
            self.spill = SpillFile(self.spill_directory, self.ranks)
        self.spill.flush(self.groups.values())
        self.groups = {}

    def _merge(self, into: list, other: list) -> list:
        return acc.merge(into, other, self.kinds, self.minimum, self.people)

    def _states(self) -> Iterator[list]:
        if self.spill is None:
            ranks = self.ranks
            yield from sorted(self.groups.values(),
                              key=lambda state: sort_key(state[acc.KEYS], ranks))
            return
        self._spill()
        try:
            yield from self.spill.states(self._merge)
        finally:
            self.spill.close()

    @property
    def spilled(self) -> int:
        """How many times the groups went to disk."""
        return self.spill.flushes if self.spill is not None else 0

    def rows(self) -> Iterator[dict]:
        if self.step.margins or self.finer:
            yield from self._rows_with_margins()
            return
        groups = 0
        for state in self._states():
            groups += 1
            status = self._status(state)
            if status is None:
                yield self._row(state)
        self.counts.groups = groups

    def _status(self, state: list) -> str | None:
        """Why a group is suppressed (counted), or None when it is released."""
        if self.entity is not None:  # every record read: its people as linked at last
            acc.settle(state, self.kinds, self.people)
        if not acc.reached(state, self.entity is not None, self.step.min_group_size):
            self.counts.groups_suppressed += 1
            size = acc.group_size(state, self.entity is not None)
            self.counts.largest_small = max(self.counts.largest_small, size)
            self.counts.small_in_records = self.entity is None
            return suppression.SMALL
        sparse = next((slot for slot in sorted(self.contributed) if acc.too_few_contributors(
            state[acc.FIRST_SLOT + slot], self.minimum)), None)
        if sparse is not None:  # too small for its sum or average
            self.counts.groups_suppressed += 1
            self.counts.groups_sparse[self.layout.measure_of[sparse]] += 1
            return suppression.SMALL
        told = next((name for slot, nonzero, name in self.order_checks
                     if acc.order_statistic_tells(state[acc.FIRST_SLOT + slot], self.nobody,
                                                  self.minimum, nonzero)), None)
        if told is not None:  # its min, max, median or percentile is one driver's value
            self.counts.groups_suppressed += 1
            self.counts.groups_told[told] += 1
            return suppression.SMALL
        rule = self.step.dominance
        if rule is not None and any(suppression.dominated(state[acc.FIRST_SLOT + slot], rule)
                                    for slot in self.layout.by_driver):
            self.counts.groups_dominated += 1
            return suppression.DOMINATED
        return None

    def _row(self, state: list) -> dict:
        row = dict(zip(self.names, state[acc.KEYS]))
        for (measure, placed), formula in zip(self.layout.parts, self.layout.formulas):
            row[measure.name] = measure_value(state, placed, formula, self.step.round_counts)
        return row

    def _rows_with_margins(self) -> Iterator[dict]:
        cells, margins = self.decide()
        for cell in cells:
            if cell.status is None and cell.row is not None:
                yield cell.row


def _rows_of(rows_of: Callable[[dict], list[dict]] | None, record: dict) -> Iterable[dict]:
    """A finer dataset's rows of one of this dataset's rows (none when they cannot be
    made: that dataset's own run counts the record as invalid)."""
    if rows_of is None:
        return (record,)
    try:
        return rows_of(record)
    except (TransformError, TypeError, ValueError, ArithmeticError):
        return ()
