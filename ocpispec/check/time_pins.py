"""Two cut times and the duration between them: together, the times to the duration's step.

`truncate(start_date_time, hour)`, `truncate(end_date_time, hour)` and
`round(minutes(start_date_time, end_date_time))` each reach their floor, but a session
shown as started in hour 10, ended in hour 11 and 3 minutes long started in the last 3
minutes of hour 10: the start lies in its hour and 3 minutes before a point of the end's
hour, and the two ranges overlap by as little as the duration's step. So a row dataset
that cuts both times and releases the duration between them on a step finer than half
the time floor (30 minutes) releases those times below their floor (OCX303), as two
columns cutting one field on different grids do (`check/grids.py`).
"""

from __future__ import annotations

from collections.abc import Iterable

from ocpispec.language import syntax
from ocpispec.check.context import Context
from ocpispec.check.floors import TIME_FLOOR_SECONDS, between_record_times
from ocpispec.check.grids import COMBINED_SHARE
from ocpispec.check import literals
from ocpispec.check.quantities import quantity, quantity_at
from ocpispec.check.values import Use
from ocpispec.diagnostics import warning

_UNIT_SECONDS = {"minutes": 60.0, "hours": 3600.0}


def check_time_pins(columns: Iterable[tuple[syntax.Column, str, list[Use]]],
                    ctx: Context) -> None:
    check_linked_time_pins([("", list(columns))], ctx)


def check_linked_time_pins(datasets: Iterable[tuple[str, list[tuple[syntax.Column, str,
                                                                     list[Use]]]]],
                           ctx: Context) -> None:
    """The check over the columns of several row datasets that a record's pseudonym
    links (`check/linked_grids.py`), named `dataset.column`: only combinations that
    span datasets are reported, those within one were already. One dataset: `""`."""
    listed = [(column, f"{dataset}.{name}" if dataset else name, dataset, uses)
              for dataset, columns in datasets for column, name, uses in columns
              if column.justification is None]
    cut: dict[str, tuple[str, str, bool]] = {}  # by time: column, dataset, an update time
    for column, name, dataset, uses in listed:   # the first cut of a time is the one named
        if (ref := _cut_field(column.expr)) is not None:
            cut.setdefault(_ref_key(ref, uses), (name, dataset,
                                                 ref.path[-1:] == ("last_updated",)))
    linked = len({dataset for _, _, dataset, _ in listed}) > 1
    for column, name, dataset, uses in listed:
        found = _duration(column.expr, uses)
        if found is None:
            continue
        (first, second), at, step = found
        module = next((use.field.module for use in uses), "")
        keys = [_time_key(path, module) for path in (first, second)]
        if any(key not in cut for key in keys) or step >= TIME_FLOOR_SECONDS * COMBINED_SHARE:
            continue
        if linked and cut[keys[0]][1] == cut[keys[1]][1] == dataset:
            continue
        _warn(at, (first, second), name, step, (cut[keys[0]][0], cut[keys[1]][0]), ctx,
              updated=any(cut[key][2] for key in keys))


def _ref_key(ref: syntax.FieldRef, uses: list[Use]) -> str:
    """The time a cut field holds: `cdr.end_date_time` of a session's CDR is its end, and
    so, to its hour, is a session's `last_updated` (SESSION_UPDATE)."""
    found = next((use.field for use in uses if use.field.ref == ref), None)
    if found is not None and found.module == "sessions" and not found.base \
            and found.path == ("last_updated",):
        return quantity_at("sessions", ("end_date_time",), "end_date_time")
    return quantity(found) if found is not None else ".".join(ref.path)


# a session is last updated when it ends: on the demo CPO 30 seconds to 10 minutes after
# its `end_date_time`, so its update time cut to the hour is nearly the end's hour
SESSION_UPDATE = ("a session is last updated when it ends (on the demo CPO 30 seconds to "
                  "10 minutes later): its `last_updated` cut to the hour is its end's hour, "
                  "or the next")


def _time_key(path: tuple[str, ...], module: str) -> str:
    """A duration's time: the record's own, or its charging period's (`period.end`)."""
    in_record = path if len(path) == 1 else ("charging_periods", *path[1:])
    return quantity_at(module, in_record, ".".join(path))


