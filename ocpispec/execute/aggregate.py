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
group once, its partial states merged, in the same order as without it. Rows come out sorted by their keys (timestamps, buckets and weekdays by what they stand for: `value_order`), so the same data always gives the same
file, spilled or not.

A measure is one aggregate (`sum(kwh)`) or a formula over several (`round(sum(kwh) /
count(), 1)`): each distinct aggregate is computed once per group, then the formula is
evaluated over their results.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from jmespath.exceptions import JMESPathError, JMESPathTypeError

from ocpispec.plan import ir
from ocpispec.execute import accumulators as acc
from ocpispec.execute import suppression, value_order
from ocpispec.execute.expression_failures import reason as expression_fails
from ocpispec.execute.functions import TransformError, as_number
from ocpispec.execute.jmes_compile import Compiled
from ocpispec.execute.pipeline import Counts
from ocpispec.execute.pseudonyms import canonicalizer
from ocpispec.execute.series import further
from ocpispec.plan.margins import line_keys
from ocpispec.execute.spill import SpillFile, sort_key
from ocpispec.render.values import json_text

_NOBODY = b"\x00nobody"  # the entity of records without a driver identifier
DRIVER_FAMILY = "token"  # the pseudonym family of card uids and contract ids
_canonical_driver = canonicalizer(DRIVER_FAMILY)
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


def measure_parts(measure: ir.Measure) -> tuple[ir.Part, ...]:
    if measure.parts:
        return measure.parts
    return (ir.Part(measure.function, measure.argument),)


# aggregates that release one record's value (or a point between two)
ORDER_STATISTICS = frozenset({"min", "max", "median", "percentile"})


class _Layout:
    """Where each part's value lives in a group state: slots are shared by parts of
    one kind over one argument (`sum(kwh)` and `avg(kwh)` read one `stats` slot)."""

    def __init__(self, step: ir.Aggregate, compile: Callable[[str], Compiled]) -> None:
        self.arguments: list[Compiled] = []
        self.kinds: list[str] = []
        slots: dict[tuple[str, str], int] = {}
        self.parts: list[tuple[ir.Measure, list[tuple[ir.Part, int | None]]]] = []
        for measure in step.measures:
            placed = []
            for part in measure_parts(measure):
                kind = acc.slot_kind(part.function)
                index = None
                if kind is not None and part.argument is not None:
                    index = slots.get((kind, part.argument))
                    if index is None:
                        index = slots[(kind, part.argument)] = len(self.kinds)
                        self.kinds.append(kind)
                        self.arguments.append(compile(part.argument))
                placed.append((part, index))
            self.parts.append((measure, placed))
        self.formulas = [compile(m.formula) if m.formula else None for m in step.measures]
        # the stats slots a `sum` or `avg` reads: their contributors must reach the minimum
        self.magnitudes = frozenset(index for _, placed in self.parts for part, index in placed
                                    if part.function in ("sum", "avg") and index is not None)
        # the measure each such slot is named by in the run summary (its first)
        self.measure_of: dict[int, str] = {}
        for measure, placed in self.parts:
            for part, index in placed:
                if index in self.magnitudes:
                    self.measure_of.setdefault(index, measure.name)
        # the values each driver gave the argument of a `min`, `max`, `median` or
        # `percentile`: (slot, zeros aside, the measure's name) per such part
        self.order_checks: list[tuple[int, bool, str]] = []
        order_slots: dict[str, int] = {}
        for measure, placed in self.parts:
            for part, _ in placed:
                if part.function in ORDER_STATISTICS and part.argument:
                    if (slot := order_slots.get(part.argument)) is None:
                        slot = order_slots[part.argument] = len(self.kinds)
                        self.kinds.append(acc.VALUE_COUNTS)
                        self.arguments.append(compile(part.argument))
                    check = (slot, part.function in ("min", "max"), measure.name)
                    if check not in self.order_checks:
                        self.order_checks.append(check)
        # each driver's total of every summed argument, when a dominance rule needs it
        self.by_driver: list[int] = []
        if step.dominance is not None or any(m.dominance for m in step.margins):
            for argument in dict.fromkeys(part.argument for m in step.measures
                                          for part in measure_parts(m)
                                          if part.function in ("sum", "avg") and part.argument):
                self.by_driver.append(len(self.kinds))
                self.kinds.append(acc.BY_DRIVER)
                self.arguments.append(compile(argument))


