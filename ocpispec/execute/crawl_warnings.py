"""The warnings a window's crawl gives once it is read: records the platform sent outside
the window, records that came only from a list read besides it (a platform applying its
date filters early or late), and records updated after it that moved in the list after it
(`after_window`). Split from `crawls.py`, whose `AuditedFetch` gathers what they say."""

from __future__ import annotations

from ocpispec.execute.after_window import MOVING, moved_warning
from ocpispec.execute.crawls import AuditedFetch


def early_cut_warning(records: AuditedFetch) -> str | None:
    """One warning when `missed_at_end` found records the crawl did not bring."""
    if not records.caught_at_end:
        return None
    return (f"the platform applies the date filters of `{records.module}` earlier than asked (it may read "
            f"UTC as its local time): {_records(records.caught_at_end)} of the window's end came only "
            "from the list of records updated since `date_to`, and " + ("was" if records.caught_at_end == 1
                                                                         else "were") + " delivered")


def late_filter_warning(records: AuditedFetch) -> str | None:
    """One warning when `missed_at_start` found records the crawl did not bring."""
    if not records.caught_at_start:
        return None
    n = records.caught_at_start
    return (f"the platform applies the date filters of `{records.module}` later than asked (it may read "
            f"UTC as its local time): {_records(n)} of the window's start came only from the list of "
            "records updated before `date_from`, and " + ("was" if n == 1 else "were") + " delivered")


def window_warning(records: AuditedFetch) -> str | None:
    """One clear warning when the platform sent records outside the window."""
    if not records.outside:
        return None
    if records.outside == records.at_date_to:
        return (f"the platform treats `date_to` as inclusive: {_records(records.outside)} at "
                f"exactly `date_to` left out of this window (the next window starts there "
                f"and includes {_them(records.outside)})")
    return (f"the platform ignores the date filters of `{records.module}`: "
            f"{_records(records.outside)} outside the window left out ({records.before:,} before "
            f"`date_from`, {records.at_end:,} at or after `date_to`); the window is enforced "
            "on our side")


def moved_after_window(records: AuditedFetch) -> list[str]:
    """The warnings the list after the window held back (`AuditedFetch.held`): where its
    objects moved beyond the window, those of objects moving give way to one that says so
    (they said the export may be incomplete, and it is whole)."""
    said: list[str] = []
    for extra in records.extras:
        if extra.held is None:
            continue
        moved = records.moved_beyond(extra) and extra.report is not None \
            and not MOVING.isdisjoint(extra.report.warning_kinds)
        said += [message for message, kind in extra.held
                 if not (moved and (kind or "").rpartition(":")[2] in MOVING) and message not in said]
        if moved:
            said.append(moved_warning(records.module))
    return said


def say_held(records: AuditedFetch | None, client: object) -> None:
    """Says, as the client's warnings, what the list after the window held back, where the
    run fails before its summary could (OCX571 for another doubt, invalid records, an
    error while a list was read): held, and then dropped with the run, it was never said."""
    warn = getattr(client, "warn", None)
    if records is None or warn is None:
        return
    for message in moved_after_window(records):
        warn(message)
    for extra in records.extras:
        if extra.held is not None:
            extra.held.clear()


def _records(n: int) -> str:
    return f"{n:,} record" + ("" if n == 1 else "s")


def _them(n: int) -> str:
    return "it" if n == 1 else "them"
