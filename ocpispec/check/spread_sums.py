"""A sum over the slots of a `spread` of a value the spread does not split.

`spread period.energy_kwh over hour ... as slot` makes one row per hour a charging
period covers, and only `period.energy_kwh` holds the hour's part. Every other value is
the record's whole value, repeated in each of its rows: `sum(kwh)` or
`sum(period.duration)` per slot adds it once per hour it spans (four times over for a
four-hour period) and changes with the slot length. The figures are silently wrong;
OCX241 says which value to spread instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from ocpispec.check.context import Context
from ocpispec.check.measures import aggregate_calls
from ocpispec.check.scope import Scope
from ocpispec.diagnostics import warning
from ocpispec.field_units import FIELD_UNITS
from ocpispec.language import syntax

_ADDING = ("sum", "avg")
# the values `spread` can split (a record's or a charging period's energy or minutes)
_SPREADABLE = frozenset({"kwh", "total_energy", "energy_kwh", "duration"})


def check_spread_sums(measures: Sequence[syntax.Column], scope: Scope, ctx: Context) -> None:
    if scope.spread is None:
        return
    value, slot = scope.spread
    spread_value = ".".join(value)
    for column in measures:
        for call in _adding_calls(column.expr):
            # a list (`period.dimensions.volume`) is no value to spread: OCX201 says so
            other = next((ref for ref in syntax.field_refs(call) if ref.path != value
                          and ref.path[:1] != (slot,) and ref in scope.fields
                          and not scope.fields[ref].many), None)
            if other is None:
                continue
            name = call.name.name
            same = FIELD_UNITS.get(value[-1]) is not None \
                and FIELD_UNITS.get(value[-1]) == FIELD_UNITS.get(other.path[-1])
            written = " ".join(ctx.source.text[call.span.start:call.span.end].split())
            ctx.emit(warning(
                "OCX241", f"`{written}` counts `{other.dotted}` once per `{slot}`",
                call.span, f"`{other.dotted}` is not split over the slots",
                notes=[f"`spread {spread_value}` makes one row per slot the interval covers, "
                       f"and only `{spread_value}` holds the slot's part; "
                       f"`{other.dotted}` is the whole value in every row, so the figure "
                       "grows with the number of slots a record spans"],
                help=f"write `{name}({spread_value})`, the same quantity split over the "
                     "slots" if same else
                     f"spread `{other.dotted}` in a dataset of its own (`spread "
                     f"{other.dotted} over ...`), or leave out `spread` to count each "
                     "record's whole value once" if other.path[-1] in _SPREADABLE else
                     f"leave out `spread` to count each record's `{other.dotted}` once (in "
                     "a dataset of its own beside this one)"))



def _adding_calls(expr: syntax.Expr) -> list[syntax.Call]:
    return [call for call in aggregate_calls(expr) if call.name.name in _ADDING]
