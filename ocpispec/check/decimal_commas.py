"""A number written with a decimal comma inside a call, `round(sum(kwh) * 0,35, 1)` or
`round(sum(kwh) * 0,4)`: the comma separates arguments, so the first has three
arguments and the second checks clean as `round(sum(kwh) * 0, 4)`, releasing 0 for every
row. A comma between two digits with no space on either side reads as a decimal comma
where the two-argument reading cannot be meant (OCX251, an error): one argument too
many, or a sum times 0 or 1, plus 0, or a constant. Elsewhere both readings are
plausible, `round(minutes(a, b)/60,1)`: the two arguments are kept and OCX252 says how the
line reads (a warning a space silences)."""

from __future__ import annotations

import re

from ocpispec.check.context import Context
from ocpispec.diagnostics import error, warning
from ocpispec.diagnostics.source import Span
from ocpispec.language import syntax

# the whole number just before the comma (not the digits ending a name such as `x2`)
_WHOLE_BEFORE = re.compile(r"(?<![\w.])\d+$")
_DIGITS = re.compile(r"\d+")
# an operand after which the arithmetic does nothing or zeroes its value
_IDLE_OPERANDS = {"*": (0, 1), "/": (0, 1), "+": (0,), "-": (0,)}


def decimal_comma(call: syntax.Call, ctx: Context, most_arguments: int) -> bool:
    """OCX251 when two arguments of `call` meet at a comma between digits, `0,4`, and the
    two-argument reading cannot be meant: True when it was said (the call's other checks
    would only add to the confusion). OCX252 where either reading could be meant."""
    if ctx.source is None:
        return False
    text = ctx.source.text
    for before, after in zip(call.args, call.args[1:]):
        if not isinstance(after, syntax.Literal) or text[before.span.end:after.span.start] != ",":
            continue
        whole = _WHOLE_BEFORE.search(text, before.span.start, before.span.end)
        fraction = _DIGITS.fullmatch(text, after.span.start, after.span.end)
        if whole is None or fraction is None:
            continue
        written = text[whole.start():after.span.end]
        span = Span(whole.start(), after.span.end)
        if len(call.args) > most_arguments or _idle(before):
            ctx.emit(_refused(call, written, span, whole.group(), fraction.group()))
            return True
        ctx.emit(_ambiguous(written, span, whole.group(), fraction.group()))
    return False


def _idle(argument: syntax.Expr) -> bool:
    """Whether the argument before the comma is a constant, or arithmetic that does
    nothing (or zeroes) by its last number: `x * 0`, `x * 1`, `x / 1`, `x + 0`."""
    match argument:
        case syntax.Literal():
            return True
        case syntax.BinaryOp(op=op, right=syntax.Literal(value=value)):
            return value in _IDLE_OPERANDS.get(op, ())
        case _:
            return False


def _refused(call: syntax.Call, written: str, span: Span, whole: str, fraction: str):
    return error(
        "OCX251", f"`{written}` is a number with a decimal comma", span, "read as two arguments",
        notes=[f"a comma separates the arguments of `{call.name.name}(...)`: this reads as "
               f"`{whole}` and `{fraction}`; numbers are written with a decimal point"],
        help=f"write `{written.replace(',', '.')}`, or `{whole}, {fraction}` (with a space) "
             "for two arguments")


def _ambiguous(written: str, span: Span, whole: str, fraction: str):
    return warning(
        "OCX252", f"`{written}` reads as two arguments, `{whole}` and `{fraction}`", span,
        "a comma between digits",
        notes=["numbers are written with a decimal point; a decimal comma inside a call "
               "splits the number into two arguments"],
        help=f"if you meant the number, write `{written.replace(',', '.')}`; if you meant two "
             f"arguments, write `{whole}, {fraction}` (with a space) and this warning goes")
