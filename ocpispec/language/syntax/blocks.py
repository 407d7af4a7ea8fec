"""The `from` block: the module read, its window, filters, joins, `each` and `spread`."""

from __future__ import annotations

from ocpispec.diagnostics.source import Span
from ocpispec.frozen import frozen
from ocpispec.language.syntax.leaves import Ident, Text
from ocpispec.language.syntax.expressions import Condition, FieldRef, Literal


@frozen
class SinceLastRun:
    span: Span


@frozen
class SinceDate:
    start: Literal
    span: Span


@frozen
class Between:
    start: Literal
    end: Literal
    span: Span


@frozen
class LastPeriod:
    amount: int
    unit: Ident
    span: Span


@frozen
class PreviousPeriod:
    """`previous month` (amount None) or `previous 4 complete weeks`: whole calendar
    periods before the run, aligned to UTC or to `zone` (`in "Europe/Amsterdam"`)."""

    unit: Ident
    amount: int | None
    zone: Text | None
    span: Span


@frozen
class MonthToDate:
    """`month to date`: from the start of the run's calendar month to the run."""

    zone: Text | None
    span: Span


Window = SinceLastRun | SinceDate | Between | LastPeriod | PreviousPeriod | MonthToDate
CALENDAR_WINDOWS = (PreviousPeriod, MonthToDate)


@frozen
class EventTime:
    """`window on start_date_time`: the window applies to this timestamp field of the
    record, not to `last_updated` (what OCPI filters on)."""

    field: FieldRef
    span: Span


@frozen
class Where:
    """`where CONDITION [because "..."]`: the justification is required when the
    condition reads a personal field (a filter on a card picks out a person)."""

    condition: Condition
    span: Span
    justification: Text | None = None


@frozen
class Sample:
    """`sample 10%` (of the records, by their id) or `sample 10% of drivers`: the records
    whose keyed hash falls in that share."""

    percent: float
    percent_span: Span
    unit: Ident | None
    span: Span


@frozen
class IncludePrivate:
    """`include private locations because "..."`: the reviewed allowance to keep
    records at non-public (publish=false) locations."""

    justification: Text
    span: Span


@frozen
class Join:
    module: Ident
    key: FieldRef
    alias: Ident | None
    span: Span


@frozen
class Each:
    """`each charging_periods as period`: one row per element of a list field; the
    element is reachable as `period.…`, the parent's fields stay reachable."""

    path: FieldRef
    alias: Ident
    span: Span


@frozen
class Spread:
    """`spread period.energy_kwh over quarter_hour in utc as slot`: the value is
    apportioned over the time slots its interval covers; `zone` holds the words after
    `in` (empty when the clause names no time zone, which the checker refuses)."""

    value: FieldRef
    unit: Ident
    zone: tuple[Ident, ...]
    alias: Ident
    span: Span

    @property
    def zone_phrase(self) -> str:
        return " ".join(word.name.lower() for word in self.zone)


@frozen
class From:
    module: Ident
    windows: tuple[Window, ...]
    wheres: tuple[Where, ...]
    includes: tuple[IncludePrivate, ...]
    joins: tuple[Join, ...]
    span: Span
    eaches: tuple[Each, ...] = ()
    spreads: tuple[Spread, ...] = ()
    name: Ident | None = None  # `from sessions as weekly_sessions`
    event_times: tuple[EventTime, ...] = ()
    samples: tuple[Sample, ...] = ()

    @property
    def event_time(self) -> EventTime | None:
        return self.event_times[0] if self.event_times else None

    @property
    def window(self) -> Window | None:
        return self.windows[0] if self.windows else None

    @property
    def include_private(self) -> IncludePrivate | None:
        return self.includes[0] if self.includes else None
