"""A `sum` or `avg` of a product of three or more values of each record passes its
largest record through, as `max` does.

The sum of the 48th powers of a group's values is its largest value's 48th power, nearly:
on the demo CPO, `sum(kwh * kwh * ... * kwh)` (48 factors) over a postal district of 495
sessions gave the largest session's energy to 0.005 kWh (87.194 against 87.189), where
the floor is 0.1, and the check said nothing; over the sites of a dataset with private
locations, a home's exact latitude. Sums of several powers (`kwh * kwh * kwh`, then a
fourth, ...) give every value of a small group at once (Newton's identities). Products of
two values are not counted: `sum(kwh * kwh)` beside `sum(kwh)` and `count()` give the
variance, and all second powers together say no more than mean and covariance.
"""

from __future__ import annotations

from ocpispec.language import syntax

SUMMING = frozenset({"sum", "avg"})
# a product of this many values of the record is dominated by its largest record
DOMINATING_DEGREE = 3


def dominated(call: syntax.Call) -> bool:
    """Whether `call` sums a product of DOMINATING_DEGREE or more record values."""
    return call.name.name in SUMMING and not call.distinct and bool(call.args) \
        and degree(call.args[0]) >= DOMINATING_DEGREE


def degree(expr: syntax.Expr) -> int:
    """How many values of the record `expr` multiplies (or divides) together: a field
    or a `jmespath(...)` is one, a constant none; `+` and `-` keep the larger side."""
    match expr:
        case syntax.FieldRef():
            return 1
        case syntax.BinaryOp(op="*" | "/"):
            return degree(expr.left) + degree(expr.right)
        case syntax.BinaryOp():
            return max(degree(expr.left), degree(expr.right))
        case syntax.Call(name=name) if name.name == "jmespath":
            return 1
        case syntax.Call(name=name) if name.name == "constant":
            return 0
        case syntax.Call():
            return max((degree(argument) for argument in expr.args), default=0)
    return 0


SHORTFALL = ("a `sum` or `avg` of a product of three or more values of each record is "
             "its largest record's product, nearly (the sum of the 48th powers of a "
             "group's energies is its largest energy's 48th power): it passes one "
             "record's value through, as `max` does")


def help_for(field: str, *, roundable: bool = True) -> str:
    """`roundable`: a factor rounded to its floor protects (not a private site's detail
    read in `jmespath(...)`, which leaves only summed)."""
    if not roundable:
        return ("sum the value itself, or a product of at most two values (an average, a "
                "variance), or add `because \"...\"` with the reason the privacy officer "
                "approves")
    return (f"sum the value itself, or a product of at most two values (`sum({field} * "
            f"{field})` gives a variance), or round each factor to its floor first "
            f"(`round({field}, 1)`), or add `because \"...\"` with the reason")
