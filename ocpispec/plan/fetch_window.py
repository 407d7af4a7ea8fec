"""A dataset's time window as the plan states it: the spec's window over `last_updated`
or, with `window on FIELD`, over that field read from each version's wire record."""

from __future__ import annotations

import dataclasses

from ocpispec import calendar_windows
from ocpispec.language import syntax
from ocpispec.plan import ir
from ocpispec.schema import catalogue
from ocpispec.timestamps import canonical_timestamp


def fetch_window(window: syntax.Window | None, event: syntax.EventTime | None, module: str,
                 versions: tuple[str, ...]) -> ir.Window:
    """The window with, for `window on FIELD`, the field read from each version's wire
    record (the executor keeps records whose field is in the window)."""
    lowered = _last_updated_window(window)
    if event is None:
        return lowered
    path = tuple(event.field.dotted.split("."))
    return dataclasses.replace(lowered, event_time=event.field.dotted, event_expressions=tuple(
        ir.VersionExpression(v, catalogue().normalizer_expression(module, v, [path]))
        for v in versions))


def _last_updated_window(window: syntax.Window | None) -> ir.Window:
    match window:
        case None:
            return ir.Window("all")
        case syntax.SinceLastRun():
            return ir.Window("since-last-run")
        case syntax.SinceDate(start=start):
            return ir.Window("since", start=canonical_timestamp(str(start.value)))
        case syntax.Between(start=start, end=end):
            return ir.Window("between", start=canonical_timestamp(str(start.value)),
                             end=canonical_timestamp(str(end.value)))
        case syntax.LastPeriod(amount=amount, unit=unit):
            return ir.Window("last", amount=amount, unit=unit.name)
        case syntax.PreviousPeriod(unit=unit, amount=amount, zone=zone):
            return ir.Window("previous", amount=amount, unit=calendar_windows.unit_of(unit.name),
                             zone=_zone(zone))
        case syntax.MonthToDate(zone=zone):
            return ir.Window("month-to-date", unit="month", zone=_zone(zone))
    raise ValueError(f"unknown window {window!r}")


def _zone(zone: syntax.Text | None) -> str | None:
    return None if zone is None or zone.value == "UTC" else zone.value
