"""A bound off a column's grid cuts the cell at the edge below the floor (OCX303).

`where start_date_time >= 2025-12-01T15:48:59Z` keeps an open range, and
`truncate(start_date_time, hour)` cuts the start to its floor; each checks clean. Yet the
rows the file shows in the hour 15:00 of that day are the sessions that started between
15:48:59 and 16:00: the bound is a boundary of its own, and the cell between it and the
column's next boundary is eleven minutes wide. A bound a second before the hour ends
tells those starts to the second. So does a fixed window on the time a column cuts
(`between ... window on start_date_time`), a calendar window whose local midnights lie
off the column's UTC hours (Asia/Kathmandu's at :15 past), and a bound on a number
(`kwh >= 23.51` beside `round(kwh, 1)`: the rows shown as 23.5 charged 23.51 to 23.55).

The bound is laid over the column's grid as `check/grids.py` lays two grids over each
other, with the same tolerance: an edge cell of at least half the floor passes
(`kwh > 0` beside `round(kwh, 1)` leaves 0 to 0.05). Row datasets only: an aggregate's
edge group holds the minimum group size of drivers. A filter with `because "..."` (its
bounds are not collected) or a column with one is not warned.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta, timezone

from ocpispec import calendar_windows
from ocpispec.check.context import Context
from ocpispec.check.coordinate_axes import axis_quantity, is_axis
from ocpispec.check.filter_bounds import Bound
from ocpispec.check.floors import Grid
from ocpispec.check.grids import COMBINED_SHARE, boundaries_near, quasi_grids
from ocpispec.check.quantities import quantity, quantity_at
from ocpispec.check.values import Use
from ocpispec.diagnostics import Diagnostic, warning
from ocpispec.diagnostics.source import Span
from ocpispec.frozen import frozen
from ocpispec.language import syntax
from ocpispec.schema.model import Kind

_EPOCH_2026 = 1_767_225_600.0  # 2026-01-01T00:00:00Z, a local midnight's reference


@frozen
class Edge:
    """A value every kept row lies above (`below` False) or below: `quantity` is what
    it bounds (`charge start`), `value` in the field's raw unit (seconds for a time)."""

    quantity: str
    field: str
    value: float
    below: bool
    span: Span
    what: str  # `the filter`, `the window`
    scheduled: bool = False  # where a run of the schedule puts it


def check_edge_cells(source: syntax.From, bounds: Iterable[Bound],
                     released: list[tuple[syntax.Column, str, list[Use]]],
                     ctx: Context) -> None:
    """Warn once per edge that cuts a released column's cell below half its floor.
    `bounds`: the filter's unjustified bounds (`filter_bounds.bounds`)."""
    grids = list(quasi_grids(released))
    for edge in [*_filter_edges(bounds), *_window_edges(source)]:
        for name, use, grid in grids:
            if grid.quantity != edge.quantity:
                continue
            width = _edge_width(edge, grid)
            if width is not None and width < grid.floor * COMBINED_SHARE * (1 - 1e-9):
                ctx.emit(_warn(edge, name, use, grid, width))
                break


def _filter_edges(bounds: Iterable[Bound]) -> Iterator[Edge]:
    for bound in bounds:
        field = bound.use.field
        held = axis_quantity(field) if is_axis(field) else quantity(field)
        yield Edge(held, field.qualified, bound.value, bound.below, bound.span,
                   "the filter")


def _window_edges(source: syntax.From) -> Iterator[Edge]:
    window = source.window
    path = source.event_time.field.path if source.event_time else ("last_updated",)
    field = ".".join(path)
    held = quantity_at(source.module.name, tuple(path), field)

    def edge(value: float | None, below: bool) -> Iterator[Edge]:
        if value is not None:
            yield Edge(held, field, value, below, window.span, "the window")

    match window:
        case syntax.Between(start=start, end=end):
            yield from edge(_moment(start), False)
            yield from edge(_moment(end), True)
        case syntax.SinceDate(start=start):
            yield from edge(_moment(start), False)
        case syntax.PreviousPeriod(zone=zone) if zone is not None:
            midnight = _local_midnight(zone.value)
            yield from edge(midnight, False)
            yield from edge(midnight, True)
        case syntax.MonthToDate(zone=zone) if zone is not None:
            yield from edge(_local_midnight(zone.value), False)


_ROLLING = (syntax.LastPeriod, syntax.SinceLastRun, syntax.SinceDate, syntax.MonthToDate)
_PERIOD_SECONDS = {"minute": 60, "hour": 3600, "day": 86_400, "week": 604_800,
                   "month": 30 * 86_400, "quarter": 91 * 86_400, "year": 365 * 86_400}
_SAMPLE_FROM = datetime(2026, 1, 5, tzinfo=timezone.utc)  # a Monday
_SAMPLED_RUNS = 200


def check_rolling_edges(datasets: Sequence[syntax.Dataset], schedule: syntax.Schedule | None,
                        ctx: Context) -> None:
    """A window that ends at the run (`last 7 days`, `since last run`, `month to date`,
    `since DATE`) has its edges where the runs fall: on the schedule, each run's moment
    and the window's start before it are bounds like a filter's; without a schedule the
    moment is whoever starts the run's, which may cut a cell anywhere."""
    for dataset in datasets:
        source = dataset.source
        if isinstance(dataset.body, syntax.Aggregate) or not isinstance(source.window, _ROLLING):
            continue
        released = ctx.released.get(id(dataset.body), [])
        path = source.event_time.field.path if source.event_time else ("last_updated",)
        field = ".".join(path)
        held = quantity_at(source.module.name, tuple(path), field)
        cuts = [(name, use, grid) for name, use, grid in quasi_grids(released)
                if grid.quantity == held and grid.period is not None]
        if not cuts:
            continue
        if schedule is None:
            name, use, grid = cuts[0]
            ctx.emit(_unscheduled(source.window, field, name, grid))
            continue
        edges = list(_run_edges(source.window, schedule, held, field))
        for name, use, grid in cuts:
            found = [(edge, width) for edge in edges
                     if (width := _edge_width(edge, grid)) is not None
                     and width < grid.floor * COMBINED_SHARE * (1 - 1e-9)]
            if found:
                edge, width = min(found, key=lambda pair: pair[1])
                ctx.emit(_warn(edge, name, use, grid, width))
                break


