"""The number functions of a spec: `round`, `bucket`, `+ - * /` in decimal, and the
exact sum of money amounts. Null gives null; a value that is no number is a
`TransformError` (its message never shows the value)."""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from ocpispec.execute.errors import TransformError

Unary = Callable[[Any], Any]


def as_number(value: Any) -> float | int:
    kind = value.__class__
    if kind is float:
        if value - value != 0:  # inf or nan
            raise TransformError("expected a finite number")
        return value
    if kind is int:
        return value
    if isinstance(value, bool):
        raise TransformError("expected a number, got a boolean")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise TransformError("expected a finite number")
        return value
    if isinstance(value, str):  # some servers send numbers as strings
        try:
            return float(value)
        except ValueError:
            raise TransformError("expected a number, got text") from None
    raise TransformError("expected a number, got an object or a list")


def rounder(digits: Any) -> Unary:
    """Round half away from zero on the decimal value as written (2.675 -> 2.68), not
    on its binary approximation; exact ties take the slow decimal path."""
    digits = int(digits)
    quantum = Decimal(1).scaleb(-digits)
    scale = 10.0**digits

    def exact(number: float | int) -> int | float:
        try:
            rounded = Decimal(repr(number)).quantize(quantum, rounding=ROUND_HALF_UP)
        except InvalidOperation:
            raise TransformError("number out of range for rounding") from None
        return int(rounded) if digits <= 0 else float(rounded)

    def round_(value: Any) -> int | float | None:
        if value is None:
            return None
        kind = value.__class__
        number = value if kind is int or (kind is float and value - value == 0) \
            else as_number(value)
        scaled = number * scale
        if not -1e15 < scaled < 1e15 or 0.4999999 < scaled % 1.0 < 0.5000001:
            return exact(number)  # far out, or a tie that binary floats may misplace
        whole = round(scaled)
        if digits > 0:
            return whole / scale
        return whole if digits == 0 else int(round(whole / scale))

    def inline(source: Any, texts: list[str]) -> str | None:
        """A finite float's common case above, written into a generated expression
        (`jmes_codegen`); anything else (an int, a tie, far out) through `round_`."""
        if len(texts) != 1 or digits < 0:
            return None
        value, scaled = source.temp(), source.temp()
        factor, call, whole = source.constant(scale), source.constant(round_), \
            source.constant(round)
        done = f"{whole}({scaled})" + (f" / {factor}" if digits > 0 else "")
        return (f"({call}({value}) if ({value} := {texts[0]}).__class__ is not float or not "
                f"-1e15 < ({scaled} := {value} * {factor}) < 1e15 or "
                f"0.4999999 < {scaled} % 1.0 < 0.5000001 else {done})")

    round_.inline = inline  # type: ignore[attr-defined]
    return round_


def _edge_label(edge: float | int) -> str:
    return str(int(edge)) if float(edge).is_integer() else repr(float(edge))


def bucketer(edges: Any) -> Unary:
    if not isinstance(edges, list) or not edges:
        raise TransformError("bucket edges must be a non-empty list of numbers")
    bounds = sorted(as_number(edge) for edge in edges)
    labels = [f"{_edge_label(low)}-{_edge_label(high)}" for low, high in zip(bounds, bounds[1:])]
    below, above = f"<{_edge_label(bounds[0])}", f"{_edge_label(bounds[-1])}+"

    def bucket(value: Any) -> str | None:
        if value is None:
            return None
        number = as_number(value)
        if number < bounds[0]:
            return below
        for index, high in enumerate(bounds[1:]):
            if number < high:
                return labels[index]
        return above

    return bucket


def _arithmetic(operation: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """`+ - * /` on the numbers as written, in decimal, then the nearest double: the
    platform's 11.19 and 10.74 are decimals, and their difference is 0.45, where binary
    floats give 0.4499999999999993, which the consumer's file showed and `round(..., 1)`
    took down to 0.4 instead of up to 0.5; `round(kwh, 1) * 3` of 4.8 is 14.4, not
    14.399999999999999. Whole numbers stay whole (but for `/`); a result beyond the
    largest double is an infinity, which the writers stop at (OCX568)."""
    whole = operation is not _divide

    def apply(left: Any, right: Any) -> Any:
        if left is None or right is None:
            return None
        a, b = as_number(left), as_number(right)
        if whole and a.__class__ is int and b.__class__ is int:
            return operation(a, b)
        try:
            return float(operation(Decimal(repr(a)), Decimal(repr(b))))
        except (ZeroDivisionError, InvalidOperation):  # x / 0, and 0 / 0
            return None

    return apply


def _add(a: Any, b: Any) -> Any:
    return a + b


def _subtract(a: Any, b: Any) -> Any:
    return a - b


def _multiply(a: Any, b: Any) -> Any:
    return a * b


def _divide(a: Any, b: Any) -> Any:
    return a / b


def money_sum(amounts: Any) -> float | None:
    """The exact decimal sum of money amounts (one level of lists flattened, nulls
    skipped) as the float nearest to it: 10.0 + 1.23 is 11.23, as a platform that
    sends the total would say, not 11.229999999999999."""
    if not isinstance(amounts, list):
        raise TransformError("a money amount is not a number")
    total = Decimal(0)
    for item in amounts:
        for amount in item if isinstance(item, list) else (item,):
            if amount is None:
                continue
            if amount.__class__ is bool or not isinstance(amount, (int, float)):
                raise TransformError("a money amount is not a number")
            total += Decimal(repr(amount))
    return float(total)


add = _arithmetic(_add)
subtract = _arithmetic(_subtract)
multiply = _arithmetic(_multiply)
divide = _arithmetic(_divide)
