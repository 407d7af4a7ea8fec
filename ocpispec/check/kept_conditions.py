"""What every row a filter keeps meets: the conditions of its `and` chain (and of an
`or` under `not`, which is one), each as the row meets it (`not kwh != 23.417` is
`kwh = 23.417`), and the `or`s of which it meets one branch; a comparison read from the
side of the value a literal bounds (`against_literal`). `check/filter_pins.py` reads them
to find what a filter pins.
"""

from __future__ import annotations

from collections.abc import Iterator

from ocpispec.language import syntax


def disjunctions(condition: syntax.Condition,
                 negated: bool = False) -> Iterator[tuple[syntax.Or | syntax.And, bool]]:
    """The `or`s every kept row meets one branch of (an `and` under `not` is one)."""
    return ((link, turned) for link, turned in _chain(condition, negated)
            if isinstance(link, (syntax.Or, syntax.And)))


def kept(condition: syntax.Condition,
         negated: bool = False) -> Iterator[tuple[syntax.Condition, bool]]:
    """The leaf conditions every kept row meets, and whether a `not` turns them round:
    the `and` chain, and an `or` chain under `not` (`not (kwh < 23.41 or kwh >= 23.42)`
    keeps `kwh >= 23.41` and `kwh < 23.42`, as the chain written with `and` does)."""
    return ((link, turned) for link, turned in _chain(condition, negated)
            if not isinstance(link, (syntax.Or, syntax.And)))


def _chain(condition: syntax.Condition, negated: bool) -> Iterator[tuple[syntax.Condition, bool]]:
    """The links of the chain every kept row meets whole (its `and`s, and its `or`s under
    `not`, walked through), each with whether a `not` turns it round: the leaves, and the
    `or`s (and `and`s under `not`) it meets one branch of."""
    match condition:
        case syntax.Not(operand=operand):
            yield from _chain(operand, not negated)
        case syntax.And(operands=operands) if not negated:
            for operand in operands:
                yield from _chain(operand, False)
        case syntax.Or(operands=operands) if negated:
            for operand in operands:
                yield from _chain(operand, True)
        case _:
            yield condition, negated


_NEGATED = {"=": "!=", "!=": "=", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}


def as_met(leaf: syntax.Condition, negated: bool) -> syntax.Condition | None:
    """`leaf` as a kept row meets it: turned round under a `not` (`not kwh != 23.417`
    is `kwh = 23.417`); a pattern a row does not match pins nothing (None)."""
    if not negated:
        return leaf
    match leaf:
        case syntax.Compare(op=op, left=left, right=right, span=span):
            return syntax.Compare(_NEGATED[op], left, right, span)
        case syntax.InList(value=value, options=options, negated=flag, span=span):
            return syntax.InList(value, options, not flag, span)
        case syntax.IsNull(value=value, negated=flag, span=span):
            return syntax.IsNull(value, not flag, span)
    return None


FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "="}


def against_literal(predicate: syntax.Condition | None, kinds: type | tuple[type, ...] = object,
                    ) -> tuple[str, syntax.Expr, syntax.Literal] | None:
    """A comparison of a value (of `kinds`) with a literal, read from the value's side:
    `kwh < 23.42` is (`<`, kwh, 23.42) and `23.41 <= kwh` is (`>=`, kwh, 23.41). None for
    any other condition."""
    match predicate:
        case syntax.Compare(op=op, left=value, right=syntax.Literal() as literal) \
                if isinstance(value, kinds):
            return op, value, literal
        case syntax.Compare(op=op, left=syntax.Literal() as literal, right=value) \
                if isinstance(value, kinds):
            return FLIPPED.get(op, op), value, literal
    return None
