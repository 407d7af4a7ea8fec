"""One run of an export at a time: an OS file lock beside the ledger.

`run_lock(ledger, export, wait)` holds `fcntl.flock` on `<ledger>.<export>.lock` for
the whole run (reading the state, fetching, committing). A second run of the same export (an
overlapping cron job) waits up to `wait` seconds and then fails with OCX580; it never
commits over the first. `seen` (read before the lock is tried, and again once it is taken
after waiting) tells the run whether the one it waited for committed meanwhile
(`LockWait.committed_meanwhile`). The operating system releases the lock when the holder
exits, however it exits (kill -9 included), so a crash never leaves a stale lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from ocpispec.frozen import frozen

from ocpispec.execute.atomic import file_mode
from ocpispec.execute.client import RunError

_POLL = 0.05

# descriptors of the locks this process holds: a forked worker process closes its
# copies (`close_inherited`), so that a worker outliving a killed run (however briefly)
# never keeps the next run out
_HELD: set[int] = set()
# the lock each held descriptor was taken on, by (ledger as given, export)
_TAKEN: dict[tuple[str, str], tuple[int, Path]] = {}


def lock_path(ledger: Path, export: str) -> Path:
    """One lock per export: runs of other exports sharing the ledger do not wait. Beside
    the ledger's real file: a run given a symbolic link to it takes the same lock."""
    real = ledger.resolve()
    return real.with_name(f"{real.name}.{export}.lock")


@frozen
class LockWait:
    """How the run came by its lock: at once, or after another run of the export held
    it; `committed_meanwhile`: that run committed while this one waited (the state it
    will read is the one that run left)."""

    waited: bool = False
    committed_meanwhile: bool = False


@contextlib.contextmanager
def run_lock(ledger: Path, export: str, wait: float = 0.0,
             seen: Callable[[], object] | None = None) -> Iterator[LockWait]:
    path = lock_path(ledger, export)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, file_mode())
    except OSError as exc:
        raise RunError.of("OCX553", f"cannot create the lock file `{path}` beside the ledger: "
                          f"{exc.strerror}",
                          help="the ledger's directory must be writable; fix its permissions "
                               "or give --state another path") from None
    try:
        before = _acquire(fd, path, wait, seen)
        _HELD.add(fd)
        _TAKEN[str(ledger), export] = fd, path
        if before is _AT_ONCE:
            yield LockWait()
        else:
            after = seen() if seen is not None else None
            yield LockWait(True, after is not None and after != before)
    finally:
        _HELD.discard(fd)
        if _TAKEN.get((str(ledger), export), (None,))[0] == fd:
            del _TAKEN[str(ledger), export]
        os.close(fd)  # closing releases the lock


def check_still_held(ledger: Path, export: str) -> None:
    """OCX526 where the lock this run holds is no longer the file beside the ledger: the
    ledger's folder changed while the run fetched (a share or volume mounted there came
    off, or another was mounted over it; the folder or the lock moved or removed). A
    commit would make a ledger the next run does not read, or run beside another run
    of the export, which takes the new lock file."""
    taken = _TAKEN.get((str(ledger), export))
    if taken is None:
        return
    fd, path = taken
    held = os.fstat(fd)
    try:
        found = os.stat(path)
    except OSError:
        found = None
    if found is not None and (found.st_dev, found.st_ino) == (held.st_dev, held.st_ino):
        return
    what = "gone from its folder" if found is None else "another file"
    from ocpispec.execute.commit_failures import LedgerGoneError

    raise LedgerGoneError(RunError.of(
        "OCX526", f"cannot commit: the lock `{path}` this run holds beside the ledger is "
        f"{what} now",
        notes=("the ledger's folder changed while the run fetched: a share or volume "
               "mounted there came off (or another was mounted over it), or the folder or "
               "its lock file was moved or removed; a commit would start a ledger the next "
               "run does not read, or run beside another run of the export",
               "nothing was published and the state did not change: the next run "
               "delivers this window"),
        help=f"mount the ledger's folder again (`findmnt {path.parent}` shows what is "
             "mounted there) and leave its lock files alone, then run again").diagnostic)


def close_inherited() -> None:
    """In a forked child: drop its copies of the parent's lock descriptors (the lock
    stays the parent's; it is released when the parent's own descriptor closes)."""
    for fd in tuple(_HELD):
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()


_AT_ONCE = object()


def _acquire(fd: int, path: Path, wait: float, seen: Callable[[], object] | None) -> object:
    """Take the lock; `_AT_ONCE`, or what `seen()` said before it was found held (read
    before the first try: read after it, a commit made in between went unseen)."""
    deadline = time.monotonic() + wait
    before = seen() if seen is not None and wait > 0 else None
    first = True
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return _AT_ONCE if first else before
        except BlockingIOError:
            first = False
            if time.monotonic() >= deadline:
                break
            time.sleep(_POLL)
    waited = f" after waiting {wait:g} s" if wait else ""
    raise RunError.of("OCX580", f"another run of this export is in progress (it holds "
                      f"`{path}`){waited}",
                      notes=("two runs of one export must not both commit: the second "
                             "would deliver the same window again",),
                      help="let the other run finish, or wait for it with --wait-lock "
                           "SECONDS; a killed run releases the lock by itself")
