"""What a run settles before it builds its datasets: the state read and checked against
the plan and the clocks, the windows it gives, the calendar windows delivered already,
and the checks of where each dataset writes."""

from __future__ import annotations

import dataclasses

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ocpispec.frozen import frozen
from ocpispec.execute.delivered import (check_none_missed, incremental_beside,
                                        skip_if_delivered, without_delivered)
from ocpispec.plan import ir

if TYPE_CHECKING:
    from ocpispec.execute.windows import ResolvedWindow
    from ocpispec.ledger.state import State


@frozen
class Setting:
    """What a run settled before it builds its datasets: its clocks, the state it read,
    the datasets whose watermarks it advances, their windows and where each writes."""

    plan: ir.Plan
    started: float             # monotonic
    wall: datetime             # the real time
    now: datetime              # the run's time (`--as-of`, the demo's clock)
    notes: list[str]           # for the CPO's summary, added to as the run goes
    state: State
    tracked: list[ir.Dataset]  # datasets whose watermark the state keeps
    advancing: bool            # the commit moves their watermarks
    changes: dict              # plan changes the state noticed (`statekeeping.plan_changes`)
    windows: dict[str, ResolvedWindow]
    targets: dict = dataclasses.field(default_factory=dict)
    meanwhile: bool = False    # the run it waited for (`--wait-lock`) committed meanwhile


def settled(plan: ir.Plan, key: bytes, options: Any, state_path: Path, locked: bool,
             started: float, wall: datetime, now: datetime, notes: list[str]) -> Setting:
    """The state read and checked against the plan and the clocks; the windows it gives."""
    from ocpispec.execute import statekeeping
    from ocpispec.execute.lookback import key_checks, lookback_key

    state = _read_state(plan, options, state_path, locked, notes)
    incremental = [d for d in plan.datasets if d.step(ir.Fetch).window.incremental]
    tracked = [d for d in plan.datasets if d.step(ir.Fetch).window.tracked]
    advancing = locked and options.limit is None and bool(tracked)
    if options.use_state and incremental and options.limit is not None:
        notes.append("a sample (--limit): the `since last run` state was not advanced")
    if options.use_state:
        from ocpispec.execute.platform_identity import check_demo_or_not

        check_demo_or_not(plan, tracked, state, state_path, options)
        statekeeping.check_watermarks(incremental, state, now, wall, options, advancing)
    if advancing:
        statekeeping.check_writable(state_path)
    changes = statekeeping.plan_changes(plan, incremental, state, options) \
        if options.use_state else {}
    notes.extend(note for note, _ in changes.values())
    check = key_checks(lookback_key(key, plan.export.name, plan.pseudonym_key is not None))
    if options.use_state:
        notes.extend(statekeeping.key_change_notes(plan, state, options, check))
    windows = _windows(plan, state, options, now, check)
    if options.use_state:
        from ocpispec.execute.window_basis import switched

        windows, basis_notes = switched(plan, state, windows, options)
        notes.extend(basis_notes)
    if options.catching_up:
        skip_if_delivered(tracked, state, windows)
    elif options.skip_delivered and not incremental_beside(tracked):
        skip_if_delivered(tracked, state, windows)
    if options.skip_delivered and not options.restart and options.use_state:
        check_none_missed(tracked, _delivered_ends(plan, state_path), now)
    if options.catching_up or options.skip_delivered:
        plan, skipped = without_delivered(plan, state, windows)
        tracked = [d for d in tracked if d in plan.datasets]
        notes.extend(skipped)
    notes.extend(statekeeping.resumed_notes(plan, windows, now))
    return Setting(plan, started, wall, now, notes, state, tracked, advancing, changes, windows)


def _delivered_ends(plan: ir.Plan, state_path: Path):
    """Where each dataset's committed deliveries reached, from the disclosure log (None:
    none, or a log that cannot be read, as the catch-up takes it)."""
    from ocpispec.ledger import LedgerError, last_delivered_end

    def reached(dataset: str) -> str | None:
        try:
            return last_delivered_end(state_path, plan.export.name, dataset)
        except (LedgerError, OSError):
            return None

    return reached


def _read_state(plan: ir.Plan, options: Any, state_path: Path, locked: bool,
                notes: list[str]) -> State:
    """The export's state as this plan names its datasets (renamed, moved, restarted)."""
    from ocpispec.execute import statekeeping
    from ocpispec.ledger.state import State  # the ledger (and sqlite3) only for a run

    export = plan.export.name
    state = statekeeping.load(state_path, export) if options.use_state else State(export)
    if locked:
        from ocpispec.execute.other_ledger import check_not_elsewhere
        from ocpispec.execute.renamed_export import check_not_renamed
        from ocpispec.execute.shared_export import check_not_shared

        check_not_renamed(plan, state, state_path, options)
        check_not_elsewhere(plan, state, state_path, options)
        check_not_shared(plan, state, state_path, options)
    state = state.renamed({d.previous_name: d.name for d in plan.datasets if d.previous_name})
    if options.use_state and not options.restart:
        from ocpispec.execute.positions import followed

        state, moved = followed(plan, state)
        notes.extend(moved)
    state, restarted = statekeeping.other_modules(plan, state, options)
    notes.extend(restarted)
    return state


def _windows(plan: ir.Plan, state: State, options: Any, now: datetime,
             check: Any) -> dict[str, ResolvedWindow]:
    from ocpispec.execute import statekeeping
    from ocpispec.execute.windows import resolve_window

    watermarks = {d.name: None if options.restart else state.watermark(d.name)
                  for d in plan.datasets}
    return {d.name: resolve_window(d.step(ir.Fetch).window, watermarks[d.name], now,
                                   statekeeping.lookback(state, d.name, options, check))
            for d in plan.datasets}


def check_targets(setting: Setting, options: Any, state_path: Path) -> None:
    """A delivered file of another window is never replaced; a first run says where it
    writes files that exist already."""
    if options.dry_run or options.assess:
        return
    from ocpispec.execute.output_folders import check_folders
    from ocpispec.execute.replacing import check_replacements

    check_folders(setting.plan, setting.targets)
    check_replacements(setting.plan, setting.targets, setting.windows,
                       (state_path, options.runs_dir), sample=options.limit is not None)
    from ocpispec.execute.released_again import check_not_released_again

    setting.notes.extend(check_not_released_again(setting.plan, setting.windows, state_path,
                                                  options))
    if options.use_state and not options.restart and options.limit is None:
        from ocpispec.execute.first_runs import behind_deliveries, first_run_notes

        setting.notes.extend(first_run_notes(setting.plan, setting.targets, setting.windows,
                                             state_path))
        behind_deliveries(setting.plan, setting.tracked, setting.targets, setting.state,
                          state_path)
