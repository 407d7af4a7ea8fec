"""Forms a new user guesses that stop the parser, each with what the spec language
writes instead (`parse_errors` tries these with `parse_habits`): a text without quotes
(`in Europe/Amsterdam`), `count(*)`, `minimum group size = 10`, `join ... on a = b`,
`truncate(t, 15 minutes)`, `monthly on the 1st`, `spread hours(...)`, a quoted date in a
window, `last month`, `schedule monthly at 06:00`, `schedule every monday`, `minimum
group size` in a `select`, an OCPI version without its last digit.
"""

from __future__ import annotations

import re

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span
from ocpispec.language.lark_without_regex import Token
from ocpispec.language.parse_values import named_delimiter


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


def _quoted_schedule(written: str, span: Span) -> Diagnostic | None:
    """`schedule "every monday at 06:00"`, `schedule "0 6 * * 1"`: the words unquoted,
    in the form the language writes them; a cron line after `cron`."""
    inner = " ".join(written.strip('"').split())
    words = inner.lower().split()
    clock = _CLOCK.search(inner)
    at = clock.group().zfill(5) if clock else "06:00"
    if len(words) == 5 and all(re.fullmatch(r"[\d*/,-]+", word) for word in words):
        fix = f'cron "{inner}"'
    elif words[:1] == ["every"] and len(words) > 1 and words[1] in _WEEKDAYS:
        fix = f"weekly on {words[1]} at {at}"
    elif words[:2] in (["every", "day"], ["daily"]) or words[:1] == ["daily"]:
        fix = f"daily at {at}"
    elif words[:2] == ["every", "hour"] or words == ["hourly"]:
        fix = "hourly"
    elif words[:1] in (["weekly"], ["monthly"], ["every"], ["cron"]):
        fix = inner
    else:
        return None
    return error("OCX001", "a schedule is written in words, not quoted", span,
                 "a quoted text",
                 notes=["schedules are `daily at HH:MM`, `weekly on DAY at HH:MM`, `monthly "
                        "on day D at HH:MM`, `hourly`, `every N minutes|hours` or "
                        "`cron \"...\"`, in UTC"],
                 help=f"write `schedule {fix}`")


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CLOCK = re.compile(r"\d{1,2}:\d{2}")


def _schedule_habit(written: str, last: list[str], source: SourceFile,
                    span: Span) -> Diagnostic | None:
    """`schedule monthly at 06:00`, `schedule daily 06:00`, `schedule every monday at
    06:00`: the schedule as said aloud, with the form the language writes."""
    if last and last[-1] == "schedule" and written.startswith('"'):
        return _quoted_schedule(written, span)
    if len(last) < 2 or last[-2] != "schedule":
        return None
    clock = _CLOCK.search(source.text[span.start:source.text.find("\n", span.start)])
    at = clock.group().zfill(5) if clock else "06:00"  # `6:00` is written `06:00`
    match last[-1], written.lower():
        case "every", "hour":
            fix = "hourly"
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
        # the whole call under the caret, so the help pasted there reads `count()`
        close = re.match(r"\s*\)", source.text[span.end:])
        whole = Span(history[-2].start_pos, span.end + (close.end() if close else 0))
        return error("OCX001", "`count(*)` is written `count()`", whole, "write `count()`",
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
        whole = Span(history[-1].start_pos, span.end)  # `15 minutes`: what the help replaces
        return error("OCX001", "a unit of `truncate` is one word", whole, "not a unit",
                     notes=["units are `minute`, `quarter_hour`, `hour`, `day`, `week`, "
                            "`month`, `year`"],
                     help=f"write `{unit}` instead of `{source.text[whole.start:whole.end]}`"
                     if unit else
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
        return _monthly_day(source, span)
    return None


_MONTH_DAY = re.compile(r"(?i)(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)?\b")
_NTH_WEEKDAY = re.compile(r"(?i)(?:the\s+)?(first|second|third|fourth|last|1st|2nd|3rd|4th)\s+"
                          r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b")
_AT_TIME = re.compile(r"(?i)\bat\s+(\d{1,2}:\d{2})\b")


def _monthly_day(source: SourceFile, span: Span) -> Diagnostic:
    """`monthly on the 15th at 07:30` is `monthly on day 15 at 07:30`; `monthly on the
    first monday` has no schedule (a cron line restricting both days runs on either)."""
    line = source.text[span.start:].split("\n", 1)[0].split("#", 1)[0]
    at = _AT_TIME.search(line)
    time = at.group(1).zfill(5) if at else "06:00"
    if (nth := _NTH_WEEKDAY.match(line)) is not None:
        weekday = nth.group(2).lower()
        return error("OCX001", f"a schedule cannot name the {nth.group(1).lower()} "
                     f"{weekday} of a month", Span(span.start, span.start + nth.end()),
                     "not a day of the month",
                     notes=["a monthly schedule runs on a day of the month; a cron line "
                            "that restricts both the day of the month and the weekday runs on "
                            f"either (every {weekday} and days 1-7), not on their first match"],
                     help=f"write `monthly on day 1 at {time}` (a fixed day), or `weekly on "
                          f"{weekday} at {time}`")
    day = _MONTH_DAY.match(line)
    number = int(day.group(1)) if day else 1
    end = span.start + day.end() if day else span.end
    return error("OCX001", "a monthly schedule names its day as `day N`",
                 Span(span.start, max(end, span.end)), "expected `day`",
                 help=f"write `monthly on day {number} at {time}`" if 1 <= number <= 28 else
                 f"write `monthly on day 28 at {time}` (days 1 to 28: every month has them)")


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
