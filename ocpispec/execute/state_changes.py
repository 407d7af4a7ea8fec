"""What changed since the last run, as the state tells it: a dataset that now reads
another module starts over, a changed plan is named, the lookback re-reads before the
watermark only what the stored digests can deduplicate; and the state a run leaves."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from ocpispec.execute import plan_change
from ocpispec.execute.datasets import DatasetRun
from ocpispec.execute.lookback import Digests, Screen, lookback_key, stored_digests
from ocpispec.execute.windows import ResolvedWindow
from ocpispec.ledger.state import DatasetState, Listed, State
from ocpispec.plan import ir
from ocpispec.text import count
from ocpispec.timestamps import format_timestamp, read_timestamp


def other_modules(plan: ir.Plan, state: State, options: Any) -> tuple[State, list[str]]:
    """The state without what a dataset kept while it read another module: a sessions
    watermark says nothing of which CDRs were delivered, and the CDRs updated before it
    would never be. Such a dataset starts over, as a new one does, and a note says so."""
    moved = {}
    for dataset in plan.datasets:
        stored = state.datasets.get(dataset.name)
        before = (stored.plan_summary or {}).get("module") if stored is not None else None
        if before is not None and before != dataset.module:
            moved[dataset.name] = (before, dataset.module, stored.watermark)
    if options.restart or not moved:
        return state, []
    return state.without(set(moved)), [
        f"the module of `{name}` changed since the last run (from {before} to {now}): the "
        f"watermark {mark} told which {before} were delivered, not which {now}, so `{name}` "
        "starts over as a new dataset"
        for name, (before, now, mark) in sorted(moved.items())]


def plan_changes(plan: ir.Plan, incremental: list[ir.Dataset], state: State,
                  options: Any) -> dict[str, tuple[str, list[str]]]:
    found = {}
    for dataset in incremental:
        stored = state.datasets.get(dataset.name)
        if stored is None or stored.plan_fingerprint == plan.fingerprint:
            continue
        what = plan_change.changes(stored.plan_summary, plan_change.summarize(dataset))
        then = ("the window starts over (--restart)" if options.restart else
                f"continuing from the watermark {stored.watermark} (--restart starts over)")
        found[dataset.name] = (f"the plan of `{dataset.name}` changed since the last run "
                               f"({stored.plan_fingerprint[:12]} -> {plan.short_fingerprint}): "
                               f"{'; '.join(what)}; {then}", what)
    return found


def lookback(state: State, dataset: str, options: Any,
             check: tuple[str, ...] | None = None) -> timedelta | None:
    """How far this run re-reads before the watermark: the lookback asked for, but never
    beyond the horizon the stored digests cover, and not at all when they were made
    under another key than this run's (`check`, `lookback.key_checks`): what it cannot
    deduplicate it would deliver twice."""
    stored = state.datasets.get(dataset)
    if not options.lookback or options.restart or stored is None or stored.seen_since is None:
        return None
    if not comparable(stored, check):
        return None
    reach = read_timestamp(stored.watermark) - read_timestamp(stored.seen_since)
    return min(options.lookback, reach) if reach > timedelta(0) else None


def comparable(stored: DatasetState, check: tuple[str, ...] | None) -> bool:
    return stored.seen_check is None or check is None or stored.seen_check in check


def key_change_notes(plan: ir.Plan, state: State, options: Any,
                     check: tuple[str, ...]) -> list[str]:
    """A note for each dataset whose stored digests were made under another key."""
    if not options.lookback or options.restart:
        return []
    return [f"lookback: `{name}`: the last run's digests were made under another pseudonym "
            "key, so this run re-reads nothing before the watermark (a record that came "
            "late since may be missed; the next runs re-read again)"
            for name, stored in sorted(state.datasets.items())
            if name in {d.name for d in plan.datasets} and stored.seen_since is not None
            and not comparable(stored, check)]


def screens(runs: list[DatasetRun], state: State, key: bytes,
             options: Any) -> dict[str, Screen]:
    if not options.lookback:
        return {}
    screens = {}
    for run in runs:
        if not run.step.window.incremental:
            continue
        stored = state.datasets.get(run.dataset.name)
        before = stored.seen if stored is not None and not options.restart else ()
        horizon = read_timestamp(run.window.date_to) - options.lookback
        resumed = read_timestamp(run.window.watermark) if run.window.watermark else None
        seen = lookback_key(key, run.plan.export.name, run.plan.pseudonym_key is not None)
        made = Digests.VERSION if stored is None else stored_digests(seen, stored.seen_check)
        run.screen = screens[run.dataset.name] = Screen(seen, before, horizon, resumed,
                                                        module=run.step.module, stored=made)
    return screens


def manifest_extra(run: DatasetRun, changes: dict[str, tuple[str, list[str]]],
                    screens: dict[str, Screen], options: Any) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if run.dataset.name in changes:
        extra["plan_change"] = {"changes": changes[run.dataset.name][1],
                                "restarted": options.restart}
    screen = screens.get(run.dataset.name)
    if screen is not None and options.lookback:
        # the counts stay with the CPO (run record, summary): see `records`
        extra["lookback"] = {"seconds": int(options.lookback.total_seconds()),
                             "resumed_at": run.window.watermark}
    return extra


def lookback_notes(screens: dict[str, Screen]) -> list[str]:
    notes = []
    for name, screen in screens.items():
        if screen.skipped or screen.late:
            notes.append(f"lookback: `{name}`: {count(screen.late, 'late record', grouped=True)} "
                         "found (updated before the previous window's end, delivered now); "
                         f"{count(screen.skipped, 'record', grouped=True)} read again and "
                         "skipped (delivered before)")
    return notes


LAST_UPDATED = "last_updated"  # the time a window without `window on` applies to


def advanced(plan: ir.Plan, tracked: list[ir.Dataset], state: State,
              windows: dict[str, ResolvedWindow], wall: datetime,
              screens: dict[str, Screen], platform: str | None = None,
              listed: Mapping[str, Listed | None] | None = None) -> State:
    committed = format_timestamp(wall)
    updates = {}
    for dataset in tracked:
        screen = screens.get(dataset.name)
        updates[dataset.name] = DatasetState(
            _reached(dataset, state, windows[dataset.name].date_to or committed),
            plan.fingerprint, committed,
            plan_change.summarize(dataset), tuple(sorted(screen.seen)) if screen else (),
            format_timestamp(screen.horizon) if screen else None,
            screen.check if screen else None, platform,
            dataset.step(ir.Fetch).window.event_time or LAST_UPDATED,
            (listed or {}).get(dataset.name))
    return state.advanced(updates)


def _reached(dataset: ir.Dataset, state: State, end: str) -> str:
    """The watermark after a run ending at `end`: a calendar window run again for an
    earlier period (`--as-of`, catch-up) never moves it back."""
    stored = state.watermark(dataset.name)
    if dataset.step(ir.Fetch).window.incremental or stored is None:
        return end
    return max(end, stored, key=read_timestamp)


def resumed_notes(plan: ir.Plan, windows: dict[str, ResolvedWindow], now: datetime) -> list[str]:
    """A calendar window that starts where the last delivery ended, not at its period."""
    from ocpispec.execute.windows import calendar_range

    notes = []
    for dataset in plan.datasets:
        window = dataset.step(ir.Fetch).window
        if window.kind != "previous" or windows[dataset.name].date_from is None:
            continue
        start, _ = calendar_range(window, now)
        if windows[dataset.name].date_from != format_timestamp(start):
            notes.append(f"the window of `{dataset.name}` starts at "
                         f"{windows[dataset.name].date_from}, where the last delivery ended, "
                         f"not at {format_timestamp(start)} ({window.rule}): the records "
                         "before were delivered already (the window or its zone changed "
                         "since the last run)")
    return notes
