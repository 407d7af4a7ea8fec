"""Columns, comments and joins written as other languages write them: `because "..."`
before the column's `as NAME`, comments started with `--` (SQL) or `//` (C,
JavaScript), and SQL's `left join`, `join ... using` and a join without its key."""

from __future__ import annotations

import re

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span
from ocpispec.language.parse_distances import distance_in_degrees

_AS_NAME = re.compile(r"as\s+([A-Za-z_]\w*)")


def because_before_as(token, span: Span, history, source: SourceFile) -> Diagnostic | None:
    """`contract_id because "..." as driver`: the name belongs to the column, the
    justification follows it."""
    if token.type != "AS" or len(history) < 2:
        return None
    before = [seen for seen in history if seen.start_pos != token.start_pos]
    if len(before) < 2 or before[-1].type != "STRING" or before[-2].type != "BECAUSE":
        return None
    name = _AS_NAME.match(source.text, span.start)
    if name is None:
        return None
    start = before[-2].start_pos or 0
    reason = source.text[before[-1].start_pos or 0:before[-1].end_pos or 0]
    return error("OCX001", "`as NAME` comes before `because`", Span(start, name.end()),
                 "the name after the justification",
                 notes=["a column is `EXPRESSION as NAME because \"...\"`"],
                 help=f"write `as {name.group(1)} because {reason}`")


def comment_habit(token, span: Span, history, source: SourceFile) -> Diagnostic | None:
    """`-- note` or `// note`: a comment starts with `#`."""
    text = source.text
    at = span.start
    if token.type == "MINUS" and text[at:at + 2] != "--" and text[at - 1:at + 1] == "--":
        at -= 1
    marker = text[at:at + 2]
    if marker not in ("--", "//"):
        return None
    if marker == "--" and (flag := _FLAG.match(text, at)) is not None:
        return _flag(flag)
    return error("OCX001", f"`{marker}` does not start a comment", Span(at, at + 2),
                 "a comment starts with `#`",
                 notes=["`#` starts a comment that runs to the end of the line"],
                 help="write `#`")


# `--dialect excel-nl`, `--delimiter=";"`, `--bom`: an output option as a command's flag
_FLAG = re.compile(r'--(?:(bom|no-bom)\b|(dialect|delimiter|decimal|quote|lines)(?:[ =]+'
                   r'(?!to\b)("[^"\n]*"|[A-Za-z][\w-]*))?)')


def _flag(flag: re.Match) -> Diagnostic:
    name, value = flag.group(1) or flag.group(2), flag.group(3)
    match name:
        case "dialect":
            written = value or "excel-nl"
        case "bom":
            written = "bom"
        case "no-bom":
            written = "no bom"
        case _:
            written = f"{name} {value}" if value else name
    return error("OCX001", "an output's options are words, not flags", Span(*flag.span()),
                 "a command-line flag",
                 notes=["an output clause is `output FORMAT [DIALECT] [OPTIONS] to "
                        "\"destination\"`: `csv excel-nl delimiter \";\" bom`"],
                 help=f"write `{written}`")


_SQL_JOIN_KINDS = re.compile(r"(?:left|right|inner|outer|full|cross)(?:\s+outer)?\s+(?=join\b)",
                             re.IGNORECASE)


def sql_join(token, span: Span, history, source: SourceFile) -> Diagnostic | None:
    """`left join locations ...`: every join keeps the records without a match (the
    alias is null); there is no other kind."""
    if token.type != "NAME":
        return None
    kind = _SQL_JOIN_KINDS.match(source.text, span.start)
    if kind is None:
        return None
    written = " ".join(kind.group().split())
    return error("OCX014", f"`{written} join` is SQL", Span(span.start, kind.end()),
                 "not an ocpispec join", notes=[
                     "an ocpispec join keeps every record: one whose key finds no match "
                     "keeps the alias null (a join miss, counted in the run summary)"],
                 help=f"remove `{written}`: write `join ...`")


