"""A condition written as a column, as SQL's `SELECT status = 'COMPLETED' AS done` or a
spreadsheet's `=A2>20` write one: `auth_method = "WHITELIST" as whitelisted` was told
"`=` is written `as`" (giving `auth_method as "WHITELIST"`), and `kwh > 20 as big` met
the parser's list of expected tokens. A column releases a value; whether a condition
holds is a JMESPath test. T-SQL's alias first, `energy = round(kwh, 1)`, is written with
the name after `as`."""

from __future__ import annotations

import re

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span

_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
_LITERAL = re.compile(r'"(?P<text>[^"\\]*)"|(?P<number>-?\d+(\.\d+)?)|(?P<word>true|false|null)')
_TAIL = re.compile(r'^(?P<value>.*?)(\s+as\s+(?P<name>[A-Za-z_]\w*))?(\s+because\s+".*")?\s*'
                   r'(#.*)?$')
_LEADING = re.compile(r"^(select|by|,)\s+")
_JMES_OPERATORS = {"=": "==", "<>": "!="}


def condition_column(token: object, span: Span, source: SourceFile) -> Diagnostic | None:
    """The diagnostic for a comparison where a column (or a group key) is written, or
    None when the line is not one."""
    text = source.text
    line_start = text.rfind("\n", 0, span.start) + 1
    line_end = text.find("\n", span.start)
    line_end = len(text) if line_end < 0 else line_end
    operator = str(token)
    left = text[line_start:span.start].strip()
    while (lead := _LEADING.match(left)) is not None:
        left = left[lead.end():]
    tail = _TAIL.match(text[span.start + len(operator):line_end].strip())
    if tail is None or not left:
        return None
    value, name = tail.group("value").strip(), tail.group("name")
    literal = _LITERAL.fullmatch(value)
    if literal is None:
        if operator != "=" or not _FIELD.fullmatch(left) or "." in left or not value:
            return None
        begin = line_start + text[line_start:span.start].find(left)
        finish = span.start + 1 + text[span.start + 1:line_end].find(value) + len(value)
        return error("OCX008", "`=` is written `as`", Span(begin, finish),
                     "a column's name follows `as`",
                     notes=["a column is written `EXPRESSION as NAME`: the name comes last"],
                     help=f"write `{value} as {left}`")
    test = f"{left} {_JMES_OPERATORS.get(operator, operator)} {_jmes(literal)}"
    column = name or _name(left, literal)
    where = f"write `where {left} {operator} {value}` under `from`"
    fix = (f"to release whether it holds, write `jmespath(\"{test}\") as {column}`; to keep "
           f"only the records where it holds, {where}" if _FIELD.fullmatch(left) else
           "to keep only the records where it holds, write the condition in `where`")
    after = span.start + len(operator)
    written = text[after:line_end]
    named = written.find(f" {name}", written.find(value) + len(value)) + 1 + len(name) \
        if name else written.find(value) + len(value)  # the help writes the name too
    return error("OCX001", "a column releases a value, not a condition",
                 Span(line_start + text[line_start:span.start].find(left), after + named),
                 "a comparison", notes=[
                     "a condition keeps or drops records in `where`; a column that says "
                     "whether it holds is a JMESPath test"], help=fix)


def _jmes(literal: re.Match[str]) -> str:
    if literal.group("text") is not None:
        return "'" + literal.group("text").replace("'", "\\'") + "'"
    return f"`{literal.group('number') or literal.group('word')}`"


def _name(left: str, literal: re.Match[str]) -> str:
    said = literal.group("text")
    if said is not None and re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", said):
        return f"is_{said.lower()}"
    return f"{left.split('.')[-1]}_test"
