"""A dataset's time keys against its window: a local window cut by the UTC clock, or
local periods in a window bounded at UTC midnights (OCX236), and groups by the start of
a record selected by its last update (OCX237).

`previous month in "Europe/Amsterdam"` reads the month from local midnight to local
midnight, but `truncate(start_date_time, month)`, `weekday(...)` and `hour_of_day(...)`
work in UTC unless they are given a zone: the sessions of the first local hour of the
month are labelled with the month before (a second, tiny row in every file, mostly
suppressed), and a Monday 00:30 local session is a Sunday. A column that wants UTC says
so with `"UTC"` as its zone.

A window selects by `last_updated` unless it says `window on start_date_time`: a
month's file then holds the sessions updated in the month, and grouped by the month
they started in, those that started in the month before (and ended or were billed in
this one) form a row of the month before, small and usually suppressed, while the
previous file's row of that month lacks them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

from ocpispec import calendar_windows
from ocpispec.language import syntax
from ocpispec.check.calls import calls_in, dataset_calls
from ocpispec.check.context import Context
from ocpispec.diagnostics import Diagnostic, warning
from ocpispec.diagnostics.source import Span
from ocpispec.language.functions import ALIASES, lookup

# the units a whole-hour zone offset moves across a boundary (hours stay hours)
_LOCAL_UNITS = frozenset({"day", "week", "month", "quarter", "year"})
_PARTS = {"weekday": "day of the week", "hour_of_day": "hour of the day"}


def check_clocks(datasets: Sequence[syntax.Dataset], ctx: Context) -> None:
    for dataset in datasets:
        _check_event_keys(dataset, ctx)
        _check_utc_bounds(dataset, ctx)
        zone = local_zone(dataset.source.window)
        if zone is None:
            _check_two_clocks(dataset, ctx)
            continue
        for call in dataset_calls(dataset):
            cut = _utc_cut(call)
            if cut is not None:
                ctx.emit(_diagnostic(call, cut, zone, ctx))
        for spread in dataset.source.spreads:
            if spread.unit.name == "day" and spread.zone_phrase == "utc":
                ctx.emit(_utc_days(spread, zone, ctx))


_EVENT_TIMES = ("start_date_time", "end_date_time")


def _check_event_keys(dataset: syntax.Dataset, ctx: Context) -> None:
    """OCX237: an aggregate of sessions or CDRs in a calendar or fixed (`between`) window
    on `last_updated` (the periodic statistics case, and a one-off table of a given range;
    rolling windows overlap anyway, OCX336), grouped by a cut of the record's start or end
    time."""
    source, body = dataset.source, dataset.body
    if not isinstance(body, syntax.Aggregate) or source.event_time is not None \
            or source.module.name not in ("sessions", "cdrs") \
            or not isinstance(source.window, (*syntax.CALENDAR_WINDOWS, syntax.Between)):
        return
    slots = {spread.alias.name for spread in source.spreads}
    periods = {each.alias.name for each in source.eaches
               if each.path.path == ("charging_periods",)}
    for key in body.keys:
        if isinstance(key.expr, syntax.FieldRef) and key.expr.path[0] in slots:
            # a spread's slots are the times a record's periods (or its interval) cover
            ctx.emit(_late_rows(key.expr, "start_date_time", source.window, ctx))
            return
        for call in calls_in(key.expr):
            if ALIASES.get(call.name.name, call.name.name) != "truncate" or not call.args:
                continue
            field = call.args[0]
            if not isinstance(field, syntax.FieldRef):
                continue
            if field.path in ((time,) for time in _EVENT_TIMES) or (
                    len(field.path) == 2 and field.path[0] in periods
                    and field.path[1] == "start_date_time"):
                ctx.emit(_late_rows(call, field.dotted, source.window, ctx))
                return


def _check_utc_bounds(dataset: syntax.Dataset, ctx: Context) -> None:
    """OCX236 the other way round: `between 2025-01-01 and 2026-01-01` (UTC midnights)
    grouped by `truncate(start_date_time, month, "Europe/Amsterdam")`: the first local
    hour of January lies before the window (January is short by it) and the last hour of
    December 31 local after midnight UTC makes a tiny row of the next year's January."""
    window = dataset.source.window
    if not isinstance(dataset.body, syntax.Aggregate):
        return  # rows keep their own labels; only totals come out short
    if isinstance(window, syntax.CALENDAR_WINDOWS):
        if _utc_calendar(window):
            for call in dataset_calls(dataset):
                zone = _local_cut_zone(call)
                if zone is not None:
                    ctx.emit(_utc_periods(call, window, zone, ctx))
                    return
        return
    bounds = [window.start, window.end] if isinstance(window, syntax.Between) else \
        [window.start] if isinstance(window, syntax.SinceDate) else []
    if not bounds or not all(_utc_midnight(bound.value) for bound in bounds):
        return
    for call in dataset_calls(dataset):
        zone = _local_cut_zone(call)
        if zone is not None:
            ctx.emit(_utc_bounds(call, window, zone, ctx))
            return


