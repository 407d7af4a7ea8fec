"""Time windows as a hurried user says them: `yesterday`, `this month`, `incremental`,
`previous calendar month`, `previous 7 days`, `since last export`, `between A to B`,
`from A to B`, and a time zone on a window that has no calendar (`last 7 days in
"Europe/Amsterdam"`). The help writes the window the language has."""

from __future__ import annotations

import re

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span
from ocpispec.language.lark_without_regex import Token

_WINDOW_SLOT = {"SINCE", "PREVIOUS", "LAST"}
_SAID = {"yesterday": "previous day", "today": "last 1 day", "this month": "month to date",
         "mtd": "month to date",
         "this week": "", "this quarter": "", "this year": "", "incremental": "since last run",
         "incrementally": "since last run", "all": None, "everything": None}
_NOTES = {"previous day": "`previous day` is the whole calendar day before the run's",
          "last 1 day": "a window ends at the run: `last 1 day` is the 24 hours before it, "
                        "`previous day` the whole day before",
          "month to date": "`month to date` runs from the start of the run's month to the "
                           "run",
          "since last run": "`since last run` reads what changed since the last successful "
                            "run"}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:T[\d:]+Z?)?", re.IGNORECASE)
_ROLLING = {"week": "last 1 week", "quarter": "last 3 months", "year": "last 12 months"}
# `timezone "Europe/Amsterdam"`, SQL's `at time zone '...'`, `tz=...`: a window's zone
_ZONE_WORDS = re.compile(r"(?i)(?:at\s+)?(?:time\s*zone|timezone|tz|zone|time_zone)\s*[=:]?\s*"
                         r"(?P<zone>\"[^\"\n]*\"|'[^'\n]*'|[A-Za-z][\w+-]*(?:/[\w+-]+)*)")
# `year to date` and its abbreviations: a period so far, which only the month has
_SO_FAR = {"ytd": "year", "qtd": "quarter", "wtd": "week"}


def window_habit(token, expected: set[str], span: Span, history,
                 source: SourceFile) -> Diagnostic | None:
    previous = history[-1] if history else None
    if previous is None:
        return None
    if (joined := _joined(span, source)) is not None:
        return joined
    rest = _rest_of_line(source, span.start)
    written = rest.split()
    words = [word.lower() for word in written]
    if _WINDOW_SLOT <= expected and words:
        if words[0] == "from" and len(words) >= 4 and _DATE.fullmatch(words[1]) \
                and words[2] == "to":
            return _fix(span, f"`from {written[1]} to ...` is not a window",
                        f"between {written[1]} and {written[3]}")
        said = " ".join(words[:2]) if " ".join(words[:2]) in _SAID else words[0]
        if (so_far := _so_far(words)) is not None:
            return _period_so_far(span, rest, *so_far)
        if said in _SAID:
            fixed = _SAID[said]
            if fixed is None:
                return _fix(span, f"`{said}` is not a window", None,
                            help="leave the window out to read every record")
            if not fixed:  # `this week`: only the month has a `to date` window
                return _period_so_far(span, rest, said, said.split()[1])
            return _fix(_words(span, rest, said), f"`{said}` is written `{fixed}`", fixed,
                        _NOTES.get(fixed))
    if _WINDOW_SLOT <= expected and (year := _year(span, rest)) is not None:
        return year
    if (month := _month(span, rest, previous)) is not None:
        return month
    if previous.type == "SINCE" and words and words[0] in ("yesterday", "today"):
        fixed = _SAID[words[0]]
        return _fix(span, f"`since {words[0]}` is written `{fixed}`", fixed, _NOTES[fixed])
    since = _since_last_run(span, history, source, expected)
    if since is not None:
        return since
    if previous.type == "INT" and expected == {"COMPLETE"} and history[-2:-1] \
            and history[-2].type == "PREVIOUS" and words:
        fixed = f"previous {previous} complete {words[0]}"
        return _fix(span, "whole periods before the run are `complete`", fixed,
                    f"`{fixed}` reads whole calendar {words[0]}; `last {previous} "
                    f"{words[0]}` counts back from the moment of the run")
    if expected == {"TO"} and len(history) >= 3 and history[-3].type == "PREVIOUS" \
            and str(history[-2]).lower() == "calendar":
        return _fix(Span(history[-3].start_pos or 0, previous.end_pos or 0),
                    "calendar windows need no `calendar`", f"previous {previous}",
                    "`previous month` is the whole calendar month before the run's")
    if len(history) >= 2 and history[-2].type == "PREVIOUS" \
            and str(previous).lower() == "calendar" and words \
            and words[0] in ("day", "week", "quarter", "year"):
        # `previous calendar year`: `calendar` read as the period, `year` as what follows
        return _fix(Span(history[-2].start_pos or 0, span.end),
                    "calendar windows need no `calendar`", f"previous {words[0]}",
                    f"`previous {words[0]}` is the whole calendar {words[0]} before the run's")
    if token.type == "TO" and expected == {"AND"} and previous.type == "DATE":
        end = _DATE.match(rest[2:].lstrip())
        return _fix(span, "a fixed window is `between A and B`",
                    f"between {previous} and {end.group() if end else '...'}")
    if "IN" in expected and (zone := _ZONE_WORDS.match(rest)) is not None:
        name = zone.group("zone").strip("\"'")
        return error("OCX001", "a window's time zone follows `in`",
                     Span(span.start, span.start + zone.end()), "not how a zone is written",
                     notes=["`previous day in \"Europe/Amsterdam\"` aligns the day to the "
                            "zone's midnights"],
                     help=f'write `in "{name}"`')
    if token.type == "IN" and _rolling(history):
        return error("OCX001", "only a calendar window takes a time zone", span,
                     "no calendar to align",
                     notes=["`last 7 days` and `since last run` count from moments, the same "
                            "in every zone; `previous day in \"Europe/Amsterdam\"` (and "
                            "`month to date in ...`) align whole periods to a zone's midnights"],
                     help="remove `in \"...\"`, or use a calendar window such as `previous "
                          "day in \"Europe/Amsterdam\"`")
    return None


