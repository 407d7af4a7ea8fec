"""Values sorted by their keys in bounded memory: runs sorted in memory, spilled, and
merged a block at a time (`ordering.external_sort`, `row_stream.RowStream`).

Values come in batches of (keys, values, size): `size` counts toward the run's bound
(`budget`, in whatever unit the caller measures: rows, or bytes of keys and lines).
A run is sorted when the bound is reached and spilled to a temporary file as pickled
(keys, values) blocks of `BLOCK` rows; the last run stays in memory. Everything that
fits the bound is sorted in memory and never spilled.

The runs are merged a block at a time, not a row at a time: each run holds one block
in memory; the smallest last key among the blocks of the runs with more to read is
the bound up to which every run's rows are known, and those rows are taken from each
block (a bisection), put together and sorted in C (timsort finds the runs already in
order), so no Python code runs per row. Equal keys keep the order they came in: the
runs are merged in the order they were made, and of the rows equal to the bound, the
runs after the first one that may hold more keep theirs until it has none. Values are
never compared. Every `fan_in` runs of one size are merged into one run of the next,
so open files and blocks held while merging stay bounded however many rows come.

    for values in sorted_values(batches, budget):   # lists of values, in key order
        ...
"""

from __future__ import annotations

import os
import pickle
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ocpispec.scratch import ScratchFolder

BLOCK = 128  # rows per pickled block; merging holds one block per run
FAN_IN = 64  # runs merged at once (64 blocks of 128 rows)


def sorted_values(batches: Iterable[tuple[list, list, int]], budget: int,
                  fan_in: int | None = None) -> Iterator[list]:
    """The values of `batches` in order of their keys (equal keys in the order they
    came), as lists; about `budget` of them held in memory at most (a run, plus a
    block per run while merging). `fan_in`: FAN_IN unless given."""
    keys: list = []
    values: list = []
    held = 0
    folder: ScratchFolder | None = None
    runs: _Runs | None = None
    sources: list[_Source] = []
    try:
        for batch_keys, batch_values, size in batches:
            keys += batch_keys
            values += batch_values
            held += size
            if held >= budget:
                if runs is None:
                    folder = ScratchFolder("order")
                    runs = _Runs(folder.path, fan_in or FAN_IN)
                runs.add(_spill(*_sorted(keys, values), runs.name()))
                keys, values, held = [], [], 0
        keys, values = _sorted(keys, values)
        if runs is None:  # fits in memory: no files
            if values:
                yield values
            return
        for path in runs.all():
            sources.append(_File(path))
        sources.append(_Source(keys, values))
        del keys, values
        for _, block in _merged(sources, with_keys=False):
            yield block
    finally:
        for source in sources:
            source.close()
        if folder is not None:
            folder.remove()


def _sorted(keys: list, values: list) -> tuple[list, list]:
    """`keys` and `values` in order of the keys (stable: equal keys keep their order)."""
    order = sorted(range(len(keys)), key=keys.__getitem__)
    return [keys[i] for i in order], [values[i] for i in order]


class _Source:
    """A sorted run's current block (`keys`, `values`, read up to `at`); `more`: whether
    rows follow it."""

    __slots__ = ("at", "keys", "more", "values")

    def __init__(self, keys: list, values: list) -> None:
        self.keys, self.values, self.at, self.more = keys, values, 0, False

    def refill(self) -> None:
        """The next block (none here: a run in memory is one block)."""

    def close(self) -> None:
        """Its file closed (none here)."""


class _File(_Source):
    """A spilled run, read a block at a time."""

    __slots__ = ("handle", "size")

    def __init__(self, path: Path) -> None:
        super().__init__([], [])
        self.handle = path.open("rb")
        self.size = os.fstat(self.handle.fileno()).st_size
        self.more = True
        self.refill()

    def refill(self) -> None:
        if self.handle.tell() >= self.size:
            self.keys, self.values, self.at, self.more = [], [], 0, False
            self.handle.close()
            return
        self.keys, self.values = pickle.load(self.handle)
        self.at = 0
        self.more = self.handle.tell() < self.size
        if not self.more:
            self.handle.close()

    def close(self) -> None:
        self.handle.close()