def _utc_calendar(window: syntax.PreviousPeriod | syntax.MonthToDate) -> bool:
    """A calendar window aligned to UTC: no zone, or `in "UTC"` (an unknown one is
    OCX231 already)."""
    if window.zone is None:
        return True
    try:
        return calendar_windows.zone_of(window.zone.value) is None
    except LookupError:
        return False


def _utc_periods(call: syntax.Call, window: syntax.PreviousPeriod | syntax.MonthToDate,
                 zone: str, ctx: Context) -> Diagnostic:
    """OCX236 for a calendar window in UTC (`previous month`) whose groups are periods
    of another zone: the same short first period and tiny next one as UTC bounds."""
    written, period = _text(call.span, ctx), _text(window.span, ctx)
    if window.zone is not None:
        period = period[:window.zone.span.start - window.span.start].rstrip()
        period = period.removesuffix("in").rstrip()
    return warning(
        "OCX236", f"`{written}` cuts {zone} periods, but the window's periods are UTC ones",
        window.span, "periods from midnight UTC",
        notes=[f"a period of {zone} starts at local midnight, an hour or two before or after "
               "midnight UTC: the records of the first local hours lie in the window before "
               "(this period's row is short by them), and those of the hours after the "
               "window's end form a small row of the next period, mostly suppressed"],
        help=f'make the window\'s periods local: `{period} in "{zone}"`')


def _utc_midnight(value: object) -> bool:
    """A bound at midnight UTC of a real date (an invalid one is OCX213 already)."""
    if not isinstance(value, str) or not (len(value) == 10 or value.endswith("T00:00:00Z")
                                          or value.endswith("T00:00Z")):
        return False
    try:
        datetime.fromisoformat(value[:10])
    except ValueError:
        return False
    return True


def _local_cut_zone(call: syntax.Call) -> str | None:
    """The zone of `truncate(t, day|week|month|year, "Zone")` whose midnight is not
    UTC's (at the start of 2026 or in summer)."""
    name = ALIASES.get(call.name.name, call.name.name)
    match name, call.args:
        case "truncate", (_, syntax.FieldRef(path=(unit,)), syntax.Literal(value=str(zone))) \
                if unit in _LOCAL_UNITS:
            return zone if _off_utc(zone) else None
    return None


def _utc_bounds(call: syntax.Call, window: syntax.Window, zone: str,
                ctx: Context) -> Diagnostic:
    written = _text(call.span, ctx)
    local, kept = [], []
    for bound in (window.start, window.end) if isinstance(window, syntax.Between) \
            else (window.start,):
        day = datetime.fromisoformat(str(bound.value)[:10])
        if bound is not window.start and _month_end_date(str(bound.value), day):
            kept.append(str(bound.value))  # OCX325's day: the local bound reads it too
            day += timedelta(days=1)
        moment = day.replace(tzinfo=calendar_windows.zone_of(zone)).astimezone(timezone.utc)
        local.append(moment.strftime("%Y-%m-%dT%H:%M:%SZ"))
    rewrite = f"between {local[0]} and {local[1]}" if len(local) == 2 else \
        f"since {local[0]}"
    return warning(
        "OCX236", f"`{written}` cuts {zone} periods, but the window's bounds are UTC "
        "midnights", window.span, "UTC midnights",
        notes=[f"a period of {zone} starts at local midnight, an hour or two before or after "
               "midnight UTC: the records of those hours fall outside the window (the first "
               "period is short by them) or form a small row of a period the window does "
               "not cover"] + [f"the help's bounds read {day} too, the month's last day, "
                               "which the window as written leaves out (OCX325)"
                               for day in kept],
        help=f"bound the window at local midnights: `{rewrite}`, or use a calendar window "
             f'in the zone, e.g. `previous month in "{zone}"`')


def _month_end_date(written: str, day: datetime) -> bool:
    """A bound written as a date that is a month's last day: `between ... and 2025-12-31`
    reads up to its start, leaving that day out (OCX325)."""
    return len(written) == 10 and day.date() != day.date().max \
        and (day + timedelta(days=1)).day == 1


def _late_rows(key: syntax.Call | syntax.FieldRef, field: str, window: syntax.Window,
               ctx: Context) -> Diagnostic:
    """`field`: the time the groups cut (`period.start_date_time`, or a spread's slot
    of the record's own time); the window is put on the record's own time."""
    own = field.rsplit(".", 1)[-1]
    cut = f"`{key.dotted}`, a time the record covers" if isinstance(key, syntax.FieldRef) \
        else f"a cut of `{field}`"
    return warning(
        "OCX237", f"the groups are by `{key.dotted if isinstance(key, syntax.FieldRef) else field}`"
        ", but the window selects by `last_updated`",
        key.span, cut,
        notes=["OCPI selects records by when they were last updated: a session that started "
               "before the window and ended or was billed in it is in this window's file, "
               f"as a row of an earlier `{_text(key.span, ctx)}`; that row is small (often "
               "suppressed) and the earlier file's row lacks it"],
        help=f"select by the same time: add `window on {own}` after "
             f"`{_text(window.span, ctx)}`")