def _so_far(words: list[str]) -> tuple[str, str] | None:
    """(what was said, its unit) for `year to date`, `ytd` and the like; `mtd` is the
    month's window written short (`_SAID`)."""
    if words[0] in _SO_FAR:
        return words[0], _SO_FAR[words[0]]
    if words[0] in _ROLLING and words[1:3] == ["to", "date"]:
        return " ".join(words[:3]), words[0]
    return None


def _period_so_far(span: Span, rest: str, said: str, unit: str) -> Diagnostic:
    """`this year`, `year to date`: only the month has a window up to the run; the
    help writes the windows that read a whole or a rolling period, and the one that
    reads this period so far (`since` its first day)."""
    first = {"year": "2026-01-01", "quarter": "2026-04-01", "week": "2026-03-02"}[unit]
    return _fix(_words(span, rest, said), f"`{said}` is not a window", None,
                "only the month has a window up to the run: `month to date`",
                help=f"write `previous {unit}` (the whole {unit} before the run's), "
                     f"`{_ROLLING[unit]}` (back from the run), or `since` the first day of "
                     f"the {unit} (`since {first}`: each run reads the {unit} so far)")


# `previous_month`, `previous-2-complete-weeks`, `last_7_days`, `last-30-days`
_JOINED = re.compile(r"(?i)\b(previous|last)([-_])(?:(\d+)[-_])?(?:complete[-_])?"
                     r"(minute|hour|day|week|month|quarter|year)s?\b")
_BY_MONTHS = {"quarter": 3, "year": 12}


def _joined(span: Span, source: SourceFile) -> Diagnostic | None:
    """A window's words joined by `_` or `-`, as a name or a flag is written: the
    caret covers the word, whose help writes the window."""
    start = source.text.rfind("\n", 0, span.start) + 1
    line = _rest_of_line(source, start)
    found = next((m for m in _JOINED.finditer(line)
                  if start + m.start() <= span.start < start + m.end()), None)
    if found is None:
        return None
    kind, _, count, unit = found.groups()
    kind, unit = kind.lower(), unit.lower()
    if kind == "previous":
        fixed = f"previous {count} complete {unit}s" if count and count != "1" \
            else f"previous {unit}"
    elif unit in _BY_MONTHS:  # rolling windows count quarters and years in months
        months = int(count or 1) * _BY_MONTHS[unit]
        fixed = f"last {months} months"
    else:
        number = int(count or 1)
        fixed = f"last {number} {unit}{'s' if number != 1 else ''}"
    calendar = f", or `previous {unit}` for the calendar {unit}" \
        if kind == "last" and not count else ""
    return error("OCX001", f"the window is written in words: `{fixed}`",
                 Span(start + found.start(), start + found.end()),
                 "not a window the language has",
                 notes=["a window's words are separated by spaces"],
                 help=f"write `{fixed}`{calendar}")