def _cut_field(expr: syntax.Expr) -> syntax.FieldRef | None:
    """The field a column cuts into cells of time (`truncate` of any unit, in any zone;
    `hour_of_day` and `weekday` too: beside the other time and the duration, the day or
    week they leave out is known), or None."""
    match expr:
        case syntax.Call(name=syntax.Ident(name="truncate" | "hour_of_day" | "weekday"),
                         args=(syntax.FieldRef() as ref, *_)):
            return ref
    return None


# fields that are the time between two times of the record: a CDR's `total_time` is its
# duration from start to end, in hours
_DURATION_FIELDS = {("total_time",): ((("start_date_time",), ("end_date_time",)), 3600.0)}
Times = tuple[tuple[str, ...], tuple[str, ...]]


def _duration(expr: syntax.Expr, uses: list[Use]
              ) -> tuple[Times, syntax.FieldRef | syntax.Call, float] | None:
    """A `round` or `bucket` of a duration between two times of the record: the two
    times, where it is read, and the step it keeps in seconds (None for any other
    column: an unrounded duration is refused on its own, OCX303)."""
    match expr:
        case syntax.Call(name=syntax.Ident(name="round" | "bucket" as name),
                         args=(syntax.Call() as inner, *rest)):
            if inner.name.name not in _UNIT_SECONDS or not between_record_times(inner):
                return None
            kept = _kept(name, rest[0] if rest else None)
            times = (inner.args[0].path, inner.args[1].path)  # type: ignore[union-attr]
            return None if kept is None else (times, inner, kept * _UNIT_SECONDS[inner.name.name])
        case syntax.Call(name=syntax.Ident(name="round" | "bucket" as name),
                         args=(syntax.FieldRef() as ref, *rest)) \
                if (field := _duration_field(_in_record(ref, uses))) is not None:
            times, unit = field
            kept = _kept(name, rest[0] if rest else None)
            return None if kept is None else (times, ref, kept * unit)
    return None


def _in_record(ref: syntax.FieldRef, uses: list[Use]) -> tuple[str, ...]:
    """Where `ref` reads in its record: a joined CDR's `cdr.total_time` is `total_time`."""
    found = next((use.field for use in uses if use.field.ref == ref), None)
    if found is not None and found.module == "cdrs" and found.path in _DURATION_FIELDS:
        return found.path
    return ref.path


def _duration_field(path: tuple[str, ...]) -> tuple[Times, float] | None:
    """The two times a duration field lies between, and its unit in seconds."""
    if path in _DURATION_FIELDS:
        return _DURATION_FIELDS[path]
    if len(path) == 2 and path[1] == "duration":
        # a charging period's derived `duration` (`each charging_periods as period`):
        # minutes from its `start_date_time` to its `end`
        return ((path[0], "start_date_time"), (path[0], "end")), 60.0
    return None


def _kept(name: str, argument: syntax.Expr | None) -> float | None:
    if name == "round":
        digits = literals.constant(argument) if argument is not None else 0.0
        return None if digits is None else 10.0 ** -digits
    edges = literals.edges(argument) if argument is not None else None
    widths = [b - a for a, b in zip(edges or [], (edges or [])[1:])]
    return min(widths) if widths else None


def _warn(at: syntax.FieldRef | syntax.Call, times: Times, name: str, step: float,
          cuts: tuple[str, str], ctx: Context, *, updated: bool = False) -> None:
    first, second = (".".join(path) for path in times)
    because = [SESSION_UPDATE] if updated else []
    ctx.emit(warning(
        "OCX303", f"quasi-identifier `{first}` is released below its generaliser floor",
        at.span, f"with `{cuts[0]}` and `{cuts[1]}`, gives the times to {_shown(step)}",
        notes=[f"`{cuts[0]}` and `{cuts[1]}` cut `{first}` and `{second}`, and `{name}` is the "
               f"time between them in steps of {_shown(step)}: where a row's two cuts and its "
               "duration only just fit together, they leave the times a range that narrow",
               *because, "times, places, energy and costs single out drivers when combined"],
        help="round the duration to at least 30 minutes (`round(hours(...), 0)`, "
             "`bucket(total_time, [0, 0.5, 1, ...])`), or "
             "release only one of the two times"))


def _shown(seconds: float) -> str:
    if seconds >= 60:
        return f"{seconds / 60:g} minutes" if seconds != 60 else "1 minute"
    return f"{seconds:g} seconds"
