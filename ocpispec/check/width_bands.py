"""Classes of a fixed width as other tools write them: `bucket(x, 15)` (a width where
`bucket` takes edges) and `floor(x / 15) * 15` (SQL's and a spreadsheet's class), which
was told `jmespath("floor(minutes(...) / 15)")`, a hatch that reads no language function
and has no arithmetic. Both are `bucket` with edges a width apart."""

from __future__ import annotations

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.language import syntax

_BANDS = 12  # edges written: the first twelve classes, the last band `12w+`
_FLOORS = ("floor", "ceil", "ceiling")


def width_edges(width: float) -> str:
    """`[0, 15, 30, ..., 180]`: the first classes of a width, from 0."""
    return "[" + ", ".join(f"{width * step:g}" for step in range(_BANDS + 1)) + "]"


def edges_note(width: float) -> str:
    return (f"`bucket` labels a class by its edges (`{width:g}-{2 * width:g}` holds "
            f"{width:g} up to but not including {2 * width:g}); the values above the last "
            f"edge are one band (`{width * _BANDS:g}+`): extend the list as far as yours go")


def width_of(arg: syntax.Expr) -> float | None:
    """A positive number given where the edges go."""
    if isinstance(arg, syntax.Literal) and arg.kind == "number" and arg.value > 0:
        return float(arg.value)
    return None


def floored_class(call: syntax.Call, around: tuple, text: str) -> Diagnostic | None:
    """OCX107 for `floor(x / w)` (or `floor(x / w) * w`): `bucket(x, [0, w, 2w, ...])`."""
    if call.name.name.lower() not in _FLOORS or len(call.args) != 1 or not text:
        return None
    match call.args[0]:
        case syntax.BinaryOp(op="/", left=value, right=divisor) if width_of(divisor):
            width = width_of(divisor)
        case _:
            return None
    outer = around[0] if around else None
    span = outer.span if isinstance(outer, syntax.BinaryOp) and outer.op == "*" and \
        width in (width_of(outer.left), width_of(outer.right)) else call.span
    written = text[value.span.start:value.span.end]
    return error("OCX107", f"unknown function `{call.name.name}`", span,
                 f"a class {width:g} wide", notes=[edges_note(width)],
                 help=f"write `bucket({written}, {width_edges(width)})`")
