"""A connector's power written in kilowatts where OCPI gives watts.

`max_electric_power` is in W. `bucket(location.connector.max_electric_power, [11, 22,
50])` puts every connector (the smallest charger gives some 2,300 W) in `50+`, and
`where location.connector.max_electric_power >= 50` keeps every one: an energy agency's
table per power class is one row, and nothing says why. When every number a power is
cut or compared with is below 1,000 W, OCX246 says they read as watts and writes them
in watts.
"""

from __future__ import annotations

from collections.abc import Iterator
TYPE_CHECKING = False
if TYPE_CHECKING:
    from decimal import Decimal

from ocpispec.check.context import Context
from ocpispec.check.scope import Scope
from ocpispec.diagnostics import Diagnostic, warning
from ocpispec.field_units import FIELD_UNITS
from ocpispec.language import syntax

_SMALLEST_CHARGER = 1000  # W: below this no EV charger delivers power


def check_power_units(columns: list[syntax.Column], condition: syntax.Condition | None,
                      scope: Scope, ctx: Context) -> None:
    for call in (call for column in columns for call in _calls(column.expr)):
        if call.name.name == "bucket" and len(call.args) == 2 \
                and isinstance(call.args[1], syntax.ListLiteral):
            _check(call.args[0], list(call.args[1].items), call.args[1].span, scope, ctx,
                   listed=True)
    for compare in _compares(condition):
        match compare:
            case syntax.Compare(left=syntax.FieldRef() as ref, right=syntax.Literal() as value) \
                    | syntax.Compare(left=syntax.Literal() as value, right=syntax.FieldRef() as ref):
                _check(ref, [value], value.span, scope, ctx)
            case syntax.InList(value=syntax.FieldRef() as ref, options=options):
                _check(ref, list(options.items), options.span, scope, ctx, listed=True)


def _check(expr: syntax.Expr, items: list, span, scope: Scope, ctx: Context, *,
           listed: bool = False) -> None:
    if not isinstance(expr, syntax.FieldRef) or expr not in scope.fields \
            or FIELD_UNITS.get(expr.path[-1]) != "W":
        return
    from decimal import Decimal  # only for a power field: most checks never load decimal

    numbers = [Decimal(str(item.value)) for item in items
               if isinstance(item, syntax.Literal) and item.kind == "number"]
    if not numbers or len(numbers) != len(items) \
            or not all(0 < number < _SMALLEST_CHARGER for number in numbers):
        return
    ctx.emit(_in_kilowatts(expr, numbers, span, listed))


def _in_kilowatts(ref: syntax.FieldRef, numbers: list[Decimal], span,
                  listed: bool) -> Diagnostic:
    watts = [format((number * 1000).normalize(), "f") for number in numbers]
    shown = ", ".join(format(number.normalize(), "f") for number in numbers)
    written = f"[{', '.join(watts)}]" if listed else watts[0]
    return warning(
        "OCX246", f"`{ref.path[-1]}` is in watts: {shown} "
        f"{'read' if len(numbers) > 1 else 'reads'} as watts, not kilowatts",
        span, "below the power of any charger",
        notes=[f"OCPI gives `{ref.dotted}` in W (22 kW is 22000); every connector gives "
               "more than this, so the numbers tell no two connectors apart"],
        help=f"write `{written}`")


def _calls(expr: syntax.Expr) -> Iterator[syntax.Call]:
    match expr:
        case syntax.Call(args=args):
            yield expr
            for arg in args:
                yield from _calls(arg)
        case syntax.BinaryOp(left=left, right=right):
            yield from _calls(left)
            yield from _calls(right)


def _compares(condition: syntax.Condition | None) -> Iterator[syntax.Condition]:
    match condition:
        case syntax.Compare() | syntax.InList():
            yield condition
        case syntax.And(operands=parts) | syntax.Or(operands=parts):
            for part in parts:
                yield from _compares(part)
        case syntax.Not(operand=part):
            yield from _compares(part)
