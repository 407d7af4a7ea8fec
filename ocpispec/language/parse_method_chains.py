"""pandas' method chains on a measure: `sum(kwh).round(0)`, `kwh.sum()`, `kwh.mean()`,
`id.count()`, `sum(kwh).astype(int)`. The parser stopped at the `.` and listed what it
expected; the habit writes the call the language has, with the user's own value inside:
`round(sum(kwh), 0)`."""

from __future__ import annotations

import re

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span

_METHOD = re.compile(r"\.[ \t]*(?P<method>round|sum|mean|avg|count|astype|max|min|median)"
                     r"[ \t]*\((?P<args>[^()\n]*)\)")
_NAME_BEFORE = re.compile(r"[A-Za-z_][\w.]*$")
_CALLS = {"sum": "sum({})", "mean": "avg({})", "avg": "avg({})", "max": "max({})",
          "min": "min({})", "median": "median({})", "count": "count()"}


def method_chain(at: int, source: SourceFile) -> Diagnostic | None:
    """OCX014 for a pandas method called with `.` on a value, where the parse stopped."""
    text = source.text
    line_start = text.rfind("\n", 0, at) + 1
    line_end = text.find("\n", at)
    line_end = len(text) if line_end == -1 else line_end
    found = next((m for m in _METHOD.finditer(text, line_start, line_end)
                  if m.start() <= at < m.end()), None)
    begin = _receiver_start(text, found.start()) if found is not None else None
    if found is None or begin is None:
        return None
    value = text[begin:found.start()].rstrip()
    written = _language_call(found.group("method"), found.group("args").strip(), value)
    if written is None:
        return None
    return error("OCX014", f"pandas' `.{found.group('method')}(...)` is not part of the "
                 "spec language", Span(begin, found.end()), "a method chain",
                 notes=["functions take the value as their first argument: `round(x, n)`, "
                        "`sum(x)`, `avg(x)`, `count()`"],
                 help=f"write `{written}`")


def _language_call(method: str, args: str, value: str) -> str | None:
    if method == "round":
        digits = args.removeprefix("decimals").strip().lstrip("=").strip() or "0"
        return f"round({value}, {digits})" if digits.isdigit() else None
    if method == "astype":
        return f"round({value}, 0)" if args.strip("'\"") in ("int", "int64", "int32") \
            else None
    return _CALLS[method].format(value) if not args else None


def _receiver_start(text: str, dot: int) -> int | None:
    """Where the value before the `.` at `dot` starts: a call `f(...)` or a path."""
    end = dot
    while end > 0 and text[end - 1] in " \t":
        end -= 1
    if end and text[end - 1] == ")":
        depth, i = 0, end - 1
        while i >= 0:
            depth += {")": 1, "(": -1}.get(text[i], 0)
            if depth == 0:
                break
            if text[i] == "\n":
                return None
            i -= 1
        if i < 0:
            return None
        name = _NAME_BEFORE.search(text, 0, i)
        return name.start() if name is not None else None
    name = _NAME_BEFORE.search(text, 0, end)
    return name.start() if name is not None and text[name.start():end] else None
