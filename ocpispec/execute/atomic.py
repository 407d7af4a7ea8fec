"""Atomic files: write to a temporary file beside the target, fsync, then rename.

A reader never sees a half-written file under the final name: either the old file
(or none) or the complete new one. `discard` removes the temporary file.

Temporary files are named `.<final name>.<pid>-<owner><random>.partial`: a later run
can tell a killed run's leftovers (their process is gone) from a live run's files and
remove only the former (`remove_stale_partials`), and never one whose lock a run
holds (`_hold`: a live run in another PID namespace has a process id that says nothing
here). The owner is a tag of the ledger the
run commits through (`owned_by`): a killed run's files may be a pending commit's, which
only its own ledger knows (and recovery publishes), so a run removes only those of its
own ledger and of runs without one. Every file made here (outputs, manifests, state,
journal, lock) has mode 0640, or less when the umask is stricter: never world-readable.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ocpispec.scratch import process_alive

FILE_MODE = 0o640
_PARTIAL = re.compile(r"^\..+\.(\d+)-([0-9a-f]+)\.partial$")
NO_LEDGER = "0" * 8  # the owner of the files of a run without a ledger (never pending)
_owner = [NO_LEDGER]


def ledger_tag(ledger: Path) -> str:
    """The owner tag of the files of runs committing through `ledger` (its real path:
    a ledger reached through a symbolic link is the same ledger)."""
    return hashlib.sha256(str(ledger.resolve()).encode()).hexdigest()[:8]


def owner_tag() -> str:
    """The owner tag of the files the run makes now (`owned_by`): a server's temporary
    files carry it too (`deliver.leftovers.temporary_name`)."""
    return _owner[0]


@contextlib.contextmanager
def owned_by(ledger: Path | None) -> Iterator[None]:
    """The temporary files made meanwhile are tagged as the `ledger`'s (None: no ledger)."""
    before = _owner[0]
    _owner[0] = ledger_tag(ledger) if ledger is not None else NO_LEDGER
    try:
        yield
    finally:
        _owner[0] = before


class AtomicFile:
    """A text file (bytes with `binary`) that appears under `path` only when `commit`
    is called."""

    def __init__(self, path: Path, *, binary: bool = False) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.temp = path.with_name(
            f".{path.name}.{os.getpid()}-{_owner[0]}{secrets.token_hex(4)}.partial")
        fd = os.open(self.temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, file_mode())
        os.fchmod(fd, file_mode())  # the umask may have been looser than FILE_MODE
        made = os.fstat(fd)
        self._identity = (made.st_dev, made.st_ino)
        self._held: int | None = _hold(self.temp)
        self.stream: IO[Any] = open(fd, "wb") if binary else \
            open(fd, "w", encoding="utf-8", newline="")  # noqa: SIM115

    def finish(self) -> None:
        """Everything on disk under the temporary name; nothing under the final one."""
        if not self.stream.closed:
            self.stream.flush()
            os.fsync(self.stream.fileno())
            self.stream.close()

    def publish(self) -> None:
        publish(self.temp, self.path)
        self._release()

    def _release(self) -> None:
        if self._held is not None:
            with contextlib.suppress(OSError):
                os.close(self._held)
            self._held = None

    def still_there(self) -> bool:
        """Whether the temporary name still holds the file written: a cleanup job, or
        its folder removed (and made again) meanwhile, leaves the run writing a file no
        name reaches, which nothing could publish."""
        try:
            found = os.stat(self.temp)
        except OSError:
            return False
        return (found.st_dev, found.st_ino) == self._identity

    def commit(self) -> None:
        self.finish()
        self.publish()

    def discard(self) -> None:
        """Best effort: it runs while a failure is reported, which a folder made
        read-only (or taken from the user) meanwhile replaced with its own `EROFS`; a
        temporary file left is a dead run's, swept by the next run."""
        with contextlib.suppress(OSError):
            self.stream.close()
        with contextlib.suppress(OSError):
            self.temp.unlink()
        self._release()


def _hold(temp: Path) -> int | None:
    """A shared lock on the temporary file while its run may still publish it. A run
    sweeping a dead run's files asks for it: the process id alone told a live run in
    another PID namespace (another container, another host sharing the folder) for a
    dead one, and its files were removed under it."""
    try:
        held = os.open(temp, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(held, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:  # a file system without locks: the process id decides, as before
        pass
    return held


def _in_use(entry: Path) -> bool:
    """Whether a run holds the lock of a temporary file (`_hold`)."""
    try:
        fd = os.open(entry, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
    return False


def publish(temp: Path, final: Path) -> None:
    """Rename a finished temporary file to its final name, durably."""
    os.replace(temp, final)
    fsync_directory(final.parent)


def write_atomically(path: Path, text: str) -> None:
    target = AtomicFile(path)
    try:
        target.stream.write(text)
        target.commit()
    except BaseException:
        target.discard()
        raise


def file_mode() -> int:
    """0640, narrowed further by the user's umask."""
    return FILE_MODE & ~_umask()


def remove_stale_partials(directory: Path, keep: frozenset[Path] = frozenset(),
                          ledger: Path | None = None) -> list[Path]:
    """Remove the temporary files of runs that were killed (their process is gone)
    from `directory`; `keep` are files a pending commit of `ledger` still needs. Files
    of another ledger's runs are left alone (they may be its pending commit's), and a
    run without a ledger removes only those of runs without one."""
    removed = []
    try:  # `keep` holds resolved paths (the pending commit stores them so)
        entries = list(directory.resolve().iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = _PARTIAL.match(entry.name)
        if match is None or entry in keep or not _sweepable(match.group(2), ledger) \
                or process_alive(int(match.group(1))) or _in_use(entry):
            continue
        with contextlib.suppress(OSError):
            entry.unlink()
            removed.append(entry)
    return removed


def _sweepable(tag: str, ledger: Path | None) -> bool:
    """Whether a run of `ledger` may remove a dead run's file tagged `tag`: its own
    ledger's, a run's without a ledger, and those of versions before the tags (a bare
    random part, 8 digits) when it has a ledger."""
    if len(tag) != 16:
        return ledger is not None
    return tag[:8] in {NO_LEDGER, ledger_tag(ledger) if ledger is not None else NO_LEDGER}


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def fsync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
