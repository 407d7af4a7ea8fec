"""Lowering a `compute` column to a plan Measure.

A bare `count()`, `sum(x)`, `avg(x)`, `min(x)` or `max(x)` keeps the plan form it always
had (function and argument), so existing plans keep their fingerprint. Anything else
(`round(sum(kwh), 1)`, `count() / 7`, `count(distinct x)`, `median(x)`,
`percentile(x, 0.9)`) becomes a composed measure: its aggregate calls are `parts`, each
computed per group, and `formula` is JMESPath over the parts' results, which the
executor names `"#0"`, `"#1"`, ... (an aggregate written twice is computed once).
"""

from __future__ import annotations

from ocpispec.plan import ir
from ocpispec.language import syntax
from ocpispec.check.measures import is_aggregate
from ocpispec.plan.lower import _OPERATORS, Lowerer, LoweringError, literal

SIMPLE = frozenset({"count", "sum", "avg", "min", "max"})


def is_simple(expr: syntax.Expr) -> bool:
    return isinstance(expr, syntax.Call) and is_aggregate(expr) and not expr.distinct \
        and expr.name.name in SIMPLE


class _Composer:
    def __init__(self, lowerer: Lowerer) -> None:
        self.lowerer = lowerer
        self.parts: list[ir.Part] = []

    def formula(self, node: syntax.Expr) -> str:
        match node:
            case syntax.Call() if is_aggregate(node):
                return f'"#{self._index(self._part(node))}"'
            case syntax.Call(name=syntax.Ident(name="round"), args=args):
                lowered = [self.formula(arg) for arg in args]
                return f"round({', '.join(lowered + ['`0`'][: 2 - len(lowered)])})"
            case syntax.BinaryOp(op=op, left=left, right=right):
                return f"{_OPERATORS[op]}({self.formula(left)}, {self.formula(right)})"
            case syntax.Literal():
                return literal(node)
        raise LoweringError(f"cannot compose {type(node).__name__} over aggregates")

    def _part(self, call: syntax.Call) -> ir.Part:
        name = call.name.name
        argument = self.lowerer.expr(call.args[0]) if call.args else None
        if call.distinct:
            return ir.Part("count_distinct", argument)
        if name == "percentile":
            fraction = call.args[1]
            assert isinstance(fraction, syntax.Literal)
            return ir.Part("percentile", argument, float(fraction.value))  # type: ignore[arg-type]
        return ir.Part(name, argument)

    def _index(self, part: ir.Part) -> int:
        if part not in self.parts:
            self.parts.append(part)
        return self.parts.index(part)


def compose(expr: syntax.Expr, lowerer: Lowerer) -> tuple[tuple[ir.Part, ...], str]:
    """The parts and the formula of a composed measure."""
    composer = _Composer(lowerer)
    formula = composer.formula(expr)
    return tuple(composer.parts), formula
