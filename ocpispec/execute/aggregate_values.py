"""A released group's measure values from its state: each aggregate's result, counts
rounded under `round counts to`, and the measure's formula over them."""

from __future__ import annotations

from typing import Any

from ocpispec.execute import accumulators as acc
from ocpispec.execute.aggregate_layout import Placed
from ocpispec.execute.errors import TransformError
from ocpispec.execute.jmes_compile import Compiled

# the aggregates `round counts to` rounds, alone or inside a formula
_COUNTS = frozenset({"count", "count_distinct"})


def measure_value(state: list, placed: Placed, formula: Compiled | None,
                  round_counts: int | None) -> Any:
    """A measure's value. With `round counts to`, a measure made of counts alone is
    computed from the rounded counts: `count() * 1` or `count() / 7` is a count in
    another unit and must not give the exact count back. (A ratio with another
    aggregate, `sum(kwh) / count()`, is that aggregate's figure, like `avg(kwh)`.)"""
    results = [acc.result(part.function,
                          state[acc.FIRST_SLOT + index] if index is not None else None,
                          state[acc.RECORDS], part.fraction)
               for part, index in placed]
    if round_counts and all(part.function in _COUNTS for part, _ in placed):
        results = [_rounded(result, round_counts) for result in results]
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


def _rounded(value: Any, base: int) -> Any:
    if not isinstance(value, int) or isinstance(value, bool):
        return value
    return base * ((value + base // 2) // base)
