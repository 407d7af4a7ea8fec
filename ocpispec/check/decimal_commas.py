"""A number written with a decimal comma inside a call, `round(sum(kwh) * 0,35, 1)` or
`round(sum(kwh) * 0,4)`: the comma separates arguments, so the first is `OCX202` with
three arguments and the second checks clean as `round(sum(kwh) * 0, 4)`, releasing 0
for every row (OCX251). A comma between two digits with no space on either side is
read as a decimal comma; two arguments are written `0, 4`."""

from __future__ import annotations

import re

from ocpispec.check.context import Context
from ocpispec.diagnostics import error
from ocpispec.diagnostics.source import Span
from ocpispec.language import syntax

# the whole number just before the comma (not the digits ending a name such as `x2`)
_WHOLE_BEFORE = re.compile(r"(?<![\w.])\d+$")
_DIGITS = re.compile(r"\d+")


def decimal_comma(call: syntax.Call, ctx: Context) -> bool:
    """OCX251 when two arguments of `call` meet at a comma between digits, `0,4`:
    True when it was said (the call's other checks would only add to the confusion)."""
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
        number = written.replace(",", ".")
        ctx.emit(error(
            "OCX251", f"`{written}` is a number with a decimal comma",
            Span(whole.start(), after.span.end), "read as two arguments",
            notes=[f"a comma separates the arguments of `{call.name.name}(...)`: this reads "
                   f"as `{whole.group()}` and `{fraction.group()}`; numbers are written "
                   "with a decimal point"],
            help=f"write `{number}`, or `{whole.group()}, {fraction.group()}` (with a space) "
                 "for two arguments"))
        return True
    return False
