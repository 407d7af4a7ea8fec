"""Habits from other languages that stop the parser, each with what the spec language
writes instead (`parse_errors` tries these before its generic "expected ..."):

- comparisons as programmers and SQL write them (`==`, `<>`; `between` in a condition
  and a list in parentheses are in `parse_values`);
- the shape of an aggregate: `compute` without `group by`, `select` mixed with it;
- characters: single quotes, `&&`, `||`, `!`, `;`, letters outside ASCII in a name;
- a time with a UTC offset (times in a spec are UTC);
- `window since last run`: a time window is written without `window`, which only
  starts `window on FIELD`;
- forms a new user guesses: a text without quotes (`in Europe/Amsterdam`), `count(*)`,
  `minimum group size = 10`, `join ... on a = b`, `truncate(t, 15 minutes)`,
  `monthly on the 1st`, `spread hours(...)`, a quoted date in a window, `last month`,
  `schedule monthly at 06:00`, `schedule every monday`, `minimum group size` in a
  `select`.
"""

from __future__ import annotations

import re

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span
from ocpispec.language.characters import pasted_habit
from ocpispec.language.lark_without_regex import Token
from ocpispec.language.parse_values import named_delimiter


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


# ---- written as a new user guesses ---------------------------------------------------


def unquoted_text(token, expected: set[str], span: Span,
                  source: SourceFile) -> Diagnostic | None:
    """`in Europe/Amsterdam`, `to exports/x.csv`: a text the spec quotes, written bare;
    the parser stops at its first word, so the rest of it is taken up to a space."""
    if token.type != "NAME" or "STRING" not in expected or "NAME" in expected:
        return None
    end = source.text.find("\n", span.start)
    rest = source.text[span.start:end if end != -1 else len(source.text)]
    # a path or a zone is one word (`exports/x.csv`); a text runs to the end of the line
    # (`consumer Gemeente Utrecht`, `because the fraud team needs it`)
    word = re.match(r"[^\s#]+", rest)
    if word is None:
        return None
    if (named := named_delimiter(word.group(), source, span)) is not None:
        return named
    if history_ends_in_list(source, span):  # `in [AVAILABLE]`: the item, not the `]`
        written = re.match(r"[^\s#,\]]+", rest)
    elif "/" in word.group() or '"' in rest:  # a quoted text later on the line is its own
        written = word
    else:
        written = re.match(r"[^#]*[^\s#]", rest)
    text = written.group().strip('"')
    return error("OCX001", f"`{text}` must be quoted", Span(span.start, span.start +
                 written.end()), "not a quoted text",
                 notes=["time zones, destinations and texts such as the consumer and the "
                        "purpose are written in double quotes"],
                 help=f'write `"{text}"`')


def history_ends_in_list(source: SourceFile, span: Span) -> bool:
    """Whether the text before `span` opens a list or continues one (`[` or `,`)."""
    return source.text[:span.start].rstrip().endswith(("[", ","))


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CLOCK = re.compile(r"\d{1,2}:\d{2}")


def _schedule_habit(written: str, last: list[str], source: SourceFile,
                    span: Span) -> Diagnostic | None:
    """`schedule monthly at 06:00`, `schedule daily 06:00`, `schedule every monday at
    06:00`: the schedule as said aloud, with the form the language writes."""
    if len(last) < 2 or last[-2] != "schedule":
        return None
    clock = _CLOCK.search(source.text[span.start:source.text.find("\n", span.start)])
    at = clock.group().zfill(5) if clock else "06:00"  # `6:00` is written `06:00`
    match last[-1], written.lower():
        case "monthly", word if word != "on":
            fix = f"monthly on day 1 at {at}"
        case "daily" | "weekly" as period, _ if clock is not None and clock.start() == 0:
            fix = f"daily at {at}" if period == "daily" else f"weekly on monday at {at}"
        case "every", word if word in _WEEKDAYS:
            fix = f"weekly on {word} at {at}"
        case "every", "day":
            fix = f"daily at {at}"
        case "every", "week":
            fix = f"weekly on monday at {at}"
        case "every", "month":
            fix = f"monthly on day 1 at {at}"
        case _:
            return None
    return error("OCX001", "a schedule is written in fixed words", span,
                 f"not how `schedule {last[-1]}` goes on",
                 notes=["schedules are `daily at HH:MM`, `weekly on DAY at HH:MM`, `monthly "
                        "on day D at HH:MM`, `hourly`, `every N minutes|hours` or "
                        "`cron \"...\"`, in UTC"],
                 help=f"write `schedule {fix}`")


