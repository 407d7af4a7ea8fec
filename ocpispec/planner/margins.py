"""Which datasets of an export release totals of another's groups.

Two aggregates read the same records when every step before the aggregate (fetch,
normalisation, lookups, joins, the privacy filter, `where`) does the same thing; then
the coarser one (grouping by some of the finer one's key expressions, not all) releases
margins of the finer one: each of its rows is the total of some of the finer rows.
Secondary suppression in the finer dataset (executor.suppression) makes sure no
suppressed row can be recomputed from those totals by subtraction.
"""

from __future__ import annotations

import dataclasses

from ocpispec import plan as ir

_BEFORE = (ir.Fetch, ir.Normalize, ir.Lookup, ir.Join, ir.PrivacyFilter, ir.Filter)


def with_margins(datasets: tuple[ir.Dataset, ...]) -> tuple[ir.Dataset, ...]:
    return tuple(_with_margins(dataset, datasets) for dataset in datasets)


def _with_margins(dataset: ir.Dataset, datasets: tuple[ir.Dataset, ...]) -> ir.Dataset:
    aggregate = dataset.step(ir.Aggregate)
    if aggregate is None:
        return dataset
    margins = tuple(margin for other in datasets if other is not dataset
                    for margin in [_margin(dataset, aggregate, other)] if margin is not None)
    if not margins:
        return dataset
    steps = tuple(dataclasses.replace(step, margins=margins) if step is aggregate else step
                  for step in dataset.steps)
    return dataclasses.replace(dataset, steps=steps)


def _margin(dataset: ir.Dataset, aggregate: ir.Aggregate, other: ir.Dataset) -> ir.Margin | None:
    coarse = other.step(ir.Aggregate)
    if coarse is None or _records(dataset) != _records(other):
        return None
    by_expression = {key.expression: key.name for key in aggregate.keys}
    wanted = [key.expression for key in coarse.keys]
    if not set(wanted) < set(by_expression):
        return None
    return ir.Margin(other.name, tuple(by_expression[e] for e in wanted), coarse.dominance)


def _records(dataset: ir.Dataset) -> list:
    """What selects the records, without step ids and spans."""
    return [_plain(ir._encode(step)) for step in dataset.steps if isinstance(step, _BEFORE)]


def _plain(value):
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items() if key not in ("origin", "id")}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value
