"""Primary and secondary suppression of an aggregate's cells (its rows).

Primary: a group with fewer than the minimum number of drivers (`small`), or where the
`n` largest drivers give more than `k`% of a sum (`dominated`, the (n, k) dominance
rule; contributions counted per driver as the minimum group size counts them).

Secondary: when another dataset of the export releases totals of this one along some
keys (a `Margin`), a line of cells that adds up to one released total must not hide
exactly one value, or subtraction gives it back. Greedy, to a fixed point, for every
line of every margin with exactly one unknown:
- the unknown is a cell: the line's total is withheld too (by the other dataset, which
  runs this same decision over the same records, see `Aggregator`);
- the unknown is the total (that dataset's own dominance rule withholds it): the
  released cell of the line with the fewest records is suppressed (ties: the first in
  output order), and the margins it lies on are looked at again.
Each line then hides nothing or at least two values (cells or its total): no suppressed
cell or total can be recomputed along any margin, nor by chains of such steps across
margins. It is not a full linear-programming audit of tables with several margins (see
docs/privacy-model.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ocpispec.execute import functions
from ocpispec.plan import ir

SMALL, DOMINATED, SECONDARY = "small", "dominated", "secondary"


def dominated(contributions: dict[bytes, float], rule: ir.Dominance) -> bool:
    """Whether the `rule.contributors` largest contributions exceed `rule.percent` of
    the total (magnitudes: a negative contribution counts by its size)."""
    sizes = sorted((abs(value) for value in contributions.values()), reverse=True)
    total = sum(sizes)
    if total <= 0:
        return False
    return sum(sizes[: rule.contributors]) * 100 > total * rule.percent


@dataclass(slots=True)
class Cell:
    keys: tuple[Any, ...]
    records: int
    status: str | None
    row: dict | None = None
    lines: list[tuple] = field(default_factory=list)


@dataclass(slots=True)
class Line:
    cells: list[int] = field(default_factory=list)
    # per summed argument: each driver's total over the line (for the margin's own rule)
    contributions: dict[int, dict[bytes, float]] = field(default_factory=dict)

    def add(self, index: int, slots: dict[int, dict[bytes, float]]) -> None:
        self.cells.append(index)
        for slot, by_driver in slots.items():
            merged = self.contributions.setdefault(slot, {})
            for driver, value in by_driver.items():
                merged[driver] = merged.get(driver, 0) + value
    total_suppressed: bool = False


def line_key(keys: tuple[Any, ...], positions: tuple[int, ...],
             cuts: tuple[int | str | None, ...] = ()) -> tuple:
    """The line of a cell along some of its keys; a key with a cut is read as the
    totals read it: its first characters (a coarser prefix), or a coarser part of its
    timestamp (the week of a day), computed by the very function the totals' key is."""
    if not cuts:
        return tuple(repr(keys[position]) for position in positions)
    return tuple(repr(_cut(keys[position], cut)) for position, cut in zip(positions, cuts))


def observed_line_key(keys: tuple[Any, ...], positions: tuple[int, ...],
                      cuts: tuple[int | str | None, ...], seen: tuple[Any, ...]) -> tuple:
    """`line_key` of a margin with observed keys: where `seen` holds a value (the one
    the group's records showed for the totals' own key), that value."""
    cuts = cuts or (None,) * len(positions)
    return tuple(repr(shown) if position < 0 else repr(_cut(keys[position], cut))
                 for position, cut, shown in zip(positions, cuts, seen))


def _cut(value: Any, cut: int | str | None) -> Any:
    match cut:
        case None:
            return value
        case int():
            return value[:cut] if isinstance(value, str) else value
        case "weekday":
            return functions.weekday(value)
        case "hour_of_day":
            return functions.hour_of_day(value)
    return _truncator(cut)(value)


@cache
def _truncator(unit: str):
    return functions.truncator(unit)


def secondary(cells: list[Cell], margins: Iterable[tuple[ir.Margin, dict[tuple, Line]]]
              ) -> int:
    """Suppress cells and withhold totals until every line hides zero or at least two
    values; returns how many cells were suppressed (withheld totals are marked on the
    lines: `total_suppressed`)."""
    margins = list(margins)
    for margin, lines in margins:
        if margin.dominance is not None:
            for line in lines.values():
                line.total_suppressed = any(dominated(c, margin.dominance)
                                            for c in line.contributions.values())
    added = 0
    changed = True
    while changed:
        changed = False
        for _, lines in margins:
            for line in lines.values():
                hidden = sum(1 for i in line.cells if cells[i].status is not None)
                if hidden + line.total_suppressed != 1:
                    continue
                changed = True
                if hidden:
                    line.total_suppressed = True
                    continue
                released = [i for i in line.cells if cells[i].status is None]
                chosen = min(released, key=lambda i: (cells[i].records, i))
                cells[chosen].status = SECONDARY
                added += 1
    return added
