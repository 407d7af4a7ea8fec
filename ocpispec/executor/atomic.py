"""Atomic files: write to a temporary file beside the target, fsync, then rename.

A reader never sees a half-written file under the final name: either the old file
(or none) or the complete new one. `discard` removes the temporary file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import TextIO


class AtomicFile:
    """A text file that appears under `path` only when `commit` is called."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial",
                                    dir=path.parent)
        self.temp = Path(temp)
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get normal modes
        self.stream: TextIO = open(fd, "w", encoding="utf-8", newline="")  # noqa: SIM115

    def commit(self) -> None:
        self.stream.flush()
        os.fsync(self.stream.fileno())
        self.stream.close()
        os.replace(self.temp, self.path)
        _fsync_directory(self.path.parent)

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self.stream.close()
        with contextlib.suppress(FileNotFoundError):
            self.temp.unlink()


def write_atomically(path: Path, text: str) -> None:
    target = AtomicFile(path)
    try:
        target.stream.write(text)
        target.commit()
    except BaseException:
        target.discard()
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
