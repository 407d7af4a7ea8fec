"""The `from` block's clauses other than joins: time windows (and `parse_date` for the
dates they and filters compare with); `where` filters are `check/where.py`'s."""

from __future__ import annotations


import datetime as dt

from ocpispec.language import syntax
from ocpispec.check import time_units
from ocpispec.check.context import Context, backticked
from ocpispec.diagnostics import Diagnostic, Label, Severity, error

PERIOD_UNITS = ("minutes", "hours", "days", "weeks", "months")
# an upper bound of each unit in days; longer windows would overflow the calendar
_PERIOD_DAYS = {"minutes": 1 / 1440, "hours": 1 / 24, "days": 1, "weeks": 7, "months": 31}
MAX_WINDOW_DAYS = 36_525


def check_clauses(source: syntax.From, ctx: Context) -> None:
    """At most one window, one `where` and one `include` per block; windows valid."""
    for items, what in ((source.windows, "time window"), (source.wheres, "`where`"),
                        (source.includes, "`include private locations`")):
        if len(items) > 1:
            ctx.emit(Diagnostic("OCX212", Severity.ERROR, f"more than one {what} in this "
                                "`from` block", (Label(items[1].span, f"second {what}"),
                                                 Label(items[0].span, "first one", False)),
                                help=_duplicate_help(what)))
    for window in source.windows[:1]:
        _check_window(window, ctx)
    from ocpispec.check.calendar import check_event_time

    check_event_time(source, ctx)


def _duplicate_help(what: str) -> str:
    if what == "`where`":
        return "combine the conditions into one `where` with `and`"
    return f"keep one {what}"


def _check_window(window: syntax.Window, ctx: Context) -> None:
    match window:
        case syntax.LastPeriod(amount=amount, unit=unit):
            _check_period(amount, unit, window, ctx)
        case syntax.PreviousPeriod() | syntax.MonthToDate():
            from ocpispec.check.calendar import check_calendar_window

            check_calendar_window(window, ctx)
        case syntax.SinceDate(start=start):
            parse_date(start, ctx)
        case syntax.Between(start=start, end=end):
            first, last = parse_date(start, ctx), parse_date(end, ctx)
            if first is not None and last is not None and first == last:
                ctx.emit(error("OCX213", "the window is empty", window.span,
                               f"it starts and ends at `{start.value}`",
                               notes=["`between A and B` reads from A up to, not "
                                      "including, B"],
                               help=_widen(first, str(start.value))))
            elif first is not None and last is not None and first > last:
                ctx.emit(error("OCX213", "the window ends before it starts", window.span,
                               f"`{start.value}` is not before `{end.value}`",
                               help=f"write `between {end.value} and {start.value}`"))
            elif first is not None and last is not None:
                _check_last_day(window, last, ctx)


def _check_last_day(window: syntax.Between, end: dt.datetime, ctx: Context) -> None:
    """OCX325: a window ending on a month's last day, written as a date, reads up to its
    start: the day a year or a month written as people write one (`between 2025-01-01
    and 2025-12-31`) ends with is left out."""
    written = str(window.end.value)
    if len(written) != 10 or end.date() == dt.date.max \
            or (following := end + dt.timedelta(days=1)).day != 1:
        return
    ctx.emit(Diagnostic(
        "OCX325", Severity.WARNING, f"the window ends where `{written}` starts: that day is "
        "not read", (Label(window.end.span, "read up to, not including, this day"),),
        notes=["`between A and B` reads from A up to, not including, B, so that "
               "consecutive windows neither overlap nor leave a gap",
               f"to end at the start of {written} on purpose, write "
               f"`{written}T00:00:00Z`"],
        help=f"write `between {window.start.value} and {following.date().isoformat()}` "
             f"to read {written} too"))


def _check_period(amount: int, unit: syntax.Ident, window, ctx: Context) -> None:
    word = unit.name.lower()
    if word in PERIOD_UNITS or (amount == 1 and word + "s" in PERIOD_UNITS):
        if amount < 1:
            ctx.emit(error("OCX213", "the window is empty", window.span, "zero length",
                           help=f"write `last 1 {word}` or more"))
        elif amount * _PERIOD_DAYS[word.rstrip("s") + "s"] > MAX_WINDOW_DAYS:
            ctx.emit(error("OCX213", "the window reaches back more than 100 years", window.span,
                           "longer than any charging data", help="write a shorter period, "
                           "or leave the window out to read every record"))
        return
    if (number := time_units.wrong_number(amount, unit.name, PERIOD_UNITS)) is not None:
        ctx.emit(error("OCX213", number[0], unit.span, f"the unit after {amount}",
                       help=f"write `last {amount} {number[1]}`"))
        return
    notes, help = _unit_help(amount, word)
    same = time_units.same_length(amount, word, PERIOD_UNITS)
    if same is not None and same[0] * _PERIOD_DAYS.get(same[1], 0) > MAX_WINDOW_DAYS:
        notes = ["a window reaches back at most 100 years"]
        help = "write a shorter period, or leave the window out to read every record"
    ctx.emit(error("OCX213", f"`{unit.name}` is not a unit of time here", unit.span,
                   "unknown unit", notes=[f"units are {backticked(PERIOD_UNITS)}", *notes],
                   help=help))


def _unit_help(amount: int, word: str) -> tuple[list[str], str]:
    single = time_units.singular(word)
    calendar = f"previous {single}" if amount == 1 else f"previous {amount} complete {single}s"
    notes = [f"`{calendar}` reads whole calendar {single}s instead"] \
        if single in ("quarter", "year") else []
    if (same := time_units.same_length(amount, word, PERIOD_UNITS)) is not None:
        return notes, f"write `last {same[0]} {same[1]}`, the same length"
    guess = time_units.spelling_guess(word, PERIOD_UNITS)
    return notes, (f"write `last {amount} {guess}`" if guess is not None else
                   "write the length in one of these units")


def _widen(moment: dt.datetime, written: str) -> str:
    """End an empty window a day later, or, on the calendar's last day, start it a day
    earlier."""
    try:
        return f"end it later, e.g. `between {written} and {_shifted(moment, written, 1)}`"
    except OverflowError:
        return f"start it earlier, e.g. `between {_shifted(moment, written, -1)} and {written}`"


def _shifted(moment: dt.datetime, written: str, days: int) -> str:
    moved = moment + dt.timedelta(days=days)
    return moved.date().isoformat() if len(written) == 10 else \
        moved.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_date(literal: syntax.Literal, ctx: Context) -> dt.datetime | None:
    text = str(literal.value)
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        ctx.emit(error("OCX213", f"`{text}` is not a valid date", literal.span, "no such date",
                       help="write a date as `YYYY-MM-DD`, or a UTC time as "
                            "`YYYY-MM-DDTHH:MM:SSZ`"))
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)
