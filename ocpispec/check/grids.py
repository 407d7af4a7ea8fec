"""Generalisations that combine: two columns of one dataset cutting the same
quasi-identifier on different grids.

`round(kwh, 1)` and `round(kwh + 0.05, 1)` each keep steps of 0.1 kWh, and together
steps of 0.05; ten shifted copies give 0.01. The check takes every protecting grid of a
field in the dataset (`round`, `bucket`, `grid`, `round_coords`, `truncate`), lays their
cell boundaries over a realistic range of the raw value and measures the narrowest cell.
Below half the field's floor the later column is treated as released raw (OCX303). Half,
not the whole floor: any two different grids overlap somewhere (`round(kwh, 1)` and
`bucket(kwh, [0, 5, 10])` leave a cell of 0.05 kWh at 5), and that much is tolerated.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

from ocpispec.language import syntax
from ocpispec.check.context import Context
from ocpispec.check.floors import COORDINATE_STEP, SITE_COORDINATE_STEP, TIME_FLOOR_SECONDS, \
    Grid, assess
from ocpispec.check.values import Use
from ocpispec.diagnostics import warning
from ocpispec.schema.model import PrivacyClass

COMBINED_SHARE = 0.5
_MOST_BOUNDARIES = 200_000
_EPOCH_2026 = 1_767_225_600.0  # 2026-01-01T00:00:00Z


def check_combined(columns: Iterable[tuple[syntax.Column, str, list[Use]]],
                   ctx: Context) -> None:
    seen: dict[str, list[tuple[str, Grid]]] = {}
    for name, use, grid in quasi_grids(columns):
        earlier = seen.setdefault(grid.quantity, [])
        if all(grid != other for _, other in earlier) and earlier:
            _check(use, name, grid, earlier, ctx)
        earlier.append((name, grid))


def check_linked(datasets: Iterable[tuple[str, list[tuple[syntax.Column, str, list[Use]]]]],
                 link: str, ctx: Context) -> None:
    """Row datasets that release the pseudonym of the same record (`pseudonymize(id)`):
    joined on it, their rows are one record's, so their grids combine as the columns of
    one dataset do. Only combinations across datasets are reported here (those within
    one were by `check_combined`); columns are named `dataset.column`."""
    seen: dict[str, list[tuple[str, Grid, str]]] = {}
    for dataset, columns in datasets:
        for name, use, grid in quasi_grids(columns):
            earlier = seen.setdefault(grid.quantity, [])
            if any(other != dataset for _, _, other in earlier) and \
                    all(grid != other for _, other, _ in earlier):
                _check(use, f"{dataset}.{name}", grid,
                       [(other_name, other) for other_name, other, _ in earlier], ctx, link=link)
            earlier.append((f"{dataset}.{name}", grid, dataset))


def quasi_grids(columns: Iterable[tuple[syntax.Column, str, list[Use]]]
                 ) -> Iterator[tuple[str, Use, Grid]]:
    """The grid of each quasi-identifier a column without a justification reads."""
    for column, name, uses in columns:
        if column.justification is not None:
            continue
        for use in uses:
            if use.field.privacy is PrivacyClass.QUASI and (grid := assess(use).grid) is not None:
                yield name, use, grid


def _check(use: Use, name: str, grid: Grid, earlier: list[tuple[str, Grid]],
           ctx: Context, link: str | None = None) -> None:
    finest = finest_cell([grid, *(other for _, other in earlier)])
    if finest >= grid.floor * COMBINED_SHARE * (1 - 1e-9):
        return
    names = ", ".join(f"`{other}`" for other, _ in earlier)
    linked = [f"the datasets release {link}: joined on it, their rows are one "
              "record's"] if link else []
    ctx.emit(warning(
        "OCX303", f"quasi-identifier `{grid.field}` is released below its generaliser floor",
        use.field.ref.span, f"finer together with {names}",
        notes=["times, places, energy and costs single out drivers when combined",
               *linked,
               f"columns `{name}` and {names} cut `{grid.field}` on different grids; "
               f"together they leave cells of {finest:.3g}, below half its floor of "
               f"{grid.floor:g}"],
        help=f"generalise `{grid.field}` once and release that column, or add "
             "`because \"...\"` with the reason"))


def finest_cell(grids: list[Grid]) -> float:
    """The narrowest cell the grids leave together, over a realistic range of values."""
    low, high = _range(grids[0].floor)
    points = sorted({round(x, 9) for grid in grids for x in _boundaries(grid, low, high)})
    gaps = [b - a for a, b in zip(points, points[1:]) if b - a > 1e-9 * max(1.0, abs(b))]
    return min(gaps, default=math.inf)


def _range(floor: float) -> tuple[float, float]:
    if math.isclose(floor, TIME_FLOOR_SECONDS):
        return _EPOCH_2026, _EPOCH_2026 + 30 * 86_400
    if math.isclose(floor, COORDINATE_STEP) or math.isclose(floor, SITE_COORDINATE_STEP):
        return -180.0, 180.0
    return 0.0, 200.0  # decimal steps repeat well within it


def boundaries(grid: Grid) -> list[float]:
    """The cell boundaries of a grid over a realistic range of the raw value."""
    return _boundaries(grid, *_range(grid.floor))


def boundaries_near(grid: Grid, value: float) -> list[float]:
    """The cell boundaries of a grid around a raw value: at least two periods either
    side, or every edge of a bucket."""
    if not grid.scale or not all(map(math.isfinite, (grid.scale, grid.shift))):
        return []
    if grid.period is None:
        return [(edge - grid.shift) / grid.scale for edge in grid.edges]
    reach = 2 * grid.period / abs(grid.scale)
    return _boundaries(grid, value - reach, value + reach)


def _boundaries(grid: Grid, low: float, high: float) -> list[float]:
    if grid.scale == 0 or not all(map(math.isfinite, (grid.scale, grid.shift, grid.offset,
                                                        grid.period or 1.0))):
        return []
    ends = sorted((grid.scale * low + grid.shift, grid.scale * high + grid.shift))
    if not all(map(math.isfinite, ends)):
        return []
    if grid.period is None:
        values = [edge for edge in grid.edges if ends[0] <= edge <= ends[1]]
    else:
        first = math.ceil((ends[0] - grid.offset) / grid.period)
        last = math.floor((ends[1] - grid.offset) / grid.period)
        last = min(last, first + _MOST_BOUNDARIES)
        values = [k * grid.period + grid.offset for k in range(first, last + 1)]
    return [(value - grid.shift) / grid.scale for value in values]
