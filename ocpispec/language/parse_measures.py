"""A measure that counts or adds the records meeting a condition, as SQL and spreadsheets
write it (`count(total_parking_time > 1)`, `sum(kwh >= 22)`, `count_if(...)`,
`countif(...)`, `sum(case when ... end)`, `count() filter (where ...)`): the comparison,
`when` or `where` stopped the parser inside the column. A condition in the
language selects records (`where`) or splits them into groups (`bucket` in `group by`);
the help writes both with the user's own field and value."""

from __future__ import annotations

import re

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span

# `count(total_parking_time > 1`: an aggregate's name, its field and the comparison
_COUNTED_IF = re.compile(r"\b(?P<call>count_?if|count|sum|avg)\s*\(\s*"
                         r"(?P<field>[A-Za-z_][\w.]*)\s*(?P<op>[<>]=?|=|==|!=)\s*"
                         r"(?:(?P<value>-?\d+(?:\.\d+)?)|\"(?P<text>[^\"\\]*)\")?")


# SQL's `sum(case when kwh > 20 then 1 else 0 end)` and `count() filter (where kwh > 20)`
_CASE_OR_FILTER = re.compile(r"(?i)\b(?:case\s+when|filter\s*\(\s*where)\s+"
                             r"(?P<field>[A-Za-z_][\w.]*)\s*(?P<op>[<>]=?|=|==|!=)\s*"
                             r"(?:(?P<value>-?\d+(?:\.\d+)?)|\"(?P<text>[^\"\\]*)\")?")


def conditional_measure(token, span: Span, source: SourceFile) -> Diagnostic | None:
    if (filtered := filtered_measure(token, span, source)) is not None:
        return filtered
    start = source.text.rfind("\n", 0, span.start) + 1
    end = source.text.find("\n", span.start)
    line = source.text[start:len(source.text) if end == -1 else end]
    if token.type != "COMPARATOR" and str(token) not in ("==", "<>"):
        found = next((match for match in _CASE_OR_FILTER.finditer(line)
                      if match.start() <= span.start - start < match.end()), None)
    else:
        found = next((match for match in _COUNTED_IF.finditer(line)
                      if match.start("op") == span.start - start), None)
    if found is None:
        return None
    field, op = found.group("field"), found.group("op").replace("==", "=")
    value = found.group("value") or "1"
    if found.group("text") is not None:  # `count(evse.status = "AVAILABLE")`: a text
        return _counted_text(span, field, op, found.group("text"), source)
    return error(
        "OCX001", "a measure takes a value, not a condition", span,
        "a condition inside the measure",
        notes=["`count`, `sum` and `avg` take a value; which records they take is said by a "
               "condition that keeps records (`where`) or by a group (`bucket` in "
               "`group by`)"],
        help=f"group by the condition: add `bucket({field}, [{value}]) as "
             f"{field.split('.')[-1]}_band` to `group by` (its rows `<{value}` and "
             f"`{value}+` each count their own records), or count only them in a dataset "
             f"of their own with `where {field} {op} {value}`")


def _counted_text(span: Span, field: str, op: str, text: str,
                  source: SourceFile) -> Diagnostic:
    """A text compared inside the measure: no band of `bucket` holds it; its value is a
    group of its own, or a dataset of its own keeps the records that have it. Over
    locations and tariffs (no drivers) a JMESPath test may add them up; over sessions
    and CDRs that figure is the few records the test keeps (warning OCX338)."""
    key = f"{field} as {field.split('.')[-1]}"
    grouped = re.search(rf"(?m)^\s*{re.escape(field)}\s+as\s+\w+\s*$",
                        source.text[_group_by(source, span.start):span.start])
    group = (f"the group key `{grouped.group().strip()}` gives each value a row of its own "
             f"already, counted by `count()`" if grouped else
             f"group by the value: add `{key}` to `group by` (a row per value, each "
             f"counting its own records)")
    if _dataset_module(source, span.start) in ("locations", "tariffs"):
        test = f"{field} {'!=' if op == '!=' else '=='} '{text}'"
        other = f"count them in each group with `sum(jmespath(\"{test} && `1` || `0`\"))`"
    else:
        other = f"count only them in a dataset of their own with `where {field} {op} \"{text}\"`"
    return error(
        "OCX001", "a measure takes a value, not a condition", span,
        "a condition inside the measure",
        notes=["`count`, `sum` and `avg` take a value; which records they take is said by a "
               "condition that keeps records (`where`) or by a group (`group by`)"],
        help=f"{group}, or {other}")


