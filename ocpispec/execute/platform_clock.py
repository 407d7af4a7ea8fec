"""Windows that end "now" end at the platform's now when its clock is behind ours.

A `since last run` window asks for `date_to = now` by our clock. A platform whose clock
is behind by d stamps the records it changes in the next d with a `last_updated`
before that `date_to`: inside the window this run closes, which the next run (starting
at this run's `date_to`) never asks for again. So the window ends at the platform's
time (`OcpiClient.platform_now`, from its `Date` header), the state keeps that end, and
the next run starts exactly there: windows still tile time, and the records of the last
d come with the next run (OCX584). The same holds for every window ending at the run's
time (`since DATE`, `last N days`, `month to date`).

A platform whose clock is ahead stamps records after our `date_to`; they come with the
run whose window reaches their time, so nothing is capped. A platform that sends no
usable `Date` leaves the windows as they are (a run never fails for a header). Windows
that ended more than a day before the run (`--as-of` in the past, `previous month`) are
not asked about: no platform clock is that far behind.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from ocpispec.execute.windows import ResolvedWindow
from ocpispec.plan import ir
from ocpispec.text import count
from ocpispec.timestamps import format_timestamp, read_timestamp

# an end further back than this is not compared with the platform's clock
RECENT = timedelta(days=1)
# behind by less than this is the `Date` header's rounding, capped but not reported
UNREMARKABLE = timedelta(seconds=2)


@dataclasses.dataclass(frozen=True, slots=True)
class Capped:
    windows: dict[str, ResolvedWindow]
    warnings: dict[str, str]  # by dataset


def capped(plan: ir.Plan, windows: Mapping[str, ResolvedWindow], client: Any,
           now: datetime, wall: datetime) -> Capped:
    """`windows`, those ending at `now` ending at the platform's time instead when it is
    behind `now`."""
    ending = [d.name for d in plan.datasets if _ends_now(windows[d.name], now)]
    if not ending or now < wall - RECENT or not hasattr(client, "platform_now"):
        return Capped(dict(windows), {})
    platform = client.platform_now()
    if platform is None or platform.replace(microsecond=0) >= now:
        return Capped(dict(windows), {})
    end = platform.replace(microsecond=0)
    result, warnings = dict(windows), {}
    for name in ending:
        result[name] = window = _ending_at(windows[name], end)
        if now - end >= UNREMARKABLE:
            warnings[name] = _warning(now - end, window, now)
    return Capped(result, warnings)


def _ends_now(window: ResolvedWindow, now: datetime) -> bool:
    return window.date_to == format_timestamp(now)


def _ending_at(window: ResolvedWindow, end: datetime) -> ResolvedWindow:
    """`window` ending at `end`, but never before where it resumes (the watermark) or
    starts: a window never runs backwards, and the state never moves back."""
    floor = window.watermark or window.date_from
    if floor is not None and end < read_timestamp(floor):
        end = read_timestamp(floor)
    return dataclasses.replace(window, date_to=format_timestamp(end))


def _warning(behind: timedelta, window: ResolvedWindow, now: datetime) -> str:
    return (f"OCX584: the platform's clock is {_duration(behind)} behind ours (the `Date` "
            f"header of its answers): the window ends at its time, {window.date_to}, not at "
            f"{format_timestamp(now)}; the records it stamps from now on come with the next run")


def _duration(delta: timedelta) -> str:
    seconds = round(delta.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= 2 * size:
            return count(round(seconds / size), unit)
    return count(seconds, "second")
