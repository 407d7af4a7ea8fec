"""Clauses in the wrong place, and times written as people write them, that stop the
parser (`parse_errors` tries these before its generic "expected ..."):

- a spec whose header and source are followed by nothing, or by `select`, `where` or
  `group by` without the `from MODULE` a dataset starts with (OCX019);
- a `from` clause (`where`, `join`, a window, `each`...) written after the columns or
  after `output`;
- `group by` after `select`; `minimum group size` before the `compute` measures;
- a k rule almost right: `suppression limit 5` without `%`, `over a, b` without
  parentheses, `require k` in an aggregate (whose groups have a minimum size instead);
- a condition that is a bare field (`where publish`);
- a spread written like a window: `in "Europe/Amsterdam"`, `over 15 minutes`;
- a time with one digit for the hour (`at 6:00`), a date and a time with a space
  (`since 2026-01-01 06:00`).

The LALR tables merge the states after `env NAME` in the header and in the source, so
the parser's "expected" set after the source still lists header words and `source`:
these rules look at what the spec has already said (the token history) instead.
"""

from __future__ import annotations

import re

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span
from ocpispec.language.lark_without_regex import Token
from ocpispec.language.parse_k_words import as_percent
from ocpispec.language.parse_select_groups import rewritten

_STARTS_DATASET = {"SELECT": "select", "GROUP": "group by", "WHERE": "where",
                   "COMPUTE": "compute", "JOIN": "join", "OUTPUT": "output"}
_FROM_CLAUSES = {"WHERE", "JOIN", "SINCE", "LAST", "BETWEEN", "PREVIOUS", "EACH", "SPREAD",
                 "INCLUDE", "WINDOW"}


def missing_dataset(token: Token, expected: set[str], span: Span,
                    history: list[Token]) -> Diagnostic | None:
    """The header and the source, then the end of the file or a dataset's clause where
    its `from MODULE` should be."""
    types = {seen.type for seen in history}
    if "FROM" not in expected or "SOURCE" not in types or "FROM" in types:
        return None
    notes = ["a dataset is `from MODULE`, its filters and joins, the columns (`select` or "
             "`group by ... compute`) and `output`; a spec has one or more"]
    if token.type == "$END":
        return error("OCX019", "the spec has no dataset", span, "expected `from MODULE` here",
                     notes=notes, help="add a dataset: `from sessions`, its columns (`select ...`) and "
                                       "`output csv to \"...\"`; `ocpispec init --for "
                                       "municipality FILE` writes a complete spec")
    word = _STARTS_DATASET.get(token.type)
    if word is None:
        return None
    return error("OCX019", f"`{word}` before `from`", span, "expected `from MODULE` before this",
                 notes=notes, help="start the dataset with `from MODULE` (`sessions`, `cdrs`, "
                                   f"`locations`, `tariffs` or `tokens`), then `{word}`")


def from_clause_late(token: Token, history: list[Token],
                     source: SourceFile) -> Diagnostic | None:
    """`where`, `join`, a window or `each` after the columns or after `output`: they
    choose the records, so they stand under `from`, before the columns."""
    if token.type not in _FROM_CLAUSES:
        return None
    block = _since_last(history, "FROM")
    kinds = {seen.type for seen in block}
    columns = "group by" if "GROUP" in kinds else "select" if "SELECT" in kinds else None
    if columns is None or block[0].type != "FROM":
        return None
    module = str(block[1]) if len(block) > 1 and block[1].type == "NAME" else "MODULE"
    word = str(token).lower()
    return error("OCX001", f"`{word}` belongs under `from`, before the columns",
                 Span(token.start_pos or 0, token.end_pos or 0),
                 "after `output`" if "OUTPUT" in kinds else
                 "after the columns",
                 notes=["a dataset is `from MODULE`, then its window, `where`, joins and "
                        "`each`, then the columns and `output`"],
                 help=f"move `{word} ...` to the lines after `from {module}`, before `{columns}`")


