"""The fingerprints a crawl's `RecentKeys` forgot, kept on disk, and the exact count of
those that came more than once (`RecentKeys.forgotten_repeats`).

Held in memory (8 bytes each) they grew with the list: 8 MB at a million objects, and
twice that while they were sorted at its end. Here each generation the window drops is
appended to an unnamed temporary file (gone with the process, even one killed), and
the count at the end reads it in parts of at most `budget` fingerprints: a part that
fits is sorted and its equal neighbours counted; a larger one is split by the next 4
bits of the fingerprints (equal fingerprints always land in one part) into a file of
its own, part by part, until each fits or holds one fingerprint only (sent many
times). Memory stays a few times `budget` whatever the list's
length; the file holds 8 bytes per fingerprint forgotten, and each split level as much.

    forgotten = ForgottenFingerprints(budget=65536)
    forgotten.extend(generation)                 # a dropped generation's fingerprints
    forgotten.repeats(held)                      # with the generations still held
    forgotten.close()
"""

from __future__ import annotations

import os
import tempfile
from array import array
from collections.abc import Iterable
from typing import IO, Any

_WIDTH = 8          # bytes of a fingerprint (a 64-bit `hash`)
_BITS = 4           # bits of the fingerprints a split reads: 16 parts
_PARTS = 1 << _BITS


class ForgottenFingerprints:
    def __init__(self, budget: int) -> None:
        self._budget = max(budget, 2)
        self._file: IO[bytes] | None = None
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def extend(self, fingerprints: Iterable[int]) -> None:
        written = array("q", fingerprints)
        if not written:
            return
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="ocpispec-keys-")
        _write(self._file, written.tobytes(), self._count)
        self._count += len(written)

    def repeats(self, held: Iterable[Iterable[int]] = ()) -> int:
        """How many of the fingerprints forgotten, and `held` (the generations still in
        memory), equal one before them. Zero when none was forgotten."""
        if self._file is None or not self._count:
            return 0
        forgotten = self._count
        try:
            for generation in held:
                self.extend(generation)
            return _repeats(self._file, 0, self._count, 0, self._budget)
        finally:
            self._file.truncate(forgotten * _WIDTH)
            self._count = forgotten

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._count = 0


def _repeats(file: IO[bytes], start: int, count: int, depth: int, budget: int) -> int:
    """The repeats among the `count` fingerprints of `file` from index `start`, whose
    first `depth` bits are all the same."""
    import numpy as np

    if count <= budget:
        values = _read(file, start, count)
        values.sort()
        return int(np.count_nonzero(values[1:] == values[:-1]))
    shift = 64 - depth - _BITS
    sizes = np.zeros(_PARTS, dtype=np.int64)
    least, most = 2**63 - 1, -2**63
    for values in _chunks(file, start, count, budget):
        sizes += np.bincount(_part(values, shift), minlength=_PARTS)
        least, most = min(least, int(values.min())), max(most, int(values.max()))
    if least == most:
        return count - 1            # one fingerprint, `count` times
    ends = np.cumsum(sizes)
    cursors = (ends - sizes).tolist()
    with tempfile.TemporaryFile(prefix="ocpispec-keys-") as parts:
        for values in _chunks(file, start, count, budget):
            index = _part(values, shift)
            order = np.argsort(index, kind="stable")
            bounds = np.searchsorted(index[order], np.arange(_PARTS + 1)).tolist()
            ordered = values[order]
            for part in range(_PARTS):
                piece = ordered[bounds[part]:bounds[part + 1]]
                if len(piece):
                    _write(parts, piece.tobytes(), cursors[part])
                    cursors[part] += len(piece)
            del index, order, ordered
        return sum(_repeats(parts, int(end - size), int(size), depth + _BITS, budget)
                   for size, end in zip(sizes.tolist(), ends.tolist(), strict=True) if size > 1)


def _part(values: Any, shift: int) -> Any:
    return (values >> shift) & (_PARTS - 1)


def _chunks(file: IO[bytes], start: int, count: int, budget: int) -> Iterable[Any]:
    for offset in range(start, start + count, budget):
        yield _read(file, offset, min(budget, start + count - offset))


def _write(file: IO[bytes], data: bytes, start: int) -> None:
    view, done = memoryview(data), 0
    while done < len(data):
        done += os.pwrite(file.fileno(), view[done:], start * _WIDTH + done)


def _read(file: IO[bytes], start: int, count: int) -> Any:
    import numpy as np

    data = bytearray(count * _WIDTH)
    view, done = memoryview(data), 0
    while done < len(data):
        read = os.preadv(file.fileno(), [view[done:]], start * _WIDTH + done)
        if read <= 0:
            raise OSError(f"the fingerprints' scratch file ended {len(data) - done} bytes early")
        done += read
    return np.frombuffer(data, dtype=np.int64)
