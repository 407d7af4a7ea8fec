"""The executor: runs a plan against an OCPI platform and writes the outputs.

    execute(plan, key=..., connect=..., options=RunOptions(...)) -> RunResult

Everything that can fail without the network (state file, output targets, templates,
compiling the expressions with the run's key) is done before `connect()` is called.
Records stream from the fetch through the compiled transforms into the renderer one
at a time; outputs and manifests are written to temporary files and published with the
state advance as one recoverable commit (`journal`) only when every dataset succeeded.
A failure before the commit leaves no output under a final name and does not advance
the state; a crash during it is finished by the next run. A run that keeps state holds
the export's lock (`lock`); watermarks never move back or into the future; a sample
(`--limit`) never moves them.
"""

from __future__ import annotations

import contextlib
import gc
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ocpispec import plan as ir
from ocpispec.executor import plan_change
from ocpispec.executor.atomic import AtomicFile, remove_stale_partials
from ocpispec.executor.client import Client, RunError
from ocpispec.executor.datasets import DatasetResult, DatasetRun, Estimate
from ocpispec.executor.functions import custom_functions
from ocpispec.executor.jmes_compile import ExpressionError, compile_expression
from ocpispec.executor.outputs import OutputError, placeholders, resolve_targets
from ocpispec.executor.pipeline import Counts
from ocpispec.executor.journal import (
    CommitPending,
    JournalError,
    commit,
    journal_path,
    pending_files,
    recover,
)
from ocpispec.executor.lock import run_lock
from ocpispec.executor.lookback import Screen, seen_key
from ocpispec.executor.signals import deferred_signals
from ocpispec.executor.windows import ResolvedWindow, resolve_window
from ocpispec.state import DatasetState, State, StateError, default_state_path, load_state
from ocpispec.text import count
from ocpispec.timestamps import format_timestamp, read_timestamp

CLOCK_SKEW = timedelta(minutes=5)  # clocks of machines sharing a state file may differ

__all__ = ["Client", "Counts", "DatasetResult", "Estimate", "RunError", "RunOptions",
           "RunResult", "execute"]


@dataclass(frozen=True, slots=True)
class RunOptions:
    out: str | None = None
    limit: int | None = None
    dry_run: bool = False
    state_path: Path | None = None
    use_state: bool = True  # False: `since last run` starts at 2000-01-01, no state written
    spec_dir: Path = Path(".")
    spec_sha256: str | None = None
    now: datetime | None = None
    progress: Callable[[str, int], None] | None = None
    wait_lock: float = 0.0  # seconds to wait for another run of the export to finish
    restart: bool = False  # `since last run` windows start over at 2000-01-01
    lookback: timedelta | None = None  # re-read this much before the watermark


@dataclass(frozen=True, slots=True)
class RunResult:
    export: str
    fingerprint: str
    version: str
    datasets: tuple[DatasetResult, ...]
    duration: float
    requests: int | None
    dry_run: bool
    state_path: Path | None
    notes: tuple[str, ...] = ()
    stopped_by: str | None = None  # a stop signal that arrived during the commit


def execute(plan: ir.Plan, *, key: bytes, connect: Callable[[], Client],
            options: RunOptions = RunOptions()) -> RunResult:
    """Everything between the state lock and the commit. A run that writes state holds
    the export's lock throughout and first finishes a commit a crashed run left."""
    state_path = options.state_path or default_state_path(plan.export.name)
    locked = options.use_state and not options.dry_run
    with run_lock(state_path, options.wait_lock) if locked else contextlib.nullcontext():
        return _execute(plan, key, connect, options, state_path, locked)


