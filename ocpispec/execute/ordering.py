"""`order by` and `limit` (the plan's `Order` step), applied to the rows an aggregate
released or a row export projected, before they are written.

- Aggregates: `limit N` keeps the first N rows in a heap of N (memory O(N)); without a
  limit the released groups are sorted in memory (the aggregator holds them already).
- Row exports without `order by` are sorted too, by every column in column order
  (`in_value_order`): never written in the order the platform listed the records.
- Row exports stream: rows are sorted in runs of `RUN_ROWS`, each run spilled to a
  temporary file (pickled, in a private directory removed afterwards), and the runs
  merged lazily (the last, short run from memory), so memory stays flat in the number
  of rows. Every `FAN_IN` runs of one size are merged into one larger run, so open
  files and batches held while merging stay bounded too (500 runs of 10M rows once
  opened 500 files, and 25M rows would pass the usual limit of 1,024). The files hold only
  released columns, which the output file holds anyway.

The order is total, so outputs are deterministic: the stated keys (nulls last, in both
directions), then every column in column order. Timestamps, bucket labels and
weekdays order by what they stand for, not their text (`value_order`). Measured in benchmarks/bench_order.py.
"""

from __future__ import annotations

import heapq
import pickle
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from operator import itemgetter
from pathlib import Path
from typing import Any

from ocpispec.plan import ir
from ocpispec.scratch import ScratchFolder
from ocpispec.execute.value_key import ascending_key
from ocpispec.execute.value_order import Rank

RUN_ROWS = 10_000   # rows sorted in memory at a time (with their keys, about 13 MB of realistic rows)
SPILL_BATCH = 128  # rows per pickle; merging holds one batch per run
FAN_IN = 64        # runs merged at once (64 batches of 128 rows: about 16 MB)


def ordered(rows: Iterable[dict], step: ir.Order, columns: Sequence[str], *,
            aggregate: bool, run_rows: int = RUN_ROWS,
            ranks: Mapping[str, Rank] | None = None) -> Iterator[dict]:
    """`ranks`: the columns whose texts order by a rank (`value_order`)."""
    key = sort_key(step.keys, columns, ranks)
    if step.limit is not None:
        return iter(heapq.nsmallest(step.limit, rows, key=key))
    if aggregate:
        return iter(sorted(rows, key=key))
    return external_sort(rows, key, run_rows)


def in_value_order(rows: Iterable[dict], columns: Sequence[str],
                   ranks: Mapping[str, Rank] | None = None, *,
                   run_rows: int = RUN_ROWS, key: Callable[[dict], bytes] | None = None
                   ) -> Iterator[dict]:
    """A row export without `order by`: its rows sorted by every column in column order.
    The order the platform listed records in is the order of their hidden
    `last_updated` (about each session's end): rows written that way would place a row
    cut to the day, or recoded to a week by a k rule, among the rows of its real hour.
    `key`: that order's key made by the caller (`value_key.KeyBeside`, with workers)."""
    return external_sort(rows, key or ascending_key(columns, ranks), run_rows)


def sort_key(keys: Sequence[ir.SortKey], columns: Sequence[str],
             ranks: Mapping[str, Rank] | None = None):
    """A key of plain tuples Python compares natively: per column (null, kind, value),
    nulls last in either direction, numbers before booleans before texts; descending
    numbers negated, descending texts as negated code points. A column in `ranks`
    (timestamps, buckets, weekdays) orders its texts by rank, then as text: local times
    carry their offset, and `02:00+01:00` comes an hour after `02:00+02:00` on the
    night clocks go back; `5-10` comes before `10-20`."""
    ranks = ranks or {}
    stated = [(key.column, key.descending) for key in keys]
    named = {column for column, _ in stated}
    order = stated + [(column, False) for column in columns if column not in named]
    parts = [(column, _part(descending, ranks.get(column))) for column, descending in order]

    def key(row: dict) -> tuple:
        get = row.get
        return tuple([part(get(column)) for column, part in parts])

    return key


_NULL = (1, 0, 0)


