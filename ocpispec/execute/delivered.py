"""Windows delivered already: a caught-up or repeated calendar window that the state
shows delivered is not delivered again, as a whole run or dataset by dataset."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ocpispec.plan import ir

if TYPE_CHECKING:
    from datetime import datetime

    from ocpispec.execute.windows import ResolvedWindow
    from ocpispec.ledger.state import State


class DeliveredMeanwhile(Exception):
    """A caught-up window that another run of the export delivered after the catch-up
    was planned (it waited for the lock): running it again would deliver it twice."""

    def __init__(self, end: str, into: str | None = None) -> None:
        super().__init__(end)
        self.end = end
        self.into = into  # the file the run waited for delivered the window into


def skip_if_replaced_meanwhile(plan: ir.Plan, targets: Mapping[str, Any],
                               windows: Mapping[str, ResolvedWindow],
                               remote: Mapping[str, bytes | None] | None = None) -> None:
    """After waiting for the lock (`--wait-lock`), while the run it waited for committed:
    a target holding that run's delivery of the dataset (this export and dataset, its
    window ending where this run's starts) would be replaced with this run's window,
    OCX556. Two runs of one spec started together (an overlapping cron job) mean one
    delivery, so the run has nothing to do: DeliveredMeanwhile, its state unmoved, and
    the records updated since that window's end come with the next run. Local targets by
    the manifest beside them; remote ones (`remote`: the manifests their servers hold, by
    dataset, read by `deliveries.prepare`) once those were read."""
    from ocpispec.execute.replaced_delivery import delivered_at, parse_delivery

    for dataset in plan.datasets:
        target, window = targets[dataset.name], windows[dataset.name]
        if target.remote is None and target.path is not None and remote is None:
            earlier, where = delivered_at(target.path), str(target.path)
        elif target.remote is not None and remote and remote.get(dataset.name) is not None:
            earlier, where = parse_delivery(remote[dataset.name]), target.remote.url
        else:
            continue
        if window.date_from is not None and earlier is not None and not earlier.sample \
                and (earlier.export, earlier.dataset, earlier.end) == \
                (plan.export.name, dataset.name, window.date_from) \
                and (earlier.start, earlier.end) != (window.date_from, window.date_to):
            raise DeliveredMeanwhile(window.date_from, where)


def incremental_beside(tracked: list[ir.Dataset]) -> bool:
    """Whether a `since last run` dataset runs beside the calendar ones: a run whose
    calendar windows were all delivered already still has its records to deliver (its
    window starts where the last ended), so only the calendar datasets are left out
    (`without_delivered`). The whole run was skipped, and the `since last run` records
    waited for the next period."""
    return any(d.step(ir.Fetch).window.kind != "previous" for d in tracked)


def skip_if_delivered(tracked: list[ir.Dataset], state: State,
                       windows: dict[str, ResolvedWindow]) -> None:
    """A caught-up window that the state shows delivered (under the lock: another run
    caught it up first) is not run again; nor is the window of a run at the real time
    that an earlier run delivered (cron's UTC schedule meeting a DST change of the
    window's zone, a job started twice): into a destination naming the run's time, it
    was delivered a second time. `--as-of` runs a window again on purpose."""
    from ocpispec.timestamps import read_timestamp

    ends = [(state.watermark(d.name), windows[d.name].date_to) for d in tracked]
    if ends and all(mark is not None and end is not None
                    and read_timestamp(mark) >= read_timestamp(end) for mark, end in ends):
        raise DeliveredMeanwhile(str(ends[0][1]))


def check_none_missed(tracked: list[ir.Dataset], reached: Callable[[str], str | None],
                      now: datetime) -> None:
    """OCX574 when a whole calendar window lies between where a dataset's deliveries
    reached (`reached(name)`: the end of its last delivered window, from the disclosure
    log as the catch-up reads it, so a watermark moved by hand never refuses a run for
    ever) and this run's window (a run at the real time, under the lock): the missed
    windows are caught up before the run (`cli.catch_up`), at the time it started; when
    the day (week, month) turned while they ran (a long catch-up started before
    midnight), this run's window was the next one, and the window between was never
    delivered and never would be: it lay before the last delivery."""
    from ocpispec.calendar_windows import next_boundary
    from ocpispec.execute.client import RunError
    from ocpispec.execute.windows import calendar_range
    from ocpispec.timestamps import format_timestamp, read_timestamp

    for dataset in tracked:
        window = dataset.step(ir.Fetch).window
        if window.kind != "previous" or (mark := reached(dataset.name)) is None:
            continue
        start, _ = calendar_range(window, now)
        missed_end = next_boundary(read_timestamp(mark), window.amount or 1,
                                   window.unit or "day", window.zone)
        if missed_end <= start:
            raise RunError.of(
                "OCX574", f"the window of `{dataset.name}` ending at "
                          f"{format_timestamp(missed_end)} was never delivered, and this "
                          f"run's starts after it ({format_timestamp(start)})",
                notes=(f"its deliveries reached {mark}; the missed windows are caught up "
                       "before a run, as of when it started, and the period turned since "
                       "(a catch-up that ran past midnight); nothing was fetched",),
                help="run again: the next run delivers the missed window first")


def without_delivered(plan: ir.Plan, state: State, windows: dict[str, ResolvedWindow]
                       ) -> tuple[ir.Plan, list[str]]:
    """The plan without the calendar datasets whose window was delivered already (the
    others' was not): a spec with `previous day` beside `previous week` run daily
    delivered the week again every day, each record seven times."""
    from ocpispec.timestamps import read_timestamp

    def delivered(dataset: ir.Dataset) -> bool:
        mark, end = state.watermark(dataset.name), windows[dataset.name].date_to
        return (dataset.step(ir.Fetch).window.kind == "previous" and mark is not None
                and end is not None and read_timestamp(mark) >= read_timestamp(end))

    done = [d for d in plan.datasets if delivered(d)]
    notes = [f"the window of `{d.name}` ({windows[d.name].date_from} to "
             f"{windows[d.name].date_to}, {d.step(ir.Fetch).window.rule}) was delivered "
             f"already; it is not delivered again (to deliver it again: --as-of "
             f"{windows[d.name].date_to})" for d in done]
    kept = tuple(d for d in plan.datasets if d not in done)
    return (dataclasses.replace(plan, datasets=kept) if done else plan), notes