_UNITS_IN_WORDS = {"minute": "minute", "minutes": "minute", "min": "minute",
                   "hour": "hour", "hours": "hour", "h": "hour", "day": "day", "days": "day"}
_UNIT_OF_COUNT = {("minute", "1"): "minute", ("minute", "15"): "quarter_hour",
                  ("minute", "60"): "hour", ("hour", "1"): "hour", ("day", "1"): "day",
                  ("hour", "24"): "day"}


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?Z?)?")
# `last month`: the rolling form of each unit (quarters and years are rolled in months)
_PERIODS = {name: (unit, months) for unit, months in (
    ("minute", 0), ("hour", 0), ("day", 0), ("week", 0), ("month", 0), ("quarter", 3),
    ("year", 12)) for name in (unit, unit + "s")}


_OTHER_SIDE = re.compile(r"\s*([A-Za-z_][\w.]*)")


def _join_equation(last: list[str], span: Span, history: list[Token],
                   source: SourceFile) -> Diagnostic:
    """`join locations on location_id = location.id`, also written the other way round
    (`on location.id = location_id`, `on id = location_id`): the key is the side that
    is not the joined module's id. The caret covers `on A = B`, which the help writes
    again."""
    module = last[last.index("join") + 1] if "join" in last[:-2] else ""
    left = last[-1]
    found = _OTHER_SIDE.match(source.text, span.end)
    right = found.group(1) if found else ""
    key = _join_key(left, right, module, source.text[:span.start])
    on = next((seen for seen in reversed(history) if str(seen).lower() == "on"), None)
    start = on.start_pos if on is not None and on.start_pos is not None else span.start
    end = found.end() if found else span.end
    return error("OCX001", "a join names only this record's key", Span(start, end),
                 "no `=` in a join",
                 notes=["`join MODULE on KEY` matches KEY of this record with the id of "
                        "the joined module's objects"],
                 help=f"write `on {key}`")


def _join_key(left: str, right: str, module: str, before: str) -> str:
    """Which side of `on A = B` is this record's key: not `id` or the joined module's
    `X.id`, and without the dataset's own module written before it (`sessions.`)."""
    joined = {module, module.rstrip("s"), module[:-1] if module.endswith("s") else module}

    def other_id(side: str) -> bool:
        head, _, tail = side.rpartition(".")
        return side == "id" or (tail == "id" and head in joined)

    key = right if other_id(left) and right and not other_id(right) else left
    own = re.findall(r"(?m)^\s*from\s+([a-z_]+)", before)
    if own and "." in key:
        head, _, tail = key.partition(".")
        if head in (own[-1], own[-1].rstrip("s")):
            key = tail
    return key


