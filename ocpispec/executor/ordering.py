"""`order by` and `limit` (the plan's `Order` step), applied to the rows an aggregate
released or a row export projected, before they are written.

- Aggregates: `limit N` keeps the first N rows in a heap of N (memory O(N)); without a
  limit the released groups are sorted in memory (the aggregator holds them already).
- Row exports stream: rows are sorted in runs of `RUN_ROWS`, each run spilled to a
  temporary file (pickled, in a private directory removed afterwards), and the runs
  merged lazily, so memory stays flat in the number of rows. The files hold only
  released columns, which the output file holds anyway.

The order is total, so outputs are deterministic: the stated keys (nulls last, in both
directions), then every column in column order.
"""

from __future__ import annotations

import heapq
import pickle
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

from ocpispec import plan as ir

RUN_ROWS = 50_000


def ordered(rows: Iterable[dict], step: ir.Order, columns: Sequence[str], *,
            aggregate: bool, run_rows: int = RUN_ROWS) -> Iterator[dict]:
    key = sort_key(step.keys, columns)
    if step.limit is not None:
        return iter(heapq.nsmallest(step.limit, rows, key=key))
    if aggregate:
        return iter(sorted(rows, key=key))
    return external_sort(rows, key, run_rows)


def sort_key(keys: Sequence[ir.SortKey], columns: Sequence[str]):
    stated = [(key.column, key.descending) for key in keys]
    named = {column for column, _ in stated}
    order = stated + [(column, False) for column in columns if column not in named]

    def key(row: dict) -> tuple:
        return tuple(_Value(row.get(column), descending) for column, descending in order)

    return key


class _Value:
    """One column's value in the order: numbers by value, other values by their kind
    and then value, null after everything in either direction."""

    __slots__ = ("rank", "descending")

    def __init__(self, value: Any, descending: bool) -> None:
        self.rank = _rank(value)
        self.descending = descending

    def __lt__(self, other: _Value) -> bool:
        if self.rank[0] != other.rank[0]:  # nulls (kind 9) last, whatever the direction
            return self.rank[0] < other.rank[0]
        if self.descending:
            return other.rank[1] < self.rank[1]
        return self.rank[1] < other.rank[1]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Value) and self.rank == other.rank


def _rank(value: Any) -> tuple[int, Any]:
    if value is None:
        return (9, 0)
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, (int, float)):
        return (0, value)
    if isinstance(value, str):
        return (2, value)
    return (3, repr(value))


def external_sort(rows: Iterable[dict], key, run_rows: int = RUN_ROWS) -> Iterator[dict]:
    """`rows` sorted by `key`, holding at most `run_rows` rows (plus one per run while
    merging) in memory."""
    iterator = iter(rows)
    first = sorted(islice(iterator, run_rows), key=key)
    if len(first) < run_rows:  # fits in one run: no files
        yield from first
        return
    with tempfile.TemporaryDirectory(prefix="ocpispec-order-") as folder:
        runs = [_spill(first, Path(folder), 0)]
        del first
        while chunk := sorted(islice(iterator, run_rows), key=key):
            runs.append(_spill(chunk, Path(folder), len(runs)))
        yield from heapq.merge(*(_read(path) for path in runs), key=key)


def _spill(rows: list[dict], folder: Path, number: int) -> Path:
    path = folder / f"run-{number:05d}.pickle"
    with path.open("wb") as handle:
        for row in rows:  # one pickle per row: an unpickler's memo would keep every row
            pickle.dump(row, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def _read(path: Path) -> Iterator[dict]:
    with path.open("rb") as handle:
        while True:
            try:
                yield pickle.load(handle)
            except EOFError:
                return