def aggregate_order(token: Token, history: list[Token],
                    source: SourceFile) -> Diagnostic | None:
    """`select` then `group by`; `minimum group size` before `compute`."""
    block = {seen.type for seen in _since_last(history, "FROM")}
    span = Span(token.start_pos or 0, token.end_pos or 0)
    if token.type == "GROUP" and "SELECT" in block and "GROUP" not in block:
        select = next(seen for seen in reversed(history) if seen.type == "SELECT")
        meant = rewritten(select, token, source)
        return error("OCX001", "`select` and `group by` do not mix", span,
                     "a row export has no groups",
                     notes=["a dataset releases rows (`select COLUMNS`) or groups "
                            "(`group by KEYS` then `compute MEASURES`)"],
                     help="write `group by` in place of `select`, with the columns that form "
                          "the groups, then `compute` the measures" + (
                              f": `{meant}` (one column a line reads best)" if meant else ""))
    if token.type == "COMPUTE" and [seen.type for seen in history[-2:]] == ["GROUP", "BY"]:
        start = history[-2].start_pos or 0
        return error("OCX001", "`group by` lists no key", Span(start, history[-1].end_pos
                                                                or start),
                     "expected a key before `compute`",
                     notes=["each different value of the keys makes one row of totals"],
                     help="write `group by prefix(location.postal_code, 4) as postal_area` "
                          "(the keys that form the groups), or `group by constant(\"all\") "
                          "as scope` for one total over all records")
    if token.type == "MINIMUM" and "GROUP" in block and "COMPUTE" not in block:
        clause = re.match(r"minimum\s+group\s+size\s+\d+", source.text[span.start:])
        written = " ".join(clause.group().split()) if clause else "minimum group size 10"
        return error("OCX001", "`minimum group size` comes after the measures", span,
                     "before `compute`",
                     notes=["an aggregate is `group by KEYS`, `compute MEASURES`, then its "
                            "rules: `minimum group size N`, `dominance`, `round counts to`"],
                     help=f"move `{written}` after the measures under `compute`")
    return None


_OVER_NAMES = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\s*,\s*[A-Za-z_][A-Za-z0-9_]*)*")


def k_rule_habit(token: Token, history: list[Token],
                 source: SourceFile) -> Diagnostic | None:
    """`suppression limit 5`, `over started, postal_area`, and `require k 5` after the
    `compute` measures of an aggregate."""
    last = [seen.type for seen in history[-2:]]
    start, end = token.start_pos or 0, token.end_pos or 0
    if last == ["SUPPRESSION", "LIMIT"] and re.fullmatch(r"\d+(\.\d+)?", str(token)):
        return error("OCX001", "a suppression limit is a percentage", Span(start, end),
                     "expected a number with `%`",
                     notes=["the run fails when the k rule would suppress more than this "
                            "share of the rows"],
                     help=f"write `suppression limit {as_percent(str(token), False)}`")
    if last[-1:] == ["SAMPLE"] and re.fullmatch(r"\d+(\.\d+)?", str(token)):
        # `sample 10`, `sample 10 percent`, `sample 0.1`: the share, caret over the words
        said = re.match(r"\d+(?:\.\d+)?(?:[ \t]*(?:percent|pct)\b)?", source.text[start:],
                        re.IGNORECASE)
        return error("OCX001", "a sample is a percentage", Span(start, start + said.end()),
                     "expected a number with `%`",
                     notes=["`sample P%` keeps that share of the records, drawn with the "
                            "pseudonym key"],
                     help=f"write `{as_percent(str(token), False)}`"
                     if float(str(token)) < 100 else "write the share as a percentage, "
                     f"`10%`; for a trial of {token} records run `ocpispec run SPEC --limit "
                     f"{token}`")
    if last[-1:] == ["OVER"] and token.type == "NAME":
        names = _OVER_NAMES.match(source.text, start)
        listed = ", ".join(name.strip() for name in names.group().split(","))
        return error("OCX001", "the columns of `over` stand in parentheses",
                     Span(start, names.end()), "expected `(`",
                     help=f"write `over ({listed})`")
    block = {seen.type for seen in _since_last(history, "FROM")}
    if token.type == "REQUIRE" and "COMPUTE" in block:
        k = re.match(r"require\s+k\s+(\d+)", source.text[start:])
        size = k.group(1) if k else "10"
        return error("OCX001", "`require k` is for row exports", Span(start, end),
                     "in an aggregate",
                     notes=["an aggregate releases a group only when it holds at least the "
                            "minimum group size of distinct drivers; `require k` makes the "
                            "rows of a `select` k-anonymous"],
                     help=f"write `minimum group size {size}` after the measures")
    return None


