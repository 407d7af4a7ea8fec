"""The fingerprints a crawl's `RecentKeys` forgot, kept on disk, and the exact count of
those that came more than once (`RecentKeys.forgotten_repeats`).

Held in memory (8 bytes each) they grew with the list: 8 MB at a million objects, and
twice that while they were sorted at its end. Here each generation the window drops is
appended to an unnamed temporary file (gone with the process, even one killed), and
the count at the end reads it in parts of at most `budget` fingerprints: a part that
fits is counted in a set (its length less the distinct ones); one of at most 8 such
blocks by a set per block, less those of the blocks before it (in C, block by block);
a larger one is split by the next 4 bits of the fingerprints (equal fingerprints always
land in one part) into a file of its own, a chunk of `budget` at a time, until each
fits, in one or in 8 blocks, or holds one fingerprint only (sent many times). Memory
stays a set of `budget` numbers (some 100 bytes each) whatever the list's length; the file holds 8 bytes per fingerprint forgotten, and each
split level as much. No numpy: importing it for this count alone mapped 11 MB into
every crawl of more than `budget` objects, a run of 1,000,000 sessions among them.

    forgotten = ForgottenFingerprints(budget=65536)
    forgotten.extend(generation)                 # a dropped generation's fingerprints
    forgotten.repeats(held)                      # with the generations still held
    forgotten.close()
"""

from __future__ import annotations

import os
import tempfile
from array import array
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import IO

_WIDTH = 8          # bytes of a fingerprint (a 64-bit `hash`)
_BITS = 4           # bits of the fingerprints a split reads: 16 parts
_PARTS = 1 << _BITS
_MASK = _PARTS - 1
# blocks of a budget counted each against those before it (`_distinct_by_blocks`): their
# passes grow as the square of their number, a split's steps in Python as the number; by
# instruction counts the blocks cost less up to 10 of them
_BLOCKS = 8


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
            return _repeats(self._file, [(0, self._count)], 0, self._budget)
        finally:
            self._file.truncate(forgotten * _WIDTH)
            self._count = forgotten

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._count = 0


def _repeats(file: IO[bytes], segments: list[tuple[int, int]], depth: int, budget: int) -> int:
    """The repeats among the fingerprints of `file` in `segments` (from index, count),
    whose first `depth` bits are all the same."""
    count = sum(size for _, size in segments)
    if depth >= 64:
        return count - 1                # all their bits the same: one fingerprint
    if count <= budget:
        distinct: set[int] = set()
        for values in _chunks(file, segments, budget):
            distinct.update(values)
        return count - len(distinct)
    if count <= _BLOCKS * budget:
        return count - _distinct_by_blocks(file, segments, budget)
    shift = 64 - depth - _BITS
    least, most = 2**64, -1
    pieces_of: list[list[tuple[int, int]]] = [[] for _ in range(_PARTS)]
    written = 0
    with tempfile.TemporaryFile(prefix="ocpispec-keys-") as parts:
        for values in _chunks(file, segments, budget):
            least, most = min(least, min(values)), max(most, max(values))
            pieces = [array("Q") for _ in range(_PARTS)]
            put = [piece.append for piece in pieces]
            for value in values:
                put[value >> shift & _MASK](value)
            for piece, found in zip(pieces, pieces_of, strict=True):
                if piece:
                    _write(parts, piece.tobytes(), written)
                    found.append((written, len(piece)))
                    written += len(piece)
        if least == most:
            return count - 1            # one fingerprint, `count` times
        return sum(_repeats(parts, found, depth + _BITS, budget)
                   for found in pieces_of if sum(size for _, size in found) > 1)


def _distinct_by_blocks(file: IO[bytes], segments: list[tuple[int, int]], budget: int) -> int:
    """The distinct fingerprints of at most `_BLOCKS` blocks of `budget`: those of each
    block, in a set, not in a block before it, taken out in C (a block against each before
    it, 28 passes at most), where a split into parts stepped through each fingerprint in
    Python (0.1 s for the 200,000 of a crawl of 200,000 sessions)."""
    distinct = 0
    for at, block in enumerate(_blocks(file, segments, budget)):
        fresh = set(block)
        for before in islice(_blocks(file, segments, budget), at):
            fresh.difference_update(before)
        distinct += len(fresh)
    return distinct


def _blocks(file: IO[bytes], segments: list[tuple[int, int]], budget: int) -> Iterator[array]:
    """The fingerprints of `segments` in blocks of `budget` (the last one smaller)."""
    block = array("Q")
    for values in _chunks(file, segments, budget):
        room = budget - len(block)
        block.extend(values[:room])
        if len(block) == budget:
            yield block
            block = values[room:]
    if block:
        yield block


def _chunks(file: IO[bytes], segments: list[tuple[int, int]], budget: int) -> Iterator[array]:
    for start, count in segments:
        for offset in range(start, start + count, budget):
            yield _read(file, offset, min(budget, start + count - offset))


def _write(file: IO[bytes], data: bytes, start: int) -> None:
    view, done = memoryview(data), 0
    while done < len(data):
        done += os.pwrite(file.fileno(), view[done:], start * _WIDTH + done)


def _read(file: IO[bytes], start: int, count: int) -> array:
    """`count` fingerprints from index `start`, as unsigned numbers (their bits in order)."""
    data = bytearray(count * _WIDTH)
    view, done = memoryview(data), 0
    while done < len(data):
        read = os.preadv(file.fileno(), [view[done:]], start * _WIDTH + done)
        if read <= 0:
            raise OSError(f"the fingerprints' scratch file ended {len(data) - done} bytes early")
        done += read
    values = array("Q")
    values.frombytes(data)
    return values
