"""A row export of sessions or CDRs whose window every scheduled run reads again.

`between 2025-01-01 and 2026-01-01` (or `since 2025-01-01`, or no window) with `schedule
daily at 06:00` delivers the same charges in every file: a consumer loading the files
into one table counts each session once a day. Rolling and calendar windows that
overlap are warned of by `check_fit` (OCX424) and aggregates by OCX336; this is the same
warning for the fixed windows of row exports. Locations, tariffs and tokens are state,
not events: a scheduled snapshot of them is the point, and is not warned of.
"""

from __future__ import annotations

from collections.abc import Iterable

from ocpispec.check.checked import CheckedDataset
from ocpispec.check.context import Context
from ocpispec.diagnostics import Diagnostic, Label, Severity
from ocpispec.language import syntax

_EVENTS = ("sessions", "cdrs")


def check_scheduled_rows(datasets: Iterable[CheckedDataset | None],
                         rule: syntax.Schedule | None, ctx: Context) -> None:
    """OCX424 for each row export of charges whose fixed window every run reads again."""
    if rule is None or any(d.is_error for d in ctx.diagnostics):
        return
    for checked in datasets:
        if checked is None or checked.is_aggregate or checked.module not in _EVENTS:
            continue
        window = checked.dataset.source.window
        label = _fixed(window)
        if label is not None:
            ctx.emit(_reread(checked, window, rule, label))


def _fixed(window: syntax.Window | None) -> str | None:
    match window:
        case None:
            return "no window: every run reads every charge again"
        case syntax.SinceDate():
            return "a fixed start: every run reads again what the runs before it read"
        case syntax.Between():
            return "a fixed window: every run reads it again"
    return None


def _reread(checked: CheckedDataset, window: syntax.Window | None, rule: syntax.Schedule,
            label: str) -> Diagnostic:
    anchor = window.span if window is not None else checked.dataset.source.module.span
    return Diagnostic(
        "OCX424", Severity.WARNING,
        f"every scheduled run delivers these `{checked.module}` again",
        (Label(anchor, label), Label(rule.span, "runs here", False)),
        notes=["each file holds the charges of the files before it: loaded into one table, "
               "every charge counts once a run"],
        help="deliver each charge once: `since last run`, or a calendar window with its "
             "schedule (`previous month` with `schedule monthly on day 1 at 06:00`); "
             "without the schedule, the window is delivered once")
