"""A sum over the rows of an `each` of a value of the whole record.

`each charging_periods as period` makes one row per charging period, and every field
of the record (and of its joins) keeps its whole value in each of those rows:
`sum(kwh)` adds a session's energy once per period, three times over for a session of
three periods, and `avg(kwh)` weighs a session by its number of periods. The figures
are silently wrong; OCX243 names the element's own value, or the dataset without
`each`. (Over a `spread`'s slots OCX241 says the same.)
"""

from __future__ import annotations

from collections.abc import Sequence

from ocpispec.check.checked import CheckedEach
from ocpispec.check.context import Context
from ocpispec.check.measures import aggregate_calls
from ocpispec.check.scope import Scope
from ocpispec.diagnostics import Diagnostic, warning
from ocpispec.field_units import FIELD_UNITS
from ocpispec.language import syntax

_ADDING = ("sum", "avg")
# the element field holding a record quantity's part, by the list unnested
_PARTS = {"charging_periods": {"kWh": "energy_kwh"}}


def check_each_sums(measures: Sequence[syntax.Column], eaches: Sequence[CheckedEach],
                    scope: Scope, ctx: Context) -> None:
    if not eaches or scope.spread is not None:  # a spread's slots: OCX241
        return
    aliases = {each.alias for each in eaches}
    for column in measures:
        for call in aggregate_calls(column.expr):
            if call.name.name not in _ADDING:
                continue
            refs = [ref for ref in syntax.field_refs(call) if ref in scope.fields]
            if not refs or any(ref.path[0] in aliases for ref in refs):
                continue  # an element's own value (or none read): one per row, as meant
            ctx.emit(_repeated(call, refs[0], eaches[-1], ctx))


def _repeated(call: syntax.Call, ref: syntax.FieldRef, each: CheckedEach,
              ctx: Context) -> Diagnostic:
    name, unit = call.name.name, FIELD_UNITS.get(ref.path[-1])
    # a sum's parts add up to the record's whole; an average of them is another figure
    part = _PARTS.get(each.base[-1] if each.base else "", {}).get(unit or "") \
        if name == "sum" else None
    written = ctx.source.text[call.span.start:call.span.end]
    return warning(
        "OCX243", f"`{' '.join(written.split())}` counts `{ref.dotted}` once per "
        f"`{each.alias}`",
        call.span, f"`{ref.dotted}` is the whole record's, repeated in each row",
        notes=[f"`each {'.'.join(each.each.path.path)} as {each.alias}` makes one row per "
               f"element, and `{ref.dotted}` is the record's whole value in every one of "
               "them, so the figure grows with the number of elements a record has"],
        help=(f"write `{written.replace(ref.dotted, f'{each.alias}.{part}', 1)}`, the same "
              "quantity per element" if part else
              f"leave out `each` to count each record's `{ref.dotted}` once (in a dataset "
              "of its own beside this one)"))