def guessed_form(token, expected: set[str], span: Span, history: list[Token],
                 source: SourceFile) -> Diagnostic | None:
    """`count(*)`, `minimum group size = 10`, `join locations on location_id =
    location.id`, `truncate(t, 15 minutes)`, `monthly on the 1st`: forms guessed from
    SQL and plain English, each with the form the spec language has."""
    written = str(token)
    if history and history[-1].start_pos == token.start_pos:
        history = history[:-1]  # the lexer's history may already hold the token
    last = [str(seen).lower() for seen in history[-6:]]
    if written == "*" and last[-2:] == ["count", "("]:
        return error("OCX001", "`count(*)` is written `count()`", span, "write `count()`",
                     notes=["`count()` counts the records of each group; "
                            "`count(distinct x)` the different values of `x`"],
                     help="write `count()`")
    if written == "=" and "join" in last[:-1] and "on" in last:
        return _join_equation(last, span, history, source)
    if written == "=" and "INT" in expected:
        number = re.match(r"\s*(\d+)", source.text[span.end:])
        words: list[str] = []
        for seen in reversed(history[-3:]):  # the keywords just before: `minimum group size`
            if seen.type != str(seen).upper():
                break
            words.insert(0, str(seen))
        shown = " ".join(words) + (f" {number.group(1)}" if number else " 10")
        return error("OCX001", "the number follows the words without `=`", span,
                     "remove this `=`", help=f"write `{shown}`")
    if token.type == "NAME" and written.lower() in _UNITS_IN_WORDS and last[-1:] \
            and last[-1].isdigit() and "truncate" in last:
        unit = _UNIT_OF_COUNT.get((_UNITS_IN_WORDS[written.lower()], last[-1]))
        return error("OCX001", "a unit of `truncate` is one word", span, "not a unit",
                     notes=["units are `minute`, `quarter_hour`, `hour`, `day`, `week`, "
                            "`month`, `year`"],
                     help=f"write `{unit}` instead of `{last[-1]} {written}`" if unit else
                     "write one unit, e.g. `quarter_hour` for 15 minutes")
    if written == "(" and len(last) >= 2 and last[-2] == "spread":
        return error("OCX001", "`spread` takes a field, not a computed value", span,
                     "a call after `spread`",
                     notes=["a spread apportions a field's value over the slots its "
                            "interval covers: a charging period's `period.energy_kwh` or "
                            "`period.duration` (minutes: the time at the charger, for "
                            "occupancy), or the record's `kwh`"],
                     help=f"write `each charging_periods as period` and then `spread "
                          f"{_spread_value(source.text, span)} over hour in utc as slot`; "
                          f"sum it per slot with `sum({_spread_value(source.text, span)})`")
    if token.type == "STRING" and "DATE" in expected and _DATE.fullmatch(written[1:-1]):
        return error("OCX001", "a date is written without quotes", span, "a quoted date",
                     notes=["dates and UTC times in a window are bare: `since 2026-01-01`, "
                            "`between 2026-01-01 and 2026-02-01T06:00:00Z`"],
                     help=f"write `{written[1:-1]}`")
    if "INT" in expected and last[-1:] == ["last"] and written.lower() in _PERIODS:
        unit, months = _PERIODS[written.lower()]
        rolling = f"last {months} months" if months else f"last 1 {unit}"
        return error("OCX001", f"a rolling window says how many: `{rolling}`", span,
                     "expected a number",
                     notes=[f"`{rolling}` counts back from the moment of the run; "
                            f"`previous {unit}` is the whole calendar {unit} before the "
                            "run's own"],
                     help=f"write `{rolling}`, or `previous {unit}` for the calendar {unit}")
    if last[-1:] == ["version"] and "VERSION" in expected and token.type in ("NAME", "STRING"):
        word = re.match(r'[^\s#]+', source.text[span.start:])
        end = span.start + (word.end() if word else 0)
        meant = meant_version(source.text[span.start:end])
        return error("OCX001", "an OCPI version is `2.1.1`, `2.2.1`, `2.3.0` or `auto`",
                     Span(span.start, max(end, span.end)), "not a version",
                     help=f"write `{meant}`" if meant else
                     "write `auto` (the newest version both sides speak)")
    if (schedule := _schedule_habit(written, last, source, span)) is not None:
        return schedule
    if last[-2:] == ["monthly", "on"]:
        return error("OCX001", "a monthly schedule names its day as `day N`", span,
                     "expected `day`", help="write `monthly on day 1 at 06:00`")
    return None


_OCPI_VERSIONS = {"2.1": "2.1.1", "2.2": "2.2.1", "2.3": "2.3.0"}


def meant_version(written: str) -> str | None:
    """`v2.2.1`, `"2.2.1"`, `2.2`, `2.2.0`: the supported OCPI version of that line."""
    digits = re.search(r"\d+\.\d+", written)
    return _OCPI_VERSIONS.get(digits.group()) if digits else None


def _spread_value(text: str, span) -> str:
    """The field a computed `spread` meant: energy (a JMESPath of the `ENERGY`
    dimension, `kwh * 1000`) or, for anything else (`hours(...)`), the period's minutes."""
    line_end = text.find("\n", span.start)
    call = text[span.start:line_end if line_end >= 0 else len(text)].lower()
    return "period.energy_kwh" if any(word in call for word in ("energy", "kwh", "volume")) \
        else "period.duration"
