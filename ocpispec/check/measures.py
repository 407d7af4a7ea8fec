"""The shape of a `compute` column: aggregates, and what may be computed over them.

A measure is arithmetic (`+ - * /`) and `round(..., n)` over aggregate calls and number
literals: `round(sum(kwh), 1)`, `sum(kwh) * 1000`, `count() / 7`. Each aggregate
summarises per-record values (its argument, checked as a record expression). Anything
else over an aggregate's result is refused here, so `plan` and `run` never meet it:
another function (OCX216), `distinct` on an aggregate other than `count` (OCX226), a
personal field counted raw with `count(distinct ...)` (OCX227), a percentile outside
0.05..0.95 (OCX228), a sum or average whose record values select records (OCX338).
"""

from __future__ import annotations

from collections.abc import Sequence

from ocpispec.language import syntax
from ocpispec.check.context import Context
from ocpispec.check.privacy import exposure
from ocpispec.check.selecting_measures import check_selecting
from ocpispec.check.types import Use
from ocpispec.diagnostics import error
from ocpispec.language.functions import Effect, lookup
from ocpispec.schema.model import PrivacyClass

# per-value functions that may take an aggregate's result
OVER_AGGREGATES = frozenset({"round"})
PERCENTILE_RANGE = (0.05, 0.95)


def is_aggregate(call: syntax.Call) -> bool:
    function = lookup(call.name.name)
    return function is not None and function.aggregate


def contains_aggregate(expr: syntax.Expr) -> bool:
    match expr:
        case syntax.Call():
            return is_aggregate(expr) or any(contains_aggregate(a) for a in expr.args)
        case syntax.BinaryOp(left=left, right=right):
            return contains_aggregate(left) or contains_aggregate(right)
    return False


def aggregate_calls(expr: syntax.Expr) -> list[syntax.Call]:
    """The outermost aggregate calls of a measure, left to right."""
    match expr:
        case syntax.Call() if is_aggregate(expr):
            return [expr]
        case syntax.Call(args=args):
            return [call for arg in args for call in aggregate_calls(arg)]
        case syntax.BinaryOp(left=left, right=right):
            return aggregate_calls(left) + aggregate_calls(right)
    return []


def check_shape(expr: syntax.Expr, uses: Sequence[Use], ctx: Context, *,
                facts: bool = False) -> None:
    """`facts`: the measure counts public facts of records that have no drivers (a
    locations or tariffs dataset reading public fields), which no condition can single
    a driver out of."""
    match expr:
        case syntax.Call() if is_aggregate(expr):
            _check_aggregate(expr, uses, ctx, facts)
        case syntax.Call(name=name, args=args):
            if name.name not in OVER_AGGREGATES and contains_aggregate(expr):
                _unsupported(expr, ctx)
                return
            for arg in args:
                check_shape(arg, uses, ctx, facts=facts)
        case syntax.BinaryOp(left=left, right=right):
            check_shape(left, uses, ctx, facts=facts)
            check_shape(right, uses, ctx, facts=facts)


def _unsupported(call: syntax.Call, ctx: Context) -> None:
    inner = aggregate_calls(call)[0]
    shown = f"{inner.name.name}({'' if inner.name.name == 'count' else '...'})"
    ctx.emit(error("OCX216", f"`{call.name.name}` cannot take an aggregate's result",
                   call.name.span, "computes with an aggregate's result",
                   notes=["over an aggregate, a `compute` column may use `+`, `-`, `*`, `/`, "
                          "number literals and `round(..., n)`, e.g. "
                          "`round(sum(kwh) / count(), 1)`",
                          "other functions work per record, inside the aggregate: "
                          "`sum(round(kwh, 1))`"],
                   help=f"move `{call.name.name}` inside `{shown}` where that means the same, "
                        "or compute it in the consumer's tool"))


def _check_aggregate(call: syntax.Call, uses: Sequence[Use], ctx: Context,
                     facts: bool) -> None:
    name = call.name.name
    if call.distinct and name != "count":
        ctx.emit(error("OCX226", f"`distinct` works only with `count`, not `{name}`",
                       call.span, "distinct values of an aggregate",
                       notes=["`count(distinct x)` counts the different values of x in a "
                              "group; the other aggregates summarise every record"],
                       help=f"drop `distinct`: `{name}(...)`, or count the different values "
                            "with `count(distinct x)`"))
        return
    if call.distinct:
        _check_distinct_privacy(call, uses, ctx)
    if not facts:
        check_selecting(call, uses, ctx)
    if name == "percentile" and len(call.args) == 2:
        _check_fraction(call.args[1], ctx)


def _check_distinct_privacy(call: syntax.Call, uses: Sequence[Use], ctx: Context) -> None:
    argument = call.args[0]
    pseudonymised = isinstance(argument, syntax.Call) and \
        getattr(lookup(argument.name.name), "effect", None) is Effect.PSEUDONYMISE
    if pseudonymised:
        return
    for use in uses:
        if call in use.around and exposure(use, ctx).rank >= PrivacyClass.PERSONAL.rank:
            field = use.field.qualified
            ctx.emit(error(
                "OCX227", f"`count(distinct {field})` counts a personal field unprotected",
                use.field.ref.span, "personal data counted raw",
                notes=["a count of different personal values (drivers, cards, sessions, "
                       "CDRs) is released only over keyed pseudonyms, so raw identifiers "
                       "never enter the computation; the spec needs a `pseudonym key`",
                       "the count is of the different pseudonyms: equal ids give equal "
                       "pseudonyms, so the number is the same"],
                help="each record has an `id` of its own, so `count()` counts them "
                     "alike: write `count()`" if field == "id" else
                "each token is a record of its own, one a card, so `count()` counts the "
                "cards alike: write `count()`" if field == "uid" and use.field.module ==
                "tokens" and use.field.binding == "" else
                f"count pseudonyms: `count(distinct pseudonymize({field}))`"))
            return


def _check_fraction(arg: syntax.Expr, ctx: Context) -> None:
    low, high = PERCENTILE_RANGE
    value = arg.value if isinstance(arg, syntax.Literal) else None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and \
            low <= value <= high:
        return
    ctx.emit(error("OCX228", "a percentile is a share from 0.05 to 0.95", arg.span,
                   "outside 0.05..0.95",
                   notes=["`percentile(x, 0.9)` is the value below which 90% of the group "
                          "lies; near 0 or 1 it is one record's own value, as `min` and "
                          "`max` are"],
                   help=f"write `{value / 100:g}`" if isinstance(value, int | float)
                   and not isinstance(value, bool) and low * 100 <= value <= high * 100
                   else "write a share such as `0.1`, `0.5` (the median) or `0.9`"))
