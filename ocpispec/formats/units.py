"""The unit of a released number, for the data package (`ocpispec:unit`).

Read from what the plan computes, not from the fields a column mentions: a field
keeps its unit through `round` and the aggregates that keep one (`sum`, `avg`, `min`,
`max`, `median`, `percentile`); `minutes(...)` and `hours(...)` are durations; a count
has none. A band (`bucket(kwh, [0, 5, 10])`, released as text such as `0-5`) is in the
unit of its bounds, the value it bands. Arithmetic keeps a unit only where it cannot change it: adding or taking
away a value of the same unit (or a constant), multiplying or dividing by a count.
Anything else (`max_electric_power / 1000`, `kwh * 1000`, `kwh / hours(a, b)`) has a
unit the tool cannot name, so none is declared rather than a wrong one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from jmespath import parser

from ocpispec.field_units import FIELD_UNITS, FUNCTION_UNITS
from ocpispec.plan import ir

# what a value's unit is while it is worked out: a unit, COUNT (a dimensionless
# number), CONSTANT (a number written in the spec) or None (unknown)
COUNT, CONSTANT = "", "#constant"
KEEPING = frozenset({"round", "abs", "sum", "avg", "min", "max", "median", "percentile",
                     "bucket"})
COUNTING = frozenset({"count", "count_distinct"})


# an amount in a currency, for display only (the data package names no unit for it:
# the currency is a column or a field of its own): the fields of OCPI's Price and the
# costs of a 2.1.1 CDR, which are plain numbers there
AMOUNT = "#amount"
AMOUNT_FIELDS = dict.fromkeys(("excl_vat", "incl_vat", "before_taxes", "total_cost",
                               "total_fixed_cost", "total_energy_cost", "total_time_cost",
                               "total_parking_cost", "total_reservation_cost"), AMOUNT)


def column_unit(column: ir.Column) -> str | None:
    return _declared(_of(_parsed(column.expression), {}))


def column_is_amount(column: ir.Column) -> bool:
    """Whether a column is an amount in a currency: a cost as read, rounded, summed or
    averaged; not a cost divided by energy (a price per kWh)."""
    return _of(_parsed(column.expression), AMOUNT_FIELDS) == AMOUNT


def measure_is_amount(measure: ir.Measure) -> bool:
    if measure.function == "formula" and measure.formula is not None:
        parts = {f"#{index}": _part(part.function, part.argument, AMOUNT_FIELDS)
                 for index, part in enumerate(measure.parts)}
        return _of(_parsed(measure.formula), parts) == AMOUNT
    return _part(measure.function, measure.argument, AMOUNT_FIELDS) == AMOUNT


def measure_unit(measure: ir.Measure) -> str | None:
    if measure.function == "formula" and measure.formula is not None:
        parts = {f"#{index}": _part(part.function, part.argument)
                 for index, part in enumerate(measure.parts)}
        return _declared(_of(_parsed(measure.formula), parts))
    return _declared(_part(measure.function, measure.argument))


def _part(function: str, argument: str | None,
          fields: Mapping[str, str | None] | None = None) -> str | None:
    if function in COUNTING:
        return COUNT
    if function in KEEPING and argument is not None:
        return _of(_parsed(argument), fields or {})
    return None


def _declared(unit: str | None) -> str | None:
    return None if unit in (COUNT, CONSTANT) else unit


def _parsed(expression: str) -> Mapping[str, Any] | None:
    try:
        return parser.Parser().parse(expression).parsed
    except Exception:  # noqa: BLE001 - a plan's text that is not JMESPath has no unit
        return None


def _of(node: Mapping[str, Any] | None, parts: Mapping[str, str | None]) -> str | None:
    match node:
        case {"type": "field", "value": str(name)}:  # `parts`: measures, or amounts
            return parts[name] if name in parts else FIELD_UNITS.get(name)
        case {"type": "subexpression", "children": [*_, last]}:
            return _of(last, parts) if last.get("type") == "field" else None
        case {"type": "literal", "value": int() | float()}:
            return CONSTANT
        case {"type": "function_expression", "value": str(name), "children": children}:
            return _call(name, [_of(child, parts) for child in children])
    return None


def _call(name: str, units: Sequence[str | None]) -> str | None:
    if name in FUNCTION_UNITS:
        return FUNCTION_UNITS[name]
    if name in KEEPING and units:
        return units[0]
    if len(units) != 2:
        return None
    left, right = units
    match name:
        case "add" | "subtract":
            return _sum(left, right)
        case "multiply":
            return right if left == COUNT else left if right == COUNT else None
        case "divide":
            return left if right == COUNT else \
                COUNT if left == right and left not in (None, CONSTANT) else None
    return None


def _sum(left: str | None, right: str | None) -> str | None:
    if left == right or right == CONSTANT:
        return left
    return right if left == CONSTANT else None
