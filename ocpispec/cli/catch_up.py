"""Calendar windows a stopped machine missed, delivered before the current one.

A spec whose datasets read `previous day` (week, month, ...) delivers the period before
each run. A machine that was off (or a scheduler that skipped runs) for three days
would deliver only the last day: the two before would never leave. Before such a run,
the disclosure log says where the last committed delivery of each dataset ended; each
whole window between that end and the start of this run's window is run first, in
order, as the spec's schedule would have run it (`scheduled`). Windows of several periods (`previous 4
complete weeks`) are caught up only where they tile the gap exactly; otherwise the run
says what was not delivered. The first run of an export has nothing to catch up. A run
whose window ends before the last delivered one (a clock that moved back) is warned
about. Datasets without a calendar window beside them (a locations list) do not stop
the catch-up: they run with each caught-up window as at its end. Windows of different
periods (`previous day` beside `previous week`) are caught up at the ends each missed;
a dataset whose window was delivered already is left out there. A run at the real
time whose window was delivered already is skipped, started by cron or by --follow (a
UTC schedule meeting a zone's clock change would deliver it twice): --follow asks
before the run (`delivered_already`), every run asks again under the lock
(`execute._skip_if_delivered`).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from ocpispec.frozen import frozen
from ocpispec.plan import ir


@frozen
class CatchUp:
    """The `--as-of` moments of the missed windows, oldest first; `untiled`: the gap
    `[start, end)` that whole windows do not fill (nothing is run for it)."""

    moments: tuple[datetime, ...] = ()
    last_end: datetime | None = None
    untiled: tuple[datetime, datetime] | None = None
    behind: datetime | None = None  # this run's window ends before the last delivered one
    delivered: bool = False  # this run's window is the last one delivered


def missed(plan: ir.Plan, ledger: Path, now: datetime) -> CatchUp:
    calendar = [d for d in plan.datasets if d.step(ir.Fetch).window.kind == "previous"]
    # the same periods, whatever time each window is on (`window on start_date_time`)
    groups: dict[tuple, list[ir.Dataset]] = {}
    for dataset in calendar:
        window = dataset.step(ir.Fetch).window
        groups.setdefault((window.unit, window.amount, window.zone), []).append(dataset)
    if len(groups) > 1:
        return _merged([_missed(plan, group, ledger, now) for group in groups.values()])
    return _missed(plan, calendar, ledger, now) if calendar else CatchUp()


def _merged(found: list[CatchUp]) -> CatchUp:
    """Calendar windows of different periods (`previous day` beside `previous week`):
    the moments each missed, in one order. At each, a dataset whose window there was
    delivered already is left out of the run (`execute._without_delivered`), so a week
    leaves once, with the first caught-up day after it ended."""
    behind = next((item for item in found if item.behind is not None), None)
    if behind is not None:
        return behind
    lasts = [item.last_end for item in found if item.last_end is not None]
    if lasts and all(item.delivered for item in found):  # `--as-of` the latest runs them all
        return CatchUp(last_end=max(lasts), delivered=True)
    return CatchUp(tuple(sorted({moment for item in found for moment in item.moments})),
                   min(lasts) if lasts else None,
                   next((item.untiled for item in found if item.untiled), None))


def _missed(plan: ir.Plan, calendar: list[ir.Dataset], ledger: Path, now: datetime) -> CatchUp:
    """What datasets of one calendar period (`calendar`) missed."""
    from ocpispec.execute.windows import calendar_range
    from ocpispec.ledger import LedgerError, last_delivered_end
    from ocpispec.timestamps import TimestampError, read_timestamp

    window = calendar[0].step(ir.Fetch).window
    try:
        # a dataset added to the spec since has no delivery yet: the others' missed
        # windows are still caught up (the new one's first windows come with them)
        ends = [end for dataset in calendar
                if (end := last_delivered_end(ledger, plan.export.name, dataset.name))]
        if not ends:
            return CatchUp()
        last = min(read_timestamp(end) for end in ends)
    except (LedgerError, TimestampError, OSError):
        return CatchUp()
    start, end = calendar_range(window, now)
    if end < last:
        return CatchUp(last_end=last, behind=end)
    if end == last:
        return CatchUp(last_end=last, delivered=True)
    moments = missed_ends(window, last, start)
    boundary = moments[-1] if moments else last
    untiled = (boundary, start) if boundary < start else None
    return CatchUp(moments, last, untiled)


def missed_ends(window: ir.Window, last: datetime, start: datetime) -> tuple[datetime, ...]:
    """The ends of the whole windows between `last` (where deliveries reached) and
    `start` (this run's window's), oldest first: what a run catches up, and what the run
    itself, under the lock, refuses to leave behind (`execute.delivered`)."""
    from ocpispec.calendar_windows import next_boundary

    unit, amount = window.unit or "day", window.amount or 1
    moments, boundary = [], last
    while (following := next_boundary(boundary, amount, unit, window.zone)) <= start:
        moments.append(following)
        boundary = following
    return tuple(moments)


def applies(args) -> bool:
    """A real run at the real time into the spec's destinations: no `--as-of`,
    `--demo`, `--dry-run`, `--limit`, `--restart`, `--assess` or `--out`."""
    return _real(args) and args.out is None


def _real(args) -> bool:
    """A run at the real time that advances the state: no `--as-of`, `--demo`,
    `--dry-run`, `--limit`, `--restart` or `--assess` (`--out` aside)."""
    return not (args.as_of is not None or args.demo or args.dry_run or args.limit is not None
                or args.restart or args.assess)


def _into_folder(out: str | None) -> bool:
    """`--out DIR/` (or an existing directory): each output keeps its own file name there,
    so each missed window gets its file as in the spec's destinations."""
    return out is not None and out != "-" and (out.endswith(("/", "\\")) or Path(out).is_dir())


