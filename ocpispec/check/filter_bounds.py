"""The bounds a row dataset's filter puts on quasi numbers and times (`kwh >= 20`), for
the check that two datasets' bounds close a band together (`check/bound_differencing.py`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
TYPE_CHECKING = False  # typing costs a cold `check` 3 ms; annotations only need it for mypy
if TYPE_CHECKING:
    from typing import Any

from ocpispec.check.context import Context
from ocpispec.check.coordinate_axes import axis_degrees, axis_floor, is_axis
from ocpispec.check.filter_pins import amount, number
from ocpispec.check.floors import assess, field_floor
from ocpispec.check.kept_conditions import against_literal, as_met, kept
from ocpispec.check.privacy import exposure
from ocpispec.check.values import Use
from ocpispec.diagnostics.source import Span
from ocpispec.frozen import frozen
from ocpispec.language import syntax
from ocpispec.schema.model import Kind, PrivacyClass

__all__ = ["Bound", "amount", "bounds"]


@frozen
class Bound:
    """`kwh >= 20`, met by every row a filter keeps: the field, the value in the floor's
    unit, which side it bounds and whether the value itself is kept."""

    use: Use
    value: float
    below: bool       # `<`, `<=`: the rows lie below the value
    inclusive: bool   # `<=`, `>=`
    span: Span
    floor: float


def bounds(where: syntax.Where, tests: Sequence[Any], pinned: frozenset[str],
           ctx: Context) -> list[Bound]:
    """The bounds every row `where` keeps meets on a quasi number or time read as it is,
    but on the fields it pins on its own (`filter_pins.check_pins` warned of those)."""
    condition = where.condition
    met = {id(leaf): flag for leaf, flag in kept(condition, False)}
    found = []
    for test in tests:
        use = test.use
        axis = is_axis(use.field)  # decimal text, a number all the same
        if id(test.predicate) not in met or use.hatch is not None \
                or use.field.qualified in pinned \
                or exposure(use, ctx) is not PrivacyClass.QUASI \
                or use.field.field.object is not None \
                or (not axis and math.isinf(field_floor(use))):
            continue
        predicate = as_met(test.predicate, met[id(test.predicate)])
        compared = against_literal(predicate)
        if compared is None or compared[0] not in ("<", "<=", ">", ">="):
            continue
        op, side, literal = compared
        span = predicate.span
        value = axis_degrees(literal) if axis else number(literal, use)
        if value is None:
            continue
        if axis:  # as it is only: text has no arithmetic the checks can follow
            if isinstance(side, syntax.FieldRef):
                found.append(Bound(use, value, op.startswith("<"), op.endswith("="), span,
                                   axis_floor(use.field)))
        elif use.around:  # `kwh * 1000 >= 23510`, `round(kwh, 2) >= 23.51`: in the field's units
            found += _computed(use, side, op, value, span)
        elif isinstance(side, syntax.FieldRef):
            found.append(Bound(use, value, op.startswith("<"), op.endswith("="), span,
                               field_floor(use)))
    return found


def _computed(use: Use, side: syntax.Expr, op: str, value: float, span: Span) -> list[Bound]:
    """The bound a comparison of a value computed from the field puts on the field, when
    the value is the field scaled and shifted by constants (`floors.assess`) and no cut
    coarsens it to its floor; a time only as it is, or cut finer than its floor
    (`truncate(start_date_time, minute)`)."""
    if use.around[-1] is not side:
        return []
    verdict = assess(use)
    if verdict.protects or verdict.affine is None:
        return []
    scale, shift = verdict.affine
    if use.field.field.kind is Kind.DATETIME and (scale, shift) != (1.0, 0.0):
        return []
    below = op.startswith("<") if scale > 0 else not op.startswith("<")
    return [Bound(use, (value - shift) / scale, below, op.endswith("="), span,
                  field_floor(use))]
