"""A `sum` or `avg` dominated by one record passes that record's value through, as `max`
does.

The sum of the 48th powers of a group's values is its largest value's 48th power, nearly:
on the demo CPO, `sum(kwh * kwh * ... * kwh)` (48 factors) over a postal district of 495
sessions gave the largest session's energy to 0.005 kWh (87.194 against 87.189), where
the floor is 0.1, and the check said nothing; over the sites of a dataset with private
locations, a home's exact latitude. Sums of several powers (`kwh * kwh * kwh`, then a
fourth, ...) give every value of a small group at once (Newton's identities). Products of
two values are not counted: `sum(kwh * kwh)` beside `sum(kwh)` and `count()` give the
variance, and all second powers together say no more than mean and covariance.

A value divided by a record value shifted by a constant (`sum(1 / (kwh - 40))`, or by
anything else: `1 / (kwh * kwh - 80 * kwh)`) has a pole where the spec puts it: the record nearest to it outweighs the rest, and its sign
says on which side the record lies. Two such measures 0.01 kWh apart (poles at 40.125
and 40.135) differed by 400 over the demo CPO's 283 sessions of a year: a session of
40.13 kWh lay between them; a row of them spells out a value. A duration or a price per kWh (`kwh / hours(...)`) divides by a record
value the spec does not shift, and is not counted. A constant divided by a record value
(`sum(1 / kwh)`) has its pole at 0: on data with a charge that stopped after a few Wh, as
real platforms hold, that charge outweighs every other and the sum gives its energy, as
`min` would.
"""

from __future__ import annotations

from ocpispec.language import syntax

SUMMING = frozenset({"sum", "avg"})
# a product of this many values of the record is dominated by its largest record
DOMINATING_DEGREE = 3


def dominated(call: syntax.Call) -> str | None:
    """Why one record outweighs the others in `call`, a `sum` or `avg` (POWERS or POLE),
    or None."""
    if call.name.name not in SUMMING or call.distinct or not call.args:
        return None
    if degree(call.args[0]) >= DOMINATING_DEGREE:
        return POWERS
    if _pole(call.args[0]):
        return POLE
    return RECIPROCAL if _reciprocal(call.args[0]) else None


def _reciprocal(expr: syntax.Expr) -> bool:
    """Whether `expr` divides a constant by a record value (`1 / kwh`, `100 / hours(...)`):
    its pole is at 0, where the smallest record outweighs the rest. A record value over
    another (`total_cost / kwh`) is a rate and is not counted."""
    match expr:
        case syntax.BinaryOp(op="/"):
            return (degree(expr.left) == 0 and degree(expr.right) > 0) \
                or _reciprocal(expr.left) or _reciprocal(expr.right)
        case syntax.BinaryOp():
            return _reciprocal(expr.left) or _reciprocal(expr.right)
        case syntax.Call():
            return any(_reciprocal(argument) for argument in expr.args)
    return False


def _pole(expr: syntax.Expr) -> bool:
    """Whether `expr` divides by a record value plus or minus another value (a pole)."""
    match expr:
        case syntax.BinaryOp(op="/"):
            return _shifted(expr.right) or _pole(expr.left) or _pole(expr.right)
        case syntax.BinaryOp():
            return _pole(expr.left) or _pole(expr.right)
        case syntax.Call():
            return any(_pole(argument) for argument in expr.args)
    return False


def _shifted(expr: syntax.Expr) -> bool:
    """`kwh - 40`, `40 + kwh`, `kwh * kwh - 80.26 * kwh`: a record value plus or minus
    anything but zero, also inside a product or call (`(kwh - 40) * (kwh - 40)`)."""
    match expr:
        case syntax.BinaryOp(op="+" | "-", left=left, right=right):
            return bool(degree(left) or degree(right)) and not (_zero(left) or _zero(right)) \
                or _shifted(left) or _shifted(right)
        case syntax.BinaryOp():
            return _shifted(expr.left) or _shifted(expr.right)
        case syntax.Call():
            return any(_shifted(argument) for argument in expr.args)
    return False


