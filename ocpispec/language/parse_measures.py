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
