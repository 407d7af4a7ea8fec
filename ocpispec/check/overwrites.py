"""OCX412: a schedule that runs several times a day, writing each run to a path that
changes only per day. The consumer keeps only the last file of the day, which loses
records when each run delivers other records than the one before: `since last run`
(the records new since the previous run) and a rolling window (`last 2 hours`, which
moves with the run). A dataset that reads the same or a growing set on every run of a
day (no window, a fixed or calendar window, `month to date`) only replaces a file with
a fresher one of the same records, as a feed of current status means to."""

from __future__ import annotations

from collections.abc import Sequence

from ocpispec.language import cron, syntax
from ocpispec.check.context import Context
from ocpispec.diagnostics import Diagnostic, Label, Severity

# placeholders whose value differs between two runs on one day: the time, or the window
# (a `since last run` window starts where the previous one ended and ends at the run)
_CHANGES_EACH_RUN = ("run.time", "run.timestamp", "window.start", "window.end")


def check_overwrites(datasets: Sequence[syntax.Dataset], schedule: syntax.Schedule | None,
                     ctx: Context) -> None:
    """A schedule that runs several times a day needs a destination that changes
    within the day, or each run replaces the file the previous run delivered; any
    schedule needs one that changes from run to run when each run reads other records."""
    if schedule is None:
        return
    if not _runs_more_than_once_a_day(schedule):
        if any(d.is_error for d in ctx.diagnostics):
            return  # a destination OCX407 refuses (`{{ run.date }}`) is not fixed
        for dataset in datasets:
            _check_fixed_path(dataset, schedule, ctx)
        return
    for dataset in datasets:
        destination = dataset.output.destination
        why = _what_each_run_delivers(dataset.source.window)
        if destination is None or why is None or any(
                f"{{{name}}}" in destination.value for name in _CHANGES_EACH_RUN):
            continue
        ctx.emit(Diagnostic(
            "OCX412", Severity.WARNING, "runs on the same day would overwrite each other's output",
            (Label(destination.span, "the same path for every run of a day"),
             Label(schedule.span, "runs more than once a day", False)),
            notes=[f"{why}, so a replaced file loses the earlier run's records for the "
                   "consumer"],
            help="add `{run.time}`, `{run.timestamp}` or `{window.end}` to the path, e.g. "
                 f'`"{with_timestamp(destination.value)}"`'))


def _check_fixed_path(dataset: syntax.Dataset, schedule: syntax.Schedule,
                      ctx: Context) -> None:
    """`output csv to "exports/sessions.csv"` with `schedule daily` over `since last run`
    or `previous day`: every run writes other records to one file. The second run
    refuses to replace the first run's delivery (OCX556), so the export stops there."""
    destination = dataset.output.destination
    window = dataset.source.window
    if destination is None or any(f"{{{name}}}" in destination.value
                                  for name in ("run.date", *_CHANGES_EACH_RUN)) \
            or not isinstance(window, syntax.SinceLastRun | syntax.LastPeriod
                              | syntax.PreviousPeriod):
        return
    ctx.emit(Diagnostic(
        "OCX412", Severity.WARNING, "every scheduled run would write to the same file",
        (Label(destination.span, "the same path for every run"),
         Label(schedule.span, "runs again and again", False)),
        notes=["each run reads other records than the one before (its window moves), and "
               "a run refuses to replace a file that holds an earlier delivery (OCX556): "
               "the export would stop at its second run"],
        help="add `{run.date}` (or `{window.start}`) to the path, e.g. "
             f'`"{with_placeholder(destination.value, "{run.date}")}"`'))


def _what_each_run_delivers(window: syntax.Window | None) -> str | None:
    """Why two runs of one day deliver different records; None when a later run's file
    holds what the earlier one did."""
    match window:
        case syntax.SinceLastRun():
            return "each run writes only the records new since the previous run"
        case syntax.LastPeriod(amount=amount, unit=unit):
            return (f"each run reads the `last {amount} {unit.name}` before it, and a later "
                    "window no longer holds the start of an earlier one")
    return None


def _runs_more_than_once_a_day(schedule: syntax.Schedule) -> bool:
    match schedule:
        case syntax.Hourly():
            return True
        case syntax.Every(amount=amount, unit=unit):
            minutes = amount * (60 if unit.name.startswith("hour") else 1)
            # OCX409 refuses zero and intervals that do not divide a day: one diagnostic
            return 1 <= minutes < 1440 and 1440 % minutes == 0
        case syntax.Cron(expression=expression):
            try:
                rule = cron.parse(expression.value)
            except cron.CronError:
                return False  # OCX409 says why the line cannot run
            return len(rule.minutes) * len(rule.hours) > 1
    return False


def with_timestamp(path: str) -> str:
    """The path with the run's timestamp in it, as the help suggests it: in place of
    `{run.date}`, else before the file name's extensions (`x.csv.gz` -> `x-{...}.csv.gz`)."""
    if "{run.date}" in path:
        return path.replace("{run.date}", "{run.timestamp}")
    return with_placeholder(path, "{run.timestamp}")


def with_placeholder(path: str, placeholder: str) -> str:
    """The path with `placeholder` before the file name's extensions."""
    folder, slash, name = path.rpartition("/")
    stem, dot, extensions = name[1:].partition(".")
    return f"{folder}{slash}{name[0]}{stem}-{placeholder}{dot}{extensions}" if name else \
        path + placeholder