_CONDITION_STARTS = {"WHERE", "AND", "OR", "NOT", "LPAR"}
_CONDITION_ENDS = {"SELECT", "GROUP", "JOIN", "AND", "OR", "RPAR", "$END", "BECAUSE", "EACH",
                   "SPREAD", "INCLUDE", "OUTPUT", "SINCE", "LAST", "PREVIOUS", "WINDOW"}


def bare_condition(token: Token, expected: set[str], history: list[Token],
                   source: SourceFile) -> Diagnostic | None:
    """`where publish`: a field where a comparison should follow."""
    if "COMPARATOR" not in expected or not history or history[-1].type != "NAME" \
            or token.type not in _CONDITION_ENDS:
        return None  # `where status "X"` (no `=`) and `kwh between` have their own
    start = len(history) - 1
    while start >= 2 and history[start - 1].type == "DOT" and history[start - 2].type == "NAME":
        start -= 2
    if start == 0 or history[start - 1].type not in _CONDITION_STARTS:
        return None
    path = source.text[history[start].start_pos:history[-1].end_pos]
    before = "where " if history[start - 1].type == "WHERE" else ""
    return error("OCX001", "a condition compares a field",
                 Span(history[start].start_pos or 0, history[-1].end_pos or 0),
                 "a field alone",
                 notes=["conditions are `FIELD = VALUE` (`!=`, `<`, `in [...]`, `is null`, "
                        "...); a boolean field is compared with `true` or `false`"],
                 help=f"write `{before}{path} = true`")


_SLOT_LENGTHS = {("15", "minute"): "quarter_hour", ("60", "minute"): "hour",
                 ("1", "hour"): "hour", ("24", "hour"): "day", ("1", "day"): "day"}
# a length's unit as written for short (`15 min`, `15min`, `1h`, `24 hrs`)
_SLOT_UNITS = {"m": "minute", "min": "minute", "mins": "minute", "h": "hour", "hr": "hour",
               "hrs": "hour", "d": "day"}