def join_without_key(token, expected, span: Span, history,
                     source: SourceFile) -> Diagnostic | None:
    """`join locations using location_id`, `join locations` alone: a join names the key
    of this record that references the other module, after `on`."""
    if expected != {"ON"}:
        return None
    before = [seen for seen in history if seen.start_pos != token.start_pos]
    if len(before) < 2 or before[-1].type != "NAME" or before[-2].type != "JOIN":
        return None
    target = str(before[-1])
    if source.text[span.start:span.start + 5].lower() == "using":
        return error("OCX001", "a join names its key after `on`", Span(span.start, span.start + 5),
                     "SQL's `using`", help="write `on`")
    key = _join_key(_module_of(before), target)
    start = before[-2].start_pos or 0
    if (each := _LISTS.get(target)) is not None:  # `join evses`: a list of the record
        return error("OCX001", f"`{target}` is a list of the record, not a module",
                     Span(start, before[-1].end_pos or 0), "a list is unnested, not joined",
                     notes=["`each LIST as NAME` gives one row per element of a list of "
                            "the record"],
                     help=f"write `each {each}`")
    return error("OCX001", f"`join {target}` needs its key", Span(start, before[-1].end_pos or 0),
                 "which field of this record names the other one?",
                 notes=["a join is `join MODULE on KEY`, the field of this record that "
                        "references the other module (docs/language.md, Joins)"],
                 help=f"write `join {target} on {key}`" if key else
                 "write `join MODULE on KEY`, e.g. `join locations on location_id`")


# a list of a record joined as if it were a module -> the `each` that unnests it
_LISTS = {"evses": "evses as evse", "connectors": "evses as evse each evse.connectors as "
          "connector", "charging_periods": "charging_periods as period", "periods":
          "charging_periods as period", "elements": "elements as element"}


def _module_of(history) -> str | None:
    for position in range(len(history) - 1, 0, -1):
        if history[position - 1].type == "FROM":
            return str(history[position])
    return None


def _join_key(module: str | None, target: str) -> str | None:
    from ocpispec.schema.joins import JOINS  # only for an error

    for join in JOINS.get(module or "", ()):
        if join.target == target:
            return ".".join(join.local_key)
    return None


_SECOND = re.compile(r"\s*(?:,|and\b)\s*([A-Za-z_]\w*)")


def two_modules(token, span: Span, history, source: SourceFile) -> Diagnostic | None:
    """`from sessions, cdrs` or `from sessions and cdrs`: a dataset reads one module; the
    other comes in through a join (or is a dataset of its own)."""
    before = [seen for seen in history if seen.start_pos != token.start_pos]
    if token.type not in ("COMMA", "AND") or len(before) < 2 or before[-2].type != "FROM":
        return None
    from ocpispec.schema.catalogue import MODULES  # only for an error

    first = str(before[-1])
    second = _SECOND.match(source.text, before[-1].end_pos or 0)
    if second is None or second.group(1) not in MODULES or first not in MODULES:
        return None
    other = second.group(1)
    key = _join_key(first, other)
    start = before[-2].start_pos or 0
    return error("OCX001", "a dataset reads one module", Span(start, second.end()),
                 f"`{first}` and `{other}`",
                 notes=["a second module comes in through a join, which adds its record "
                        "to each of the first's; or it is a dataset of its own, `from "
                        f"{other} ... output ...`"],
                 help=f"write `from {first} join {other} on {key}`" if key else
                 f"write `from {first}`, and a dataset `from {other} ... output ...` of its own")


