"""A row export whose every file covers less than an hour of updates pins each row's
`last_updated` below its floor (OCX303).

`since last run` on `schedule every 10 minutes` delivers, in each file, the records the
platform updated in the ten minutes since the run before, and its manifest and file name
say which ten minutes. A session is last updated when it ends (a CDR when it is issued),
so each completed session arrives in the file of the ten minutes it ended in, beside its
driver's pseudonym, whatever `truncate(start_date_time, hour)` or `day` the columns
release; one still charging comes again in every file it was updated in. A rolling
window shorter than an hour (`last 10 minutes`) does the same on any schedule, and a
window every run reads again (none, `since DATE`, `month to date`, `last 2 hours`) on
such a schedule as well: the rows a file holds and the one before it does not were
updated in between. Fixed and calendar windows (`between`, `previous day`) read the
same records on every run of their period. This is
the pin a fixed window narrower than an hour is (`filter_pins.check_window_pin`), made
by the schedule instead of the dates. An aggregate's groups hold the minimum group size
of drivers, whatever the window.
"""

from __future__ import annotations

from collections.abc import Sequence

from ocpispec.check.context import Context
from ocpispec.check.floors import TIME_FLOOR_SECONDS
from ocpispec.diagnostics import Diagnostic, Label, Severity
from ocpispec.language import cron, syntax
from ocpispec.schema.model import PrivacyClass

_MINUTES_FLOOR = TIME_FLOOR_SECONDS // 60


def check_schedule_pins(datasets: Sequence[syntax.Dataset], schedule: syntax.Schedule | None,
                        ctx: Context) -> None:
    gap = shortest_gap(schedule) if schedule is not None else None
    for dataset in datasets:
        source = dataset.source
        field = source.event_time.field.dotted if source.event_time else "last_updated"
        if isinstance(dataset.body, syntax.Aggregate) or not _quasi(source, field, ctx):
            continue
        window = source.window
        match window:
            case syntax.LastPeriod(amount=amount, unit=unit) if \
                    unit.name.startswith("minute") and amount < _MINUTES_FLOOR:
                ctx.emit(_pinned(window, dataset, field, amount, None))
            case syntax.Between() | syntax.PreviousPeriod():
                continue  # every run of a period reads the same records
            case _ if schedule is not None and gap is not None and gap < _MINUTES_FLOOR:
                ctx.emit(_pinned(window, dataset, field, gap, schedule))


def _quasi(source: syntax.From, field: str, ctx: Context) -> bool:
    """Whether the time the window selects on is a quasi-identifier of the module (a
    session's, a CDR's, a token's; a location's and a tariff's are public)."""
    try:
        leaf = ctx.catalogue.resolve(source.module.name, tuple(field.split("."))).leaf
    except KeyError:
        return False  # an unknown module: OCX101 says so
    return leaf is not None and leaf.privacy is PrivacyClass.QUASI


def shortest_gap(schedule: syntax.Schedule) -> int | None:
    """The fewest minutes between two runs of the schedule within an hour, or None when
    no two runs come less than an hour apart (or the schedule cannot run: OCX409)."""
    match schedule:
        case syntax.Every(amount=amount, unit=unit) if unit.name.startswith("minute"):
            return amount if 1 <= amount < _MINUTES_FLOOR else None
        case syntax.Cron(expression=expression):
            try:
                minutes = sorted(cron.parse(expression.value).minutes)
            except cron.CronError:
                return None
            gaps = [b - a for a, b in zip(minutes, minutes[1:])]
            return min(gaps) if gaps else None
    return None


def _pinned(window: syntax.Window | None, dataset: syntax.Dataset, field: str, minutes: int,
            schedule: syntax.Schedule | None) -> Diagnostic:
    span = f"{minutes} minute{'s' if minutes != 1 else ''}"
    at = window.span if window is not None else dataset.source.module.span
    if isinstance(window, syntax.SinceLastRun | syntax.LastPeriod) and (
            schedule is None or isinstance(window, syntax.SinceLastRun)):
        labels = [Label(at, f"each file holds the records of {span} of `{field}`")]
        notes = [f"each delivery holds the records whose `{field}` lies in {span}, and its "
                 "manifest says which; a row export releases them row by row, so every row "
                 f"tells its `{field}` that precisely, whatever the columns coarsen the "
                 "times to; the floor is an hour"]
    else:
        labels = [Label(at, "no window: every run reads every record again" if window is None
                        else "read again by every run")]
        notes = [f"the rows a file holds and the file {span} before it does not are the "
                 f"records updated in between: comparing the two tells their `{field}` to "
                 f"{span}, whatever the columns coarsen the times to; the floor is an hour"]
    if field == "last_updated":
        notes.append("a session is last updated when it ends (a CDR when it is issued), "
                     "so that is when its charge ended")
    if schedule is not None:
        labels.append(Label(schedule.span, f"runs {span} apart", False))
        fix = "schedule the export `hourly` or less often"
    else:
        fix = "read a window of at least an hour (`last 1 hour`)"
    return Diagnostic(
        "OCX303", Severity.WARNING,
        f"the window pins the quasi-identifier `{field}` below its floor", tuple(labels),
        notes=notes, help=f"{fix}, or aggregate the dataset")