class Aggregator:
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
        self.layout = _Layout(step, compile)
        self.names = [key.name for key in step.keys]
        # keys whose texts order by what they stand for (local slots, buckets, weekdays)
        by_name = value_order.ranks(step.keys)
        self.ranks = {index: by_name[key.name] for index, key in enumerate(step.keys)
                      if key.name in by_name}
        self.kinds = tuple(self.layout.kinds)
        self.entity = compile(step.entity) if step.entity else None
        # the slots whose contributors are counted (people, where the minimum counts them)
        self.contributed = self.layout.magnitudes if self.entity is not None \
            and step.min_group_size > 1 else frozenset()
        self.order_checks = self.layout.order_checks if self.entity is not None \
            and step.min_group_size > 1 else []
        self.counts = counts
        self.minimum = max(step.min_group_size, 1)
        self.digest = acc.Digester()
        self.nobody = self.digest(_NOBODY)
        self.groups: dict[tuple, list] = {}
        self.max_groups = max_groups
        self.spill_directory = spill_directory
        self.spill: SpillFile | None = None
        self.records_seen = 0
        self.dataset = dataset
        # the positions of the keys a finer dataset's lines name (not the constants)
        self.all_keys = tuple(index for index, key in enumerate(step.keys)
                              if key in line_keys(step))
        # totals by a value the run observes per group (a country over cities) may point
        # both ways (cities over countries): a replica never runs one it runs within
        within = _within | {dataset}
        self.finer = [(Aggregator(other, compile, Counts(), max_groups, spill_directory, name,
                                  export, None, within), (rows_of or {}).get(name))
                      for name, other in (export or {}).items() if name not in within
                      if any(margin.dataset == dataset for margin in other.margins)]
        # per margin with observed keys: their compiled expressions, and per group (by
        # its keys' repr) the values its records showed: a list of them when they differ
        # (the group lies on several lines), None when one is unknown
        self.observed = [([compile(e) if e else None for e in margin.observed], {})
                         if margin.observed else None for margin in step.margins]

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
        identity = keys if all(k.__class__ is str for k in keys) else _typed(keys)
        state = self.groups.get(identity)
        if state is None:
            if len(self.groups) >= self.max_groups:
                self._spill()
            state = self.groups[identity] = acc.new_state(keys, self.kinds)
        if self.observed:
            self._observe(repr(identity), record)
        driver = None
        if self.layout.by_driver or self.order_checks or \
                (self.entity is not None and state[acc.DRIVERS] is not True):
            driver = self._driver(record)
            if self.entity is not None and state[acc.DRIVERS] is not True \
                    and driver != self.nobody:
                acc.add_driver(state, driver, self.minimum)
        index = acc.FIRST_SLOT
        for slot, (kind, value) in enumerate(zip(self.kinds, values)):
            if kind is acc.STATS:
                stats = state[index]
                if value is not None and slot in self.contributed and stats[acc.CONTRIBUTORS] is not True:
                    driver = driver or self._driver(record)
                    acc.add_stats(stats, value, None if driver == self.nobody else driver,
                                  self.minimum)
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

    def _observe(self, group: str, record: dict) -> None:
        for observed in self.observed:
            if observed is None:
                continue
            expressions, seen = observed
            try:
                values = tuple(e(record) if e is not None else None for e in expressions)
            except (TransformError, TypeError, ValueError):
                values = None  # unknown: the group cannot be placed on a line
            known = seen.setdefault(group, values)
            if known is None or known == values:
                continue
            if values is None:
                seen[group] = None  # unknown: no line of this margin is known
            elif known.__class__ is list:  # the group lies on several lines
                if values not in known:
                    known.append(values)
            else:
                seen[group] = [known, values]

    def _driver(self, record: dict) -> bytes:
        """The contributor of a record: its driver, or the record itself when the
        module has no driver."""
        if self.entity is None:
            self.records_seen += 1
            return self.records_seen.to_bytes(8, "big")
        return self.digest(_identity(self.entity(record)))

    def _add_value(self, kind: str, slot: Any, value: Any) -> None:
        match kind:
            case acc.DISTINCT:
                slot.add(self.digest(_distinct_bytes(value)))
            case acc.QUANTILES:
                slot.add(as_number(value))

    def _spill(self) -> None:
        if self.spill is None:
            self.spill = SpillFile(self.spill_directory, self.ranks)
        self.spill.flush(self.groups.values())
        self.groups = {}

    def _merge(self, into: list, other: list) -> list:
        return acc.merge(into, other, self.kinds, self.minimum)

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
            row[measure.name] = self._value(state, placed, formula)
        return row

    def _rows_with_margins(self) -> Iterator[dict]:
        cells, margins = self.decide()
        for cell in cells:
            if cell.status is None and cell.row is not None:
                yield cell.row

    def decide(self) -> tuple[list[suppression.Cell], list[tuple[ir.Margin, dict]]]:
        """Every cell with its status after primary and secondary suppression, and the
        lines of each margin (with the totals to withhold)."""
        margins = [(margin, self._line_positions(margin), {})
                   for margin, observed in zip(self.step.margins, self.observed)
                   if observed is None or None not in observed[1].values()]
        observed_of = {id(margin): observed[1] for margin, observed
                       in zip(self.step.margins, self.observed) if observed is not None}
        withheld = self._withheld_by_finer()
        unsure: set[int] = set()
        # lines a group lying on several of them adds to: a total of such a line is not
        # the sum of its groups, so no suppression can be decided on it
        straddled: dict[int, set[tuple]] = {}
        cells: list[suppression.Cell] = []
        for state in self._states():
            status = self._status(state)
            if status is None and suppression.line_key(state[acc.KEYS], self.all_keys) \
                    in withheld:
                self.counts.groups_secondary += 1
                status = suppression.SECONDARY
            cell = suppression.Cell(state[acc.KEYS], state[acc.RECORDS], status,
                                    self._row(state) if status is None else None)
            slots = {slot: state[acc.FIRST_SLOT + slot] for slot in self.layout.by_driver}
            for margin, at, lines in margins:
                if not margin.observed:
                    key = suppression.line_key(cell.keys, at, margin.cuts)
                elif (seen := observed_of[id(margin)].get(_group(cell.keys))) is None:
                    unsure.add(id(margin))  # a group not observed: no line is known
                    continue
                elif seen.__class__ is list:
                    straddled.setdefault(id(margin), set()).update(
                        suppression.observed_line_key(cell.keys, at, margin.cuts, shown)
                        for shown in seen)
                    continue
                else:
                    key = suppression.observed_line_key(cell.keys, at, margin.cuts, seen)
                lines.setdefault(key, suppression.Line()).add(len(cells), slots)
            cells.append(cell)
        margins = [(margin, at, {key: line for key, line in lines.items()
                                 if key not in straddled.get(id(margin), ())})
                   for margin, at, lines in margins if id(margin) not in unsure]
        self.counts.groups_secondary += suppression.secondary(
            cells, [(margin, lines) for margin, _, lines in margins])
        self.counts.groups = len(cells)
        return cells, [(margin, lines) for margin, _, lines in margins]

    def _line_positions(self, margin: ir.Margin) -> tuple[int, ...]:
        """Where each key of a margin's lines is among this dataset's keys; -1 for a key
        the run observes: that is the totals' own key, whatever this dataset calls its
        own keys (two datasets both naming their key `band` cut `kwh` differently)."""
        positions = {key.name: index for index, key in enumerate(self.step.keys)}
        observed = margin.observed or ("",) * len(margin.keys)
        return tuple(-1 if seen else positions.get(name, -1)
                     for name, seen in zip(margin.keys, observed))

    def _withheld_by_finer(self) -> set[tuple]:
        """The groups of this dataset that a finer dataset of the export needs withheld
        (totals of its lines that would give a suppressed cell away)."""
        withheld: set[tuple] = set()
        for finer, _ in self.finer:
            _, margins = finer.decide()
            for margin, lines in margins:
                if margin.dataset == self.dataset:
                    withheld |= {key for key, line in lines.items() if line.total_suppressed}
        return withheld

    def _value(self, state: list, placed, formula: Compiled | None) -> Any:
        """A measure's value. With `round counts to`, a measure made of counts alone is
        computed from the rounded counts: `count() * 1` or `count() / 7` is a count in
        another unit and must not give the exact count back. (A ratio with another
        aggregate, `sum(kwh) / count()`, is that aggregate's figure, like `avg(kwh)`.)"""
        base = self.step.round_counts
        results = [acc.result(part.function,
                              state[acc.FIRST_SLOT + index] if index is not None else None,
                              state[acc.RECORDS], part.fraction)
                   for part, index in placed]
        if base and all(part.function in _COUNTS for part, _ in placed):
            results = [_rounded(result, base) for result in results]
        if formula is None:
            return results[0]
        if any(result.__class__ is float and result - result != 0 for result in results):
            # an overflowed sum: the formula would read it as no number and give null;
            # the writers stop the run at it instead (OCX568)
            return next(r for r in results if r.__class__ is float and r - r != 0)
        try:
            value = formula({f"#{i}": result for i, result in enumerate(results)})
        except TransformError:
            return None
        return acc.tidy(value) if isinstance(value, float) else value


