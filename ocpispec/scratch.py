"""A run's private scratch folders, and the sweep of those a killed run left behind.

Spills live in the temporary directory, in folders named `ocpispec-<kind>-<pid>-<random>`
(mode 0700): the risk meter's records (`risk`), the rows a k rule holds back, suppressed
ones included (`k`), a sort's runs of rows (`order`), a large lookup table (`lookup`),
the partial states of an aggregate's groups, small ones included (`groups`), and the
sheets of an XLSX output before they are zipped into it (`sheets`).
Each is removed when its work ends. A run killed with `kill -9`, by the OOM killer or by
a power cut cannot remove them, so every run first sweeps the ones whose owner is gone.

    with ScratchFolder("order") as folder:     # folder.path; removed on leaving
        ...
    remove_stale_scratch()                      # at the start of a run

Whose owner is gone: the folder holds `.owner`, locked (`flock`) by the process that made
it for as long as the folder lives (forked workers share that lock). A folder is stale
when nobody holds that lock *and* the process named in it is gone; the name alone could
mislead where /tmp is shared across pid namespaces, the lock alone in the instant between
making the folder and locking it. Only the user's own folders are swept, never through a
symbolic link.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import stat
import tempfile
from pathlib import Path
from types import TracebackType

KINDS = ("risk", "k", "lookup", "order", "groups", "sheets")
_OWNER = ".owner"


class ScratchFolder:
    """A private folder (0700) of one kind, locked by this process until `remove`."""

    def __init__(self, kind: str) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown scratch kind {kind!r}")
        self.path = Path(tempfile.mkdtemp(prefix=f"ocpispec-{kind}-{os.getpid()}-"))
        self._lock: int | None = os.open(self.path / _OWNER,
                                         os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        fcntl.flock(self._lock, fcntl.LOCK_EX)

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def __enter__(self) -> ScratchFolder:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.remove()


def remove_stale_scratch(root: Path | None = None,
                         kinds: tuple[str, ...] = KINDS) -> list[Path]:
    """Remove the folders of these kinds that runs now gone left; the folders removed.
    (The delivery outbox, `ocpispec-outbox-<pid>-...`, is swept by kind `outbox`.)"""
    root = Path(tempfile.gettempdir()) if root is None else root
    removed = []
    try:
        names = [entry.name for entry in os.scandir(root) if entry.name.startswith("ocpispec-")]
    except OSError:
        return removed
    for name in sorted(names):
        kind, _, rest = name.removeprefix("ocpispec-").partition("-")
        pid = rest.split("-", 1)[0]
        folder = root / name
        if kind in kinds and pid.isdigit() and "-" in rest and _ours(folder) \
                and not process_alive(int(pid)) and _remove_unowned(folder):
            removed.append(folder)
    return removed


def _ours(folder: Path) -> bool:
    try:
        info = folder.lstat()
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()


def _remove_unowned(folder: Path) -> bool:
    """Remove `folder` unless its owner still holds the lock."""
    try:
        lock = os.open(folder / _OWNER, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        lock = None  # made but not yet locked, by a process now gone
    except OSError:
        return False
    try:
        if lock is not None:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:  # held: its owner lives (in another pid namespace)
                return False
        shutil.rmtree(folder, ignore_errors=True)
        return not folder.exists()
    finally:
        if lock is not None:
            with contextlib.suppress(OSError):
                os.close(lock)


def process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
