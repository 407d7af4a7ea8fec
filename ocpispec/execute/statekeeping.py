"""What a run of a `since last run` export does with its state, around the fetch:
finish a crashed run's commit, check the watermarks and that the state can be
written, name plan changes, screen re-read records (lookback), and build the new
state that the commit journal publishes with the outputs."""

from __future__ import annotations

import contextlib
import os
import stat
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ocpispec.plan import ir
from ocpispec.execute import plan_change
from ocpispec.execute.atomic import remove_stale_partials
from ocpispec.execute.client import RunError
from ocpispec.execute.datasets import DatasetRun
from ocpispec import ledger
from ocpispec.ledger import CommitPending, LedgerError, StateMoved, pending_files
from ocpispec.execute.lookback import Digests, Screen, lookback_key, stored_digests
from ocpispec.execute.windows import ResolvedWindow
from ocpispec.ledger.state import DatasetState, Listed, State, StateError
from ocpispec.text import count
from ocpispec.timestamps import format_timestamp, read_timestamp

CLOCK_SKEW = timedelta(minutes=5)  # clocks of machines sharing a state file may differ


def load(path: Path, export: str):
    try:
        return ledger.load_state(path, export)
    except (StateError, LedgerError, OSError) as exc:
        raise _unusable(path, exc) from None


def _unusable(path: Path, exc: Exception) -> RunError:
    from ocpispec.ledger.state import UPGRADE_HELP

    reason = exc.strerror if isinstance(exc, OSError) else exc
    return RunError.of("OCX553", f"cannot use the ledger `{path}`: {reason}",
                       help=UPGRADE_HELP if getattr(exc, "newer", False) else
                       "give --state another ledger path; repair a damaged one or "
                       "move it aside (without it the next `since last run` window "
                       "starts at 1970-01-01)")


def _left_a_commit(path: Path, export: str) -> bool:
    """Whether the ledger holds a commit a run of `export` left (False when the ledger
    itself cannot be read: then no commit is known to be waiting)."""
    try:
        return ledger.has_pending(path, export)
    except (LedgerError, OSError):
        return False


def check_kind(state_path: Path) -> None:
    """OCX553 when the ledger's path exists and is not a regular file: SQLite would
    write its journal and the run lock beside a device (`--state /dev/null`) or fail
    on a directory with a misleading reason."""
    try:
        mode = os.stat(state_path).st_mode  # a link to the ledger's file is fine
    except OSError:  # missing: created by the first commit
        return
    if not stat.S_ISREG(mode):
        kind = "a directory" if stat.S_ISDIR(mode) else "a device or other special file"
        raise RunError.of("OCX553", f"cannot use the ledger `{state_path}`: it is {kind}, "
                                    "not a regular file",
                          help="give --state the path of a file (it is created when "
                               "missing), or leave --state out for the default ledger")


def recover(state_path: Path, export: str, destinations: Any = None) -> list[str]:
    try:
        from ocpispec.deliver import finish_rename

        migrate_notes = _migrated(state_path, export)
        recovered = ledger.recover(state_path, export,
                                   lambda url, temp: finish_rename(url, temp, destinations))
    except (LedgerError, StateError, OSError) as exc:
        if not _left_a_commit(state_path, export):  # the ledger itself: damaged, unreadable
            raise _unusable(state_path, exc) from None
        reason = _file_reason(exc) if isinstance(exc, OSError) else exc
        fix = _make_room(state_path) if _full(exc) else _rename_help(exc) or \
            "make the ledger's directory and the outputs' directories writable"
        raise RunError.of("OCX553", f"cannot finish the commit an interrupted run left: "
                          f"{reason}",
                          notes=(f"the ledger `{state_path}` lists the files that run was "
                                 "publishing and the state it was writing",),
                          help=f"{fix} and run again; do not delete the ledger (that run's "
                               "window would be delivered twice)") from None
    return migrate_notes + ([recovered.note()] if recovered else [])


