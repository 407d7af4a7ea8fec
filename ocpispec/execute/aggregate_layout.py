"""Where each aggregate of a dataset's measures lives in a group's state, and which of
them the minimum group size and the dominance rule watch."""

from __future__ import annotations

from collections.abc import Callable

from ocpispec.execute import accumulators as acc
from ocpispec.execute.jmes_compile import Compiled
from ocpispec.plan import ir

# aggregates that release one record's value (or a point between two)
ORDER_STATISTICS = frozenset({"min", "max", "median", "percentile"})
# a measure's parts with the slot each reads (None: a part that reads no slot, `count()`)
Placed = list[tuple[ir.Part, int | None]]


def measure_parts(measure: ir.Measure) -> tuple[ir.Part, ...]:
    if measure.parts:
        return measure.parts
    return (ir.Part(measure.function, measure.argument),)


class Layout:
    """Where each part's value lives in a group state: slots are shared by parts of
    one kind over one argument (`sum(kwh)` and `avg(kwh)` read one `stats` slot)."""

    def __init__(self, step: ir.Aggregate, compile: Callable[[str], Compiled]) -> None:
        self._compile = compile
        self.arguments: list[Compiled] = []
        self.kinds: list[str] = []
        slots: dict[tuple[str, str], int] = {}
        self.parts: list[tuple[ir.Measure, Placed]] = [
            (measure, [(part, self._slot(part, slots)) for part in measure_parts(measure)])
            for measure in step.measures]
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
        self.order_checks = self._order_checks()
        self.by_driver = self._by_driver(step)

    def _add_slot(self, kind: str, argument: str) -> int:
        self.kinds.append(kind)
        self.arguments.append(self._compile(argument))
        return len(self.kinds) - 1

    def _slot(self, part: ir.Part, slots: dict[tuple[str, str], int]) -> int | None:
        """The slot a part reads, shared with an earlier part of its kind and argument."""
        kind = acc.slot_kind(part.function)
        if kind is None or part.argument is None:
            return None
        index = slots.get((kind, part.argument))
        if index is None:
            index = slots[(kind, part.argument)] = self._add_slot(kind, part.argument)
        return index

    def _order_checks(self) -> list[tuple[int, bool, str]]:
        """The values each driver gave the argument of a `min`, `max`, `median` or
        `percentile`: (slot, zeros aside, the measure's name) per such part."""
        checks: list[tuple[int, bool, str]] = []
        order_slots: dict[str, int] = {}
        for measure, placed in self.parts:
            for part, _ in placed:
                if part.function in ORDER_STATISTICS and part.argument:
                    if (slot := order_slots.get(part.argument)) is None:
                        slot = order_slots[part.argument] = \
                            self._add_slot(acc.VALUE_COUNTS, part.argument)
                    check = (slot, part.function in ("min", "max"), measure.name)
                    if check not in checks:
                        checks.append(check)
        return checks

    def _by_driver(self, step: ir.Aggregate) -> list[int]:
        """Slots of each driver's total of every summed argument, when a dominance rule
        needs them."""
        if step.dominance is None and not any(m.dominance for m in step.margins):
            return []
        summed = dict.fromkeys(part.argument for m in step.measures for part in measure_parts(m)
                               if part.function in ("sum", "avg") and part.argument)
        return [self._add_slot(acc.BY_DRIVER, argument) for argument in summed]
