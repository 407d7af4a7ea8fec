"""A lark lexer error as one human OCX002/OCX004 diagnostic: a character the language
has no use for, most often a habit from SQL, a shell or a spreadsheet (single quotes,
`$VAR`, `::numeric`, `;` between arguments), or an unterminated string."""

from __future__ import annotations

import re

from ocpispec.language.lark_without_regex import UnexpectedCharacters

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span
from ocpispec.language.characters import describe_character
from ocpispec.language.parse_aliases import alias_as_written
from ocpispec.language.parse_habits import character_habit, time_with_offset
from ocpispec.language.parse_layout import json_key, yaml_key
from ocpispec.language.parse_sorting import pandas_sort
from ocpispec.language.parse_window_functions import postgres_cast
from ocpispec.language.parse_zones import at_time_zone
from ocpispec.language.quoted_calls import quoted_time_call

_SHELL_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))")
_SINGLE_QUOTED = re.compile(r"'([^'\"`\\\n]*)'")
# `start_date_time >= now() - interval '30 days'`, `current_date - interval '1 month'`
_INTERVAL = re.compile(r"[A-Za-z_][\w.]*\s*>=?\s*(?:now\(\)|current_date|current_timestamp|"
                       r"getdate\(\)|today\(\))\s*-\s*interval\s*$", re.IGNORECASE)
_AMOUNT = re.compile(r"'\s*(\d+)\s*(minutes?|hours?|days?|weeks?|months?)\s*'", re.IGNORECASE)


def unexpected_character(exc: UnexpectedCharacters, source: SourceFile) -> Diagnostic:
    pos = exc.pos_in_stream
    char = source.text[pos] if pos < len(source.text) else ""
    if char == '"':
        end = source.text.find("\n", pos)
        span = Span(pos, len(source.text) if end == -1 else end)
        return error("OCX004", "unterminated string", span, "this string has no closing `\"`",
                     notes=["a quoted string ends on the line where it starts"],
                     help='close the string with `"` on the same line')
    if (offset := time_with_offset(source, pos)) is not None:
        return offset
    shown = describe_character(char)
    if source.text[:pos].rstrip().endswith("delimiter") and char.isprintable() and char != " ":
        return error("OCX002", f"unexpected character {shown}", Span(pos, pos + 1),
                     "a delimiter is quoted", help=f'write `delimiter "{char}"`')
    line_start = source.text.rfind("\n", 0, pos) + 1
    before = source.text[line_start:pos]
    if char == ";" and before.count("(") > before.count(")"):
        # `round(kwh; 1)`: a spreadsheet's argument separator where the locale uses `,`
        return error("OCX002", f"unexpected character {shown}", Span(pos, pos + 1),
                     "arguments are separated by `,`", help="write `,`")
    if char == "'" and (zoned := at_time_zone(pos, source)) is not None:
        return zoned  # `t AT TIME ZONE 'Europe/Amsterdam'`
    if (alias := alias_as_written(source, pos)) is not None:
        return alias  # `as énergie`, `as 'energie'`, `as €_total`
    if (sort := pandas_sort(pos, source)) is not None:
        return sort  # `sort_values('sessions', ascending=False)`
    if char == ":" and source.text[pos + 1:pos + 2] == ":" \
            and (cast := postgres_cast(pos, source)) is not None:
        return cast  # `avg(kwh)::numeric`
    if char == ":" and (keyed := json_key(pos, source) or yaml_key(pos, source)) is not None:
        return keyed
    if char == "$" and (variable := _SHELL_VARIABLE.match(source.text, pos)) is not None:
        name = variable.group(1) or variable.group(2)
        return error("OCX002", f"unexpected character {describe_character(char)}",
                     Span(pos, variable.end()), "a shell's variable",
                     notes=["a secret or URL from the environment is written `env NAME`"],
                     help=f"write `env {name}`")
    if char == "'" and (interval := _INTERVAL.search(before)) is not None \
            and (amount := _AMOUNT.match(source.text, pos)) is not None:
        # SQL's `start_date_time >= now() - interval '30 days'`: the window `last 30 days`
        unit = amount.group(2).lower().rstrip("s") + "s"
        return error("OCX002", f"unexpected character {shown}",
                     Span(line_start + interval.start(), amount.end()),
                     "a time relative to the run", notes=[
                         "a time relative to the run is the dataset's window, under `from`; "
                         "it filters the time a record was last updated, or with `window on "
                         "start_date_time` the start"],
                     help=f"write the window `last {amount.group(1)} {unit}` under `from`, "
                          "in place of the comparison")
    if char == "'" and (timed := quoted_time_call(source.text, pos)) is not None:
        # SQL's `date_trunc('quarter', t)`: the caret covers the call, the help writes ours
        return error("OCX002", f"unexpected character {shown}", timed[0],
                     "SQL's time function, its text in single quotes",
                     notes=['quoted strings use double quotes: `"..."`; a time is cut with '
                            "`truncate(t, unit)`, `hour_of_day(t)` or `weekday(t)`"],
                     help=f"write `{timed[1]}`")
    if char == "'" and (quoted := _SINGLE_QUOTED.match(source.text, pos)) is not None:
        # SQL's `'COMPLETED'`: the caret covers the text, and the help writes it
        return error("OCX002", f"unexpected character {shown}", Span(pos, quoted.end()),
                     "single quotes", notes=['quoted strings use double quotes: `"..."`'],
                     help=f"write `{_as_written(quoted.group(1), source.text[:pos])}`")
    habit = character_habit(char, source.text[pos + 1:pos + 2])
    if habit is not None:
        label, help = habit
        return error("OCX002", f"unexpected character {shown}", Span(pos, pos + 1), label,
                     help=help)
    return error("OCX002", f"unexpected character {shown}", Span(pos, pos + 1),
                 "not part of the spec language",
                 help="remove it, or put it inside a quoted string")


_BARE_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2})?Z?)?")
_TRUNCATE_UNITS = frozenset({"minute", "quarter_hour", "hour", "day", "week", "month",
                             "quarter", "year"})


def _as_written(text: str, before: str) -> str:
    """A single-quoted text as the language writes it: a date and a unit of `truncate`
    bare (`2025-06-01`, `hour`: quoted, each is an error of its own), else in `"`."""
    line = before[before.rfind("\n") + 1:]
    if _BARE_DATE.fullmatch(text) or text in _TRUNCATE_UNITS and "truncate(" in line:
        return text
    return f'"{text}"'

