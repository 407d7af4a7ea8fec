"""What a dataset's crawls saw, added to its counts once its rows were written: the
records the client dropped as invalid or outside the window, the repeats, and the
doubts that a crawl delivered every record (which `policy.judge` weighs)."""

from __future__ import annotations

from ocpispec.execute.crawl_warnings import (early_cut_warning, late_filter_warning,
                                             moved_after_window, window_warning)
from ocpispec.execute.crawls import AuditedFetch
from ocpispec.execute.dataset_lookups import DatasetLookups
from ocpispec.execute.event_window import EventWindow
from ocpispec.execute.pipeline import Counts


def count_crawls(counts: Counts, records: AuditedFetch | None, event: EventWindow | None,
                 moved: AuditedFetch | None, lookups: DatasetLookups) -> list[str]:
    """Adds the crawls' drops to `counts`; the warnings the records' crawl gives."""
    warnings: list[str] = []
    if records is not None:
        counts.read += records.outside + sum(records.invalid_by_reason.values())
        counts.outside_window, counts.duplicates = records.outside, records.duplicates
        if event is not None:  # `window on FIELD`: outside the event window
            counts.read += event.outside
            counts.outside_window += event.outside
            counts.duplicates += event.repeated
        if moved is not None:
            counts.duplicates += moved.duplicates
            counts.read += sum(moved.invalid_by_reason.values())
            counts.invalid.update(moved.invalid_by_reason)
        counts.invalid.update(records.invalid_by_reason)
        warnings += [warning for warning in (window_warning(records),
                                             early_cut_warning(records),
                                             late_filter_warning(records))
                     if warning is not None] + moved_after_window(records)
    for crawl in lookups.crawls:
        counts.invalid.update({f"{crawl.module}: {reason}": n
                               for reason, n in crawl.invalid_by_reason.items()})
    counts.invalid.update(lookups.invalid_objects)
    for module, table in lookups.tables:
        if table.unreadable:
            counts.invalid[f"{module}: record without a usable key"] += table.unreadable
    return warnings


def crawl_doubts(records: AuditedFetch | None, moved: AuditedFetch | None,
                 lookups: DatasetLookups, sample: bool) -> tuple[str, ...]:
    """Why a crawl may not have delivered every record (a sample stops reading on
    purpose: its records' crawl is not doubted)."""
    crawls = [*lookups.crawls, *([records] if records is not None and not sample else []),
              *([moved] if moved is not None else [])]
    return tuple(reason for crawl in crawls for reason in crawl.incomplete())


def looked_up(lookups: DatasetLookups) -> int:
    """The records the lookups' lists brought."""
    return sum(crawl.report.received for crawl in lookups.crawls if crawl.report is not None)
