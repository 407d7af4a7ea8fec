"""Habits from other languages that stop the parser, each with what the spec language
writes instead (`parse_errors` tries these before its generic "expected ..."):

- comparisons as programmers and SQL write them (`==`, `<>`; `between` in a condition
  and a list in parentheses are in `parse_values`);
- the shape of an aggregate: `compute` without `group by`, `select` mixed with it;
- characters: single quotes, `&&`, `||`, `!`, `;`, letters outside ASCII in a name;
- a time with a UTC offset (times in a spec are UTC);
- `window since last run`: a time window is written without `window`, which only
  starts `window on FIELD`.

The forms a new user guesses (a text without quotes, `count(*)`, `join ... on a = b`)
are `parse_guessed_forms`'s.
"""

from __future__ import annotations

import re

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span
from ocpispec.language.characters import pasted_habit
from ocpispec.language.lark_without_regex import Token


_WITH_OFFSET = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?)([+-]\d{2}(?::?\d{2})?)")


def time_with_offset(source: SourceFile, pos: int) -> Diagnostic | None:
    """`since 2026-06-01T00:00:00+02:00`: times in a spec are UTC (`Z`), so the parser
    stops inside the offset; say which UTC time that is."""
    start = source.text.rfind("\n", 0, pos) + 1
    end = source.text.find("\n", pos)
    line = source.text[start:end if end != -1 else len(source.text)]
    for found in _WITH_OFFSET.finditer(line):
        if not found.start(2) <= pos - start < found.end():
            continue
        from ocpispec.timestamps import format_timestamp, parse_timestamp

        moment = parse_timestamp(found.group())
        if moment is None:
            return None
        utc = format_timestamp(moment)
        return error("OCX001", f"`{found.group()}` has a UTC offset", Span(
            start + found.start(), start + found.end()), "an offset",
            notes=["times in a spec are UTC, written with `Z` (or without a zone)"],
            help=f"write `{utc}`, the same moment in UTC")
    return None


def character_habit(char: str, after: str) -> tuple[str, str] | None:
    """A character other languages use, with what the spec language writes instead."""
    if (pasted := pasted_habit(char)) is not None:
        return pasted
    match char:
        case "'":
            return ("single quote", 'quoted strings use double quotes: `"..."`')
        case "&":
            return ("not an operator", "combine conditions with `and`")
        case "|":
            return ("not an operator", "combine conditions with `or`")
        case "!" if after != "=":
            return ("not an operator", "negate a condition with `not`; not equal is `!=`")
        case ";":
            return ("not part of the spec language",
                    "remove it: clauses and columns need no terminator")
        case "$":
            return ("not part of the spec language",
                    "an environment variable is written `env NAME`: `ocpi env "
                    "OCPI_VERSIONS_URL`, `token env OCPI_TOKEN`")
    if char.isalpha() or char.isdigit():
        return ("not a letter names may use",
                f"names are ASCII letters, digits and `_` ({_ascii_for(char)}); any text "
                "may stand inside a quoted string")
    return None


_UMLAUTS = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "ø": "oe", "å": "aa"}


def _ascii_for(char: str) -> str:
    """`write `e` for `é``: the letter's ASCII spelling, when it has one."""
    import unicodedata

    lower = char.lower()
    plain = _UMLAUTS.get(lower) or "".join(
        c for c in unicodedata.normalize("NFKD", lower) if c.isascii() and c.isalnum())
    return f"write `{plain}` for `{char}`" if plain else "write it in ASCII letters"


# ---- parser errors -------------------------------------------------------------------


# comparisons written as other languages do -> as the spec language does
_OPERATORS = {"==": "=", "<>": "!=", "=<": "<=", "=>": ">=", "=!": "!="}


def operator_habit(token, expected, span, history, parser) -> Diagnostic | None:
    """`status == "X"`, `status <> "X"`, `kwh between 5 and 10`, `in ("A", "B")`: the
    parser stops at the second half; say what the condition is written as instead."""
    previous = history[-1] if history else None
    if previous is not None and previous.type == "COMPARATOR" \
            and previous.end_pos == token.start_pos \
            and (written := f"{previous}{token}") in _OPERATORS:
        fixed = _OPERATORS[written]
        return error("OCX001", f"`{written}` is not a comparison", Span(previous.start_pos,
                     token.end_pos), f"write `{fixed}`",
                     notes=["comparisons are `=`, `!=`, `<`, `<=`, `>`, `>=`"],
                     help=f"write `{fixed}`")
    return None


