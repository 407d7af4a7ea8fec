"""What a run checks of its ledger before it fetches: that it is a usable file, that a
commit an interrupted run left is finished, that the watermarks neither move back nor
lie in the future, and that the state can be written."""

from __future__ import annotations

import os
import stat
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ocpispec import ledger
from ocpispec.execute.client import RunError
from ocpispec.execute.commit_failures import disk_full, file_reason, make_room, rename_help
from ocpispec.ledger import LedgerError
from ocpispec.ledger.state import State, StateError
from ocpispec.plan import ir
from ocpispec.timestamps import format_timestamp, read_timestamp

CLOCK_SKEW = timedelta(minutes=5)  # clocks of machines sharing a state file may differ


def load(path: Path, export: str):
    try:
        return ledger.load_state(path, export)
    except (StateError, LedgerError, OSError) as exc:
        raise unusable(path, exc) from None


def unusable(path: Path, exc: Exception) -> RunError:
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
            raise unusable(state_path, exc) from None
        reason = file_reason(exc) if isinstance(exc, OSError) else exc
        fix = make_room(state_path) if disk_full(exc) else rename_help(exc) or \
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
    """A watermark never moves back (the next run would deliver again what was
    delivered) and never lies in the future (records updated until then would be lost)."""
    export = state.export
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
        if getattr(exc, "damaged", False):
            from ocpispec.execute.commit_failures import LedgerDamagedError

            raise LedgerDamagedError(unusable(state_path, exc).diagnostic) from None
        reason = exc.strerror if isinstance(exc, OSError) else exc
        raise RunError.of("OCX553", f"the ledger `{state_path}` cannot be written: "
                          f"{reason}",
                          notes=("checked before fetching: outputs published without the "
                                 "state would be delivered again",),
                          help=f"{make_room(state_path)}, or give --state another path"
                          if disk_full(exc) else "fix the permissions or free space, or give "
                          "--state another path") from None
