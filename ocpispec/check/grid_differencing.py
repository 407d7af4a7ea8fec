"""Differencing by grids: two aggregates of one export that group one value on grids
whose cells straddle each other (OCX332).

`group by bucket(kwh, [10, 20, 30])` beside `group by bucket(kwh, [10.5, 20, 30])`: every
group of each holds the minimum number of drivers, but the group `<10.5` of one minus
the group `<10` of the other is the sessions of 10 to 10.5 kWh, often one driver's. The
same holds for a day cut in UTC beside one in Amsterdam, `round(kwh, 0)` beside
`round(kwh + 0.5, 0)`, or two coordinate grids. Secondary suppression cannot help: a
group of one lies in two groups of the other, so neither is a total of the other's.
When one grid's cells are unions of the other's (`[10, 20]` beside `[10, 15, 20]`) and
the two read the same records, the coarser one's rows are totals the run protects
(`plan/margins.py`, observed keys); over another filter or window nothing protects them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ocpispec.check.checked import CheckedDataset
from ocpispec.check.context import Context
from ocpispec.check.dataset_differences import difference_of, difference_of_records, \
    related_aggregates
from ocpispec.check.floors import Grid
from ocpispec.check.grids import boundaries, quasi_grids
from ocpispec.diagnostics import Diagnostic, Label, Severity
from ocpispec.diagnostics.source import SourceFile
from ocpispec.language import syntax


STRADDLE_NOTE = ("a group of one minus the groups of the other it overlaps leaves the records "
                 "between two neighbouring boundaries of the two grids (`bucket(kwh, [10, "
                 "20])` beside `bucket(kwh, [10.5, 20])`: the sessions of 10 to 10.5 kWh), "
                 "often a single driver's")


def check_grid_differencing(datasets: Iterable[CheckedDataset | None], ctx: Context) -> None:
    aggregates = [d for d in datasets if d is not None and d.is_aggregate]
    for index, later in enumerate(aggregates):
        for earlier in aggregates[:index]:
            found = straddling(earlier, later, ctx.source, ctx.source)
            if found is not None:
                ctx.emit(_warning(earlier, later, *found))
                break  # one warning per dataset is enough to send the reviewer to it


def straddling(first: CheckedDataset, second: CheckedDataset, source_a: SourceFile,
               source_b: SourceFile, one_spec: bool = True
               ) -> tuple[syntax.Column, syntax.Column, str] | None:
    """The keys of two aggregates (each in its own spec's text) that cut one value on
    grids whose cells straddle, and the value; None where they do not, or where the
    filter or window they differ by is warned of already (`difference_of`). Grids that
    nest are totals secondary suppression protects, within one spec over one set of
    records only."""
    if not related_aggregates(first, second, source_a, source_b) or \
            difference_of(first, second, source_a, source_b) is not None:
        return None
    protected = one_spec and difference_of_records(first, second, source_a, source_b) is None
    return _straddling(first.key_grids, second.key_grids, protected)


def key_grids(released: Sequence[tuple[syntax.Column, str, list]]
              ) -> tuple[tuple[str, syntax.Column, Grid], ...]:
    """(quantity, key column, grid) of each group key cutting a quasi-identifier."""
    columns = {name: column for column, name, _ in released}
    return tuple((grid.quantity, columns[name], grid)
                 for name, use, grid in quasi_grids(released))


def _straddling(first: Sequence[tuple[str, syntax.Column, Grid]],
                second: Sequence[tuple[str, syntax.Column, Grid]], same_records: bool
                ) -> tuple[syntax.Column, syntax.Column, str] | None:
    for read, column_a, grid_a in first:
        for other, column_b, grid_b in second:
            if read != other or grid_a == grid_b:
                continue
            if same_records and _nested(grid_a, grid_b):
                continue
            return column_a, column_b, grid_a.field
    return None


def _nested(first: Grid, second: Grid) -> bool:
    """Whether every cell of one grid is a union of cells of the other: the boundaries of
    one are among the other's, over a realistic range of the value."""
    a, b = (frozenset(round(x, 6) for x in boundaries(grid)) for grid in (first, second))
    return bool(a and b) and (a <= b or b <= a)


def _warning(earlier: CheckedDataset, later: CheckedDataset, there: syntax.Column,
             here: syntax.Column, field: str) -> Diagnostic:
    return Diagnostic(
        "OCX332", Severity.WARNING,
        f"two aggregates of `{later.module}` group `{field}` on grids whose cells straddle "
        "each other",
        (Label(here.expr.span, f"`{field}` cut on another grid than the aggregate above"),
         Label(there.expr.span, "the other grid here", False)),
        notes=[STRADDLE_NOTE,
               "secondary suppression protects totals only where each cell of one grid is a "
               "union of the other's, over the same records",
               "the minimum group size protects each table alone, not their difference"],
        help=f"cut `{field}` the same way in both; or on grids where every boundary of one "
             "is a boundary of the other, with the same filter and window")