def _dataset_module(source: SourceFile, at: int) -> str | None:
    """The module of the dataset the text at `at` belongs to: its last `from` line."""
    found = None
    for found in re.finditer(r"(?m)^\s*from\s+(\w+)", source.text[:at]):
        pass
    return found.group(1) if found is not None else None


def _group_by(source: SourceFile, at: int) -> int:
    """Where the last `group by` before `at` starts (`at` when there is none)."""
    start = source.text.rfind("group by", 0, at)
    return at if start == -1 else start


_AGGREGATES = ("count", "sum", "avg", "min", "max", "median", "percentile")
_SIMPLE = re.compile(r"(?P<field>[A-Za-z_][\w.]*)\s*(?P<op>[<>]=?|==|!=|=)\s*"
                     r"(?:(?P<value>-?\d+(?:\.\d+)?)|\"(?P<text>[^\"\\]*)\")$")


def filtered_measure(token, span: Span, source: SourceFile) -> Diagnostic | None:
    """`sum(kwh where status = "COMPLETED")`, `count(* where kwh > 20)`: a filtered
    aggregate. A measure has no filter of its own; the records it reads are chosen under
    `from`, or split into rows by a group key. The help writes both with the user's
    condition (before, '`where` belongs under `from`' moved it onto every measure)."""
    text = source.text
    if token.type == "WHERE":
        at = span.start
    elif str(token) == "*" and (after := re.match(r"\*\s*where\b", text[span.start:])):
        at = span.start + after.end() - len("where")
    else:
        return None
    line_start = text.rfind("\n", 0, at) + 1
    opened = _unclosed(text, line_start, at)
    name = re.search(r"([A-Za-z_]\w*)\s*$", text[line_start:opened]) if opened else None
    if name is None or name.group(1).lower() not in _AGGREGATES:
        return None
    call = name.group(1).lower()
    value = " ".join(text[opened + 1:at].split())
    end = _closing(text, at)
    condition = " ".join(text[at + len("where"):end].split())
    measure = "count()" if value in ("*", "") else f"{call}({value})"
    module = _dataset_module(source, at) or "sessions"
    has_where = re.search(r"(?m)^\s*where\b", text[_from_line(source, at):line_start])
    kept = (f"add `and {condition}` to its `where`" if has_where
            else f"write `where {condition}` under `from {module}`")
    return error(
        "OCX001", "a measure has no `where` of its own", Span(at, at + len("where")),
        "a filter inside the measure",
        notes=["the language has no filtered aggregate (SQL's `filter (where ...)`, a "
               "spreadsheet's `sumif`): a measure reads every record of its group; the records "
               "a dataset reads are chosen under `from` (`where`), and a group key gives each "
               "value its own row"],
        help=f"read only these records in a dataset of their own: {kept}, with "
             f"`{measure}` under `compute` (name it, `from {module} as NAME`, and keep this "
             f"one beside it for the measures that read every record)"
             + _as_group(condition))


def _as_group(condition: str) -> str:
    simple = _SIMPLE.match(condition)
    if simple is None:
        return ""
    field = simple.group("field")
    leaf = field.split(".")[-1]
    if simple.group("text") is not None:
        key = field if leaf == field else f"{field} as {leaf}"
        return f"; or give each `{field}` a row of its own: add `{key}` to `group by`"
    return (f"; or split the records at {simple.group('value')}: add "
            f"`bucket({field}, [{simple.group('value')}]) as {leaf}_band` to `group by`")


def _unclosed(text: str, start: int, at: int) -> int | None:
    """Where the parenthesis open at `at` (on its line) was opened."""
    depth = 0
    for index in range(at - 1, start - 1, -1):
        if text[index] == ")":
            depth += 1
        elif text[index] == "(":
            if depth == 0:
                return index
            depth -= 1
    return None


def _closing(text: str, at: int) -> int:
    """Where the parenthesis open at `at` closes, or its line ends."""
    depth = 0
    for index in range(at, len(text)):
        char = text[index]
        if char == "\n":
            return index
        if char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                return index
            depth -= 1
    return len(text)


def _from_line(source: SourceFile, at: int) -> int:
    found = None
    for found in re.finditer(r"(?m)^\s*from\s+\w+", source.text[:at]):
        pass
    return found.start() if found is not None else 0
