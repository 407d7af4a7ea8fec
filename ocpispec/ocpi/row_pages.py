"""A page `run`'s worker processes read, checked and rendered whole, in columns.

A worker sends a page in this form when every object of it fits the strict types
(`fast_pages.strict_fit`: nothing is invalid, nothing is noted) and the export's rows
travel rendered and keyed (`execute.workers`, a CSV row export in value order). The
parent needs of each object only its key's fingerprint for the dedup, its
`last_updated` for the window and what the pipeline counted of it; of each row, its
sort key, its line, the columns it fills and what the risk meter stores of it. They
come as a few plain lists (and the meter's records as one string of bytes), not as
a tuple per object, and the crawl, the window and the rows take a whole page at a
time where nothing happens to it (no repeat, every stamp inside the window):

    fresh, duplicates, invalid = accept_clean(page, room, keys)   # the crawl's dedup
    page.inside(low, high)                                        # the window's test
    page.items()            # the tuple per object of a `Prepared` page, for the rest

The fingerprint of an object is `hash(key)`, as the parent computes it: the workers
are forked, so they share its hash seed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ocpispec.ocpi.accept import Prepared

# the fixed widths of what `disclosure.measured` makes of a row (`disclosure.risk_records`)
_MEMBER = 32
_POINT = 40

# what a fused row function (`execute.fused_rows`) returns for an object it leaves to
# the pipeline, the meter and the keyed line as they are
FALLBACK = object()


class RowPage(list):  # type: ignore[type-arg]
    """The fingerprints of a page's objects (the list), with per object `stamps`
    (canonical `last_updated` texts), `kind_of` (an index into `kinds`, what the
    pipeline counted of it: `(made a row, excluded, filtered, invalid, misses)`) and `row_of` (the
    index of its row, or -1 where it made none); per row `keys` (`value_key`), `lines`
    and `bits` (`DatasetOutput.rendered_beside`); and `members` and `points`, the
    meter's records of the rows end to end (`disclosure.measured`), or None without
    a meter (`points` None also where the meter reads no point)."""

    __slots__ = ("stamps", "kind_of", "kinds", "row_of", "keys", "lines", "bits", "members",
                 "points")
    prepared = True

    def __init__(self, fingerprints: list[int], stamps: list[str], kind_of: list[int],
                 kinds: list[tuple], row_of: list[int], keys: list[bytes], lines: list[str],
                 bits: list[int], members: bytes | None, points: bytes | None) -> None:
        super().__init__(fingerprints)
        self.stamps, self.kind_of, self.kinds, self.row_of = stamps, kind_of, kinds, row_of
        self.keys, self.lines, self.bits = keys, lines, bits
        self.members, self.points = members, points

    @property
    def fingerprints(self) -> list[int]:
        return self

    def inside(self, low: str | None, high: str | None) -> bool:
        """Whether every `last_updated` lies in [low, high) (canonical texts order as time)."""
        return not self.stamps or ((low is None or min(self.stamps) >= low)
                                   and (high is None or max(self.stamps) < high))

    def part(self, row: int) -> tuple[bytes, bytes | None] | None:
        """What the meter stores of row `row`, as `measured` returned it."""
        if self.members is None:
            return None
        point = None if self.points is None else self.points[row * _POINT:(row + 1) * _POINT]
        return self.members[row * _MEMBER:(row + 1) * _MEMBER], point

    def items(self) -> Prepared:
        """The page as a `Prepared` one, as a worker sends a page it does not send whole:
        per object (None, None, fingerprint, stamp, (row, excluded, filtered, invalid,
        misses, part, key)), the row its (line, bits)."""
        items = Prepared()
        kinds, keys, lines, bits = self.kinds, self.keys, self.lines, self.bits
        for fingerprint, stamp, kind, row in zip(self, self.stamps, self.kind_of, self.row_of,
                                                 strict=True):
            _, excluded, filtered, invalid, misses = kinds[kind]
            if row < 0:
                outcome = (None, excluded, filtered, invalid, misses, None, None)
            else:
                outcome = ((lines[row], bits[row]), excluded, filtered, invalid, misses,
                           self.part(row), keys[row])
            items.append((None, None, fingerprint, stamp, outcome))
        return items

    def subset(self, indices: list[int]) -> RowPage:
        rows = [row for index in indices if (row := self.row_of[index]) >= 0]
        at = iter(range(len(rows)))
        row_of = [next(at) if self.row_of[index] >= 0 else -1 for index in indices]
        members = points = None
        if self.members is not None:
            members = b"".join(self.members[row * _MEMBER:(row + 1) * _MEMBER] for row in rows)
        if self.points is not None:
            points = b"".join(self.points[row * _POINT:(row + 1) * _POINT] for row in rows)
        return RowPage([self[i] for i in indices], [self.stamps[i] for i in indices],
                       [self.kind_of[i] for i in indices], self.kinds, row_of,
                       [self.keys[row] for row in rows], [self.lines[row] for row in rows],
                       [self.bits[row] for row in rows], members, points)


def fitting_row_page(objects: list[Any], key_of: Callable[[dict], tuple],
                     record: Callable[[dict], dict | None], counts: Any,
                     beside: Callable[[dict, dict], Any] | None,
                     keyed: Callable[[dict], tuple[bytes, tuple[str, int] | None]],
                     fused: Callable[[dict], Any] | None = None) -> RowPage | None:
    """`row_page` of the items a worker makes of a page that fits the strict types
    (`execute.workers._item` with `fits`: each object keyed by `key_of`, its row made by
    `record`, measured by `beside`, keyed and rendered by `keyed`), in one pass: no tuple
    per object, no second loop over them. None wherever `row_page` would be None; the
    worker then makes the items one by one (running the pipeline on those objects again,
    which keeps nothing of a record but its memos). `fused`: `record`, `beside` and
    `keyed` in one call (`execute.fused_rows`), the three taking the objects it leaves."""
    with_parts = beside is not None
    invalid, misses = counts.invalid, counts.join_misses
    fingerprints: list[int] = []
    stamps: list[str] = []
    kind_of: list[int] = []
    row_of: list[int] = []
    keys: list[bytes] = []
    lines: list[str] = []
    bits: list[int] = []
    members: list[bytes] = []
    points: list[bytes] = []
    index: dict[tuple, int] = {}
    kinds: list[tuple] = []
    # the appends bound once, and the two kinds nearly every object is (a row made, or
    # none, nothing counted) found without a tuple and a lookup each
    fingerprint, stamped, kind_is, row_is = fingerprints.append, stamps.append, \
        kind_of.append, row_of.append
    key_is, line_is, bit_is, member_is, point_is = keys.append, lines.append, bits.append, \
        members.append, points.append
    made = unmade = -1
    for obj in objects:
        if obj.__class__ is not dict:
            return None
        key = key_of(obj)
        stamp = obj.get("last_updated")
        if stamp.__class__ is not str or len(stamp) != 20 or stamp[10] != "T" \
                or stamp[19] != "Z":
            return None
        counts.excluded_private = counts.filtered = 0
        if invalid:
            invalid.clear()
        if misses:
            misses.clear()
        if fused is not None and (whole := fused(obj)) is not FALLBACK:
            row = whole
        else:
            whole, row = None, record(obj)
        if row is None:
            row_is(-1)
        else:
            if whole is not None:
                sort_key, line, part = whole
            else:
                part = beside(obj, row) if with_parts else None   # type: ignore[misc]
                sort_key, line = keyed(row)
            if line is None or sort_key is None:
                return None     # a row the worker sends pickled
            if with_parts:
                if part is None or len(part[0]) != _MEMBER \
                        or part[1] is not None and len(part[1]) != _POINT:
                    return None
                member_is(part[0])
                if part[1] is not None:
                    point_is(part[1])
            row_is(len(lines))
            line_is(line[0])
            bit_is(line[1])
            key_is(sort_key)
        excluded, filtered = counts.excluded_private, counts.filtered
        if excluded or filtered or invalid or misses:
            at = _kind_at(index, kinds, row is not None, excluded, filtered, invalid, misses)
        elif row is not None:
            if (at := made) < 0:
                at = made = _kind_at(index, kinds, True, 0, 0, None, None)
        elif (at := unmade) < 0:
            at = unmade = _kind_at(index, kinds, False, 0, 0, None, None)
        fingerprint(hash(key))
        stamped(stamp)
        kind_is(at)
    if with_parts and points and len(points) != len(lines):
        return None
    return RowPage(fingerprints, stamps, kind_of, kinds, row_of, keys, lines, bits,
                   b"".join(members) if with_parts else None,
                   b"".join(points) if with_parts and points else None)


def _kind_at(index: dict[tuple, int], kinds: list[tuple], made: bool, excluded: int,
             filtered: int, invalid: dict[str, int] | None, misses: dict[str, int] | None
             ) -> int:
    """The index in `kinds` of what the pipeline counted of an object, added at its first."""
    kind = (made, excluded, filtered, tuple(invalid.items()) if invalid else None,
            tuple(misses.items()) if misses else None)
    if (at := index.get(kind)) is None:
        at = index[kind] = len(kinds)
        kinds.append((made, excluded, filtered, dict(invalid) if invalid else None,
                      dict(misses) if misses else None))
    return at


def row_page(items: list[tuple], with_parts: bool) -> RowPage | None:
    """`items` (a worker's tuples, `execute.workers._item`) as a `RowPage`, or None where
    one of them is not a clean object whose row, if any, came rendered and keyed (and
    measured, `with_parts`)."""
    fingerprints: list[int] = []
    stamps: list[str] = []
    kind_of: list[int] = []
    row_of: list[int] = []
    keys: list[bytes] = []
    lines: list[str] = []
    bits: list[int] = []
    members: list[bytes] = []
    points: list[bytes] = []
    index: dict[tuple, int] = {}
    kinds: list[tuple] = []
    for problem, noted, key, stamp, outcome in items:
        if problem is not None or noted is not None or stamp.__class__ is not str \
                or len(stamp) != 20 or stamp[10] != "T" or stamp[19] != "Z":
            return None
        row, excluded, filtered, invalid, misses, part, sort_key = outcome
        kind = (row is not None, excluded, filtered, tuple(invalid.items()) if invalid else None,
                tuple(misses.items()) if misses else None)
        if (at := index.get(kind)) is None:
            at = index[kind] = len(kinds)
            kinds.append((row is not None, excluded, filtered, invalid, misses))
        if row is None:
            row_of.append(-1)
        else:
            if row.__class__ is not tuple or sort_key is None or (with_parts and part is None):
                return None
            row_of.append(len(lines))
            lines.append(row[0])
            bits.append(row[1])
            keys.append(sort_key)
            if with_parts:
                if len(part[0]) != _MEMBER or part[1] is not None and len(part[1]) != _POINT:
                    return None
                members.append(part[0])
                if part[1] is not None:
                    points.append(part[1])
        fingerprints.append(hash(key))
        stamps.append(stamp)
        kind_of.append(at)
    if with_parts and points and len(points) != len(lines):
        return None
    return RowPage(fingerprints, stamps, kind_of, kinds, row_of, keys, lines, bits,
                   b"".join(members) if with_parts else None,
                   b"".join(points) if with_parts and points else None)
