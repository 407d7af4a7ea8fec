"""Windows that end "now" end at the platform's now when its clock is behind ours.

A `since last run` window asks for `date_to = now` by our clock. A platform whose clock
is behind by d stamps the records it changes in the next d with a `last_updated`
before that `date_to`: inside the window this run closes, which the next run (starting
at this run's `date_to`) never asks for again. So the window ends at the platform's
time (`OcpiClient.platform_now`: its `Date` header, or its envelope `timestamp`), the
state keeps that end, and
the next run starts exactly there: windows still tile time, and the records of the last
d come with the next run (OCX584). The same holds for every window ending at the run's
time (`since DATE`, `last N days`, `month to date`).

A window with an end of its own (`previous day`, `between`) cannot move: the next one
starts at the calendar's boundary. When the platform's clock has not reached its end yet
(a scheduled run right after midnight), the records it still stamps before that end
would be lost, so the run waits for its clock, up to WAIT_AT_MOST, and otherwise fails
before fetching anything (OCX585: run again later).

A platform whose clock is ahead stamps records after our `date_to`; they come with the
run whose window reaches their time, so nothing is capped. A platform that tells no
usable time leaves the windows as they are (a run never fails for a missing header). Windows
that ended more than a day before the run (`--as-of` in the past, `previous month`) are
not asked about: no platform clock is that far behind.

A clock more than a day behind ours (IMPLAUSIBLE) is no lag but a wrong clock (a gateway
without a battery saying 2001): capping at it would give every run an empty window, for
ever, with only a warning, and waiting for it would take years. Ignoring it would
deliver nothing either when its records carry the same wrong time. So the run fails
before fetching anything (OCX575), whatever the window, and no state moves.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ocpispec.frozen import frozen
from ocpispec.execute.windows import ResolvedWindow
from ocpispec.logs import RUN
from ocpispec.plan import ir
from ocpispec.text import duration
from ocpispec.timestamps import format_timestamp, read_timestamp

# the windows ending at the run's time, and those with an end of their own
ENDING_NOW = ("since-last-run", "since", "last", "month-to-date")
FIXED = ("between", "previous")
# an end further back than this is not compared with the platform's clock
RECENT = timedelta(days=1)
# how long a run waits for the platform's clock to pass a fixed window's end
WAIT_AT_MOST = timedelta(minutes=2)
# behind by less than this is the `Date` header's rounding, capped but not reported
UNREMARKABLE = timedelta(seconds=2)
# behind by more than this is a wrong clock, not a lag: the run is refused (OCX575)
IMPLAUSIBLE = timedelta(days=1)


@frozen
class Capped:
    windows: dict[str, ResolvedWindow]
    warnings: dict[str, str]  # by dataset
    # fixed windows (`previous day`, `between`) that have not ended by the platform's clock:
    # by dataset, how long until they have
    unfinished: dict[str, timedelta] = dataclasses.field(default_factory=dict)
    # the platform's time when it is IMPLAUSIBLE-ly behind ours: the datasets it concerns
    wrong_clock: tuple[datetime, tuple[str, ...]] | None = None


def capped(plan: ir.Plan, windows: Mapping[str, ResolvedWindow], client: Any,
           now: datetime, wall: datetime) -> Capped:
    """`windows`, those ending at `now` ending at the platform's time instead when it is
    behind `now`; and the fixed windows that have not ended yet by its clock."""
    ending = [d.name for d in plan.datasets if _ends_now(d, windows[d.name], now)]
    fixed = [d.name for d in plan.datasets if _fixed_recent(d, windows[d.name], now, wall)]
    if not (ending and now >= wall - RECENT or fixed) or not hasattr(client, "platform_now"):
        return Capped(dict(windows), {})
    platform = client.platform_now()
    if platform is None:
        return Capped(dict(windows), {})
    end = platform.replace(microsecond=0)
    if wall - platform > IMPLAUSIBLE:
        return Capped(dict(windows), {}, wrong_clock=(end, (*ending, *fixed)))
    result, warnings = dict(windows), {}
    for name in ending if end < now else ():
        result[name] = window = _ending_at(windows[name], end)
        if now - end >= UNREMARKABLE:
            source = getattr(client, "clock_source", None) or "the `Date` header"
            warnings[name] = _warning(now - end, window, now, source)
    unfinished = {name: read_timestamp(windows[name].date_to) - platform for name in fixed
                  if read_timestamp(windows[name].date_to) > end}
    return Capped(result, warnings, unfinished)


def follow_platform_clock(plan: ir.Plan, client: Any, options: Any, runs: list,
                          windows: dict[str, ResolvedWindow], targets: dict, logins: dict,
                          now: datetime, wall: datetime, state_path: Path,
                          retarget: Callable[[dict[str, ResolvedWindow]], dict]
                          ) -> dict[str, ResolvedWindow]:
    """The run's windows after `capped`: fixed ones waited for (or refused), those ending
    now ending at the platform's time. The runs (`DatasetRun`) and the targets named after
    a window's end (`retarget`) follow, checked again as before the network (a file of
    another window is never replaced)."""
    from ocpispec.execute import deliveries
    from ocpispec.execute.replacing import check_remote_replacements, check_replacements
    from ocpispec.ledger import pending_remote

    found = capped(plan, windows, client, now, wall)
    if found.wrong_clock is not None:
        raise wrong_clock_error(plan, found.wrong_clock, wall,
                                getattr(client, "clock_source", None) or "the `Date` header")
    if found.unfinished:
        _wait_for_platform(plan, windows, found.unfinished, options,
                           getattr(client, "clock_source", None) or "the `Date` header")
    if found.windows == windows:
        return windows
    for run in runs:
        run.window = found.windows[run.dataset.name]
        if run.dataset.name in found.warnings:
            run.warnings.append(found.warnings[run.dataset.name])
    if options.dry_run:
        return found.windows
    renamed = retarget(found.windows)
    moved = {name: target for name, target in renamed.items()
             if target.display != targets[name].display}
    deliveries.cleanup({name: target for name, target in renamed.items() if name not in moved}
                       | {name: targets[name] for name in moved})  # spools not used
    if not moved:
        return found.windows
    targets.update(moved)
    check_replacements(plan, targets, found.windows, (state_path, options.runs_dir),
                       sample=options.limit is not None)
    remote = {name: target for name, target in moved.items() if target.remote is not None}
    delivered: dict[str, bytes | None] = {}
    logins.update(deliveries.prepare(remote, {d.name: d.step(ir.Render).origin
                                              for d in plan.datasets}, None, None,
                                     options.destinations, delivered, plan.export.name,
                                     pending_remote(state_path), probe=not options.dry_run))
    check_remote_replacements(plan, targets, found.windows, delivered, options.limit is not None,
                              state_path)
    for run in runs:
        run.target = targets[run.dataset.name]
    return found.windows


def _wait_for_platform(plan: ir.Plan, windows: dict[str, ResolvedWindow],
                       unfinished: dict[str, timedelta], options: Any, source: str) -> None:
    """Sleep until the platform's clock has passed the end of every fixed window, or fail
    with OCX585 when that takes longer than `WAIT_AT_MOST`."""
    longest = max(unfinished.values())
    if options.dry_run:
        return
    if longest > WAIT_AT_MOST:
        raise unfinished_error(plan, windows, unfinished, source)
    RUN.info("waiting %.1f s for the platform's clock to pass the window's end",
             longest.total_seconds())
    time.sleep(longest.total_seconds() + 0.1)


def _ends_now(dataset: ir.Dataset, window: ResolvedWindow, now: datetime) -> bool:
    """A window whose end is the run's time by definition: capping it loses nothing, since
    the next such window starts at the end the state keeps (or, without state, is simply
    the time of that run). A calendar window ending at this very second is not one."""
    asked = dataset.step(ir.Fetch).window
    return (asked.kind in ENDING_NOW or _not_over(asked, now)) \
        and window.date_to == format_timestamp(now)


def _not_over(asked: ir.Window, now: datetime) -> bool:
    """A `between` window ending after the run, which ends at the run's time instead."""
    return asked.kind == "between" and asked.end is not None and read_timestamp(asked.end) > now


