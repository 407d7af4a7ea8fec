"""Statistical disclosure control of a released table: `dominance N K%` and
`round counts to B` under `compute` (docs/privacy-model.md).

OCX018: the rounding clause starts with a word other than `round`. OCX229: a dominance
rule that protects nothing (no `sum` to protect, or a threshold outside 50..99%, or more
than 3 contributors). OCX230: a rounding base outside 2..100.
"""

from __future__ import annotations

from ocpispec.language import syntax
from ocpispec.check.context import Context
from ocpispec.check.measures import aggregate_calls
from ocpispec.diagnostics import error, warning

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
    if not any(call.name.name in MAGNITUDES for column in body.measures
               for call in aggregate_calls(column.expr)):
        ctx.emit(warning("OCX229", "the dominance rule has no sum to protect", rule.span,
                         "no `sum` or `avg` under `compute`",
                         notes=["dominance protects magnitudes (energy, duration, cost) "
                                "that one large contributor would reveal; counts are "
                                "protected by the minimum group size"],
                         help="remove the rule, or add the sum it should protect"))


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
