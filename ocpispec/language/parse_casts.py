"""`cast(kwh as int)`, `kwh::int`: a type conversion as SQL writes it. The parser stops
at `as` inside the call and said 'the call is not closed: write `kwh)`', which pasted
gave `cast(kwh)`, an unknown function. Values keep their OCPI type in the language; a
whole number is `round(x, 0)`."""

from __future__ import annotations

import re

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span

_CAST = re.compile(r"\b(?:cast|try_cast|convert)\s*\(\s*(?P<value>[^()]*?(?:\([^()]*\))?"
                   r"[^()]*?)\s+as\s+(?P<type>[A-Za-z_]+)(?:\s*\([^()]*\))?\s*\)",
                   re.IGNORECASE)
_WHOLE = frozenset({"int", "integer", "bigint", "smallint", "int64", "int32", "long"})


def cast_habit(token, span: Span, source: SourceFile) -> Diagnostic | None:
    """OCX001 for SQL's `cast(x as TYPE)` where the parser stopped inside it, with the
    value as the language writes it: `round(x, 0)` for a whole number, else `x`."""
    start = source.text.rfind("\n", 0, span.start) + 1
    end = source.text.find("\n", span.start)
    line = source.text[start:len(source.text) if end == -1 else end]
    for found in _CAST.finditer(line):
        if not found.start() <= span.start - start < found.end():
            continue
        value = found.group("value").strip()
        meant = f"round({value}, 0)" if found.group("type").lower() in _WHOLE else value
        return error("OCX001", f"`{found.group()}` is SQL", Span(start + found.start(),
                     start + found.end()), "no `cast` in the language",
                     notes=["a value keeps the type OCPI gives it (`ocpispec schema MODULE`); "
                            "a whole number is `round(x, 0)`, a text cut is `prefix(x, n)`"],
                     help=f"write `{meant}`")
    return None
