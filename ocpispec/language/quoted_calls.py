"""SQL's time functions with a single-quoted argument: `date_trunc('quarter', t)`,
`strftime('%Y-%m', t)`, `to_char(t, 'YYYY-MM')`, `date_part('hour', t)`. The quote
stopped the parser, whose help wrote the text in double quotes; pasted in, the call was
then an unknown function (OCX107) with the language's call as its help: two steps to
one fix. The help now writes the language's call at once, on the window's clock."""

from __future__ import annotations

import re

from ocpispec.diagnostics.source import Span
from ocpispec.language import syntax

_CALL = re.compile(r"(?P<name>[A-Za-z_]\w*)\s*\((?P<args>[^()]*)\)")
_ARG = re.compile(r"\s*(?:'(?P<single>[^']*)'|\"(?P<double>[^\"]*)\"|"
                  r"(?P<field>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*))\s*\Z")
_TIME_CALLS = frozenset({"date_trunc", "datetrunc", "trunc", "to_char", "strftime",
                         "date_format", "format_date", "format_datetime", "format_timestamp",
                         "formatdatetime", "date_part", "datepart"})


def quoted_time_call(text: str, pos: int) -> tuple[Span, str] | None:
    """(the call, what to write) for a single quote at `pos` inside one of SQL's time
    functions whose every argument is a field or a quoted text; None otherwise."""
    line_end = text.find("\n", pos)
    for found in _CALL.finditer(text, text.rfind("\n", 0, pos) + 1,
                                len(text) if line_end == -1 else line_end):
        if not found.start("args") <= pos < found.end("args"):
            continue
        name = found.group("name")
        call = _call(name, found) if name.lower() in _TIME_CALLS else None
        if call is None:
            return None
        from ocpispec.check.function_habits import meant_call  # an error's help only
        from ocpispec.check.zoned_helps import zoned_help
        from ocpispec.language.period_ranges import window_zone

        written = meant_call(call, None, text, jmespath_only=False)
        if written is None or "(" not in written:
            return None
        return Span(found.start(), found.end()), zoned_help(written, window_zone(text))
    return None


def _call(name: str, found: re.Match[str]) -> syntax.Call | None:
    args: list[syntax.Expr] = []
    start = found.start("args")
    for part in found.group("args").split(","):
        span, start = Span(start, start + len(part)), start + len(part) + 1
        arg = _ARG.match(part)
        if arg is None:
            return None
        if arg.group("field") is not None:
            args.append(syntax.FieldRef(tuple(arg.group("field").split(".")), span))
        else:
            value = arg.group("single") if arg.group("single") is not None \
                else arg.group("double")
            args.append(syntax.Literal(value, "string", span))
    whole = Span(found.start(), found.end())
    return syntax.Call(syntax.Ident(name, Span(found.start(), found.end("name"))),
                       tuple(args), whole)