def _rows_of(rows_of: Callable[[dict], list[dict]] | None, record: dict) -> Iterable[dict]:
    """A finer dataset's rows of one of this dataset's rows (none when they cannot be
    made: that dataset's own run counts the record as invalid)."""
    if rows_of is None:
        return (record,)
    try:
        return rows_of(record)
    except (TransformError, TypeError, ValueError, ArithmeticError):
        return ()


# the aggregates `round counts to` rounds, alone or inside a formula
_COUNTS = frozenset({"count", "count_distinct"})


def _rounded(value: Any, base: int) -> Any:
    if not isinstance(value, int) or isinstance(value, bool):
        return value
    return base * ((value + base // 2) // base)


def _group(keys: tuple[Any, ...]) -> str:
    """A group's identity as text, as `add` keys the values `_observe` saw."""
    keys = tuple(keys)
    return repr(keys if all(k.__class__ is str for k in keys) else _typed(keys))


def _typed(keys: tuple[Any, ...]) -> tuple[Any, ...]:
    """A group's identity when a key is not text: `1`, `1.0` and `true` are three
    groups, as they are three different values in the output."""
    return tuple(key if key.__class__ is str else
                 (key.__class__, json_text(key) if isinstance(key, (dict, list)) else repr(key))
                 for key in keys)


def _identity(person: Any) -> bytes:
    """The driver as pseudonyms see them: canonical bytes of the token id."""
    if isinstance(person, (dict, list)):
        return json_text(person).encode()
    canonical = _canonical_driver(person)
    return _NOBODY if canonical is None or canonical == b"" else canonical


def _distinct_bytes(value: Any) -> bytes:
    """Values are told apart as JSON tells them apart (`1` and `"1"` differ)."""
    if isinstance(value, str):
        return b"s" + value.encode("utf-8", "surrogatepass")
    return b"j" + json_text(value).encode()
