"""Why a commit or the ledger failed, and what to do: the reason of a failed file
operation (a rename names both files), the help for a rename into place, a full disk
and the ledger; and the two errors a run stops with after its outputs are published or
its commit point is passed."""

from __future__ import annotations

import os
from pathlib import Path

from ocpispec.execute.client import RunError


class CommitPendingError(RunError):
    """The commit stopped after its commit point: its files must stay for recovery."""


class LedgerGoneError(RunError):
    """The ledger is not where the run read it (`lock.check_still_held`): a failed run
    logged at its path would make a ledger there that the next run must not read."""


class LedgerDamagedError(RunError):
    """The ledger's pages are damaged (`ledger.check_pages`): a failed run is not logged
    into it, since writing to a damaged SQLite file can spread the damage."""


class UnrecordedError(RunError):
    """The outputs are published; only recording the run failed (the run record file,
    or the log of an export without state): it is no failed run to log."""


def file_reason(exc: OSError) -> str:
    """What failed, with the files it failed on (a rename names both)."""
    reason = exc.strerror or exc.__class__.__name__
    if exc.filename2 is not None:
        return f"renaming `{exc.filename}` to `{exc.filename2}` failed ({reason})"
    return f"`{exc.filename}`: {reason}" if exc.filename is not None else reason


def rename_help(exc: BaseException | None) -> str | None:
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


def ledger_help(state_path: Path, exc: BaseException | None) -> str:
    if disk_full(exc):
        return f"{make_room(state_path)}, then run again"
    return (f"check the ledger and its folder `{state_path.parent}` (permissions, another "
            "process holding the ledger), then run again")


def make_room(state_path: Path) -> str:
    return (f"free space on the disk that holds `{state_path.parent}` (or raise the quota "
            "or the file-size limit)")


def disk_full(exc: BaseException | None) -> bool:
    """A full disk, a quota or a file-size limit: SQLite says "database or disk is full",
    or "disk I/O error" for a file-size limit (EFBIG)."""
    import errno

    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
    return exc is not None and ("disk is full" in str(exc) or "disk I/O error" in str(exc))
