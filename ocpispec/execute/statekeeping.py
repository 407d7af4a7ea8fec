"""What a run of a `since last run` export does with its state, around the fetch:
finish a crashed run's commit, check the watermarks and that the state can be
written, name plan changes, screen re-read records (lookback), and build the new
state that the commit journal publishes with the outputs.

The checks before the fetch are in `state_checks`, what changed since the last run and
the new state in `state_changes`, the disclosure log's entries in `run_log`, why a commit
failed in `commit_failures`; this module commits, and is where the run finds them all."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ocpispec import ledger
from ocpispec.execute.atomic import remove_stale_partials
from ocpispec.execute.client import RunError
from ocpispec.execute.commit_failures import (
    CommitPendingError,
    UnrecordedError,
    disk_full,
    file_reason,
    ledger_help,
    make_room,
    rename_help,
)
from ocpispec.execute.run_log import log, log_assessment, log_entry, log_failure
from ocpispec.execute.state_changes import (
    LAST_UPDATED,
    advanced,
    comparable,
    key_change_notes,
    lookback,
    lookback_notes,
    manifest_extra,
    other_modules,
    plan_changes,
    resumed_notes,
    screens,
)
from ocpispec.execute.state_checks import (
    CLOCK_SKEW,
    check_kind,
    check_watermarks,
    check_writable,
    load,
    recover,
)
from ocpispec.ledger import CommitPending, LedgerError, StateMoved, pending_files
from ocpispec.ledger.state import State

__all__ = ["CLOCK_SKEW", "COMMIT_WAIT", "LAST_UPDATED", "CommitPendingError", "UnrecordedError",
           "advanced", "check_kind", "check_watermarks", "check_writable", "commit",
           "commit_logged", "comparable", "key_change_notes", "load", "log", "log_assessment",
           "log_entry", "log_failure", "lookback", "lookback_notes", "manifest_extra",
           "other_modules", "plan_changes", "recover", "remove_leftovers", "resumed_notes",
           "screens"]


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


def commit(files: list, state_path: Path | None, state: State | None, export: str,
           entry: dict[str, Any] | None, outbox: Any = None) -> None:
    """Publish the files (and the `outbox`'s verified uploads) and, with a ledger, advance
    the state and log the run as one recoverable commit (`ledger.store`)."""
    if state_path is None:
        _publish_without_ledger(files, outbox)
        return
    try:
        ledger.commit(files, state_path, export, state, entry, pause=_test_pause(),
                      outbox=outbox)
    except CommitPending as exc:
        raise CommitPendingError(_stopped_half_way(exc).diagnostic) from None
    except StateMoved:
        raise _state_moved(export, state_path) from None
    except (OSError, LedgerError) as exc:  # storing the commit point in the ledger
        reason = exc.strerror if isinstance(exc, OSError) else exc
        raise RunError.of("OCX554", f"cannot publish the outputs: storing the commit in the "
                          f"ledger `{state_path}` failed ({reason})",
                          notes=("nothing was published and the state did not change: the "
                                 "next run delivers this window",),
                          help=ledger_help(state_path, exc)) from None


def _publish_without_ledger(files: list, outbox: Any) -> None:
    """No state kept: delivered files are published one by one."""
    from ocpispec.deliver import Failure

    try:
        _publish(files)
        if outbox is not None:
            outbox.publish()
    except Failure as exc:
        raise RunError.of(exc.code, exc.message,
                          notes=("files renamed before the failure stay published",),
                          help=exc.help) from None


def _stopped_half_way(exc: CommitPending) -> RunError:
    """OCX553 for a commit that stopped past its commit point: the next run finishes it."""
    from ocpispec.ledger.db import reason_of

    cause = exc.__cause__
    reason = getattr(cause, "message", None) or (
        file_reason(cause) if isinstance(cause, OSError) else reason_of(cause))
    return RunError.of(
        "OCX553", f"the commit stopped half way: {reason}",
        notes=(f"the ledger `{exc.journal}` holds what is left to do; the next run of "
               "this export finishes it first, so nothing is delivered twice or lost",),
        help=f"{make_room(exc.journal)}, then run again" if disk_full(cause)
        else f"{rename_help(cause) or 'fix the cause (space, permissions)'} and run "
             "again")


def _state_moved(export: str, state_path: Path) -> RunError:
    """OCX580 for another run of the export that committed while this one ran."""
    return RunError.of(
        "OCX580", f"another run of `{export}` committed while this one ran "
                  f"(the state in the ledger `{state_path}` moved since this run read it)",
        notes=("its lock did not keep the two runs apart: the ledger was "
               "reached under another name (a hard link), or over a network "
               "share whose locks do not reach the other machine",
               "nothing was published and the state did not change: the "
               "other run delivered this window"),
        help="give every run of the export the same ledger path, on a disk "
             "whose file locks hold, and run again")


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
        fix = rename_help(exc) or "check that the directories are writable and have space"
        raise RunError.of("OCX554", f"cannot publish the outputs: {file_reason(exc)}",
                          notes=("files renamed before the failure stay published",),
                          help=f"{fix} and run again") from None


def _test_pause():
    """`OCPISPEC_TEST_COMMIT_PAUSE=SECONDS` sleeps at each commit step (crash tests)."""
    seconds = float(os.environ.get("OCPISPEC_TEST_COMMIT_PAUSE") or 0)
    return (lambda step: time.sleep(seconds)) if seconds > 0 else (lambda step: None)
