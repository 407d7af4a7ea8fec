"""What a run of a `since last run` export does with its state, around the fetch:
finish a crashed run's commit, check the watermarks and that the state can be
written, name plan changes, screen re-read records (lookback), and build the new
state that the commit journal publishes with the outputs."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ocpispec import plan as ir
from ocpispec.executor import plan_change
from ocpispec.executor.atomic import AtomicFile, remove_stale_partials
from ocpispec.executor.client import RunError
from ocpispec.executor.datasets import DatasetRun
from ocpispec.executor import journal
from ocpispec.executor.journal import CommitPending, JournalError, journal_path, pending_files
from ocpispec.executor.lookback import Screen, seen_key
from ocpispec.executor.windows import ResolvedWindow
from ocpispec.state import DatasetState, State, StateError, load_state
from ocpispec.text import count
from ocpispec.timestamps import format_timestamp, read_timestamp

CLOCK_SKEW = timedelta(minutes=5)  # clocks of machines sharing a state file may differ


def load(path: Path, export: str):
    try:
        return load_state(path, export)
    except StateError as exc:
        raise RunError.of("OCX553", f"cannot use the state file `{path}`: {exc}",
                          help="give --state a file path; repair or delete a damaged file "
                               "(deleting it makes the next `since last run` window start "
                               "at 2000-01-01)") from None


def recover(state_path: Path, export: str) -> list[str]:
    try:
        from ocpispec.delivery import finish_rename

        recovered = journal.recover(state_path, export, finish_rename)
    except (JournalError, StateError, OSError) as exc:
        raise RunError.of("OCX553", f"cannot finish the commit an interrupted run left: {exc}",
                          notes=(f"the journal `{journal_path(state_path)}` lists the files "
                                 "that run was publishing and the state it was writing",),
                          help="make the state's directory and the outputs' directories "
                               "writable and run again; do not delete the journal (that "
                               "run's window would be delivered twice)") from None
    return [recovered.note()] if recovered else []


def check_watermarks(incremental: list[ir.Dataset], state: State, now: datetime,
                      wall: datetime, options: Any, advancing: bool) -> None:
    export = state.export
    """A watermark never moves back (the next run would deliver again what was
    delivered) and never lies in the future (records updated until then would be lost)."""
    for dataset in incremental:
        stored = state.watermark(dataset.name)
        if stored is None:
            continue
        mark = read_timestamp(stored)
        if mark > wall + CLOCK_SKEW and not options.restart:
            raise RunError.of("OCX582", f"the state's watermark of `{dataset.name}` ({stored}) "
                              f"lies in the future (the clock says {format_timestamp(wall)})",
                              notes=("either the system clock moved back since the last run, "
                                     "or the state was changed by hand",
                                     "records updated before that moment would never be "
                                     "delivered",),
                              help="if the clock is wrong, fix it first; if it is right, "
                                   "move the watermark back on purpose: `ocpispec state "
                                   f"set-watermark {export} TIMESTAMP --yes`")
        if now < mark and not options.restart:
            given = "--as-of" if options.now is not None else "the clock"
            raise RunError.of("OCX581", f"{given} ({format_timestamp(now)}) is earlier than "
                              f"the state's watermark of `{dataset.name}` ({stored})",
                              notes=("the window would move back and the next run would "
                                     "deliver records again",),
                              help="a backfill is explicit: `ocpispec state set-watermark "
                                   f"{export} TIMESTAMP --yes`, or run with another --state")
    if advancing and options.now is not None and now > wall + CLOCK_SKEW:
        raise RunError.of("OCX582", f"--as-of ({format_timestamp(now)}) lies in the future "
                          f"(the clock says {format_timestamp(wall)})",
                          notes=("the watermark would move past records not yet written",),
                          help="give a moment that has passed, or leave --as-of out")


def check_writable(state_path: Path) -> None:
    """Fail before fetching, not after publishing, when the state cannot be written."""
    try:
        AtomicFile(state_path).discard()
    except OSError as exc:
        raise RunError.of("OCX553", f"the state file `{state_path}` cannot be written: "
                          f"{exc.strerror}",
                          notes=("checked before fetching: outputs published without the "
                                 "state would be delivered again",),
                          help="fix the permissions or free space, or give --state another "
                               "path") from None


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


def lookback(state: State, dataset: str, options: Any) -> timedelta | None:
    """How far this run re-reads before the watermark: the lookback asked for, but never
    beyond the horizon the stored digests cover (what it cannot deduplicate it would
    deliver twice)."""
    stored = state.datasets.get(dataset)
    if not options.lookback or options.restart or stored is None or stored.seen_since is None:
        return None
    reach = read_timestamp(stored.watermark) - read_timestamp(stored.seen_since)
    return min(options.lookback, reach) if reach > timedelta(0) else None


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
        run.screen = screens[run.dataset.name] = Screen(seen_key(key, run.plan.export.name),
                                                         before, horizon, resumed)
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


def remove_leftovers(targets, state_path: Path | None) -> None:
    """Temporary files of killed runs (their process is gone) beside this run's files."""
    keep = pending_files(state_path) if state_path is not None else frozenset()
    directories = {t.path.parent for t in targets if t.path is not None}
    if state_path is not None:
        directories.add(state_path.parent)
    for directory in directories:
        remove_stale_partials(directory, keep)


def advanced(plan: ir.Plan, incremental: list[ir.Dataset], state: State,
              windows: dict[str, ResolvedWindow], wall: datetime,
              screens: dict[str, Screen]) -> State:
    committed = format_timestamp(wall)
    updates = {}
    for dataset in incremental:
        screen = screens.get(dataset.name)
        updates[dataset.name] = DatasetState(
            windows[dataset.name].date_to or committed, plan.fingerprint, committed,
            plan_change.summarize(dataset), tuple(sorted(screen.seen)) if screen else (),
            format_timestamp(screen.horizon) if screen else None)
    return state.advanced(updates)


class CommitPendingError(RunError):
    """The commit stopped after its commit point: its files must stay for recovery."""


def commit(files: list, state_path: Path | None, state: State | None,
           outbox: Any = None) -> None:
    from ocpispec.delivery import Failure

    try:
        journal.commit(files, state_path, state, pause=_test_pause(), outbox=outbox)
    except Failure as exc:  # no state kept: delivered files are published one by one
        raise RunError.of(exc.code, exc.message,
                          notes=("files renamed before the failure stay published",),
                          help=exc.help) from None
    except CommitPending as exc:
        cause = exc.__cause__
        reason = getattr(cause, "message", None) or getattr(cause, "strerror", None) \
            or cause.__class__.__name__
        diagnostic = RunError.of(
            "OCX553", f"the commit stopped half way: {reason}",
            notes=(f"the journal `{exc.journal}` holds what is left to do; the next run of "
                   "this export finishes it first, so nothing is delivered twice or lost",),
            help="fix the cause (space, permissions) and run again").diagnostic
        raise CommitPendingError(diagnostic) from None
    except OSError as exc:
        notes = ("nothing was published and the state did not change",) if state_path else (
            "files renamed before the failure stay published",)
        raise RunError.of("OCX554", f"cannot publish the outputs: {exc.strerror}", notes=notes,
                          help="check that the directories are writable and have space") \
            from None


def _test_pause():
    """`OCPISPEC_TEST_COMMIT_PAUSE=SECONDS` sleeps at each commit step (crash tests)."""
    seconds = float(os.environ.get("OCPISPEC_TEST_COMMIT_PAUSE") or 0)
    return (lambda step: time.sleep(seconds)) if seconds > 0 else (lambda step: None)