def missing_comma(token, expected, span: Span, history, source: SourceFile) -> Diagnostic | None:
    """`round(kwh 1)`, `bucket(kwh [5, 10])`: two arguments without the `,` between them;
    `round(kwh, 1 as x`: a call not closed before its column's name."""
    if not {"COMMA", "RPAR"} <= expected:
        return None
    before = [seen for seen in history if seen.start_pos != token.start_pos]
    if not before or before[-1].type not in ("NAME", "NUMBER", "INT", "RPAR", "STRING"):
        return None
    previous = before[-1]
    if token.type in ("AS", "BECAUSE", "$END"):
        return error("OCX001", "the call is not closed", Span(previous.start_pos or 0,
                     previous.end_pos or 0), "expected `)` after this",
                     help=f"write `{previous})`")
    if token.type not in ("NUMBER", "INT", "NAME", "LSQB", "STRING"):
        return None  # `bucket(kwh [5, 10])`: the list is an argument too
    if token.type == "NAME" and (distance := distance_in_degrees(token, before)) is not None:
        return distance  # `grid(location.coordinates, 10 km)`
    start = previous.start_pos or 0
    written = f"{previous}, {token}"
    return error("OCX001", "arguments are separated by `,`", Span(start, span.end),
                 "two arguments without `,`", help=f"write `{written}`")


# the rule in other words: `min size 10`, `min_group_size = 10`, `minimum group 10`,
# `smallest group size of 10`, `minimum group size >= 10`, `threshold 10`
_GROUP_SIZE = re.compile(
    r"(?P<words>(?:min|minimum|minimal|smallest)[ _]*group(?:[ _]*size)?"
    r"|(?:min|minimum|minimal|smallest|group)(?:\b|_)[\w ]*?size"
    # a statistics office's and a dashboard's words: `threshold 10`, `min_count 10`,
    # `suppress below 10`, `cell size 10`, `k 10`
    r"|min[ _]*count|cell[ _]*size|threshold"
    r"|suppress(?:ion)?(?:[ _]+of)?(?:[ _]+(?:cells?|groups?|rows?))?(?:[ _]+(?:with|of))?"
    r"(?:[ _]+(?:below|under|threshold|limit|(?:fewer|less)[ _]+than))?|k)"
    r"(?:\s+of|\s*(?:>=|=|:))?\s*(?P<number>\d+)"
    # what is counted, said after the number (`10 drivers`, `10 distinct drivers`)
    r"(?P<tail>\s+(?:(?:distinct|different|unique)\s+)?(?:drivers?|people|persons?|users?"
    r"|customers?|records?|sessions?|cdrs?|rows?|charges?|counts?|vehicles?|cars?|cards?"
    r"|tokens?|contracts?|members?|observations?|units?|ids?|entries|items?"
    # any other one word: it was read as the start of `round counts to 5`
    r"|(?!(?:round|dominance)\b)[a-z_]\w*))?\s*(?:#.*)?$", re.IGNORECASE)


def group_size_habit(token, span: Span, history, source: SourceFile) -> Diagnostic | None:
    """`min group size 10`, `minimum size 10`, `minimum group size of 10`: the rule after
    `compute` in other words. The caret covers the line's words, which the help rewrites."""
    if token.type == "$END" or not any(seen.type == "COMPUTE" for seen in history):
        return None
    # `minimum group size 10 drivers` then a line break: `drivers` starts a rule
    # (`NAME counts to N`), so the parser stops at the next line's first word
    before = [seen.start_pos for seen in history if seen.start_pos is not None
              and seen.start_pos < span.start]
    for at in dict.fromkeys((before[-1], span.start) if before else (span.start,)):
        if (found := group_size_words(source, at)) is not None:
            return found
    # `suppress below 10` read as columns, then `round counts to 5`: the parser stops a
    # line or more below the rule, so every line since `compute` is looked at
    compute = next(seen.start_pos for seen in reversed(history) if seen.type == "COMPUTE")
    line = source.text.find("\n", compute or 0) + 1
    while 0 < line < span.start:
        if (found := group_size_words(source, line)) is not None:
            return found
        line = source.text.find("\n", line) + 1
    return None


