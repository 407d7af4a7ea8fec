"""`order by` and `limit` (the plan's `Order` step), applied to the rows an aggregate
released or a row export projected, before they are written.

- Aggregates: `limit N` keeps the first N rows in a heap of N (memory O(N)); without a
  limit the released groups are sorted in memory (the aggregator holds them already).
- Row exports without `order by` are sorted too, by every column in column order
  (`in_value_order`): never written in the order the platform listed the records.
- Row exports stream: rows are sorted in runs of `RUN_ROWS`, each run spilled to a
  temporary file (pickled, in a private directory removed afterwards), and the runs
  merged lazily a block at a time (the last, short run from memory), so memory stays
  flat in the number of rows (`sorted_runs`). Every `FAN_IN` runs of one size are
  merged into one larger run, so open files and blocks held while merging stay bounded
  too (500 runs of 10M rows once opened 500 files, and 25M rows would pass the usual
  limit of 1,024). The files hold only released columns, which the output file holds
  anyway.

The order is total, so outputs are deterministic: the stated keys (nulls last, in both
directions), then every column in column order. Timestamps, bucket labels and
weekdays order by what they stand for, not their text (`value_order`). Measured in benchmarks/bench_order.py.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from ocpispec.plan import ir
from ocpispec.execute.sorted_runs import sorted_values
from ocpispec.execute.value_key import ascending_key
from ocpispec.execute.value_order import Rank

RUN_ROWS = 10_000   # rows sorted in memory at a time (with their keys, about 13 MB of realistic rows)


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
                  fan_in: int | None = None) -> Iterator[dict]:
    """`rows` sorted by `key` (equal keys in the order they came), holding at most
    `run_rows` rows (plus a block per run while merging) in memory (`sorted_runs`).
    Each row's key is computed once, as the row arrives (`value_key.KeyBeside` gets the
    key a worker computed beside it), and spilled beside it, so merging the runs compares
    keys without computing them again."""
    for block in sorted_values(_keyed(rows, key, run_rows), run_rows, fan_in):
        yield from block


def _keyed(rows: Iterable[dict], key, run_rows: int) -> Iterator[tuple[list, list, int]]:
    """`rows` with their keys, `run_rows` at a time (a run's bound, counted in rows)."""
    keys: list = []
    values: list = []
    for row in rows:
        keys.append(key(row))
        values.append(row)
        if len(values) >= run_rows:
            yield keys, values, len(values)
            keys, values = [], []
    if values:
        yield keys, values, len(values)