_WINDOWS = {"SINCE": "since last run", "BETWEEN": "between 2026-01-01 and 2026-02-01",
            "LAST": "last 7 days", "PREVIOUS": "previous month", "MONTH": "month to date"}


def window_habit(token, expected, span, history, parser) -> Diagnostic | None:
    """`window since last run`, `window previous month`, `window all`: the windows are
    written on their own; `window` only starts `window on FIELD`."""
    previous = history[-1] if history else None
    if previous is None or previous.type != "WINDOW" or "ON" not in expected:
        return None
    notes = ["the windows are " + ", ".join(f"`{shape}`" for shape in _WINDOWS.values()), "`window on FIELD` (`window on start_date_time`) "
             "chooses the time a window applies to, beside the window itself"]
    if token.type in _WINDOWS:
        return error("OCX001", "a time window is written without `window`",
                     Span(previous.start_pos, previous.end_pos), "remove `window`",
                     notes=notes, help=f"remove `window`: the line reads like `{_WINDOWS[token.type]}`")
    return error("OCX001", "`window` is followed by `on FIELD`", span, "expected `on`",
                 notes=notes, help="write one of the windows under `from`; the records "
                                   "a run reads are chosen by it")


_TOTAL = 'for one total over all records: `group by constant("all") as scope`'


def aggregate_shape(token, expected, span, history, parser) -> Diagnostic | None:
    """A dataset is `select COLUMNS` or `group by KEYS compute MEASURES`: `compute`
    without `group by`, `select` mixed with either, or `group by` without `compute`."""
    block = _since_last(history, "FROM")
    grouped, selected = "GROUP" in block, "SELECT" in block
    if token.type == "COMPUTE" and selected:
        return error("OCX001", "`select` and `compute` do not mix", span,
                     "a row export has no measures",
                     notes=["a dataset releases rows (`select COLUMNS`) or groups "
                            "(`group by KEYS` then `compute MEASURES`)"],
                     help="write `group by` instead of `select` for the columns that form "
                          "the groups; " + _TOTAL)
    if token.type == "COMPUTE" and not grouped:
        return error("OCX001", "`compute` needs `group by` before it", span,
                     "no groups to compute over",
                     notes=["measures are computed per group of the `group by` keys"],
                     help="write `group by KEY as NAME` before `compute`; " + _TOTAL)
    if token.type == "SELECT" and grouped:
        return error("OCX001", "an aggregate has no `select`", span, "after `group by`",
                     notes=["an aggregate's columns are its `group by` keys and its "
                            "`compute` measures"],
                     help="list the measures under `compute`: `compute count() as sessions`")
    if token.type == "MINIMUM" and selected and not grouped:
        return error("OCX001", "`minimum group size` belongs to an aggregate", span,
                     "a row export has no groups",
                     notes=["groups and their minimum size are `group by KEYS compute "
                            "MEASURES minimum group size N`; the rows of a `select` are "
                            "made k-anonymous with `require k N over (COLUMNS)`"],
                     help="write `require k 10` after the columns, or aggregate with "
                          "`group by ... compute ... minimum group size 10`")
    if "COMPUTE" in expected and grouped and "COMPUTE" not in block \
            and token.type in ("OUTPUT", "ORDER", "LIMIT", "$END", "FROM"):
        return error("OCX001", "`group by` needs `compute`", span, "expected `compute`",
                     notes=["an aggregate releases its keys with measures over each group"],
                     help="add the measures after the keys, e.g. `compute count() as "
                          "sessions`")
    return None


def _since_last(history: list[Token], kind: str) -> set[str]:
    """The token types after the last token of `kind`."""
    types: set[str] = set()
    for seen in reversed(history):
        if seen.type == kind:
            break
        types.add(seen.type)
    return types
