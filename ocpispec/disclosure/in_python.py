"""The risk meter's figures computed in memory without numpy, for a spill of few rows.

The same figures as `in_memory` (and the SQL over the spill), read from the spill files'
bytes with dicts and sets: a digest's 16 bytes sort as `in_memory`'s two big-endian
64-bit words do. Importing numpy costs some 250 M instructions, more than this path
takes for 10,000 rows, so `spill_figures` uses it below
`_numpy_rows()` rows (15,000: callgrind, 10,000 rows 199 M instructions here against
numpy's 279 M, its import included; 20,000 rows 388 M against 307 M).

    figures = class_figures(members_bytes, buckets)
    one, two = unicity(points_bytes)

Unicity follows `in_memory.unicity`: each (point, driver) keeps the rank of its first
record, per driver the two distinct points of lowest rank (ties broken by the point), a
driver unique at one point when no other driver has that point, and at two when no
other driver has both.
"""

from __future__ import annotations

from collections import Counter

from ocpispec.disclosure.risk_records import MEMBER, POINT

ClassFigures = tuple[int, int, "int | None", dict[str, int], dict[str, int]]


def class_figures(spill: bytes, buckets: tuple[str, ...]) -> ClassFigures:
    """(distinct drivers, classes, smallest class, classes by size, rows by size), class
    sizes counted in distinct drivers; `buckets` names sizes 1, 2-4, 5-9 and 10+."""
    empty = dict.fromkeys(buckets, 0)
    if not spill:
        return 0, 0, None, empty, dict(empty)
    members = [spill[at:at + MEMBER] for at in range(0, len(spill), MEMBER)]
    rows = Counter([member[:16] for member in members])
    distinct = set(members)  # each (class, driver) once
    sizes = Counter([member[:16] for member in distinct])
    classes_by, rows_by = dict(empty), dict(empty)
    for cls, size in sizes.items():
        name = buckets[0 if size <= 1 else 1 if size <= 4 else 2 if size <= 9 else 3]
        classes_by[name] += 1
        rows_by[name] += rows[cls]
    drivers = len({member[16:] for member in distinct})
    return drivers, len(rows), min(sizes.values()), classes_by, rows_by


def unicity(spill: bytes) -> tuple[float | None, float | None]:
    """The shares of sampled drivers unique on 1 and on 2 known points (None, None when
    no driver has a point)."""
    if not spill:
        return None, None
    # each (point, driver) at its first record: the comprehension's last write wins
    first = {spill[at:at + 32]: at for at in range(len(spill) - POINT, -1, -POINT)}
    drivers_at = Counter([held[:16] for held in first])
    # driver, rank, point: sorted, each driver's points in the order of their ranks
    ranked = sorted([spill[at + 16:at + 40] + spill[at:at + 16] for at in first.values()])
    # each driver's first entry, as the comprehension's last write
    heads = {ranked[index][:16]: index for index in range(len(ranked) - 1, -1, -1)}
    one = unique = 0
    holders: dict[bytes, set[bytes]] | None = None
    for driver, index in heads.items():
        a = ranked[index][24:]
        if drivers_at[a] == 1:
            one += 1
            unique += 1
            continue
        following = ranked[index + 1] if index + 1 < len(ranked) else b""
        if not following.startswith(driver):
            continue
        b = following[24:]
        if drivers_at[b] == 1:
            unique += 1
            continue
        if holders is None:
            holders = {}
            for held in first:
                holders.setdefault(held[:16], set()).add(held[16:])
        unique += len(holders[a] & holders[b]) == 1
    return round(one / len(heads), 4), round(unique / len(heads), 4)