def _execute(plan: ir.Plan, key: bytes, connect: Callable[[], Client], options: RunOptions,
             state_path: Path, locked: bool) -> RunResult:
    started = time.monotonic()
    wall = wall_clock().replace(microsecond=0)
    now = (options.now or wall).replace(microsecond=0)
    notes = _recover(state_path, plan.export.name) if locked else []
    state = _load(state_path, plan.export.name) if options.use_state else State(plan.export.name)
    incremental = [d for d in plan.datasets if d.step(ir.Fetch).window.incremental]
    advancing = locked and options.limit is None and bool(incremental)
    if options.use_state and incremental and options.limit is not None:
        notes.append("a sample (--limit): the `since last run` state was not advanced")
    if options.use_state:
        _check_watermarks(incremental, state, now, wall, options, advancing)
    if advancing:
        _check_writable(state_path)
    changes = _plan_changes(plan, incremental, state, options) if options.use_state else {}
    notes.extend(note for note, _ in changes.values())
    watermarks = {d.name: None if options.restart else state.watermark(d.name)
                  for d in plan.datasets}
    windows = {d.name: resolve_window(d.step(ir.Fetch).window, watermarks[d.name], now,
                                      options.lookback)
               for d in plan.datasets}
    targets = _targets(plan, options, windows, now)
    _remove_leftovers(targets.values(), state_path if locked else None)
    compile = _compiler(key, plan.export.name)
    runs = [DatasetRun(plan, dataset, windows[dataset.name], targets[dataset.name], compile,
                       options, now) for dataset in plan.datasets]
    for run in runs:
        run.prepare()
    screens = _screens(runs, state, key, options) if options.use_state else {}
    client = connect()
    if options.dry_run:
        results = tuple(run.estimate(client) for run in runs)
        return _result(plan, client, results, started, True, None, notes)
    try:
        with _few_collections():
            results = tuple(run.execute(client) for run in runs)
        for run in runs:
            run.manifest_extra = _manifest_extra(run, changes, screens, options)
        files = [file for run in runs for file in run.stage(client.version)]
        new_state = _advanced(plan, incremental, state, windows, wall, screens) \
            if advancing else None
        with deferred_signals() as deferred:
            _commit(files, state_path if locked else None, new_state)
    except BaseException as exc:
        if not isinstance(exc, CommitPending):
            for run in runs:
                run.discard()
        raise
    results = tuple(result.with_manifest(run.manifest()) for result, run in zip(results, runs))
    notes.extend(_lookback_notes(screens))
    return _result(plan, client, results, started, False,
                   state_path if new_state is not None else None, notes, deferred.stop_requested)


def wall_clock() -> datetime:
    """The real time (tests replace it to move the clock back)."""
    return datetime.now(UTC)


@contextlib.contextmanager
def _few_collections() -> Iterator[None]:
    """The record stream allocates millions of short-lived, acyclic dicts that reference
    counting frees; the cyclic collector scanning them every 700 allocations only costs
    time. It runs rarely during the stream and as usual afterwards."""
    before = gc.get_threshold()
    gc.set_threshold(20_000, before[1], before[2])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _load(path: Path, export: str):
    try:
        return load_state(path, export)
    except StateError as exc:
        raise RunError.of("OCX553", f"cannot use the state file `{path}`: {exc}",
                          help="give --state a file path; repair or delete a damaged file "
                               "(deleting it makes the next `since last run` window start "
                               "at 2000-01-01)") from None


def _targets(plan: ir.Plan, options: RunOptions, windows: dict[str, ResolvedWindow],
             now: datetime):
    values = {d.name: placeholders(plan.export.name, d.name, now, windows[d.name].date_from,
                                   windows[d.name].date_to) for d in plan.datasets}
    try:
        return resolve_targets(plan.datasets, options.out, values)
    except OutputError as exc:
        raise RunError.of("OCX556", str(exc),
                          help="give `--out` a directory, or fix the destination") from None


def _compiler(key: bytes, export: str) -> Callable[[str | dict], Any]:
    functions = custom_functions(key, export)
    cache: dict[str, Any] = {}

    def compile(text: str | dict) -> Any:
        if isinstance(text, dict):  # a tree the executor rewrote (see `jmes_fuse`)
            return compile_expression(text, functions)
        if text not in cache:
            try:
                cache[text] = compile_expression(text, functions)
            except ExpressionError as exc:
                raise RunError.of("OCX900", f"the plan holds an invalid expression: {exc}",
                                  help="this is a bug in ocpispec; please report it") from None
        return cache[text]

    return compile


def _recover(state_path: Path, export: str) -> list[str]:
    try:
        recovered = recover(state_path, export)
    except (JournalError, StateError, OSError) as exc:
        raise RunError.of("OCX553", f"cannot finish the commit an interrupted run left: {exc}",
                          notes=(f"the journal `{journal_path(state_path)}` lists the files "
                                 "that run was publishing and the state it was writing",),
                          help="make the state's directory and the outputs' directories "
                               "writable and run again; do not delete the journal (that "
                               "run's window would be delivered twice)") from None
    return [recovered.note()] if recovered else []