def _run_edges(window: syntax.Window, schedule: syntax.Schedule, held: str,
               field: str) -> Iterator[Edge]:
    """The window's edges at the schedule's runs of a week (at most 200 runs)."""
    from ocpispec.language.schedule import next_run

    runs, moment = [], _SAMPLE_FROM
    try:
        while len(runs) < _SAMPLED_RUNS and moment < _SAMPLE_FROM + timedelta(days=7):
            moment = next_run(schedule, moment)
            runs.append(moment)
    except (ValueError, TypeError):  # a schedule that cannot run: OCX409 says so
        return
    what = "the window at a run of the schedule"
    for previous, run in zip([None, *runs], runs):
        yield Edge(held, field, run.timestamp(), True, window.span, what, True)
        match window:
            case syntax.LastPeriod(amount=amount, unit=unit):
                length = amount * _PERIOD_SECONDS.get(calendar_windows.unit_of(unit.name) or
                                                      unit.name.removesuffix("s"), 0)
                if length:
                    yield Edge(held, field, run.timestamp() - length, False, window.span,
                               what, True)
            case syntax.SinceLastRun() if previous is not None:
                yield Edge(held, field, previous.timestamp(), False, window.span, what, True)


def _unscheduled(window: syntax.Window, field: str, name: str, grid: Grid) -> Diagnostic:
    return warning(
        "OCX303", f"the window ends at the moment of the run, which may cut a cell of `{name}` "
        f"below the floor of `{grid.field}`", window.span,
        f"the rows at its edges have `{field}` between the run's moment and a boundary of "
        f"`{name}`",
        notes=[f"`{name}` cuts `{grid.field}` into cells, but the window's edges are "
               "boundaries of their own, and they fall where the run starts: a run at 06:59 "
               f"leaves the rows of the window's first hour with `{field}` in its last minute",
               "the spec has no schedule, so the check cannot know when the runs come"],
        help=f"schedule the export at a boundary of `{name}` (`schedule daily at 06:00`), "
             "or use a calendar window (`previous 7 complete days`), or aggregate the "
             "dataset, or add `because \"...\"` to the column with the reason")


def _moment(literal: syntax.Literal) -> float | None:
    """A window's date or time as UTC seconds (a date is its UTC midnight)."""
    if not isinstance(literal.value, str):
        return None
    try:
        moment = datetime.fromisoformat(literal.value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()


def _local_midnight(zone: str) -> float | None:
    """A midnight of the zone's clock, as UTC seconds (the zone's offset at the start of
    2026: the boundaries of its calendar periods lie that far off UTC's)."""
    found = calendar_windows.zone_or_none(zone)
    if found is None:
        return None
    return _EPOCH_2026 - found.utcoffset(datetime(2026, 1, 1)).total_seconds()


def _edge_width(edge: Edge, grid: Grid) -> float | None:
    """The width of the cell between the edge and the grid's next boundary on the side
    the rows lie; None when the edge is itself a boundary or has none beyond it."""
    points = boundaries_near(grid, edge.value)
    tolerance = 1e-9 * max(1.0, abs(edge.value))
    if any(abs(point - edge.value) <= tolerance for point in points):
        return None
    if edge.below:
        before = [point for point in points if point < edge.value]
        return edge.value - max(before) if before else None
    after = [point for point in points if point > edge.value]
    return min(after) - edge.value if after else None


def _warn(edge: Edge, name: str, use: Use, grid: Grid, width: float) -> Diagnostic:
    shown, floor = _width(width, use), _width(grid.floor, use)
    other = "previous" if edge.below else "next"
    return warning(
        "OCX303", f"the bound of {edge.what} cuts a cell of `{name}` below the floor of "
        f"`{grid.field}`", edge.span,
        f"the rows in the cell it cuts have `{edge.field}` within {shown}",
        notes=[f"`{name}` cuts `{grid.field}` into cells of {floor} or more, but the bound is "
               f"a boundary of its own, {shown} from the column's {other} one: every row "
               "the file shows in that cell has its value within that span, whatever the "
               "column coarsens it to",
               "a bound a moment before a boundary tells the rows beside it to that moment"],
        help=(f"schedule the runs on boundaries of `{name}` (`daily at 06:00`) with a window "
              "of whole cells, or use a calendar window (`previous 7 complete days`)"
              if edge.scheduled
              else f"put the bound on a boundary of `{name}` (a whole hour, a multiple of the "
              "rounding step, a bucket edge)") + ", or aggregate the dataset, or add "
             "`because \"...\"` with the reason")


def _width(width: float, use: Use) -> str:
    """A width as a reviewer reads it: `11 minutes 1 second`, `an hour`, `0.04`."""
    if use.field.field.kind is not Kind.DATETIME:
        return f"{round(width, 9):g}"
    if round(width) == 3600:
        return "an hour"
    minutes, seconds = divmod(round(width), 60)
    parts = [f"{minutes} minute{'s' * (minutes != 1)}"] if minutes else []
    parts += [f"{seconds} second{'s' * (seconds != 1)}"] if seconds or not minutes else []
    return " ".join(parts)
