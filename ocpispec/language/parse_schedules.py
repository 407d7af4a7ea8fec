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

_CLOCK = re.compile(r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)?", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_/+-]*")
# words with no clause of their own -> (cron fields after minute and hour, what it says)
_CRON_WORDS = {"quarterly": ("1 1,4,7,10 *", "on the first day of each quarter"),
               "yearly": ("1 1 *", "on 1 January"), "annually": ("1 1 *", "on 1 January"),
               "weekdays": ("* * 1-5", "Monday to Friday"),
               "workdays": ("* * 1-5", "Monday to Friday"),
               "weekends": ("* * 0,6", "on Saturday and Sunday")}
_UTC = {"utc", "z", "gmt"}
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
            line = f'cron "{minute} {hour} {found[0]}"'
            return error("OCX001", f"`{word.group()}` is written as a cron line", span,
                         "no such schedule word",
                         notes=["schedules are `hourly`, `daily at HH:MM`, `weekly on DAY at "
                                "HH:MM`, `monthly on day D at HH:MM`, `every N minutes|hours`"
                                " or `cron \"...\"` (UTC)"],
                         help=f"write `{line}`: {found[1]} at {hour:02d}:{minute:02d} UTC")
    if previous.type == "AT" and expected == {"TIME"}:
        clock = _CLOCK.match(rest)
        if clock is not None and _hour(clock) is not None:
            fixed = f"{_hour(clock):02d}:{int(clock.group(2) or 0):02d}"
            return error("OCX001", f"a time is written `{fixed}`",
                         Span(span.start, span.start + clock.end()), "not `HH:MM`",
                         notes=["times are `HH:MM`, 24-hour, UTC"],
                         help=f"write `{_said(history, source)} {fixed}`")
    if previous.type == "TIME" and history[-2:-1] and history[-2].type == "AT" \
            and (word := _WORD.match(rest)) is not None:
        zone = word.group()
        if zone.lower() in _UTC:
            help = f"remove `{zone}`: schedule times are always UTC"
        else:
            help = (f"remove `{zone}` and write the time in UTC"
                    + _local_hint(str(previous), zone))
        return error("OCX001", "a schedule's time is UTC and names no zone",
                     Span(span.start, span.start + len(zone)), "a time zone", help=help)
    if previous.type == "CRON" and "STRING" in expected and token.type != "STRING":
        line = " ".join(rest.split("#")[0].split())
        return error("OCX001", "a cron line is quoted", span, "an unquoted cron line",
                     help=f'write `cron "{line}"`')
    if token.type in _ENDS and expected == {"AT"}:
        said = _said(history, source)
        return error("OCX003" if token.type == "$END" else "OCX001",
                     "a schedule says at what time", span, "expected `at HH:MM`",
                     help=f"write `{said} at 06:00` (UTC), or the time you want")
    return None


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


def _local_hint(clock: str, zone: str) -> str:
    """`: 06:00 in Europe/Amsterdam is 05:00 UTC in winter, 04:00 in summer`."""
    from ocpispec import calendar_windows

    try:
        found = calendar_windows.zone_of(zone)
    except LookupError:
        return ""
    if found is None or not re.fullmatch(r"\d{2}:\d{2}", clock):
        return ""
    hour, minute = (int(part) for part in clock.split(":"))
    winter, summer = (datetime(2026, month, 15, hour, minute, tzinfo=found)
                      .astimezone(timezone.utc).strftime("%H:%M") for month in (1, 7))
    if winter == summer:
        return f": {clock} in {zone} is `{winter}` UTC"
    return f": {clock} in {zone} is `{winter}` UTC in winter, `{summer}` in summer"


def _said(history, source: SourceFile) -> str:
    """The schedule clause as written so far: `schedule monthly on day 1`."""
    start = next((seen.start_pos for seen in reversed(history) if seen.type == "SCHEDULE"),
                 None)
    if start is None:
        return "schedule daily"
    end = history[-1].end_pos or start
    return " ".join(source.text[start:end].split())
