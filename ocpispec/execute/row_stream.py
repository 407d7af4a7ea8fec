"""The rows of a CSV row export read by worker processes, a page at a time, into the
value order (`run --workers N`).

The workers check, transform, key, measure and render the rows (`execute.workers`);
what is left to the parent spans pages: the dedup and the window (the crawl's), the
counts, the risk meter's records, the columns rows fill (`EmptyColumns`) and the
sort. A page the workers sent whole (`ocpi.row_pages.RowPage`) that the dedup and
the window left whole is taken in a few calls: its counts by kind, the meter's
records as one string, its keys and lines as two lists into the sort. Any other
page (a `Prepared` one, a page the parent decoded itself) goes object by object, as
`workers.prepared_rows` and `RowRisk.rows` take it, into the same sort.

    rows = RowStream(counts, one, risk, keys, empty).rows(pages, progress)
    # the sorted rows: a worker's line as (line, 0), any other row as its dict

The lines come out as `DatasetOutput.write` takes a rendered row; `empty` has seen
every row's columns by then (the writer's `EmptyColumns.watch` is not needed). The
sort holds about `RUN_BYTES` of keys and lines in memory (`sorted_runs`), whatever
the width of a row.
"""

from __future__ import annotations

import pickle
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ocpispec.execute.empty_columns import EmptyColumns
from ocpispec.execute.sorted_runs import sorted_values
from ocpispec.execute.value_key import KeyBeside
from ocpispec.ocpi.row_pages import RowPage

# keys and lines sorted in memory at a time, before a run spills (about 17,000 rows of
# the realistic 10-column export: keys of 234 bytes, lines of 150)
RUN_BYTES = 8 << 20
# what a held row costs beyond its key's and its line's lengths (their objects, the
# run's lists); a row the worker could not render counts as this much more
_ROW_BYTES = 100
_DICT_ROW_BYTES = 1_000


class RowStream:
    def __init__(self, counts: Any, one: Callable[[dict], dict | None], risk: Any,
                 keys: KeyBeside, empty: EmptyColumns,
                 elsewhere: Callable[..., Any] | None = None) -> None:
        """`one`: the pipeline, for the records of a page the parent decoded itself.
        `risk`: the dataset's `RowRisk` (no k rule) or None. `elsewhere`: where the risk
        figures may be computed while the sorted rows are written (`RowRisk.measured`);
        the caller then collects them (`RowRisk.collect`)."""
        self.counts, self.one, self.risk, self.keys, self.empty = counts, one, risk, keys, empty
        self.elsewhere = elsewhere
        self.filled = empty.filled()

    def rows(self, pages: Iterable[list], progress: Callable[[int], None] | None = None
             ) -> Iterator[Any]:
        """The rows of `pages` in value order. `progress(n)`: told the records read so
        far, after each page."""
        for block in sorted_values(self._keyed(pages, progress), RUN_BYTES):
            for row in block:
                yield (row, 0) if row.__class__ is str else row

    def _keyed(self, pages: Iterable[list], progress: Callable[[int], None] | None
               ) -> Iterator[tuple[list[bytes], list[Any], int]]:
        """Per page, its rows' keys, their lines (or rows) and the bytes they hold;
        counted, measured, watched."""
        risk, meter = self.risk, None
        if risk is not None:
            meter = risk.measuring()
        try:
            read = filled = rows = 0
            for page in pages:
                if page.__class__ is RowPage:
                    filled |= self._whole(page, meter)
                    keys, lines = page.keys, page.lines
                    held = sum(map(len, lines))
                else:
                    keys, lines = [], []
                    filled |= self._one_by_one(page, meter, keys, lines)
                    held = sum(len(line) if line.__class__ is str else _DICT_ROW_BYTES
                               for line in lines)
                rows += len(lines)
                yield keys, lines, held + sum(map(len, keys)) + _ROW_BYTES * len(keys)
                read += len(page)
                if progress is not None:
                    progress(read)
            self.empty.saw(rows, filled)
            if risk is not None:
                risk.measured(meter, self.elsewhere)
        finally:
            if risk is not None and not risk.pending:
                risk.close()

    def _whole(self, page: RowPage, meter: Any) -> int:
        counts = self.counts
        counts.read += len(page)
        for (made_row, excluded, filtered, invalid, misses), n in zip(
                page.kinds, _tally(page)):
            if not n:
                continue
            if misses:  # a join that found nothing still lets its record through
                counts.join_misses.update({alias: count * n for alias, count in misses.items()})
            if made_row:  # of an object that made a row, only its misses count (`prepared_rows`)
                continue
            counts.excluded_private += excluded * n
            counts.filtered += filtered * n
            if invalid:
                counts.invalid.update({reason: count * n for reason, count in invalid.items()})
        if meter is not None and page.members is not None and page.lines:
            meter.add_measured_many(page.members, page.points, len(page.lines))
        filled = 0
        for bits in page.bits:
            filled |= bits
        return filled

    def _one_by_one(self, page: list, meter: Any, keys: list[bytes], lines: list[Any]) -> int:
        counts, one, risk, compute, filled_of = self.counts, self.one, self.risk, \
            self.keys.compute, self.filled
        filled = 0
        for item in page:
            if item.__class__ is not tuple:  # a record of a page read here
                if (row := one(item)) is None:
                    continue
                if meter is not None:
                    risk.measure(meter, item, row)
                filled |= filled_of(row)
                keys.append(compute(row))
                lines.append(row)
                continue
            counts.read += 1
            row, excluded, filtered, invalid, misses, part, key = item[4][:7]
            if misses:
                counts.join_misses.update(misses)
            if row is None:
                counts.excluded_private += excluded
                counts.filtered += filtered
                if invalid:
                    counts.invalid.update(invalid)
                continue
            if row.__class__ is bytes:  # a row the worker could not render: the writer stops at it
                row = pickle.loads(row)
                bits = filled_of(row)
            else:
                row, bits = row
            if meter is not None:
                if part is not None:
                    meter.add_measured(*part)
                else:
                    risk.measure(meter, item, row)
            filled |= bits
            keys.append(key)
            lines.append(row)
        return filled


def _tally(page: RowPage) -> list[int]:
    """How many objects of `page` are of each of its kinds."""
    found = Counter(page.kind_of)
    return [found[kind] for kind in range(len(page.kinds))]
