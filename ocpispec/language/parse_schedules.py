"""Schedules as a hurried user writes them: in words the language has no clause for
(`schedule quarterly`, `yearly`, `weekdays at 06:00`), with a time the way it is said
(`at 6am`), with a time zone after the time (`at 06:00 Europe/Amsterdam`; schedule times
are UTC), without the time (`schedule daily`, `monthly on day 1`) or with an unquoted
cron line. The help writes the clause the language has, cron lines included."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span
from ocpispec.text import with_article

_CLOCK = re.compile(r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)?", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_/+-]*")
# words with no clause of their own -> (cron fields after minute and hour, what it says)
_CRON_WORDS = {"quarterly": ("1 1,4,7,10 *", "on the first day of each quarter"),
               "yearly": ("1 1 *", "on 1 January"), "annually": ("1 1 *", "on 1 January"),
               "weekdays": ("* * 1-5", "Monday to Friday"),
               "workdays": ("* * 1-5", "Monday to Friday"),
               "weekends": ("* * 0,6", "on Saturday and Sunday")}
_UTC = {"utc", "z", "gmt"}
# a zone after a schedule's time: `CET`, `Europe/Amsterdam`, `in "Europe/Amsterdam"`
_ZONE = re.compile(r'(?:in\s+)?(?P<zone>"[^"\n]*"|[A-Za-z_][A-Za-z0-9_/+-]*)', re.IGNORECASE)
_ON_EXAMPLES = {"weekly": "monday", "monthly": "day 1"}
_ENDS = {"$END", "FROM"}


def schedule_habit(token, expected: set[str], span: Span, history,
                   source: SourceFile) -> Diagnostic | None:
    previous = history[-1] if history else None
    if previous is None:
        return None
    rest = _rest_of_line(source, span.start)
    if previous.type == "SCHEDULE" and "DAILY" in expected:
        word = _WORD.match(rest)
        found = _CRON_WORDS.get(word.group().lower()) if word else None
        if found is not None:
            hour, minute = _clock_in(rest)
            fields, said = _on_the_day(word.group().lower(), rest) or found
            line = f'cron "{minute} {hour} {fields}"'
            written = rest.split("#")[0].rstrip()  # the caret covers the clause's words
            return error("OCX001", f"`{word.group()}` is written as a cron line",
                         Span(span.start, span.start + len(written)),
                         "no such schedule word",
                         notes=["schedules are `hourly`, `daily at HH:MM`, `weekly on DAY at "
                                "HH:MM`, `monthly on day D at HH:MM`, `every N minutes|hours`"
                                " or `cron \"...\"` (UTC)"],
                         help=f"write `{line}`: {said} at {hour:02d}:{minute:02d} UTC")
    if previous.type == "AT" and expected == {"TIME"}:
        clock = _CLOCK.match(rest)
        if clock is not None and _hour(clock) is not None:
            fixed = f"{_hour(clock):02d}:{int(clock.group(2) or 0):02d}"
            return error("OCX001", f"a time is written `{fixed}`",
                         Span(span.start, span.start + clock.end()), "not `HH:MM`",
                         notes=["times are `HH:MM`, 24-hour, UTC"],
                         help=f"write `{_said(history, source)} {fixed}`")
    if previous.type == "TIME" and history[-2:-1] and history[-2].type == "AT" \
            and (more := _more_times(str(previous), rest, span.start, history, source)) is not None:
        return more
    if previous.type == "TIME" and history[-2:-1] and history[-2].type == "AT" \
            and (written := _ZONE.match(rest)) is not None:
        zone = written.group("zone").strip('"')
        shown = written.group().strip()
        at = history[-2].start_pos or span.start  # the caret covers `at 06:00 CET`
        clocks = _utc_clocks(str(previous), zone)
        if zone.lower() in _UTC:
            help = f"write `at {previous}`: schedule times are always UTC"
        elif clocks is None:
            help = f"remove `{shown}` and write the time in UTC"
        elif clocks[0] == clocks[1]:
            help = f"write `at {clocks[0]}`, {previous} in {zone} in UTC"
        else:
            help = (f"write `at {clocks[0]}` ({previous} in {zone} in winter, in UTC), or "
                    f"`at {clocks[1]}` for {previous} in summer")
        return error("OCX001", "a schedule's time is UTC and names no zone",
                     Span(at, span.start + len(shown)), "a time zone", help=help)
    if token.type in _ENDS and expected == {"ON"} and str(previous).lower() in _ON_EXAMPLES:
        said = _said(history, source)
        return error("OCX003" if token.type == "$END" else "OCX001",
                     f"{with_article(str(previous))} schedule says on which day",
                     _said_span(history),
                     f"expected `on {_ON_EXAMPLES[str(previous).lower()]}`",
                     help=f"write `{said} on {_ON_EXAMPLES[str(previous).lower()]} at "
                          "06:00` (UTC), or the day and time you want")
    if previous.type == "CRON" and "STRING" in expected and token.type != "STRING":
        line = " ".join(rest.split("#")[0].split())
        return error("OCX001", "a cron line is quoted", span, "an unquoted cron line",
                     help=f'write `cron "{line}"`')
    if token.type in _ENDS and expected == {"AT"}:
        said = _said(history, source)
        return error("OCX003" if token.type == "$END" else "OCX001",
                     "a schedule says at what time", _said_span(history),
                     "expected `at HH:MM`",
                     help=f"write `{said} at 06:00` (UTC), or the time you want")
    return None


_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")


def _on_the_day(word: str, rest: str) -> tuple[str, str] | None:
    """The day written after `yearly` or `quarterly` (`yearly on january 2`, `on 2 jan`,
    `quarterly on day 15`): the cron fields and words for it; None without one."""
    if word not in ("yearly", "annually", "quarterly"):
        return None
    words = re.sub(r"\bat\s+\S+", " ", rest.split("#")[0].lower())
    day = re.search(r"\b(\d{1,2})(?:st|nd|rd|th)?\b", words)
    month = next((number for number, name in enumerate(_MONTHS, 1)
                  if re.search(rf"\b{name[:3]}[a-z]*\b", words)), None)
    if day is None and month is None or day is not None and not 1 <= int(day.group(1)) <= 28:
        return None  # a day not in every month keeps the first: OCX409's rule
    number = int(day.group(1)) if day else 1
    if word == "quarterly":
        return f"{number} 1,4,7,10 *", f"on day {number} of each quarter"
    month = month or 1
    return f"{number} {month} *", f"on {number} {_MONTHS[month - 1].capitalize()}"


def _rest_of_line(source: SourceFile, start: int) -> str:
    end = source.text.find("\n", start)
    return source.text[start:end if end != -1 else len(source.text)]


def _clock_in(text: str) -> tuple[int, int]:
    found = re.search(r"(\d{1,2}):(\d{2})", text)
    return (int(found.group(1)), int(found.group(2))) if found else (6, 0)


def _hour(clock: re.Match) -> int | None:
    hour, suffix = int(clock.group(1)), (clock.group(3) or "").lower()
    if suffix == "pm" and hour < 12:
        hour += 12
    elif suffix == "am" and hour == 12:
        hour = 0
    return hour if hour < 24 else None


def _utc_clocks(clock: str, zone: str) -> tuple[str, str] | None:
    """`06:00` in Europe/Amsterdam as UTC times in winter and in summer (`05:00`,
    `04:00`); None for a zone the tz database does not know."""
    from ocpispec import calendar_windows

    found = calendar_windows.zone_or_none(zone)
    if found is None or not re.fullmatch(r"\d{2}:\d{2}", clock):
        return None
    hour, minute = (int(part) for part in clock.split(":"))
    winter, summer = (datetime(2026, month, 15, hour, minute, tzinfo=found)
                      .astimezone(timezone.utc).strftime("%H:%M") for month in (1, 7))
    return winter, summer


def _said_span(history) -> Span:
    """Where the schedule clause written so far stands, which its help writes again."""
    start = next((seen.start_pos for seen in reversed(history) if seen.type == "SCHEDULE"),
                 history[-1].start_pos)
    return Span(start or 0, history[-1].end_pos or 0)


def _said(history, source: SourceFile) -> str:
    """The schedule clause as written so far: `schedule monthly on day 1`."""
    start = next((seen.start_pos for seen in reversed(history) if seen.type == "SCHEDULE"),
                 None)
    if start is None:
        return "schedule daily"
    end = history[-1].end_pos or start
    return " ".join(source.text[start:end].split())


_MORE_TIMES = re.compile(r"(?:\s*(?:,|and|&)\s*(\d{1,2}):(\d{2}))+")
_WEEKDAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")


def _more_times(first: str, rest: str, at: int, history,
                source: SourceFile) -> Diagnostic | None:
    """`daily at 04:00 and 16:00`: several times are one cron line (read as a time zone,
    `and 16:00` got 'a schedule's time is UTC and names no zone')."""
    found = _MORE_TIMES.match(rest)
    if found is None:
        return None
    clocks = [first, *re.findall(r"\d{1,2}:\d{2}", found.group())]
    hours = [int(clock.split(":")[0]) for clock in clocks]
    minutes = {int(clock.split(":")[1]) for clock in clocks}
    said = _said(history, source).lower().split()
    days = "* * *"
    day = said[-3] if len(said) > 3 else ""  # `weekly on monday at 04:00`
    if "weekly" in said and day in _WEEKDAYS:
        days = f"* * {_WEEKDAYS.index(day)}"
    elif "monthly" in said and day.isdigit():
        days = f"{day} * *"
    elif "daily" not in said:
        return None
    start = next(seen.start_pos for seen in reversed(history) if seen.type == "SCHEDULE")
    end = at + found.end()
    help = (f'write `schedule cron "{minutes.pop()} {",".join(map(str, sorted(set(hours))))} '
            f'{days}"` (UTC)' if len(minutes) == 1 and all(h < 24 for h in hours) else
            "write one time, or the times as one `cron \"...\"` line (UTC)")
    return error("OCX001", "a schedule with several times a day is a cron line",
                 Span(start or 0, end), "several times",
                 notes=["`at HH:MM` names one time; a cron line names the hours of "
                        "each day it runs"], help=help)