def _part(descending: bool, rank: Rank | None) -> Callable[[Any], tuple]:
    if rank is None:
        return _descending if descending else _ascending

    def ranked(value: Any) -> tuple:
        if value.__class__ is not str:
            return _descending(value) if descending else _ascending(value)
        found = rank(value)
        if not descending:
            return (0, 2, (1, value) if found is None else (0, found, value))
        if found is None:
            return (0, 2, (-1, _reversed_text(value)))
        return (0, 2, (0, bytes(255 - byte for byte in found), _reversed_text(value)))

    return ranked


def _ascending(value: Any) -> tuple:
    kind = value.__class__
    if value is None:
        return _NULL
    if kind is int or kind is float:
        return (0, 0, value)
    if kind is str:
        return (0, 2, value)
    if kind is bool:
        return (0, 1, int(value))
    return (0, 3, repr(value))


def _descending(value: Any) -> tuple:
    kind = value.__class__
    if value is None:
        return _NULL
    if kind is int or kind is float:
        return (0, 0, -value)
    if kind is str:
        return (0, 2, _reversed_text(value))
    if kind is bool:
        return (0, 1, -int(value))
    return (0, 3, _reversed_text(repr(value)))


def _reversed_text(text: str) -> tuple[int, ...]:
    """Compares in the reverse order of `text` (a longer text after its prefix, so the
    terminator 1 is above every negated code point)."""
    return (*(-ord(char) for char in text), 1)


def external_sort(rows: Iterable[dict], key, run_rows: int = RUN_ROWS,
                  fan_in: int = FAN_IN) -> Iterator[dict]:
    """`rows` sorted by `key`, holding at most `run_rows` rows (plus one batch per run
    while merging) in memory. Each row's key is computed once and spilled beside it, so
    merging the runs compares keys without computing them again. Every `fan_in` runs of
    one size are merged into one run of the next, so the last merge reads at most
    `fan_in` runs per size (open files and batches held stay bounded however many
    rows come)."""
    for _, row in sorted_pairs(((key(row), row) for row in rows), run_rows, fan_in):
        yield row


def sorted_pairs(keyed: Iterable[tuple[Any, Any]], run_rows: int = RUN_ROWS,
                 fan_in: int = FAN_IN) -> Iterator[tuple[Any, Any]]:
    """(key, row) pairs sorted by key as `external_sort` sorts rows (rows of equal keys
    in the order they came)."""
    keyed = iter(keyed)
    first = sorted(islice(keyed, run_rows), key=_KEY)
    if len(first) < run_rows:  # fits in one run: no files
        yield from first
        return
    with ScratchFolder("order") as folder:
        runs = _Runs(folder.path, fan_in)
        runs.add(_spill(first, runs.name()))
        del first
        last: list[tuple[Any, Any]] = []
        while chunk := sorted(islice(keyed, run_rows), key=_KEY):
            if len(chunk) < run_rows:  # the last run: merged from memory, never spilled
                last = chunk
                break
            runs.add(_spill(chunk, runs.name()))
        del chunk
        yield from heapq.merge(*(_read(path) for path in runs.all()), last, key=_KEY)


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
        return [path for paths in reversed(self.sizes) for path in paths]


def _spill_merged(paths: list[Path], target: Path) -> Path:
    """The runs `paths` merged into one at `target`; they are removed."""
    merged = heapq.merge(*(_read(path) for path in paths), key=_KEY)
    with target.open("wb") as handle:
        while batch := list(islice(merged, SPILL_BATCH)):
            pickle.dump(batch, handle, protocol=pickle.HIGHEST_PROTOCOL)
    for path in paths:
        path.unlink()
    return target


_KEY = itemgetter(0)  # of a (key, row) pair: rows with equal keys are never compared


def _spill(rows: list[tuple[tuple, dict]], path: Path) -> Path:
    """(key, row) pairs pickled in batches of SPILL_BATCH (one pickle per batch: an unpickler's
    memo would otherwise keep every row it read)."""
    with path.open("wb") as handle:
        for start in range(0, len(rows), SPILL_BATCH):
            pickle.dump(rows[start:start + SPILL_BATCH], handle,
                        protocol=pickle.HIGHEST_PROTOCOL)
    return path


def _read(path: Path) -> Iterator[tuple[tuple, dict]]:
    with path.open("rb") as handle:
        while True:
            try:
                batch = pickle.load(handle)
            except EOFError:
                return
            yield from batch