def _check_watermarks(incremental: list[ir.Dataset], state: State, now: datetime,
                      wall: datetime, options: RunOptions, advancing: bool) -> None:
    export = state.export
    """A watermark never moves back (the next run would deliver again what was
    delivered) and never lies in the future (records updated until then would be lost)."""
    for dataset in incremental:
        stored = state.watermark(dataset.name)
        if stored is None:
            continue
        mark = read_timestamp(stored)
        if mark > wall + CLOCK_SKEW:
            raise RunError.of("OCX572", f"the state's watermark of `{dataset.name}` ({stored}) "
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
            raise RunError.of("OCX571", f"{given} ({format_timestamp(now)}) is earlier than "
                              f"the state's watermark of `{dataset.name}` ({stored})",
                              notes=("the window would move back and the next run would "
                                     "deliver records again",),
                              help="a backfill is explicit: `ocpispec state set-watermark "
                                   f"{export} TIMESTAMP --yes`, or run with another --state")
    if advancing and options.now is not None and now > wall + CLOCK_SKEW:
        raise RunError.of("OCX572", f"--as-of ({format_timestamp(now)}) lies in the future "
                          f"(the clock says {format_timestamp(wall)})",
                          notes=("the watermark would move past records not yet written",),
                          help="give a moment that has passed, or leave --as-of out")


def _check_writable(state_path: Path) -> None:
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


def _plan_changes(plan: ir.Plan, incremental: list[ir.Dataset], state: State,
                  options: RunOptions) -> dict[str, tuple[str, list[str]]]:
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


def _screens(runs: list[DatasetRun], state: State, key: bytes,
             options: RunOptions) -> dict[str, Screen]:
    if not options.lookback:
        return {}
    screens = {}
    for run in runs:
        if not run.step.window.incremental:
            continue
        stored = state.datasets.get(run.dataset.name)
        before = stored.seen if stored is not None and not options.restart else ()
        horizon = read_timestamp(run.window.date_to) - options.lookback
        run.screen = screens[run.dataset.name] = Screen(seen_key(key, run.plan.export.name),
                                                         before, horizon)
    return screens


def _manifest_extra(run: DatasetRun, changes: dict[str, tuple[str, list[str]]],
                    screens: dict[str, Screen], options: RunOptions) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if run.dataset.name in changes:
        extra["plan_change"] = {"changes": changes[run.dataset.name][1],
                                "restarted": options.restart}
    screen = screens.get(run.dataset.name)
    if screen is not None and options.lookback:
        extra["lookback"] = {"seconds": int(options.lookback.total_seconds()),
                             "resumed_at": run.window.watermark,
                             "already_delivered": screen.skipped}
    return extra


def _lookback_notes(screens: dict[str, Screen]) -> list[str]:
    return [f"lookback: `{name}` skipped {count(screen.skipped, 'record', grouped=True)} "
            "read again that were delivered before"
            for name, screen in screens.items() if screen.skipped]


def _remove_leftovers(targets, state_path: Path | None) -> None:
    """Temporary files of killed runs (their process is gone) beside this run's files."""
    keep = pending_files(state_path) if state_path is not None else frozenset()
    directories = {t.path.parent for t in targets if t.path is not None}
    if state_path is not None:
        directories.add(state_path.parent)
    for directory in directories:
        remove_stale_partials(directory, keep)


def _advanced(plan: ir.Plan, incremental: list[ir.Dataset], state: State,
              windows: dict[str, ResolvedWindow], wall: datetime,
              screens: dict[str, Screen]) -> State:
    committed = format_timestamp(wall)
    updates = {}
    for dataset in incremental:
        screen = screens.get(dataset.name)
        updates[dataset.name] = DatasetState(
            windows[dataset.name].date_to or committed, plan.fingerprint, committed,
            plan_change.summarize(dataset), tuple(sorted(screen.seen)) if screen else ())
    return state.advanced(updates)


def _commit(files: list, state_path: Path | None, state: State | None) -> None:
    try:
        commit(files, state_path, state, pause=_test_pause())
    except CommitPending as exc:
        cause = exc.__cause__
        reason = getattr(cause, "strerror", None) or cause.__class__.__name__
        raise RunError.of("OCX553", f"the commit stopped half way: {reason}",
                          notes=(f"the journal `{exc.journal}` holds what is left to do; "
                                 "the next run of this export finishes it first, so nothing "
                                 "is delivered twice or lost",),
                          help="fix the cause (space, permissions) and run again") from None
    except OSError as exc:
        raise RunError.of("OCX554", f"cannot publish the outputs: {exc.strerror}",
                          notes=("nothing was published and the state did not change",),
                          help="check that the directories are writable and have space") \
            from None


def _test_pause():
    """`OCPISPEC_TEST_COMMIT_PAUSE=SECONDS` sleeps at each commit step (crash tests)."""
    seconds = float(os.environ.get("OCPISPEC_TEST_COMMIT_PAUSE") or 0)
    return (lambda step: time.sleep(seconds)) if seconds > 0 else (lambda step: None)


def _result(plan: ir.Plan, client: Client, results: tuple[DatasetResult, ...], started: float,
            dry_run: bool, state_path: Path | None, notes: list[str],
            stopped_by: str | None = None) -> RunResult:
    stats = getattr(client, "stats", None)
    requests = getattr(stats, "requests", None)
    return RunResult(plan.export.name, plan.fingerprint, client.version, results,
                     time.monotonic() - started, requests, dry_run, state_path, tuple(notes),
                     stopped_by)
