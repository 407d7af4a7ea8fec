"""A pseudonym of a value computed to tell something tells it.

A keyed pseudonym keeps equal values equal, so it hides only what its value's
variety hides. `pseudonymize(kwh)` is as many pseudonyms as energies; but
`pseudonymize(jmespath("kwh > \\`40.12\\` && kwh < \\`40.14\\`"))` is two, one for the
sessions of 40.12 to 40.14 kWh (the rarer one, and the one every row of 40 kWh beside it
carries), and `pseudonymize(1 / (kwh - 40.13))` is empty exactly for the sessions of
40.13 kWh (a division by 0 is empty, and so is its pseudonym), and
`pseudonymize(bucket(kwh, [40.12, 40.14]))` one pseudonym per cell, the narrow one too. Both checked clean beside
`round(kwh, 0)`, though the same test as a column is OCX303. Such a pseudonym
protects nothing (`check/floors/`): the field it reads is released as it is.
"""

from __future__ import annotations

from ocpispec.check import power_sums
from ocpispec.check.jmes_tests import tests
from ocpispec.language import syntax

TEST = ("a pseudonym keeps equal values equal: of a test inside `jmespath(...)` it is "
        "the test's answer, one pseudonym for every row that passes")
ZERO = ("a pseudonym of a value divided by the field (or by a sum or difference reading "
        "it) is empty where the divisor is 0, which names that value")
BUCKET = ("a pseudonym of a bucket keeps its label: one pseudonym for the rows of each "
          "cell, the narrow one too")
TOLD = (TEST, ZERO, BUCKET)
HELP = ("pseudonymise an identifier as it is (`pseudonymize(cdr_token.contract_id)`), not a "
        "value computed to test something; to release the test's answer, write it as its "
        "own column with `because \"...\"`, so the review says so")


def tells(call: syntax.Call, short: syntax.Call | None = None) -> str | None:
    """Why the pseudonym `call` makes tells what its value was computed to tell (TEST,
    ZERO or BUCKET), or None. `short`: a generaliser inside it that fell short of the
    field's floor (`bucket(kwh, [40.12, 40.14])`, whose narrow cell keeps one label)."""
    argument = call.args[0] if call.args else None
    if argument is None:
        return None
    if short is not None and short.name.name == "bucket":
        return BUCKET
    if any(tests(hatch) for hatch in _hatches(argument)):
        return TEST
    if any(power_sums.divides_by(argument, path) for path in _paths(argument)):
        return ZERO
    return None


def _hatches(expr: syntax.Expr) -> list[syntax.Call]:
    match expr:
        case syntax.Call(name=name) if name.name == "jmespath":
            return [expr]
        case syntax.Call():
            return [hatch for argument in expr.args for hatch in _hatches(argument)]
        case syntax.BinaryOp():
            return _hatches(expr.left) + _hatches(expr.right)
    return []


def _paths(expr: syntax.Expr) -> set[tuple[str, ...]]:
    match expr:
        case syntax.FieldRef():
            return {expr.path}
        case syntax.Call():
            return {path for argument in expr.args for path in _paths(argument)}
        case syntax.BinaryOp():
            return _paths(expr.left) | _paths(expr.right)
    return set()
