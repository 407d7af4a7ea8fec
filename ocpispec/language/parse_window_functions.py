"""SQL's window functions and ordered-set aggregates in a column: `max(count()) over
(partition by area)`, `rank() over (order by kwh desc)`, `lag(x) over w`,
`percentile_cont(0.9) within group (order by total_time)`, and PostgreSQL's `x::numeric`.
The parser stopped inside them with the generic 'expected ...' (at `by`), told `order by`
to move before `output` (the window's own order), or read `over w` as two column names.
A measure in the language is computed once per group; a figure across the released rows
is the consumer's to take from the file, or an aggregate of its own. The help writes the
column the language has for the call, or says to leave it out."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span

_RANKS = frozenset({"row_number", "rank", "dense_rank", "ntile", "percent_rank",
                    "cume_dist"})
_NEIGHBOURS = frozenset({"lag", "lead", "first_value", "last_value", "nth_value"})
_AGGREGATES = frozenset({"count", "sum", "avg", "min", "max", "median", "percentile"})
_OVER = re.compile(r"\)\s*over\b", re.IGNORECASE)
_NAMED_WINDOW = re.compile(r"\s*([A-Za-z_]\w*)")
_ALIAS = re.compile(r"\s+as\s+([A-Za-z_]\w*)", re.IGNORECASE)
_PARTITION = re.compile(r"partition\s+by\s+(.*?)(?:\border\s+by\b|\brows\b|\brange\b|$)",
                        re.IGNORECASE | re.DOTALL)
_WITHIN = re.compile(r"\b(?P<name>percentile_cont|percentile_disc)\s*\(\s*"
                     r"(?P<share>0?\.\d+|1(?:\.0+)?|0)\s*\)\s*within\s+group\s*\(\s*order\s+by"
                     r"\s+(?P<value>[^()]*?(?:\([^()]*\))?[^()]*?)(?:\s+(?:asc|desc))?\s*\)",
                     re.IGNORECASE)
_POSTGRES_CAST = re.compile(r"::\s*([A-Za-z_]\w*)(?:\s*\([^()]*\))?")


@dataclass(frozen=True, slots=True)
class _WindowCall:
    start: int  # the function's name
    end: int  # after the window: `)` of `over (...)`, or the window's name
    name: str
    args: str
    window: str  # inside `over (...)`, or the window's name
    alias: str | None
    alias_end: int  # after `as NAME` (`end` without one)


def window_function(at: int, source: SourceFile) -> Diagnostic | None:
    """OCX014 for `f(...) over (...)` or `f(...) over NAME` on the line of `at`, when `at`
    lies inside it (or just after it, at its name)."""
    start = source.text.rfind("\n", 0, at) + 1
    end = source.text.find("\n", at)
    end = len(source.text) if end == -1 else end
    for over in _OVER.finditer(source.text, start, end):
        call = _call_before(source.text, over.start(), start, end, over.end())
        if call is not None and call.start <= at <= call.end + 1:
            return _told(call)
    return None


def _call_before(text: str, close: int, line_start: int, line_end: int,
                 after_over: int) -> _WindowCall | None:
    opening = _opening(text, close, line_start)
    if opening is None:
        return None
    name = re.search(r"([A-Za-z_]\w*)\s*$", text[line_start:opening])
    if name is None or re.search(r"\bspread\s*$", text[line_start:line_start + name.start(1)]):
        return None  # `spread hours(a, b) over hour in utc`: the spread's own `over`
    window_end, window = _window(text, after_over, line_end)
    if window_end is None:
        return None
    alias = _ALIAS.match(text, window_end, line_end)
    return _WindowCall(line_start + name.start(1), window_end, name.group(1).lower(),
                       text[opening + 1:close].strip(), window,
                       alias.group(1) if alias else None,
                       alias.end() if alias else window_end)


def _opening(text: str, close: int, line_start: int) -> int | None:
    depth = 0
    for index in range(close, line_start - 1, -1):
        depth += text[index] == ")"
        depth -= text[index] == "("
        if depth == 0:
            return index
    return None


def _window(text: str, at: int, line_end: int) -> tuple[int | None, str]:
    """The window after `over`: `(...)` (to its `)`, perhaps on a later line) or a name."""
    rest = text[at:line_end]
    if rest.lstrip().startswith("("):
        opening = at + len(rest) - len(rest.lstrip())
        depth = 0
        for index in range(opening, len(text)):
            depth += text[index] == "("
            depth -= text[index] == ")"
            if depth == 0:
                return index + 1, " ".join(text[opening + 1:index].split())
        return None, ""
    named = _NAMED_WINDOW.match(text, at, line_end)
    return (named.end(), named.group(1)) if named else (None, "")


_NOTE = ("a measure is computed once per group of `group by`, over that group's records, "
         "and a group is released only when it holds the minimum group size; a figure "
         "across the released rows (a rank, a running total, a share, the peak or the total "
         "per key) is the consumer's to take from the file (pandas `groupby(...).transform`, "
         "`rank`, `shift`; a spreadsheet), and a total per key is an aggregate of its own "
         "grouped by that key")


def _told(call: _WindowCall) -> Diagnostic:
    span = Span(call.start, call.alias_end)  # the help writes the column, name and all
    written = "`over (...)`" if not call.window or " " in call.window else "`over`"
    return error("OCX014", f"{written} is SQL's window function, not part of the spec "
                 "language", span, "a figure across rows", notes=[_NOTE], help=_help(call))


def _help(call: _WindowCall) -> str:
    keys = _partition_keys(call.window)
    per = f" per `{keys}`" if keys else ""
    if call.name in _RANKS:
        order = re.search(r"\border\s+by\s+([A-Za-z_][\w.]*(?:\s+(?:asc|desc))?)\s*$",
                          call.window, re.IGNORECASE)
        keys = order.group(1).lower() if order else "COLUMN desc"
        return (f"leave this column out: sort the released rows with `order by {keys}` "
                "just before `output` (a row's place in the file is its rank; `limit N` "
                "keeps a top N of an aggregate)")
    if call.name in _NEIGHBOURS:
        return ("leave this column out: the rows come in the order `order by` gives them, "
                "and the consumer takes the previous or next row's value from the file")
    if call.name not in _AGGREGATES:
        return "leave this column out: the consumer computes it from the file's rows"
    alias = f" as {call.alias}" if call.alias else ""
    inner = _nested_aggregate(call.args)
    if inner is not None:
        return (f"write `{inner}{alias}`, the figure of each group; the `{call.name}` of it"
                f"{per} is the consumer's to take from the file's rows")
    return (f"write `{call.name}({call.args}){alias}` under `compute`, the figure of each "
            f"group of `group by`" + (f"; a figure{per} alone is a dataset of its own, "
                                      f"grouped by `{keys}`" if keys else ""))


def _partition_keys(window: str) -> str:
    found = _PARTITION.search(window)
    return " ".join(found.group(1).split()).rstrip(", ") if found else ""


def _nested_aggregate(args: str) -> str | None:
    found = re.match(r"\s*([A-Za-z_]\w*)\s*\(", args)
    if found is None or found.group(1).lower() not in _AGGREGATES:
        return None
    return args.strip()


def ordered_set_aggregate(at: int, source: SourceFile) -> Diagnostic | None:
    """OCX014 for `percentile_cont(p) within group (order by x)` on the line of `at`."""
    start = source.text.rfind("\n", 0, at) + 1
    end = source.text.find("\n", at)
    end = len(source.text) if end == -1 else end
    for found in _WITHIN.finditer(source.text, start, end):
        if not found.start() <= at <= found.end():
            continue
        value, share = found.group("value").strip(), float(found.group("share"))
        meant = f"median({value})" if share == 0.5 else f"percentile({value}, {share:g})"
        meant = f"round({meant}, 1)"  # one record's value: cut to the floor of time, energy
        return error("OCX014", f"`{found.group('name')}(...) within group (...)` is SQL, not "
                     "part of the spec language", Span(found.start(), found.end()),
                     "SQL's ordered-set aggregate",
                     notes=["the language's `percentile(x, p)` (p from 0.05 to 0.95) and "
                            "`median(x)` take the value itself; each gives one record's "
                            "value, or a point between two, so it is rounded to the field's "
                            "floor (one decimal of energy, time and cost)"],
                     help=f"write `{meant}`")
    return None


def postgres_cast(at: int, source: SourceFile) -> Diagnostic | None:
    """OCX002 for PostgreSQL's `x::numeric` at `at` (the first `:`)."""
    found = _POSTGRES_CAST.match(source.text, at)
    if found is None:
        return None
    return error("OCX002", "unexpected character `:`", Span(found.start(), found.end()),
                 "PostgreSQL's cast", notes=[
                     "a value keeps the type OCPI gives it (`ocpispec schema MODULE`); a "
                     "whole number is `round(x, 0)`"],
                 help=f"remove `{source.text[found.start():found.end()]}`")
