"""Statistical disclosure control of a released table: `dominance N K%` and
`round counts to B` under `compute` (docs/privacy-model.md).

OCX018: the rounding clause starts with a word other than `round`. OCX229: a dominance
rule that protects nothing (no `sum` to protect, or a threshold outside 50..99%, or more
than 3 contributors). OCX230: a rounding base outside 2..100. OCX337: a measure that gives
the exact count back beside the rounded one (`avg(x)` beside `sum(x)`, or a released
aggregate divided by the count, `sum(kwh) / count()` beside `sum(kwh)`).
"""

from __future__ import annotations

from ocpispec.language import syntax
from ocpispec.check.context import Context
from ocpispec.check.measures import aggregate_calls
from ocpispec.diagnostics import error, warning
from ocpispec.language.functions import lookup

MAX_CONTRIBUTORS = 3
PERCENT_RANGE = (50, 99)
BASE_RANGE = (2, 100)
# aggregates whose value a dominant contributor discloses
MAGNITUDES = frozenset({"sum", "avg"})


def check_disclosure(body: syntax.Aggregate, ctx: Context) -> None:
    if body.dominance is not None:
        _check_dominance(body, body.dominance, ctx)
    if body.round_counts is not None:
        _check_rounding(body.round_counts, ctx)
        _check_rounding_undone(body, ctx)


def _check_dominance(body: syntax.Aggregate, rule: syntax.Dominance, ctx: Context) -> None:
    low, high = PERCENT_RANGE
    if not 1 <= rule.contributors <= MAX_CONTRIBUTORS or not low <= rule.percent <= high:
        ctx.emit(error("OCX229", "this dominance rule cannot be used", rule.span,
                       f"{rule.contributors} contributor(s), {rule.percent}%",
                       notes=["`dominance N K%` suppresses a group where the N largest "
                              "drivers give more than K% of a sum; N is 1 to 3 and K is "
                              f"{low} to {high}"],
                       help="the usual rule is `dominance 1 85%` (or `dominance 2 90%`)"))
        return
    if any(_misspelled(column.expr) for column in body.measures):
        return  # `sume(kwh)`: OCX107 names the sum meant; this rule protects it
    if not any(call.name.name in MAGNITUDES for column in body.measures
               for call in aggregate_calls(column.expr)):
        ctx.emit(warning("OCX229", "the dominance rule has no sum to protect", rule.span,
                         "no `sum` or `avg` under `compute`",
                         notes=["dominance protects magnitudes (energy, duration, cost) "
                                "that one large contributor would reveal; counts are "
                                "protected by the minimum group size"],
                         help="remove the rule, or add the sum it should protect"))


def _misspelled(expr: syntax.Expr) -> bool:
    """Whether the measure calls a function the language does not have."""
    match expr:
        case syntax.Call(args=args):
            return lookup(expr.name.name) is None or any(_misspelled(arg) for arg in args)
        case syntax.BinaryOp(left=left, right=right):
            return _misspelled(left) or _misspelled(right)
    return False


def _check_rounding(rule: syntax.RoundCounts, ctx: Context) -> None:
    if rule.word.name != "round":
        ctx.emit(error("OCX018", f"`{rule.word.name} counts to ...` is not a clause",
                       rule.word.span, "expected `round`",
                       notes=["the clause is `round counts to 5`: counts are released as "
                              "multiples of 5"],
                       help=f"write `round counts to {rule.base}`"))
        return
    low, high = BASE_RANGE
    if not low <= rule.base <= high:
        ctx.emit(error("OCX230", f"counts cannot be rounded to multiples of {rule.base}",
                       rule.span, f"outside {low}..{high}",
                       notes=["rounding hides the exact size of small groups; 3, 5 or 10 "
                              "are usual bases"],
                       help="write `round counts to 5`"))


_COUNTS = frozenset({"count"})