def _fixed_recent(dataset: ir.Dataset, window: ResolvedWindow, now: datetime,
                  wall: datetime) -> bool:
    """A window with an end of its own, which ended by our clock within the last day."""
    asked = dataset.step(ir.Fetch).window
    if asked.kind not in FIXED or window.date_to is None or _not_over(asked, now):
        return False
    end = read_timestamp(window.date_to)
    return wall - RECENT <= end <= now


def _ending_at(window: ResolvedWindow, end: datetime) -> ResolvedWindow:
    """`window` ending at `end`, but never before where it resumes (the watermark) or
    starts: a window never runs backwards, and the state never moves back."""
    floor = window.watermark or window.date_from
    if floor is not None and end < read_timestamp(floor):
        end = read_timestamp(floor)
    return dataclasses.replace(window, date_to=format_timestamp(end))


def _warning(behind: timedelta, window: ResolvedWindow, now: datetime, source: str) -> str:
    return (f"OCX584: the platform's clock is {_duration(behind)} behind ours ({source} "
            f"of its answers): the window ends at its time, {window.date_to}, not at "
            f"{format_timestamp(now)}; the records it stamps from now on come with the next run")


def _duration(delta: timedelta) -> str:
    return duration(delta.total_seconds())


def unfinished_error(plan: ir.Plan, windows: Mapping[str, ResolvedWindow],
                     unfinished: Mapping[str, timedelta], source: str):
    """OCX585: a fixed window that the platform's clock will not reach within WAIT_AT_MOST."""
    from ocpispec.execute.client import RunError

    name = max(unfinished, key=lambda n: unfinished[n])
    dataset = next(d for d in plan.datasets if d.name == name)
    end = windows[name].date_to
    return RunError.of(
        "OCX585", f"the window of `{name}` ends at {end}, but the platform's clock is "
        f"{_duration(unfinished[name])} before that ({source} of its answers)",
        dataset.step(ir.Fetch).origin, "the window",
        notes=("the records the platform stamps until its clock reaches the window's end "
               "belong to this window: a run now would miss them for good",
               "nothing was fetched or written"),
        help=f"run again in {_duration(unfinished[name])} or later; ask the CPO to set "
             "its clock right (NTP)")


def wrong_clock_error(plan: ir.Plan, wrong_clock: tuple[datetime, tuple[str, ...]],
                      wall: datetime, source: str):
    """OCX575: the platform's clock is more than IMPLAUSIBLE behind ours."""
    from ocpispec.execute.client import RunError

    platform, names = wrong_clock
    dataset = next(d for d in plan.datasets if d.name == names[0])
    return RunError.of(
        "OCX575", f"the platform's clock says {format_timestamp(platform)}, "
        f"{_duration(wall - platform)} behind ours ({source} of its answers)",
        dataset.step(ir.Fetch).origin, "the window",
        notes=("a clock this far behind is wrong, not late: a window ending at its time "
               "would be empty on every run, and the records it stamps may carry its "
               "wrong time, before any window",
               "nothing was fetched or written; the state did not move"),
        help="ask the CPO to set its clock right (NTP), then run again; `ocpispec doctor` "
             "shows the clock it reports")
