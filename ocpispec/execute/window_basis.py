"""A window whose time changed between runs: `window on start_date_time` added to a
window by `last_updated` (as OCX237 advises), or taken away, or moved to another
event time.

The watermark is a moment of the time the last window applied to. A session that
started before it and was last updated after it (it ran across the moment) lies before
a window on its start and after a window by `last_updated`: switching from
`last_updated` to `start_date_time` at that moment, the old windows left it out (updated
too late) and the new ones leave it out (started too early), so it was never
delivered. The first window on the event time after such a switch also keeps the
records whose event time lies before it and that were updated at or after the
watermark (`ResolvedWindow.unread_from`, applied by `EventWindow`). The other
directions repeat such records once instead (delivered by the old time, and again by
the new one), which the run says in a note.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ocpispec.execute.statekeeping import LAST_UPDATED
from ocpispec.execute.windows import ResolvedWindow
from ocpispec.ledger.state import State
from ocpispec.plan import ir


def switched(plan: ir.Plan, state: State, windows: dict[str, ResolvedWindow],
             options: Any) -> tuple[dict[str, ResolvedWindow], list[str]]:
    """The windows, those whose time changed since the last delivery marked, and the
    notes that say so."""
    if options.restart or not options.use_state:
        return windows, []
    notes, changed = [], dict(windows)
    for dataset in plan.datasets:
        found = state.datasets.get(dataset.name)
        now_on = dataset.step(ir.Fetch).window.event_time or LAST_UPDATED
        if found is None or found.window_on is None or found.window_on == now_on:
            continue
        mark, name = found.watermark, dataset.name
        if found.window_on == LAST_UPDATED:
            changed[name] = dataclasses.replace(windows[name], unread_from=mark)
            notes.append(f"the window of `{name}` is on `{now_on}` now, where the last "
                         f"delivery was by `last_updated` up to {mark}: the records whose "
                         f"`{now_on}` lies before this window and that were updated at or "
                         "after then (neither window held them) are delivered in this one")
        else:
            notes.append(f"the window of `{name}` is on `{now_on}` now, where the last "
                         f"delivery was on `{found.window_on}` up to {mark}: records whose "
                         f"`{found.window_on}` lies before then and whose `{now_on}` lies "
                         "in this window were delivered already and are delivered again "
                         "once")
    return changed, notes
