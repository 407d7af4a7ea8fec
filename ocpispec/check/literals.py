"""Constants written in a spec, read as numbers: generaliser arguments, bucket edges,
scaling factors and dates, for the floor checks."""

from __future__ import annotations

import datetime as dt
import math

from ocpispec.language import syntax


def contains(expr: object, target: object) -> bool:
    if expr is target:
        return True
    match expr:
        case syntax.BinaryOp():
            return contains(expr.left, target) or contains(expr.right, target)
        case syntax.Call():
            return any(contains(arg, target) for arg in expr.args)
    return False


def constant(expr: syntax.Expr) -> float | None:
    if isinstance(expr, syntax.Literal) and expr.kind == "number":
        try:
            return float(expr.value)  # type: ignore[arg-type]
        except OverflowError:
            return math.inf
    if isinstance(expr, syntax.BinaryOp):
        left, right = constant(expr.left), constant(expr.right)
        if left is None or right is None:
            return None
        match expr.op:
            case "+":
                return left + right
            case "-":
                return left - right
            case "*":
                return left * right
            case "/":
                return left / right if right and math.isfinite(right) else None
    return None


def epoch_seconds(expr: syntax.Expr) -> float | None:
    if not (isinstance(expr, syntax.Literal) and expr.kind == "date"):
        return None
    try:
        moment = dt.datetime.fromisoformat(str(expr.value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)).timestamp()


def unit(expr: syntax.Expr) -> str | None:
    if isinstance(expr, syntax.FieldRef) and len(expr.path) == 1:
        return expr.path[0]
    return None


def edges(expr: syntax.Expr) -> list[float] | None:
    if not isinstance(expr, syntax.ListLiteral):
        return None
    edges = [constant(item) for item in expr.items]
    return None if any(edge is None for edge in edges) else edges  # type: ignore[return-value]