def group_size_words(source: SourceFile, at: int) -> Diagnostic | None:
    """The diagnostic for the line holding `at` when it is the group size rule in other
    words (also when it parses, as columns: `min size 10` is `min`, `size` and `10`)."""
    start = source.text.rfind("\n", 0, at) + 1
    end = source.text.find("\n", at)
    line = source.text[start:len(source.text) if end == -1 else end]
    indent = len(line) - len(line.lstrip())
    found = _GROUP_SIZE.match(line, indent)
    if found is None or line[found.end("words"):found.start("number")].strip() == "=" \
            and " ".join(found.group("words").split()) == "minimum group size":
        return None  # `minimum group size = 10`: `operator_habit` removes the `=`
    fixed = f"minimum group size {found.group('number')}"
    said = found.end("tail") if found.group("tail") else found.end("number")
    if " ".join(line[found.start():said].split()) == fixed:
        return None
    return error("OCX001", f"the rule is written `{fixed}`", Span(start + indent,
                 start + said), "the smallest group, in other words",
                 notes=["`minimum group size N` after the measures suppresses every group of "
                        "fewer than N distinct drivers (of sessions and CDRs; of records in "
                        "other modules); the rule does not name what it counts"],
                 help=f"write `{fixed}`")


# SQL's `extract(UNIT from t)` -> the call the language has for the unit
_EXTRACT = re.compile(r"\bextract\s*\(\s*(?P<unit>\w+)\s+from\s+(?P<field>[\w.]+)\s*\)",
                      re.IGNORECASE)
_EXTRACTED = {"year": "truncate({}, year)", "quarter": "truncate({}, quarter)",
              "month": "truncate({}, month)",
              "week": "truncate({}, week)", "day": "truncate({}, day)",
              "hour": "hour_of_day({})", "minute": "truncate({}, minute)",
              "dow": "weekday({})", "isodow": "weekday({})", "weekday": "weekday({})"}


def extract_habit(token, span: Span, source: SourceFile) -> Diagnostic | None:
    """`extract(year from end_date_time)`: `from` inside a call stopped the parser,
    which then said 'group by needs compute'. The call the language has instead."""
    start = source.text.rfind("\n", 0, span.start) + 1
    end = source.text.find("\n", span.start)
    line = source.text[start:len(source.text) if end == -1 else end]
    for found in _EXTRACT.finditer(line):
        if not found.start() <= span.start - start < found.end():
            continue
        unit, field = found.group("unit").lower(), found.group("field")
        call = _EXTRACTED.get(unit)
        if (ranged := _extract_compared(source.text, start + found.start(),
                                        start + found.end(), unit, field)) is not None:
            return ranged
        if call is not None:  # on the window's clock: in UTC, OCX236 would follow
            from ocpispec.check.zoned_helps import zoned_help  # an error's help only
            from ocpispec.language.period_ranges import window_zone

            call = zoned_help(call.format(field), window_zone(source.text))
        return error("OCX001", f"`{found.group()}` is SQL", Span(start + found.start(),
                     start + found.end()), "no `extract` in the language",
                     notes=["a time is cut with `truncate(t, unit)` (a timestamp: the start "
                            "of its year, quarter, month, week, day, hour or minute), "
                            "`hour_of_day(t)` or `weekday(t)`"],
                     help=f"write `{call}`" if call else
                     f"write `truncate({field}, month)`, or another unit of `truncate`")
    return None


def _extract_compared(text: str, start: int, end: int, unit: str,
                      field: str) -> Diagnostic | None:
    """`extract(year from t) = 2025`: the range of times meant (a year compared with a
    number is a type error once written as `truncate`)."""
    from ocpispec.language.period_ranges import compared_period, period_range, window_zone

    compared = compared_period(text, end, unit) if unit in ("year", "month") else None
    written = compared and period_range(field, unit, compared[0], text, window_zone(text))
    if not written:
        return None
    return error("OCX001", f"`{text[start:end]}` is SQL", Span(start, compared[1]),
                 "a calendar part as a number",
                 notes=["a time is compared with times: the language has no year or month "
                        "as a number; a range of times selects the period"],
                 help=f"write `{written}`")