def _migrated(path: Path, export: str) -> list[str]:
    legacy = ledger.legacy_state_path(path, export)
    before = ledger.is_json_state(path) or legacy.exists()
    ledger.migrate(path, export)
    return [f"moved the JSON state of `{export}` into the ledger `{path}`"] if before else []


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
            if options.now is None:
                raise _clock_behind(dataset.name, stored, now)
            raise RunError.of("OCX581", f"--as-of ({format_timestamp(now)}) is earlier than "
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


def _clock_behind(dataset: str, stored: str, now: datetime) -> RunError:
    """OCX581 for a clock that moved back by less than the skew tolerated (NTP stepped it,
    another machine sharing the ledger runs late): the watermark is right, the clock is
    not there yet. Moving the watermark back, the help for an `--as-of`, would deliver
    the records in between again."""
    return RunError.of("OCX581", f"the clock ({format_timestamp(now)}) is earlier than the "
                       f"state's watermark of `{dataset}` ({stored}), where the last run "
                       "ended",
                       notes=("the clock moved back since the last run (or the machine that "
                              "ran it is ahead): a window cannot end before the last one did",
                              "the watermark is right: moving it back would deliver the "
                              "records after it again"),
                       help=f"run again once the clock has passed {stored}, and check the "
                            "clock (NTP) of each machine that runs this export")


def check_writable(state_path: Path) -> None:
    """Fail before fetching, not after publishing, when the state cannot be written."""
    try:
        ledger.check_writable(state_path)
    except (OSError, LedgerError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else exc
        raise RunError.of("OCX553", f"the ledger `{state_path}` cannot be written: "
                          f"{reason}",
                          notes=("checked before fetching: outputs published without the "
                                 "state would be delivered again",),
                          help=f"{_make_room(state_path)}, or give --state another path"
                          if _full(exc) else "fix the permissions or free space, or give "
                          "--state another path") from None


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


def remove_leftovers(targets, state_path: Path | None) -> None:
    """Temporary files of killed runs (their process is gone) beside this run's files:
    those of runs of this ledger (`state_path`, None: of runs without one) that no
    pending commit of it needs. Another ledger's may be its pending commit's."""
    keep = pending_files(state_path) if state_path is not None else frozenset()
    directories = {t.path.parent for t in targets if t.path is not None}
    if state_path is not None:
        directories.add(state_path.parent)
    for directory in directories:
        remove_stale_partials(directory, keep, state_path)


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


class CommitPendingError(RunError):
    """The commit stopped after its commit point: its files must stay for recovery."""


class UnrecordedError(RunError):
    """The outputs are published; only recording the run failed (the run record file,
    or the log of an export without state): it is no failed run to log."""


def commit(files: list, state_path: Path | None, state: State | None, export: str,
           entry: dict[str, Any] | None, outbox: Any = None) -> None:
    """Publish the files (and the `outbox`'s verified uploads) and, with a ledger, advance
    the state and log the run as one recoverable commit (`ledger.store`)."""
    from ocpispec.deliver import Failure

    if state_path is None:
        try:
            _publish(files)
            if outbox is not None:
                outbox.publish()
        except Failure as exc:  # no state kept: delivered files are published one by one
            raise RunError.of(exc.code, exc.message,
                              notes=("files renamed before the failure stay published",),
                              help=exc.help) from None
        return
    try:
        ledger.commit(files, state_path, export, state, entry, pause=_test_pause(),
                      outbox=outbox)
    except CommitPending as exc:
        from ocpispec.ledger.db import reason_of

        cause = exc.__cause__
        reason = getattr(cause, "message", None) or (
            _file_reason(cause) if isinstance(cause, OSError) else reason_of(cause))
        diagnostic = RunError.of(
            "OCX553", f"the commit stopped half way: {reason}",
            notes=(f"the ledger `{exc.journal}` holds what is left to do; the next run of "
                   "this export finishes it first, so nothing is delivered twice or lost",),
            help=f"{_make_room(exc.journal)}, then run again" if _full(cause)
            else f"{_rename_help(cause) or 'fix the cause (space, permissions)'} and run "
                 "again").diagnostic
        raise CommitPendingError(diagnostic) from None
    except StateMoved:
        raise RunError.of("OCX580", f"another run of `{export}` committed while this one ran "
                          f"(the state in the ledger `{state_path}` moved since this run read it)",
                          notes=("its lock did not keep the two runs apart: the ledger was "
                                 "reached under another name (a hard link), or over a network "
                                 "share whose locks do not reach the other machine",
                                 "nothing was published and the state did not change: the "
                                 "other run delivered this window"),
                          help="give every run of the export the same ledger path, on a disk "
                               "whose file locks hold, and run again") from None
    except (OSError, LedgerError) as exc:  # storing the commit point in the ledger
        reason = exc.strerror if isinstance(exc, OSError) else exc
        raise RunError.of("OCX554", f"cannot publish the outputs: storing the commit in the "
                          f"ledger `{state_path}` failed ({reason})",
                          notes=("nothing was published and the state did not change: the "
                                 "next run delivers this window",),
                          help=_ledger_help(state_path, exc)) from None


def _file_reason(exc: OSError) -> str:
    """What failed, with the files it failed on (a rename names both)."""
    reason = exc.strerror or exc.__class__.__name__
    if exc.filename2 is not None:
        return f"renaming `{exc.filename}` to `{exc.filename2}` failed ({reason})"
    return f"`{exc.filename}`: {reason}" if exc.filename is not None else reason


def _rename_help(exc: BaseException | None) -> str | None:
    """What to do about a rename into place that failed (None: no rename of a file)."""
    import errno

    if not isinstance(exc, OSError) or exc.filename2 is None:
        return None
    final = Path(os.fsdecode(exc.filename2))
    match exc.errno:
        case errno.EPERM | errno.EACCES:
            return (f"let this user replace `{final.name}` in the folder `{final.parent}` "
                    "(its permissions, a read-only or immutable file: `lsattr`, "
                    "`chattr -i`)")
        case errno.EXDEV:
            return (f"`{final}` lies on another file system than its folder "
                    f"`{final.parent}` (something mounted there): mount the whole folder, "
                    "or write elsewhere")
        case errno.EBUSY:
            return (f"`{final}` is in use or a mount point: unmount it (mount its folder "
                    f"`{final.parent}` instead)")
    return f"fix what keeps `{final}` from being replaced in the folder `{final.parent}`"


def _ledger_help(state_path: Path, exc: BaseException | None) -> str:
    if _full(exc):
        return f"{_make_room(state_path)}, then run again"
    return (f"check the ledger and its folder `{state_path.parent}` (permissions, another "
            "process holding the ledger), then run again")


def _make_room(state_path: Path) -> str:
    return (f"free space on the disk that holds `{state_path.parent}` (or raise the quota "
            "or the file-size limit)")


def _full(exc: BaseException | None) -> bool:
    """A full disk, a quota or a file-size limit: SQLite says "database or disk is full",
    or "disk I/O error" for a file-size limit (EFBIG)."""
    import errno

    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
    return exc is not None and ("disk is full" in str(exc) or "disk I/O error" in str(exc))


# how long an export without state waits for another run's commit of it to end
COMMIT_WAIT = 120.0


def commit_logged(files: list, state_path: Path, export: str, entry: dict[str, Any],
                  outbox: Any = None, destinations: Any = None,
                  held: Callable[[], Any] = contextlib.nullcontext) -> list[str]:
    """An export without state (`last 30 days`, `between`, no window): its files and its
    disclosure-log entry commit as one, recoverably. They were published, then logged in
    a step of its own, so a run killed between left deliveries the log never knew. Such
    runs hold the export's lock for their commit only (they may fetch side by side); a
    commit a killed one left is finished first. The notes say what recovery did."""
    from ocpispec.execute.lock import run_lock

    with run_lock(state_path, export, COMMIT_WAIT):
        notes = recover(state_path, export, destinations)
        with held():  # the destinations' folders, after the export's lock
            commit(files, state_path, None, export, entry, outbox)
    return notes


def _publish(files: list) -> None:
    try:
        for file in files:
            file.publish()
    except OSError as exc:
        fix = _rename_help(exc) or "check that the directories are writable and have space"
        raise RunError.of("OCX554", f"cannot publish the outputs: {_file_reason(exc)}",
                          notes=("files renamed before the failure stay published",),
                          help=f"{fix} and run again") from None


def _test_pause():
    """`OCPISPEC_TEST_COMMIT_PAUSE=SECONDS` sleeps at each commit step (crash tests)."""
    seconds = float(os.environ.get("OCPISPEC_TEST_COMMIT_PAUSE") or 0)
    return (lambda step: time.sleep(seconds)) if seconds > 0 else (lambda step: None)


# ---- the disclosure log ---------------------------------------------------------------------


def log_entry(plan: ir.Plan, options: Any, result: Any, staged: list,
              targets: Any = ()) -> dict[str, Any]:
    """The run's disclosure-log entry; files spooled for a remote target (`targets`)
    are logged under their remote destination, not the local spool."""
    from ocpispec.formats.remote import redact

    remotes = {target.path.parent: redact(target.remote.at(target.remote.directory).url)
               for target in targets if target.remote is not None and target.path is not None}
    outcome = "sample" if options.limit is not None else "committed"
    entry = ledger.new_entry(plan, spec_sha256=options.spec_sha256, run_at=result.run_at,
                             outcome=outcome, limit=options.limit,
                             source="demo" if options.demo else None,
                             privacy_fingerprint=options.privacy_fingerprint
                             or plan.privacy_fingerprint or None,
                             approval=_approval_text(options.approval))
    return ledger.with_result(entry, plan, result, staged, remotes)


def log(path: Path, entry: dict[str, Any], *, published: bool) -> None:
    """Log a run outside the commit (an export without state)."""
    try:
        ledger.record(path, entry)
    except (OSError, LedgerError) as exc:
        if not published:
            return
        reason = exc.strerror if isinstance(exc, OSError) else exc
        raise UnrecordedError.of(
            "OCX553", f"the outputs were published but the run could not be logged in the "
                      f"ledger `{path}`: {reason}",
            help="fix the cause (the ledger's directory, space, a lock held elsewhere)") \
            from None


def log_assessment(path: Path, entry: dict[str, Any]) -> str | None:
    """Log a `run --assess` (nothing was published): None once logged, else why not."""
    try:
        ledger.record(path, entry | {"outcome": "assessed"})
    except (OSError, LedgerError) as exc:
        return str(exc.strerror if isinstance(exc, OSError) else exc)
    return None


def log_failure(plan: ir.Plan, options: Any, path: Path, exc: BaseException) -> None:
    """Log a run that failed or was interrupted, best effort: the failure itself is
    what the user must see. A commit stopped half way is logged by the run that
    finishes it; a committed run whose record file failed, by its commit."""
    if isinstance(exc, CommitPendingError | UnrecordedError):  # logged by its commit
        return
    diagnostic = getattr(exc, "diagnostic", None)
    if diagnostic is not None:
        outcome, code = "failed", diagnostic.code
    elif isinstance(exc, Exception):
        outcome, code = "failed", "internal"
    else:
        outcome, code = "interrupted", exc.__class__.__name__
    now = options.now.strftime("%Y-%m-%dT%H:%M:%SZ") if options.now else None
    entry = ledger.new_entry(plan, spec_sha256=options.spec_sha256, run_at=now,
                             outcome=outcome, code=code, limit=options.limit,
                             source="demo" if options.demo else None,
                             privacy_fingerprint=options.privacy_fingerprint
                             or plan.privacy_fingerprint or None,
                             approval=_approval_text(options.approval))
    log(path, entry, published=False)


def _approval_text(approval: dict | str | None) -> str | None:
    """The approval a run went on with, as the log keeps it: who, when, which record."""
    if approval is None or isinstance(approval, str):
        return approval
    return (f"{approval.get('approved_by')} at {approval.get('approved_at')} "
            f"({approval.get('record')})")
