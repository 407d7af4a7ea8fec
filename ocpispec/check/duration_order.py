"""A duration written with its times the other way round, `minutes(end_date_time,
start_date_time)`: `minutes` and `hours` count from their first time to their second,
so every value is negative, and a filter `> 30` keeps nothing (OCX255)."""

from __future__ import annotations

from ocpispec.check.context import Context
from ocpispec.diagnostics import warning
from ocpispec.language import syntax

# a record's (or a charging period's) own times, earliest first
_RANK = {"start_date_time": 0, "end_date_time": 1, "end": 1}


def warn_reversed(call: syntax.Call, ctx: Context) -> None:
    """OCX255 for `minutes(b, a)` or `hours(b, a)` of two times of one record (or one
    element) whose first is always the later one."""
    match call.args:
        case [syntax.FieldRef() as first, syntax.FieldRef() as second]:
            pass
        case _:
            return
    later, earlier = _RANK.get(first.path[-1]), _RANK.get(second.path[-1])
    if later is None or earlier is None or later <= earlier \
            or first.path[:-1] != second.path[:-1]:
        return
    name = call.name.name
    ctx.emit(warning(
        "OCX255", f"`{name}` counts from `{first.dotted}` back to `{second.dotted}`",
        call.span, "every value negative",
        notes=[f"`{name}(a, b)` is the time from `a` to `b`; `{first.dotted}` comes after "
               f"`{second.dotted}`, so each duration is below 0 (and a filter such as "
               "`> 30` keeps no record)"],
        help=f"write `{name}({second.dotted}, {first.dotted})`"))