def run_missed(plan: ir.Plan, args, run_once) -> bool:
    """Run each missed window (`run_once(plan, args)` with `as_of` at its end), oldest
    first; False when one failed (the later ones and the current run wait for the next
    run, which finds them missed again)."""
    import dataclasses
    from datetime import UTC

    import click

    from ocpispec.ledger import default_ledger_path
    from ocpispec.timestamps import format_timestamp

    if not _real(args):
        return True
    if args.out is not None and not _into_folder(args.out):
        return not refused_for_missed(plan, args)
    found = missed(plan, args.state_path or default_ledger_path(), now := datetime.now(UTC))
    if found.behind is not None and found.last_end is not None:
        click.echo(f"warning: this run's window ends at {format_timestamp(found.behind)}, "
                   "before the end of the last delivered one "
                   f"({format_timestamp(found.last_end)}): the clock may be behind (or the "
                   "spec's window changed); a window delivered already is not delivered "
                   "again", err=True)
    if found.untiled is not None:
        start, end = (format_timestamp(moment) for moment in found.untiled)
        click.echo(f"warning: {start} to {end} was never delivered and is shorter than "
                   "the spec's window; it is not caught up (deliver it with a `between` "
                   "window)", err=True)
    ran = None
    while found.moments and (ran is None or found.moments[0] > ran):
        total = len(found.moments)
        for number, moment in enumerate(found.moments, 1):
            click.echo(f"catching up {number} of {total}: the window ending at "
                       f"{format_timestamp(moment)} was never delivered (the last delivery "
                       f"ended at {format_timestamp(found.last_end)})", err=True)
            if not run_once(plan, dataclasses.replace(args, as_of=scheduled(plan, moment, now),
                                                      catching_up=True)):
                return False
            ran = moment
        # the period may have turned while they ran (begun before midnight): the window
        # between them and this run's would be left behind for good
        found = missed(plan, args.state_path or default_ledger_path(), now := datetime.now(UTC))
    return True