def _since_last_run(span: Span, history: list[Token], source: SourceFile,
                    expected: set[str]) -> Diagnostic | None:
    """`since last-run` (`last` then `-run`) and `since last_run` (one name): the caret
    covers from `since` to the end of the word, so the help replaces all of it."""
    word = re.match(r"[^\s#]*", source.text[span.start:])
    if history[-1].type == "LAST" and expected == {"RUN"} and history[-2:-1] \
            and history[-2].type == "SINCE":
        start = history[-2].start_pos or 0
    elif history[-1].type == "SINCE" and "LAST" in expected \
            and re.fullmatch(r"last_run", word.group(), re.IGNORECASE):
        start = history[-1].start_pos or 0
    else:
        return None
    return _fix(Span(start, span.start + len(word.group())),
                "the watermark window is `since last run`", "since last run",
                _NOTES["since last run"])


def _words(span: Span, rest: str, said: str) -> Span:
    """The caret over the words said (`this month`), which the help replaces whole."""
    found = re.match(r"\S+" + r"\s+\S+" * (len(said.split()) - 1), rest)
    return Span(span.start, span.start + found.end()) if found else span


# `2026-03`, a month written as ISO's year and month, where a window or a date goes
_YEAR_MONTH = re.compile(r"(\d{4})-(\d{2})(?![\d-])")


def _month(span: Span, rest: str, previous) -> Diagnostic | None:
    """`2026-03` as a window (the month), or after `since` and `between` (its first day)."""
    found = _YEAR_MONTH.match(rest)
    if found is None or not 1 <= int(found.group(2)) <= 12:
        return None
    year, month = int(found.group(1)), int(found.group(2))
    first = f"{year:04d}-{month:02d}-01"
    following = f"{year + month // 12:04d}-{month % 12 + 1:02d}-01"
    where = Span(span.start, span.start + found.end())
    if previous.type in ("SINCE", "BETWEEN", "AND"):
        return _fix(where, f"`{found.group()}` is a month, not a date", first,
                    "a window's dates are whole days, `YYYY-MM-DD`")
    if previous.type in ("FROM", "NAME"):  # `from sessions` then the month
        return _fix(where, f"`{found.group()}` is not a window", f"between {first} and "
                    f"{following}", f"`between {first} and {following}` reads the records "
                    "updated in that month (UTC); `previous month` reads the month before "
                    "each run")
    return None


# `in 2025`, `during 2025`, `year 2025`, `2025`, `in 2025-12`: a period named where a
# window goes
_YEAR_SAID = re.compile(r"(?i)(?:(?:in|during|for|year)\s+)?(\d{4})(?:-(\d{2}))?(?![\d-])")


def _year(span: Span, rest: str) -> Diagnostic | None:
    """A year (or a month after a word) named as the window: the help writes its fixed
    window, whose end is the next period's first day."""
    found = _YEAR_SAID.match(rest)
    if found is None or found.group(2) and (found.group() == found.group(1) + "-"
                                            + found.group(2) or
                                            not 1 <= int(found.group(2)) <= 12):
        return None  # a bare `2026-03` is `_month`'s
    year, month = int(found.group(1)), int(found.group(2) or 0)
    if month:
        first, following = f"{year:04d}-{month:02d}-01", \
            f"{year + month // 12:04d}-{month % 12 + 1:02d}-01"
    else:
        first, following = f"{year:04d}-01-01", f"{year + 1:04d}-01-01"
    period = "month" if month else "year"
    if int(following[:-6]) > 9999:  # the calendar's last year has no next: read from its start
        return _fix(Span(span.start, span.start + found.end()),
                    f"`{found.group()}` is not a window", f"since {first}")
    return _fix(Span(span.start, span.start + found.end()),
                f"`{found.group()}` is not a window", f"between {first} and {following}",
                f"`between {first} and {following}` reads the records updated in that "
                f"{period} (UTC), up to, not including, {following}; `previous {period}` "
                f"reads the {period} before each run")


def _fix(span: Span, message: str, fixed: str | None, note: str | None = None, *,
         help: str | None = None) -> Diagnostic:
    return error("OCX001", message, span, "not a window the language has",
                 notes=[note] if note else [],
                 help=help or f"write `{fixed}`")


def _rolling(history) -> bool:
    """Whether the window just written is `last N UNIT` or `since last run`."""
    kinds = [seen.type for seen in history[-3:]]
    return kinds[:1] == ["LAST"] and kinds[1:2] == ["INT"] or kinds == ["SINCE", "LAST", "RUN"]


def _rest_of_line(source: SourceFile, start: int) -> str:
    end = source.text.find("\n", start)
    return source.text[start:end if end != -1 else len(source.text)]