def spread_habit(token: Token, history: list[Token],
                 source: SourceFile) -> Diagnostic | None:
    """`spread ... over 15 minutes`, `spread ... over hour in "Europe/Amsterdam"`."""
    spread = _since_last(history, "SPREAD")
    if not spread or spread[0].type != "SPREAD" or "FROM" in {seen.type for seen in spread}:
        return None
    start = token.start_pos or 0
    if "OVER" not in {seen.type for seen in spread} and str(token).lower() in (
            "per", "by", "into", "across", "for", "each", "every"):
        # `spread period.duration per hour`: the slot follows `over`
        return error("OCX001", f"a spread's slot follows `over`, not `{token}`",
                     Span(start, start + len(token)), "not how a slot is named",
                     notes=["`spread VALUE over SLOT in ZONE as NAME`: the slots are "
                            "`quarter_hour`, `hour` and `day`"],
                     help="write `over`")
    if history[-1].type == "OVER" and str(token).isdigit():
        length = re.match(r"(\d+)\s*([A-Za-z]+)", source.text[start:])
        written = length.group(2).lower() if length else ""
        unit = _SLOT_UNITS.get(written, written.rstrip("s"))
        slot = _SLOT_LENGTHS.get((str(token), unit))
        return error("OCX224", "a slot is one word", Span(start, start + (
            length.end() if length else len(token))), "a length",
            notes=["slots are `quarter_hour`, `hour` and `day`"],
            help=f"write `over {slot}`" if slot else
            "write `over quarter_hour`, `over hour` or `over day`")
    kinds = [seen.type for seen in spread]
    if "IN" not in kinds or "OVER" not in kinds:
        return None
    at = kinds.index("IN")
    if "AS" in kinds[at:]:
        return None  # the spread is complete: the error is further on
    zone = re.match(r'"[^"\n]*"|[^\s#]+', source.text[spread[at].end_pos or 0:].lstrip())
    slot = str(spread[kinds.index("OVER") + 1]) if kinds.index("OVER") + 1 < at else "hour"
    words = " ".join(str(seen).lower() for seen in spread[at + 1:])
    if words in ("utc", "location time zone"):  # a valid zone: the name after it is missing
        end = spread[-1].end_pos or start
        return error("OCX001", "a spread names its slots with `as NAME`",
                     Span(spread[0].start_pos or 0, end), "no name for the slot",
                     notes=["the slot is reached by its name, as in `group by slot`"],
                     help=f"write `... over {slot} in {words} as slot`")
    begin = source.text.index(zone.group(), spread[at].end_pos or 0) if zone else start
    return error("OCX225", "a spread's slots are in UTC or in each location's time zone",
                 Span(begin, begin + len(zone.group()) if zone else start + len(token)),
                 "a fixed time zone",
                 notes=["a window's `in \"Europe/Amsterdam\"` sets its calendar; a spread "
                        "labels each slot in the charger's own zone (`location.time_zone`), "
                        "so one export can hold chargers in several zones"],
                 help=f"write `over {slot} in location time zone` (each charger's own zone) "
                      f"or `over {slot} in utc`")


_SHORT_HOUR = re.compile(r"(\d):(\d{2})\b")
_DATE_SPACE_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})[ \t]+(\d{1,2}):(\d{2})(?::(\d{2}))?")


def written_time(token: Token, expected: set[str], history: list[Token],
                 source: SourceFile) -> Diagnostic | None:
    """`at 6:00` (times are `HH:MM`) and `since 2026-01-01 06:00` (a UTC time in a window
    is `2026-01-01T06:00:00Z`)."""
    start = token.start_pos or 0
    short = _SHORT_HOUR.match(source.text, start)
    if "TIME" in expected and short is not None:
        schedule = next((seen for seen in reversed(history) if seen.type == "SCHEDULE"), None)
        said = " ".join(source.text[schedule.start_pos:start].split()) + " " if schedule else ""
        fixed = f"0{short.group(1)}:{short.group(2)}"
        return error("OCX001", f"`{short.group()}` is written `{fixed}`",
                     Span(start, short.end()), "one digit for the hour",
                     notes=["times are `HH:MM`, 24-hour, UTC"],
                     help=f"write `{said}{fixed}`" if said else f"write `{fixed}`")
    date = history[-1] if history else None
    if date is None or date.type != "DATE" or "T" in str(date):
        return None
    joined = _DATE_SPACE_TIME.match(source.text, date.start_pos or 0)
    if joined is None or joined.start(2) != start:
        return None
    day, hour, minute, second = joined.groups()
    fixed = f"{day}T{int(hour):02d}:{minute}:{second or '00'}Z"
    return error("OCX001", "a date and a time are joined by `T`", Span(joined.start(),
                 joined.end()), "a date, a space and a time",
                 notes=["times in a window are UTC: `since 2026-01-01T06:00:00Z`"],
                 help=f"write `{fixed}`")


def _since_last(history: list[Token], kind: str) -> list[Token]:
    """The tokens from the last token of `kind` on, that one first."""
    for index in range(len(history) - 1, -1, -1):
        if history[index].type == kind:
            return history[index:]
    return list(history)
