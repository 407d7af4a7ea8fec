"""Calendar windows, the `monthly` and `cron` schedules, and whether a schedule and a
window fit: consecutive runs should read periods that neither leave gaps nor overlap.

The fit is found by playing the schedule forward over two years from 2024-01-01 (a leap
year, and every DST change of the stated zone twice) and resolving each run's window
exactly as the executor will: a gap or an overlap between two consecutive runs is
warning OCX424, with the two runs that show it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from ocpispec import calendar_windows
from ocpispec.language import cron, schedule as schedules, syntax
from ocpispec.check import time_units
from ocpispec.check.context import Context, backticked
from ocpispec.diagnostics import Diagnostic, Label, Severity, error
from ocpispec.timestamps import shift_back

MAX_PERIODS_DAYS = 36_525
_DAYS = {"day": 1, "week": 7, "month": 31, "quarter": 92, "year": 366}
_SIMULATION_START = datetime(2024, 1, 1, tzinfo=UTC)
_SIMULATION_END = _SIMULATION_START + timedelta(days=731)
_MAX_RUNS = 2000
# the schedule that fits `previous UNIT`
_FITTING = {"day": "schedule daily at 06:00", "week": "schedule weekly on monday at 06:00",
            "month": "schedule monthly on day 1 at 06:00",
            "quarter": 'schedule cron "0 6 1 1,4,7,10 *"', "year": 'schedule cron "0 6 1 1 *"'}


def check_calendar_window(window: syntax.PreviousPeriod | syntax.MonthToDate,
                          ctx: Context) -> None:
    if window.zone is not None:
        check_zone(window.zone, ctx)
    if not isinstance(window, syntax.PreviousPeriod):
        return
    unit = calendar_windows.unit_of(window.unit.name)
    if unit is None:
        ctx.emit(error("OCX213", f"`{window.unit.name}` is not a calendar period",
                       window.unit.span, "unknown period",
                       notes=[f"calendar periods are {backticked(calendar_windows.UNITS)}"],
                       help=_previous_instead(window.amount or 1, window.unit.name)))
    elif window.amount is not None and window.amount < 1:
        ctx.emit(error("OCX213", "the window is empty", window.span, "zero periods",
                       help=f"write `previous 1 complete {unit}` or more"))
    elif window.amount is not None and window.amount * _DAYS[unit] > MAX_PERIODS_DAYS:
        ctx.emit(error("OCX213", "the window reaches back more than 100 years", window.span,
                       "longer than any charging data", help="write fewer periods"))


def check_zone(zone: syntax.Text, ctx: Context) -> None:
    try:
        calendar_windows.zone_of(zone.value)
    except LookupError:
        from ocpispec.check.zone_names import meant_zone  # the error's help only

        meant = meant_zone(zone.value)
        ctx.emit(error("OCX231", f"`{zone.value}` is not a time zone", zone.span,
                       "unknown time zone",
                       notes=["time zones are IANA names such as `Europe/Amsterdam` or "
                              "`UTC` (the tz database)"],
                       help=(f'write `in "{meant[0]}"`' + (f", {meant[1]}" if meant[1] else ""))
                       if meant else 'write an IANA name such as `in "Europe/Amsterdam"`'))


def check_schedule(rule: syntax.Monthly | syntax.Cron, ctx: Context) -> None:
    match rule:
        case syntax.Monthly(day=day, span=span, day_span=day_span):
            if not 1 <= day <= 28:
                ctx.emit(error("OCX409", f"day {day} is not in every month", day_span or span,
                               "not a day of every month",
                               notes=["a monthly schedule runs on days 1 to 28, which every "
                                      "month has"],
                               help="write `monthly on day 1 at 06:00` (the previous month "
                                    "is then complete), or a `cron` line"))
        case syntax.Cron(expression=expression):
            try:
                cron.parse(expression.value)
            except cron.CronError as exc:
                ctx.emit(error("OCX409", "the cron line is not valid", expression.span, str(exc),
                               notes=["five fields: minute (0-59), hour (0-23), day of the "
                                      "month (1-31), month (1-12 or jan-dec), day of the week "
                                      "(0-7 or sun-sat); each `*`, a number, `a-b`, `*/n` "
                                      "or a comma list"],
                               help='write e.g. `cron "0 6 * * 1-5"` (06:00 UTC on weekdays)'))


# ---- window on an event time ----------------------------------------------------------------

EVENT_TIMES = {"sessions": ("start_date_time", "end_date_time"),
               "cdrs": ("start_date_time", "end_date_time")}


def check_event_time(source: syntax.From, ctx: Context) -> None:
    """`window on FIELD`: a start or end time of a session or CDR, with a window that
    is not `since last run`."""
    if not source.event_times:
        return
    event = source.event_times[0]
    if len(source.event_times) > 1:
        ctx.emit(error("OCX235", "more than one `window on` in this `from` block",
                       source.event_times[1].span, "second `window on`",
                       help="keep one `window on`"))
    fields = EVENT_TIMES.get(source.module.name, ())
    if event.field.dotted not in fields:
        ctx.emit(error("OCX235", f"the window cannot apply to `{event.field.dotted}`",
                       event.field.span, "not an event time of this module",
                       notes=["OCPI filters on `last_updated`; a window on another time works "
                              "only for a time `last_updated` never precedes: the start or end "
                              "of a session or CDR"],
                       help=f"write `window on {_meant_time(source, event.field, fields, ctx)}`"
                       if fields else f"leave `window on` out: the window of "
                       f"`{source.module.name}` applies to `last_updated`"))
    elif source.window is None or isinstance(source.window, syntax.SinceLastRun):
        what = "no window" if source.window is None else "`since last run`"
        ctx.emit(error("OCX235", f"`window on` needs a time window, not {what}",
                       event.span, "which window?",
                       notes=["`since last run` follows `last_updated`: a session delivered "
                              "when it started would not be delivered again when it ends, "
                              "and one that started before the watermark but changed after "
                              "would be lost; whole calendar periods are delivered once each"]
                       if source.window is not None else [],
                       help="use a calendar window with its schedule, e.g. `previous month` "
                            "with `schedule monthly on day 1 at 06:00`"))


def _meant_time(source: syntax.From, field: syntax.FieldRef, fields: Sequence[str],
                ctx: Context) -> str:
    """The event time a wrong name means: its version-neutral name (`stop_date_time` is
    2.1.1's `end_date_time`), one spelt like it, or the start."""
    hint = ctx.catalogue.rename_hint(source.module.name, field.path)
    if hint is not None and ".".join(hint.neutral) in fields:
        return ".".join(hint.neutral)
    import difflib  # only for a wrong name: a check of a good spec never loads it

    close = difflib.get_close_matches(field.dotted.lower(), fields, n=1, cutoff=0.6)
    return close[0] if close else fields[0]


# ---- fit ------------------------------------------------------------------------------------


def check_fit(datasets: Sequence[syntax.Dataset], rule: syntax.Schedule | None,
              ctx: Context) -> None:
    """OCX424 for each dataset whose window, run on the schedule, leaves gaps or overlaps."""
    if rule is None or ctx.diagnostics and any(d.is_error for d in ctx.diagnostics):
        return
    runs = None
    for dataset in datasets:
        window = dataset.source.window
        if not isinstance(window, (syntax.LastPeriod, syntax.PreviousPeriod)):
            continue  # month to date is a progress report: each run re-reads the month
        runs = runs if runs is not None else _runs(rule)
        if _sliding(window, runs):
            continue
        found = _first_misfit(window, runs)
        if found is not None:
            ctx.emit(_misfit(window, rule, *found))


def overlapping_runs(window: syntax.Window | None, rule: syntax.Schedule) -> str | None:
    """How the windows of consecutive scheduled runs share records (a label), or None when
    each run reads records no earlier run read."""
    match window:
        case syntax.SinceLastRun():
            return None
        case None:
            return "no window: every run reads every record again"
        case syntax.SinceDate():
            return "a fixed start: every run reads again what the runs before it read"
        case syntax.Between():
            return "a fixed window: every run reads it again"
        case syntax.MonthToDate():
            return "every run reads the month so far again"
    found = _first_misfit(window, _runs(rule))
    if found is None or found[0] != "overlap":
        return None
    return f"consecutive runs overlap: {_moment(found[4][0])} to {_moment(found[2][1])} is in both"


def _runs(rule: syntax.Schedule) -> list[datetime]:
    runs, moment = [], _SIMULATION_START
    while len(runs) < _MAX_RUNS:
        moment = schedules.next_run(rule, moment)
        if moment > _SIMULATION_END:
            break
        runs.append(moment)
    return runs


def resolve(window: syntax.Window, now: datetime) -> tuple[datetime, datetime]:
    """The `[start, end)` a run at `now` reads, as the executor resolves it."""
    match window:
        case syntax.LastPeriod(amount=amount, unit=unit):
            return shift_back(now, amount, unit.name), now
        case syntax.PreviousPeriod(unit=unit, amount=amount, zone=zone):
            return calendar_windows.previous(calendar_windows.unit_of(unit.name) or "day",
                                             amount or 1, _zone(zone), now)
        case syntax.MonthToDate(zone=zone):
            return calendar_windows.to_date("month", _zone(zone), now)
    raise TypeError(f"not a repeating window: {window!r}")


def _zone(zone: syntax.Text | None) -> str | None:
    return zone.value if zone is not None else None


def _sliding(window: syntax.Window, runs: list[datetime]) -> bool:
    """`previous 4 complete weeks` run once a week: a sliding window of whole periods,
    overlapping by design (each week is in four files, always whole). It counts as
    fitting when one period per run would tile."""
    if not isinstance(window, syntax.PreviousPeriod) or (window.amount or 1) == 1:
        return False
    single = syntax.PreviousPeriod(window.unit, None, window.zone, window.span)
    return _first_misfit(single, runs) is None


def _first_misfit(window: syntax.Window, runs: list[datetime]):
    """(kind, earlier run, its window, later run, its window) of the first pair of
    consecutive runs that leave a gap or overlap, or None."""
    previous = None
    for run in runs:
        current = resolve(window, run)
        if previous is not None:
            (_, earlier), (start, _) = previous[1], current
            if start > earlier:
                return ("gap", *previous, run, current)
            if start < earlier:
                return ("overlap", *previous, run, current)
        previous = (run, current)
    return None


def _misfit(window: syntax.Window, rule: syntax.Schedule, kind: str, first: datetime,
            first_range, second: datetime, second_range) -> Diagnostic:
    what = "leave gaps" if kind == "gap" else "overlap"
    between = (f"{_moment(first_range[1])} to {_moment(second_range[0])} is in neither"
               if kind == "gap" else
               f"{_moment(second_range[0])} to {_moment(first_range[1])} is in both")
    return Diagnostic(
        "OCX424", Severity.WARNING, f"consecutive runs of this window {what}",
        (Label(window.span, f"each run reads this window; runs on the schedule {what}"),
         Label(rule.span, "runs here", False)),
        notes=[f"the run at {_moment(first)} reads {_range(first_range)}, the next at "
               f"{_moment(second)} reads {_range(second_range)}: {between}",
               _why(window, kind)],
        help=_help(window))


def _why(window: syntax.Window, kind: str) -> str:
    if isinstance(window, syntax.LastPeriod):
        return ("a rolling window counts back from the moment of each run; only a schedule "
                "with the same period makes consecutive windows meet")
    if kind == "gap":
        return "the records in between reach no output"
    return "the records in both are delivered twice, and totals over the outputs count them twice"


def _help(window: syntax.Window) -> str:
    if isinstance(window, syntax.PreviousPeriod):
        unit = calendar_windows.unit_of(window.unit.name) or "month"
        amount = window.amount or 1
        if amount == 1:
            return (f"run it once per {unit}, after the {unit} has ended in the window's time "
                    f"zone in every season: `{_FITTING[unit]}`")
        return (f"run it once per {unit} (a sliding window of {amount} whole {unit}s): "
                f"`{_FITTING[unit]}`; or write `previous {unit}`")
    return ("use a calendar window with its schedule, e.g. `previous month` with "
            "`schedule monthly on day 1 at 06:00`, or `since last run`")


def _range(bounds: tuple[datetime, datetime]) -> str:
    return f"[{_moment(bounds[0])}, {_moment(bounds[1])})"


def _moment(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def _previous_instead(amount: int, word: str) -> str:
    """The same whole periods in a calendar unit (`previous 2 complete semesters` ->
    `previous 4 complete quarters`), or the unit `word` misspells."""
    if (same := time_units.same_length(amount, word, calendar_windows.UNITS)) is not None:
        count, unit = same
        return "write `previous " + (f"{unit}`" if count == 1 else
                                     f"{count} complete {unit}s`") + ", the same periods"
    guess = time_units.spelling_guess(word, calendar_windows.UNITS)
    return f"write `previous {guess}`" if guess is not None else \
        "write one of these periods"