def _check_rounding_undone(body: syntax.Aggregate, ctx: Context) -> None:
    """Counts are rounded, but another measure may divide the exact count out: a
    group's `sum(x)` over its `avg(x)` is its count, and so is `sum(kwh)` over a
    released `sum(kwh) / count()`."""
    calls = [(column, call) for column in body.measures for call in aggregate_calls(column.expr)]
    text = ctx.source.text

    def argument(call: syntax.Call) -> str | None:
        return " ".join(text[call.args[0].span.start:call.args[0].span.end].split()) \
            if call.args else None

    def scaled(call: syntax.Call) -> str | None:
        return _unscaled(call.args[0], text) if call.args else None

    summed = {scaled(call) for _, call in calls if call.name.name == "sum"}
    # the aggregates released as they are, by (function, argument)
    alone = {(column.expr.name.name, argument(column.expr)) for column in body.measures
             if isinstance(column.expr, syntax.Call) and aggregate_calls(column.expr) ==
             [column.expr]}
    for column, call in calls:
        others = [other for other in aggregate_calls(column.expr)
                  if other.name.name not in _COUNTS]
        mixed = call.name.name in _COUNTS and bool(others) and all(
            (other.name.name, argument(other)) in alone for other in others)
        averaged = call.name.name == "avg" and scaled(call) in summed
        counting = call.name.name == "sum" and bool(call.args) and \
            _constant_part(call.args[0]) is not False
        if mixed or averaged or counting:
            how = _AVERAGED if averaged else _COUNTING if counting else _MIXED
            _rounding_undone(body.round_counts, call, how, ctx)
            return


_AVERAGED = "a group's sum divided by its average is its exact count"
_MIXED = ("a count in arithmetic with another aggregate uses the exact count, and that "
          "aggregate divided by the result gives it back")
_COUNTING = ("a sum of a value with a constant part adds it once per record: "
             "`sum(kwh * 0 + 1)` is the count, and `sum(kwh + 1)` minus `sum(kwh)` too")


def _unscaled(expr: syntax.Expr, text: str) -> str:
    """A record value without its scale, as written: `kwh * 1000` and `kwh / 1000` are
    `kwh`, `minutes(a, b)` and `hours(a, b)` one duration. A sum of one beside the
    average of another still divides out the count (`sum(hours(...))` times 60 over
    `avg(minutes(...))`)."""
    match expr:
        case syntax.BinaryOp(op="*", left=syntax.Literal() as number, right=value) | \
                syntax.BinaryOp(op="*" | "/", left=value, right=syntax.Literal() as number) \
                if isinstance(number.value, (int, float)) and not isinstance(number.value, bool) \
                and number.value != 0:
            return _unscaled(value, text)
        case syntax.Call(name=syntax.Ident(name="minutes" | "hours"), args=args):
            return "duration(" + ", ".join(_unscaled(arg, text) for arg in args) + ")"
    return " ".join(text[expr.span.start:expr.span.end].split())


def _constant_part(expr: syntax.Expr) -> bool | None:
    """Whether a record value holds a constant term: True for a nonzero one, False for
    none, None where it cannot be told (counted as having one)."""
    match expr:
        case syntax.Literal(value=bool()):
            return None
        case syntax.Literal(value=int() | float() as number):
            return number != 0
        case syntax.FieldRef():
            return False
        case syntax.BinaryOp(op="+" | "-", left=left, right=right):
            parts = (_constant_part(left), _constant_part(right))
            return True if True in parts else None if None in parts else False
        case syntax.BinaryOp(op="*", left=left, right=right):
            if _zero(left) or _zero(right):
                return False
            parts = (_constant_part(left), _constant_part(right))
            return False if False in parts else True if parts == (True, True) else None
        case syntax.BinaryOp(op="/", left=left, right=syntax.Literal()):
            return _constant_part(left)
        case syntax.BinaryOp(op="/"):
            return None  # `kwh / kwh` is 1 in every record
        case syntax.Call(name=syntax.Ident(name="round"), args=(inner, *_)):
            return _constant_part(inner)
        case syntax.Call(name=syntax.Ident(name="jmespath"),
                         args=(syntax.Literal(value=str() as text),)):
            return None if "`" in text else False  # a JMESPath number is in backticks
    return False


def _zero(expr: syntax.Expr) -> bool:
    return isinstance(expr, syntax.Literal) and not isinstance(expr.value, bool) and \
        isinstance(expr.value, (int, float)) and expr.value == 0


def _rounding_undone(rule: syntax.RoundCounts, call: syntax.Call, how: str,
                     ctx: Context) -> None:
    ctx.emit(warning("OCX337", "counts are rounded, but this measure gives the exact count "
                     "back", call.span, "the exact count can be worked out from it",
                     notes=[how, f"`round counts to {rule.base}` rounds `count()` and "
                            "measures made of counts alone"],
                     help="sum the value without a constant part (`sum(kwh)`)"
                          if how is _COUNTING else
                          "release the sum or the average, not both (for a ratio: "
                          "not the aggregate it divides)"))
