"""A plan's window, made concrete at run time: `date_from`/`date_to` in UTC."""

from __future__ import annotations

from datetime import datetime, timedelta

from ocpispec.frozen import frozen
from ocpispec import calendar_windows
from ocpispec.plan import ir
from ocpispec.ledger.state import FIRST_WATERMARK
from ocpispec.timestamps import format_timestamp, read_timestamp, shift_back

# how far before the records' window a session or CDR a join reads is looked for: OCPI
# offers no GET of a single session or CDR, and a CDR's session was last updated before
# the CDR was issued (normally within days; a billing cycle at most)
DIMENSION_LOOKBACK_DAYS = 31


@frozen
class ResolvedWindow:
    """`date_from` inclusive, `date_to` exclusive (None: open). `first_run` marks a
    `since last run` window without a watermark yet (or restarted): it starts at
    1970-01-01. `watermark` is set when a lookback re-reads `[date_from, watermark)`."""

    date_from: str | None
    date_to: str | None
    first_run: bool = False
    watermark: str | None = None
    rule: str | None = None  # a calendar window as written: `previous month in UTC`
    # a window put on an event time where the last delivery was by `last_updated`: the
    # records updated from this moment on whose event time lies before the window were
    # in neither window (`window_basis`)
    unread_from: str | None = None


def resolve_window(window: ir.Window, watermark: str | None, now: datetime,
                   lookback: timedelta | None = None) -> ResolvedWindow:
    resolved = _resolve(window, watermark, now, lookback)
    if window.event_time is None:
        return resolved
    rule = f"{resolved.rule or window.kind}, on {window.event_time}"
    return ResolvedWindow(resolved.date_from, resolved.date_to, resolved.first_run,
                          resolved.watermark, rule)


def _resolve(window: ir.Window, watermark: str | None, now: datetime,
             lookback: timedelta | None) -> ResolvedWindow:
    now_text = format_timestamp(now)
    match window.kind:
        case "since-last-run":
            if watermark is None:
                return ResolvedWindow(FIRST_WATERMARK, now_text, True)
            if lookback:
                start = max(read_timestamp(watermark) - lookback, read_timestamp(FIRST_WATERMARK))
                return ResolvedWindow(format_timestamp(start), now_text, False, watermark)
            return ResolvedWindow(watermark, now_text)
        case "since":
            return ResolvedWindow(window.start, now_text)
        case "between":   # one not over yet ends at the run's time, as `since` does
            return ResolvedWindow(window.start, _at_most(window.end, now))
        case "last":
            start = shift_back(now, window.amount or 0, window.unit or "day")
            return ResolvedWindow(format_timestamp(start), now_text)
        case "previous" | "month-to-date":
            start, end = calendar_range(window, now)
            if window.kind == "previous" and watermark is not None:
                start = resumed(start, end, read_timestamp(watermark))
            return ResolvedWindow(format_timestamp(start), format_timestamp(end),
                                  rule=window.rule)
    return ResolvedWindow(None, None)


def resumed(start: datetime, end: datetime, watermark: datetime) -> datetime:
    """Where a calendar window `[start, end)` starts when deliveries have reached
    `watermark`: there, when it lies inside the window. The window rule or its zone
    changed since the last run (`since last run` -> `previous day`, UTC -> a zone),
    and the records before it left already. A watermark at or after the end (the same
    window run again, on purpose) or before the start leaves the window whole."""
    return watermark if start < watermark < end else start


def check_started(plan: ir.Plan, windows: dict[str, ResolvedWindow], now: datetime) -> None:
    """OCX582 before any request when a fixed start lies after the run's time: `since
    2027-01-01` (a mistyped year) gave an empty file whose manifest showed a window
    ending before it started."""
    from ocpispec.execute.client import RunError

    for dataset in plan.datasets:
        window = windows[dataset.name]
        fetch = dataset.step(ir.Fetch)
        if fetch.window.kind != "since" or window.date_from is None \
                or read_timestamp(window.date_from) <= now:
            continue
        raise RunError.of(
            "OCX582", f"the window of `{dataset.name}` starts at {window.date_from}, after "
            f"the run's time ({format_timestamp(now)})", fetch.origin, "a start in the future",
            notes=("no record can have been updated since then: the file would be empty",),
            help="give a `since` date that has passed (times in a spec are UTC)")


def _at_most(end: str | None, now: datetime) -> str | None:
    """A window's end, or the run's time if that comes first: asking for records stamped
    after now asks for ones the platform stamps while the list is read, and a record
    updated then moves between pages of a list sorted newest first, unseen."""
    if end is None or read_timestamp(end) <= now:
        return end
    return format_timestamp(now)


def calendar_range(window: ir.Window, now: datetime) -> tuple[datetime, datetime]:
    """`[start, end)` in UTC of a calendar window for a run at `now`."""
    if window.kind == "month-to-date":
        return calendar_windows.to_date("month", window.zone, now)
    return calendar_windows.previous(window.unit or "day", window.amount or 1, window.zone, now)


def open_ended(window: ResolvedWindow) -> ResolvedWindow:
    """The same start without an end: for event modules a join reads, whose records
    (a session's CDR) may be created after the window closed."""
    return ResolvedWindow(window.date_from, None, window.first_run, window.watermark,
                          window.rule)


def widened(window: ResolvedWindow) -> ResolvedWindow:
    """`window` starting DIMENSION_LOOKBACK_DAYS earlier: for a session or CDR that a
    join reads, which may have been updated before the records' window."""
    if window.date_from is None:
        return window
    start = shift_back(read_timestamp(window.date_from), DIMENSION_LOOKBACK_DAYS, "day")
    return ResolvedWindow(format_timestamp(start), window.date_to, window.first_run,
                          window.watermark, window.rule)


# OCPI requires `date_from` on sessions even for "everything"
REQUIRES_DATE_FROM = ("sessions",)


def fetch_window(fetch: ir.Fetch, records: ResolvedWindow, now: datetime) -> ResolvedWindow:
    """The window a fetch lists: the run's for its records; for a lookup's table, its own
    window, open at the end and widened (`widened`) unless it reads everything."""
    if fetch.purpose == "records":
        return records
    if fetch.window.incremental:
        window = open_ended(records)
    else:
        window = open_ended(resolve_window(fetch.window, None, now))
    return widened(window) if fetch.window.kind != "all" else window


def listed_date_from(fetch: ir.Fetch, window: ResolvedWindow) -> str | None:
    """The `date_from` a fetch sends for `window`."""
    if window.date_from is None and fetch.module in REQUIRES_DATE_FROM:
        return FIRST_WATERMARK
    return window.date_from
