"""Why an output could not be written, as a run error that says where and what to do:
a full disk, a folder emptied meanwhile, a reader that stopped reading stdout."""

from __future__ import annotations

import errno
from pathlib import Path

from ocpispec.execute.client import RunError
from ocpispec.execute.outputs import Target

# a full disk, a quota, a file-size limit: the directory is there and writable
_NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def removed_meanwhile(target: Target, temp: Path) -> RunError:
    """The output's temporary file is gone (or another file took its name) by the time
    it was finished: its folder was removed or emptied meanwhile, or a cleanup job took
    the hidden file. The run wrote into a file no name reaches; it ended as an internal
    error where the disclosure log read it back."""
    where = f"the local copy of `{target.display}`" if target.remote is not None \
        else f"`{target.display}`"
    return RunError.of(
        "OCX554", f"cannot write {where}: its temporary file `{temp.name}` in "
                  f"`{temp.parent}` was removed while the run wrote it",
        notes=("nothing was published and the state did not move: the next run delivers "
               "this window",),
        help=f"keep cleanup jobs and other programs away from the hidden `.*.partial` files "
             f"in `{temp.parent}` while a run writes there (they are its outputs until "
             "the commit), and run again")


def output_failed(target: Target, exc: OSError) -> RunError:
    reason = exc.strerror or str(exc)
    if isinstance(exc, (FileExistsError, NotADirectoryError)):
        reason = "a part of its directory path is a file, not a directory"
    if target.path is None and target.remote is None:  # stdout: a pipe, a redirection
        return RunError.of("OCX554", f"cannot write `stdout`: {reason}",
                           notes=("what its reader got is no delivery: the state did not "
                                  "move, so the next run delivers this window again",),
                           help="check the command that reads the standard output (it "
                                "stopped reading) or the disk it writes to, or write to a "
                                "file with `--out`")
    if target.remote is not None and target.path is not None:  # the local spool
        from ocpispec.execute.scratch_space import spool_failed

        return spool_failed(target.display, str(target.path.parent.parent), reason)
    if exc.errno in _NO_ROOM:
        return RunError.of("OCX554", f"cannot write `{target.display}`: {reason}",
                           notes=("nothing was published and the state did not move: the "
                                  "next run delivers this window",),
                           help=f"free space on the disk that holds `{target.path.parent}` "
                                "(the run needs room for the whole file beside the one it "
                                "replaces) or raise the quota or file-size limit, or choose "
                                "another place with `--out`, and run again")
    if (help_ := _failed_disk(exc.errno, target.path.parent if target.path else None)) is not None:
        return RunError.of("OCX554", f"cannot write `{target.display}`: {reason}",
                           notes=("nothing was published and the state did not move: the "
                                  "next run delivers this window",), help=help_)
    return RunError.of("OCX554", f"cannot write `{target.display}`: {reason}",
                       help="check that the directory exists and is writable, or choose "
                            "another place with `--out`")


def _failed_disk(number: int | None, folder: Path | None) -> str | None:
    """What to do where the disk, not the directory's rights, failed (None otherwise)."""
    where = f"`{folder}`" if folder is not None else "the output's folder"
    match number:
        case errno.EIO:
            return (f"the disk or network share that holds {where} failed to write (an I/O "
                    "error): check it (the system log, the share's connection) and run "
                    "again, or choose another place with `--out` if it persists")
        case errno.EROFS:
            return (f"{where} is on a read-only file system: mount it writable, or choose "
                    "another place with `--out`, and run again")
    return None