def refused_for_missed(plan: ir.Plan, args) -> bool:
    """`--out FILE` (or `-`) of a real run: one file cannot take the missed windows before
    this one, and once this run committed no later run would deliver them (they lie
    before the last delivery). True when there are any: said (OCX573), nothing fetched."""
    from datetime import UTC

    from ocpispec.cli.plan import show_spec_diagnostics
    from ocpispec.diagnostics import error
    from ocpispec.ledger import default_ledger_path
    from ocpispec.text import count
    from ocpispec.timestamps import format_timestamp

    found = missed(plan, args.state_path or default_ledger_path(), datetime.now(UTC))
    if not found.moments:
        return False
    ends = [format_timestamp(moment) for moment in found.moments]
    listed = ", ".join(ends[:3]) + (f" and {len(ends) - 3} more" if len(ends) > 3 else "")
    diagnostic = error(
        "OCX573", f"{count(len(ends), 'calendar window')} before this run's "
                  f"{'were' if len(ends) > 1 else 'was'} never delivered (ending at {listed}), "
                  f"and `--out {args.out}` writes one file",
        notes=(f"the last delivery ended at {format_timestamp(found.last_end)}; a run "
               "without --out delivers the missed windows first, each into its own file",
               "once this run committed, no later run would deliver them: they lie before "
               "its window; nothing was fetched"),
        help=f"run without --out (or with --out DIR/) to catch them up, or deliver each "
             f"first with `--as-of {ends[0]}` (oldest first), then run again")
    show_spec_diagnostics([diagnostic], args.spec)
    if args.summary_format == "json":
        from ocpispec.cli.run_documents import print_document
        from ocpispec.render.run_json import run_json

        print_document(run_json(plan, None, diagnostic, ()))
    return True


def scheduled(plan: ir.Plan, end: datetime, now: datetime) -> datetime:
    """The moment a missed window ending at `end` is run at: where the spec's schedule
    would have run it (its first moment from `end` on, while every calendar window there
    is still the one ending at `end`), else `end`. Run at `end`, a window of a zone
    east of UTC (Amsterdam's midnight is 23:00Z) named `{run.date}` the UTC day before
    its scheduled run does: the date of the previous window's file, a delivery of
    another window there (OCX556), at which the catch-up stopped on every run after."""
    from datetime import timedelta

    from ocpispec.execute.windows import calendar_range
    from ocpispec.language import cron

    if plan.export.cron is None:
        return end
    try:
        moment = cron.next_after(cron.parse(plan.export.cron), end - timedelta(seconds=1))
    except ValueError:
        return end
    windows = [d.step(ir.Fetch).window for d in plan.datasets]
    same = all(calendar_range(w, moment) == calendar_range(w, end) for w in windows
               if w.kind == "previous")
    return moment if same and moment <= now else end


def delivered_already(plan: ir.Plan, args) -> str | None:
    """The end of this run's calendar window when it is the one the last
    committed run delivered: a schedule in UTC (cron's or --follow's) meets a window in
    a zone whose clock changed (a daily run at 22:30 UTC falls on 23:30 and on 00:30
    local time), or a job ran twice. Running it again would deliver the same records
    twice, into a new file where the destination names the run's time. `--as-of`
    delivers a window again on purpose."""
    from datetime import UTC

    from ocpispec.ledger import default_ledger_path
    from ocpispec.timestamps import format_timestamp

    if not applies(args) or any(d.step(ir.Fetch).window.incremental for d in plan.datasets):
        return None  # a `since last run` dataset has records to deliver (the run
        # leaves out the calendar datasets delivered already: `execute._without_delivered`)
    found = missed(plan, args.state_path or default_ledger_path(), datetime.now(UTC))
    if found.delivered and found.last_end is not None:
        return format_timestamp(found.last_end)
    return None
