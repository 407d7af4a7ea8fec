"""The plan steps of `each` and `spread` (see `ocpispec.series`)."""

from __future__ import annotations

from collections.abc import Callable

from ocpispec.plan import ir
from ocpispec import series
from ocpispec.check.checked import CheckedDataset, CheckedEach, CheckedSpread

SCHEME = ("pro rata to the seconds of each slot covered; exact in decimal: the value in "
          "units of its last decimal digit (at least 0.001), split by largest remainder")


def series_steps(checked: CheckedDataset,
                 element_fields: Callable[[str], tuple[tuple[str, ...], ...]]) -> list[ir.Step]:
    steps: list[ir.Step] = [_unnest(each, element_fields(each.alias)) for each in checked.eaches]
    if checked.spread is not None:
        steps.append(_spread(checked.spread))
    return steps


def _unnest(each: CheckedEach, fields: tuple[tuple[str, ...], ...]) -> ir.Unnest:
    names = tuple(sorted({".".join(path) for path in fields}))
    return ir.Unnest(f"unnest.{each.alias}", each.alias, each.parent, each.items, names,
                     each.each.span, each.derived,
                     series.ENERGY_TYPES if each.derived else (), each.parent_end)


def _spread(spread: CheckedSpread) -> ir.Spread:
    return ir.Spread(f"spread.{spread.alias}", spread.value, spread.start, spread.end,
                     spread.unit, spread.zone, spread.alias, SCHEME, spread.spread.span,
                     spread.zone_field)