def local_zone(window: syntax.Window | None) -> str | None:
    """The zone of a calendar window stated in one other than UTC."""
    if not isinstance(window, syntax.CALENDAR_WINDOWS) or window.zone is None:
        return None
    return window.zone.value if calendar_windows.zone_or_none(window.zone.value) else None


def _utc_cut(call: syntax.Call) -> str | None:
    """What a call without a zone cuts in UTC that a local clock cuts elsewhere."""
    name = ALIASES.get(call.name.name, call.name.name)
    if call.args and isinstance(call.args[0], syntax.Call) \
            and lookup(call.args[0].name.name) is None:
        return None  # `hour_of_day(convert_tz(t, ...))`: OCX107 writes the zone in
    match name, call.args:
        case "truncate", (_, syntax.FieldRef(path=(unit,))) if unit in _LOCAL_UNITS:
            return unit
        case ("weekday" | "hour_of_day"), (_,):
            return _PARTS[name]
    return None


def _diagnostic(call: syntax.Call, cut: str, zone: str, ctx: Context) -> Diagnostic:
    written = _text(call.span, ctx)
    local = f'{written[:-1].rstrip()}, "{zone}")'
    if cut in _LOCAL_UNITS:
        note = (f"the window runs from local midnight in {zone}; the records of its first or "
                f"last hours lie in another {cut} in UTC (a session at 00:30 on the 1st is "
                "on the last day of the month before there), so they get another label: a "
                "row of their own, often too small to release")
    else:
        note = (f"the window runs on the clock of {zone}; every {cut} released is the UTC "
                "one, which differs from the local one by the zone's offset (and changes "
                "with summer time)")
    return warning(
        "OCX236", f"`{written}` works in UTC, but the window is in {zone}", call.span,
        f"the {cut} in UTC", notes=[note],
        help=f"cut on the local clock: `{local}` (or `\"UTC\"` there to keep UTC)")


def _check_two_clocks(dataset: syntax.Dataset, ctx: Context) -> None:
    """OCX236 for a UTC day, week, month, year or weekday beside a column on a local
    clock (`truncate(start_date_time, day)` and `hour_of_day(start_date_time,
    "Europe/Amsterdam")`): the local hours after midnight fall on the UTC day before, so
    a row's day and hour do not belong together."""
    calls = list(dataset_calls(dataset))
    local = next(((call, zone) for call in calls if (zone := stated_zone(call))), None)
    if local is None:
        return
    other, zone = local
    for call in calls:
        cut = _utc_cut(call)
        if cut is None or cut == _PARTS["hour_of_day"]:
            continue  # an hour is an hour on a clock a whole hour off
        written = _text(call.span, ctx)
        ctx.emit(warning(
            "OCX236", f"`{written}` works in UTC, but `{_text(other.span, ctx)}` is in "
            f"{zone}", call.span, f"the {cut} in UTC",
            notes=[f"one dataset on two clocks: a day in {zone} begins an hour or more "
                   "away from the UTC day, so the hours around midnight get a UTC "
                   f"{cut} that is not their local one"],
            help=f"cut on the same clock: `{written[:-1].rstrip()}, \"{zone}\")` (or "
                 "`\"UTC\"` in both)"))


def stated_zone(call: syntax.Call) -> str | None:
    """The zone a `truncate`, `weekday` or `hour_of_day` states, when its clock is not
    UTC's (a zone with an offset at the start of 2026 or in summer)."""
    name = ALIASES.get(call.name.name, call.name.name)
    if name not in ("truncate", "weekday", "hour_of_day") or not call.args \
            or not isinstance(call.args[-1], syntax.Literal) \
            or not isinstance(call.args[-1].value, str) or len(call.args) < 2:
        return None
    unit = call.args[1]
    if name == "truncate" and not (isinstance(unit, syntax.FieldRef)
                                   and unit.path[0] in _LOCAL_UNITS):
        return None  # an hour labelled with its offset: the instant is the UTC hour's
    zone = call.args[-1].value
    return zone if _off_utc(zone) else None


def _off_utc(zone: str) -> bool:
    """A known zone whose clock is not UTC's (an offset at the start of 2026 or in
    summer)."""
    found = calendar_windows.zone_or_none(zone)
    return found is not None and any(
        datetime(2026, month, 1, tzinfo=found).utcoffset() for month in (1, 7))


def _utc_days(spread: syntax.Spread, zone: str, ctx: Context) -> Diagnostic:
    return warning(
        "OCX236", f"the slots are UTC days, but the window is in {zone}", spread.span,
        "days in UTC",
        notes=[f"the window starts at local midnight in {zone}: its first hour or two lie "
               "on the UTC day before, a slot of its own that holds only those hours"],
        help="write `over day in location time zone` (the charger's own days), or make the "
             "window UTC")


def _text(span: Span, ctx: Context) -> str:
    return re.sub(r"\s+", " ", ctx.source.text[span.start:span.end]).strip()