def folds(expr: syntax.Expr, path: tuple[str, ...]) -> bool:
    """Whether `expr` is no monotonic function of the field at `path`: it reads the field
    twice (`(kwh - 23.4) * (kwh - 23.4)`) or divides by it shifted (`1 / (kwh - 23.4)`),
    so a one-sided bound on it (`< 0.0001`, `> 1000`) can keep a narrow band of the
    field, on both sides of a point, whatever the bound looks like."""
    reads = [ref for ref in _refs(expr) if ref.path == path]
    return len(reads) > 1 or _pole(expr) and bool(reads)


def divides_by(expr: syntax.Expr, path: tuple[str, ...]) -> bool:
    """Whether `expr` divides by the field at `path`, or by a sum or difference reading
    it: empty where that is 0, so `is null` of it keeps the records at one value of the
    field (`1 / (kwh - 40.13) is null`: the sessions of exactly 40.13 kWh). A duration
    (`hours(start_date_time, end_date_time)`) is 0 at no value of either time."""
    match expr:
        case syntax.BinaryOp(op="/"):
            placed = isinstance(expr.right, syntax.FieldRef) or _shifted(expr.right)
            return placed and any(ref.path == path for ref in _refs(expr.right)) \
                or divides_by(expr.left, path) or divides_by(expr.right, path)
        case syntax.BinaryOp():
            return divides_by(expr.left, path) or divides_by(expr.right, path)
        case syntax.Call():
            return any(divides_by(argument, path) for argument in expr.args)
    return False


def _refs(expr: syntax.Expr) -> list[syntax.FieldRef]:
    match expr:
        case syntax.FieldRef():
            return [expr]
        case syntax.BinaryOp():
            return _refs(expr.left) + _refs(expr.right)
        case syntax.Call():
            return [ref for argument in expr.args for ref in _refs(argument)]
    return []


def _zero(expr: syntax.Expr) -> bool:
    return isinstance(expr, syntax.Literal) and not isinstance(expr.value, bool) \
        and expr.value == 0


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


POWERS = ("a `sum` or `avg` of a product of three or more values of each record is its "
          "largest record's product, nearly (the sum of the 48th powers of a group's "
          "energies is its largest energy's 48th power): it passes one record's value "
          "through, as `max` does")
POLE = ("a `sum` or `avg` of a value divided by a record value plus or minus another "
        "value (`1 / (kwh - 40)`) is dominated by the record nearest to its pole (40), whose sign "
        "says on which side it lies: measures a little apart spell its value out")
RECIPROCAL = ("a `sum` or `avg` of a constant divided by a record value (`1 / kwh`) is "
              "dominated by the record nearest to 0: a charge that stopped after a few Wh "
              "outweighs every other, and the sum gives its value, as `min` does")
SHORTFALLS = frozenset({POWERS, POLE, RECIPROCAL})


def help_for(field: str, reason: str, *, roundable: bool = True) -> str:
    """What to write instead, for `reason` (POWERS or POLE); `roundable`: a factor
    rounded to its floor protects (not a private site's detail read in `jmespath(...)`,
    which leaves only summed)."""
    because = "or add `because \"...\"` with the reason the privacy officer approves"
    if reason == RECIPROCAL:
        return (f"sum the value itself (`{field}`), or a rate of two record values "
                f"(`total_cost / {field}`), {because}")
    if reason == POLE:
        return (f"divide by record values as they are (`{field} / hours(start_date_time, "
                f"end_date_time)`), not by a sum or difference, {because}")
    if not roundable:
        return ("sum the value itself, or a product of at most two values (an average, a "
                f"variance), {because}")
    return (f"sum the value itself, or a product of at most two values (`sum({field} * "
            f"{field})` gives a variance), or round each factor to its floor first "
            f"(`round({field}, 1)`), {because}")