def _merged(sources: list[_Source], with_keys: bool = True) -> Iterator[tuple[list, list]]:
    """The rows of the sorted runs `sources` (in the order they were made) in order, as
    (keys, values) blocks (the keys may be left out unless `with_keys`). Of the runs with more to read,
    the first whose block ends lowest (`first`, at `bound`) bounds the rows known: a run
    before it, or it, gives every row up to `bound`; a run after it only the rows below
    (its rows equal to `bound` come after the first one's, still unread). The first one's
    block is used up each time, so every round gives at least one row."""
    while True:
        for source in sources:
            if source.at == len(source.keys) and source.more:
                source.refill()
        sources = [source for source in sources if source.at < len(source.keys)]
        if not sources:
            return
        bound, first = None, len(sources)
        for index, source in enumerate(sources):
            if source.more and (bound is None or source.keys[-1] < bound):
                bound, first = source.keys[-1], index
        keys: list = []
        values: list = []
        parts = 0
        for index, source in enumerate(sources):
            start = source.at
            if bound is None:
                end = len(source.keys)
            elif index <= first:
                end = bisect_right(source.keys, bound, start)
            else:
                end = bisect_left(source.keys, bound, start)
            if end > start:
                keys += source.keys[start:end]
                values += source.values[start:end]
                source.at = end
                parts += 1
        if parts > 1:
            keys, values = _sorted(keys, values) if with_keys else \
                ([], [values[i] for i in sorted(range(len(keys)), key=keys.__getitem__)])
        yield keys, values


class _Runs:
    """The spilled runs, by size: `fan_in` runs of one size become one of the next."""

    def __init__(self, folder: Path, fan_in: int) -> None:
        self.folder, self.fan_in = folder, max(2, fan_in)
        self.sizes: list[list[Path]] = []
        self.count = 0

    def name(self) -> Path:
        self.count += 1
        return self.folder / f"run-{self.count:06d}.pickle"

    def add(self, path: Path, size: int = 0) -> None:
        if size == len(self.sizes):
            self.sizes.append([])
        self.sizes[size].append(path)
        if len(self.sizes[size]) == self.fan_in:
            merged, self.sizes[size] = self.sizes[size], []
            self.add(_spill_merged(merged, self.name()), size + 1)

    def all(self) -> list[Path]:
        """Every run, in the order their rows came (the larger ones came first)."""
        return [path for paths in reversed(self.sizes) for path in paths]


def _spill(keys: list, values: list, path: Path) -> Path:
    """A sorted run pickled in blocks of BLOCK rows (one pickle per block: an unpickler's
    memo would otherwise keep every row it read)."""
    with path.open("wb") as handle:
        _dump(keys, values, handle)
    return path


def _dump(keys: list, values: list, handle: Any) -> None:
    for start in range(0, len(keys), BLOCK):
        pickle.dump((keys[start:start + BLOCK], values[start:start + BLOCK]), handle,
                    protocol=pickle.HIGHEST_PROTOCOL)


def _spill_merged(paths: list[Path], target: Path) -> Path:
    """The runs `paths` merged into one at `target`; they are removed. The merge's
    blocks are gathered into blocks of BLOCK rows."""
    keys: list = []
    values: list = []
    sources: list[_Source] = []
    with target.open("wb") as handle:
        for path in paths:
            sources.append(_File(path))
        for merged_keys, merged_values in _merged(sources):
            keys += merged_keys
            values += merged_values
            if len(keys) >= BLOCK:
                whole = len(keys) - len(keys) % BLOCK
                _dump(keys[:whole], values[:whole], handle)
                del keys[:whole], values[:whole]
        _dump(keys, values, handle)
    for source in sources:
        source.close()
    for path in paths:
        path.unlink()
    return target
