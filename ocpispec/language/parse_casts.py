"""`cast(kwh as int)`: a type conversion as SQL writes it. The parser stops at `as`
inside the call and said 'the call is not closed: write `kwh)`', which pasted gave
`cast(kwh)`, an unknown function. Values keep their OCPI type in the language; a whole
number is `round(x, 0)`. And `case when kwh > 10 then ... end`, a value per condition,
which the language writes as bands: `bucket(kwh, [10])`."""

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


_CASE = re.compile(r"\bcase\s+when\s+(?P<field>[A-Za-z_][\w.]*)\s*(?P<op>[<>]=?|=)\s*"
                   r"(?P<number>-?\d+(?:\.\d+)?)?[^#]*?(?:\bend\b|$)", re.IGNORECASE)


def case_habit(token, span: Span, source: SourceFile) -> Diagnostic | None:
    """OCX001 for SQL's `case when FIELD > N then ... end` where the parser stopped inside
    it: the bands of a number are `bucket(FIELD, [N])`, labelled `<N` and `N+`."""
    start = source.text.rfind("\n", 0, span.start) + 1
    end = source.text.find("\n", span.start)
    line = source.text[start:len(source.text) if end == -1 else end]
    found = next((m for m in _CASE.finditer(line) if m.start() <= span.start - start), None)
    if found is None:
        return None
    notes = ["a value per condition is a band of a number, `bucket(x, [edges])` (labels "
             "such as `<10`, `10-50`, `50+`), or a dataset of its own with that `where`"]
    if found.group("number") is None or found.group("op") == "=":
        return error("OCX001", "SQL's `case when` is not part of the spec language",
                     Span(start + found.start(), start + found.end()), "no `case` in the "
                     "language", notes=notes, help="write the bands with `bucket(x, [edges])`,"
                     " or give each condition a dataset with its `where`")
    return error("OCX001", "SQL's `case when` is not part of the spec language",
                 Span(start + found.start(), start + found.end()), "no `case` in the language",
                 notes=notes,
                 help=f"write `bucket({found.group('field')}, [{found.group('number')}])`")
