"""The function calls of a dataset's columns, nested ones included, in source order."""

from __future__ import annotations

from collections.abc import Iterator

from ocpispec.language import syntax


def dataset_calls(dataset: syntax.Dataset) -> Iterator[syntax.Call]:
    body = dataset.body
    columns = body.columns if isinstance(body, syntax.Select) else (*body.keys, *body.measures)
    for column in columns:
        yield from calls_in(column.expr)


def calls_in(expr: syntax.Expr) -> Iterator[syntax.Call]:
    match expr:
        case syntax.Call():
            yield expr
            for arg in expr.args:
                yield from calls_in(arg)
        case syntax.BinaryOp():
            yield from calls_in(expr.left)
            yield from calls_in(expr.right)
