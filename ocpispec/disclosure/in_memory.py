"""The risk meter's figures computed in memory, with numpy, for a spill small enough.

The same figures as the SQL over the spill (`meter.RiskMeter`), by sorting fixed-width
keys: a class, a point and a driver are each a 128-bit digest (two unsigned 64-bit
words), so a sort and a comparison of neighbours replace SQLite's B-trees. Above
`meter._in_memory_rows()` rows the meter keeps to SQL, whose memory is bounded by its
page cache; below it this costs about 100 bytes per row at its peak (and about 45 bytes
per candidate pair of the unicity check, `MAX_CANDIDATES` at a time) and a fraction of
the time.

    figures = class_figures(classes, drivers)          # arrays of shape (n, 2)
    one, two = unicity(points, point_drivers, ranks)   # shares of sampled drivers

Unicity follows the SQL exactly: per driver the two distinct points of lowest rank
(ties broken by the point), a driver unique at one point when no other driver has
that point, and at two when no other driver has both.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

MAX_CANDIDATES = 1_000_000  # (sampled driver, other driver) pairs expanded at a time

ClassFigures = tuple[int, int, "int | None", dict[str, int], dict[str, int]]


def class_figures(classes: np.ndarray, drivers: np.ndarray,
                  buckets: tuple[str, ...]) -> ClassFigures:
    """(distinct drivers, classes, smallest class, classes by size, rows by size), class
    sizes counted in distinct drivers; `buckets` names sizes 1, 2-4, 5-9 and 10+."""
    empty = dict.fromkeys(buckets, 0)
    if not len(classes):
        return 0, 0, None, empty, dict(empty)
    class_id, driver_id = _dense(classes), _dense(drivers)
    count, distinct = int(class_id.max()) + 1, int(driver_id.max()) + 1
    rows = np.bincount(class_id, minlength=count)
    pairs = np.sort(class_id * distinct + driver_id)
    pairs = pairs[_starts(pairs)]  # each (class, driver) once (`np.unique` took 20 times as long)
    sizes = np.bincount(pairs // distinct, minlength=count)
    bucket = np.searchsorted(np.array([1, 4, 9]), sizes, side="left")
    classes_by = np.bincount(bucket, minlength=len(buckets))
    rows_by = np.bincount(bucket, weights=rows, minlength=len(buckets))
    return (distinct, count, int(sizes.min()),
            {name: int(classes_by[i]) for i, name in enumerate(buckets)},
            {name: int(rows_by[i]) for i, name in enumerate(buckets)})


def unicity(points: np.ndarray, drivers: np.ndarray, ranks: np.ndarray
            ) -> tuple[float | None, float | None]:
    """The shares of sampled drivers unique on 1 and on 2 known points (None, None when
    no driver has a point)."""
    if not len(points):
        return None, None
    point_id, driver_id = _dense(points), _dense(drivers)
    # by point, then driver; stable, so each (point, driver) keeps the rank of its first row
    order = np.argsort(point_id * (int(driver_id.max()) + 1) + driver_id, kind="stable")
    point_index, driver_index, rank = point_id[order], driver_id[order], ranks[order]
    new_point = _starts(point_index)
    distinct = new_point | _starts(driver_index)      # each (point, driver) once
    point_index, driver_index = point_index[distinct], driver_index[distinct]
    rank, new_point = rank[distinct], new_point[distinct]
    per_point = np.bincount(point_index)
    first_row = np.flatnonzero(new_point)
    sample = _sample(point_index, driver_index, rank)
    a, b = sample
    has_b = b >= 0
    count_a, count_b = per_point[a], per_point[np.where(has_b, b, 0)]
    one = int(np.count_nonzero(count_a == 1))
    unique = np.where(has_b, (count_a == 1) | (count_b == 1), count_a == 1)
    hard = np.flatnonzero(has_b & (count_a > 1) & (count_b > 1))
    if hard.size:
        unique[hard] = _alone_at_both(a[hard], b[hard], per_point, first_row, point_index,
                                      driver_index)
    sampled = len(a)
    return round(one / sampled, 4), round(int(np.count_nonzero(unique)) / sampled, 4)


def _sample(point_index: np.ndarray, driver_index: np.ndarray, rank: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """Per driver (in driver order) the point of lowest rank and the next one, -1 when
    the driver has one point only."""
    order = np.lexsort((point_index, rank, driver_index))
    by_driver = driver_index[order]
    first = np.flatnonzero(_starts(by_driver))
    following = np.minimum(first + 1, len(order) - 1)
    has_b = (first + 1 < len(order)) & (by_driver[following] == by_driver[first])
    a = point_index[order[first]]
    b = np.where(has_b, point_index[order[following]], -1)
    return a, b


def _alone_at_both(a: np.ndarray, b: np.ndarray, per_point: np.ndarray, first_row: np.ndarray,
                   point_index: np.ndarray, driver_index: np.ndarray) -> np.ndarray:
    """For each sampled (a, b): whether its driver is the only one with both points. The
    drivers of the smaller point are looked up at the other one, for as many sampled
    pairs at a time as keep the candidates under `MAX_CANDIDATES` (coarse points, a k
    rule's output, hold hundreds of drivers each)."""
    smaller = np.where(per_point[a] <= per_point[b], a, b)
    other = np.where(smaller == a, b, a)
    lengths = per_point[smaller]
    width = np.int64(driver_index.max()) + 1
    held = point_index.astype(np.int64) * width + driver_index  # sorted: by point, then driver
    alone = np.empty(len(smaller), dtype=bool)
    ends = np.cumsum(lengths)
    begin = 0
    while begin < len(smaller):
        # the pairs whose candidates fit, and at least one whatever its size
        stop = max(begin + 1, int(np.searchsorted(
            ends, (ends[begin - 1] if begin else 0) + MAX_CANDIDATES, side="right")))
        alone[begin:stop] = _alone_in(smaller[begin:stop], other[begin:stop],
                                      lengths[begin:stop], first_row, driver_index, held,
                                      width)
        begin = stop
    return alone


def _alone_in(smaller: np.ndarray, other: np.ndarray, lengths: np.ndarray,
              first_row: np.ndarray, driver_index: np.ndarray, held: np.ndarray,
              width: np.int64) -> np.ndarray:
    total = int(lengths.sum())
    owner = np.repeat(np.arange(len(smaller)), lengths)
    offset = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    candidates = driver_index[first_row[smaller][owner] + offset]
    wanted = other[owner].astype(np.int64) * width + candidates
    at = np.minimum(np.searchsorted(held, wanted), len(held) - 1)
    both = np.bincount(owner, weights=held[at] == wanted, minlength=len(smaller))
    return both == 1


def _starts(keys: np.ndarray) -> np.ndarray:
    """True where a row of sorted `keys` differs from the row before (the first too)."""
    starts = np.ones(len(keys), dtype=bool)
    if keys.ndim == 1:
        starts[1:] = keys[1:] != keys[:-1]
    else:
        starts[1:] = (keys[1:] != keys[:-1]).any(axis=1)
    return starts


def _ranks(keys: np.ndarray) -> np.ndarray:
    """Each row's index among the distinct rows of `keys`, in sorted order."""
    order = np.lexsort((keys[:, 1], keys[:, 0]))
    ids = np.cumsum(_starts(keys[order])) - 1
    ranked = np.empty(len(keys), dtype=np.int64)
    ranked[order] = ids
    return ranked


def _dense(keys: np.ndarray) -> np.ndarray:
    """`_ranks`, sorting by the first of the two words alone where no two distinct rows
    share it (128-bit digests: all but certainly), a sort of one word instead of a
    lexical sort of two; by both where two do."""
    first = keys[:, 0]
    order = np.argsort(first)
    ordered = first[order]
    same = ordered[1:] == ordered[:-1]
    second = keys[order, 1]
    if np.any(second[1:][same] != second[:-1][same]):
        return _ranks(keys)
    ids = np.empty(len(keys), dtype=np.int64)
    ids[order] = np.cumsum(np.concatenate(([True], ~same))) - 1
    return ids


def members(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """The meter's member records (`risk_records.MEMBER`): classes and drivers as key arrays."""
    words = np.fromfile(path, dtype=">u8").astype(np.uint64).reshape(-1, 4)
    return words[:, 0:2], words[:, 2:4]


def points(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The meter's point records (`risk_records.POINT`): points, drivers and ranks."""
    words = np.fromfile(path, dtype=">u8").astype(np.uint64).reshape(-1, 5)
    return words[:, 0:2], words[:, 2:4], words[:, 4].astype(np.int64)
