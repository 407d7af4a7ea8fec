"""Secondary suppression across an aggregate's margins: which groups lie on which line
of the totals a coarser dataset releases, so that no total gives a suppressed group away
(`suppression.secondary`). `Aggregator` mixes this in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ocpispec.execute import accumulators as acc
from ocpispec.execute import suppression
from ocpispec.execute.errors import TransformError
from ocpispec.execute.group_identity import group_text
from ocpispec.execute.jmes_compile import Compiled
from ocpispec.execute.pipeline import Counts
from ocpispec.plan import ir

# per margin with observed keys: their compiled expressions, and per group (by its keys'
# repr) the values its records showed: a list of them when they differ (the group lies
# on several lines), None when one is unknown
Observed = tuple[list[Compiled | None], dict[str, Any]]
Lines = dict[tuple, suppression.Line]


class MarginCells:
    """What `Aggregator` gives this mixin: its step, counts, finer aggregators, the
    values observed per margin, and its groups' states with their status and row."""

    step: ir.Aggregate
    counts: Counts
    dataset: str
    all_keys: tuple[int, ...]
    finer: list[tuple[Any, Any]]
    observed: list[Observed | None]
    layout: Any
    _states: Callable[[], Iterator[list]]
    _status: Callable[[list], str | None]
    _row: Callable[[list], dict]

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

    def decide(self) -> tuple[list[suppression.Cell], list[tuple[ir.Margin, Lines]]]:
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
            cell = self._cell(state, withheld)
            slots = {slot: state[acc.FIRST_SLOT + slot] for slot in self.layout.by_driver}
            for margin, at, lines in margins:
                key = _line_of(margin, at, cell.keys, observed_of, unsure, straddled)
                if key is not None:
                    lines.setdefault(key, suppression.Line()).add(len(cells), slots)
            cells.append(cell)
        decided = [(margin, {key: line for key, line in lines.items()
                             if key not in straddled.get(id(margin), ())})
                   for margin, _, lines in margins if id(margin) not in unsure]
        self.counts.groups_secondary += suppression.secondary(cells, decided)
        self.counts.groups = len(cells)
        return cells, decided

    def _cell(self, state: list, withheld: set[tuple]) -> suppression.Cell:
        """A group's cell: suppressed as small or dominated, or as a finer dataset's
        totals need it, or released with its row."""
        status = self._status(state)
        if status is None and suppression.line_key(state[acc.KEYS], self.all_keys) in withheld:
            self.counts.groups_secondary += 1
            status = suppression.SECONDARY
        return suppression.Cell(state[acc.KEYS], state[acc.RECORDS], status,
                                self._row(state) if status is None else None)

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


def _line_of(margin: ir.Margin, at: tuple[int, ...], keys: tuple[Any, ...],
             observed_of: dict[int, dict[str, Any]], unsure: set[int],
             straddled: dict[int, set[tuple]]) -> tuple | None:
    """The line of `margin` a group adds to; None when it adds to no line a suppression
    can be decided on: its group was never observed (the margin is `unsure`) or lies on
    several lines (they are `straddled`)."""
    if not margin.observed:
        return suppression.line_key(keys, at, margin.cuts)
    seen = observed_of[id(margin)].get(group_text(keys))
    if seen is None:
        unsure.add(id(margin))
        return None
    if seen.__class__ is list:
        straddled.setdefault(id(margin), set()).update(
            suppression.observed_line_key(keys, at, margin.cuts, shown) for shown in seen)
        return None
    return suppression.observed_line_key(keys, at, margin.cuts, seen)
