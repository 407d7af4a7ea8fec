"""Records that arrived in a window after it was read (OCX562).

A `since last run` window selects by `last_updated`. A platform that writes a record with
a `last_updated` in the past (a read replica that lags its writes, a CDR rated late, a
back-dated correction) puts it into a window a run read already; the next run starts
where that one ended, so the record was never delivered and nothing said so.

An honest clock only moves a record's `last_updated` forward: records leave a window
that lies in the past, none enter it. So the run keeps in the state how many objects the
platform listed for its window (`X-Total-Count` of the crawl's first page, with the
exact filters it asked), and the next run asks once more (one request of one object):
when the platform lists more now, records came late, and the run says how many at least
and that `--lookback` delivers such records. Only a crawl whose platform applied the
filters as asked is kept (one ignoring them, or applying them shifted, lists other
records with the same filters later); a sample is not told.

A run with `--lookback` re-reads the end of the last window and delivers the records
that came late there (`lookback.Screen.late`). A record that came later than the
lookback reaches lies before the part re-read: it was lost as silently as without one.
So such a run asks the last window's count again too, and what the count grew by beyond
the late records its re-read part found came before it (at least that many).

A platform whose count counts objects past the window's end (its count query leaves
`date_to` out, or counts the whole list) grows its count with every session that arrives
after it: its count is not kept (`crawl_tail`), and a count asked again is set aside where
a second in 1971, holding no object, is counted above 0.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ocpispec.ledger.state import Listed
from ocpispec.plan import ir
from ocpispec.timestamps import format_timestamp, read_timestamp


# crawl warnings that show the platform's `X-Total-Count` counts objects outside the window
PAST_WINDOW_KINDS = frozenset({"total-past-window", "total-unfiltered"})
# a second in which no platform holds an object (long before OCPI, after the Unix epoch,
# which some platforms stamp a lost update time with): a count of it above 0 counts past `date_to`
_EMPTY_SECOND = (datetime(1971, 1, 1, tzinfo=UTC), datetime(1971, 1, 1, 0, 0, 1, tzinfo=UTC))


def check(client: Any, dataset: ir.Dataset, audited: Any, options: Any,
          before: Listed | None, found: int = 0) -> tuple[Listed | None, list[str]]:
    """This window's count for the state, and the warning when the last window's, asked
    again, grew by more than the `found` late records a lookback's re-read part found.
    Asked only where this crawl too shows the filters applied as asked: a platform
    applying them hours late lists the next window's first records in the last one's."""
    window = dataset.step(ir.Fetch).window
    if not window.incremental or window.event_time or audited is None \
            or options.limit is not None:
        return None, []
    now = listed(audited)
    if before is None or now is None:
        return now, []
    late = recount(client, dataset.module, before, found,
                   getattr(options, "lookback", None) is not None)
    return now, [late] if late else []


def listed(audited: Any) -> Listed | None:
    """The count of the window the crawl `audited` (an `AuditedFetch`) read, when the
    platform sent one and applied the window's filters as asked."""
    report, guard = audited.report, audited.guard
    if report is None or report.first_total is None or guard is None \
            or audited.asked_from is None or audited.asked_to is None:
        return None
    if audited.before or audited.at_end > audited.at_date_to \
            or audited.caught_at_start or audited.caught_at_end:
        return None
    if PAST_WINDOW_KINDS & set(report.warning_kinds):   # a count of more than the window
        return None
    return Listed(format_timestamp(audited.asked_from), format_timestamp(audited.asked_to),
                  report.first_total)


def recount(client: Any, module: str, before: Listed, found: int = 0,
            lookback: bool = False) -> str | None:
    """The warning when the platform lists more objects in the window `before` was
    taken of than it did then, beyond the `found` late records this run's lookback
    delivered (one request)."""
    asked = getattr(client, "count", None)
    if asked is None:
        return None
    from ocpispec.execute.run_facts import once

    def count(module: str, *, date_from: Any, date_to: Any) -> Any:
        """A count, asked once a run (two datasets of a module read the same windows)."""
        return once(client, ("count", module, date_from, date_to),
                    lambda: asked(module, date_from=date_from, date_to=date_to))

    now = count(module, date_from=read_timestamp(before.date_from),
                date_to=read_timestamp(before.date_to))
    if now is None or now <= before.total + found or _counts_past_window_end(count, module):
        return None
    more = now - before.total - found
    came = "1 record came" if more == 1 else f"{more:,} records came"
    were = "was" if more == 1 else "were"
    if lookback:
        return (f"OCX562: the platform now lists {more:,} more `{module}` in the previous window "
                f"({before.date_from} to {before.date_to}) than when that run read it and this "
                f"run's lookback found: {came} later than the lookback reaches, with a "
                f"`last_updated` before the part re-read, and {were} not delivered; run with a "
                "longer --lookback (longer than the platform's delay) to deliver such records "
                "from the next run on")
    return (f"OCX562: the platform now lists {more:,} more `{module}` in the previous window "
            f"({before.date_from} to {before.date_to}) than when that run read it: {came} "
            f"late, with a `last_updated` inside a window already read, and {were} not "
            "delivered; run with --lookback (e.g. `--lookback 1h`, longer than the platform's "
            "delay) to deliver such records from the next run on")


def _counts_past_window_end(count: Any, module: str) -> bool:
    """Whether the platform's count of a window counts objects after its `date_to` (a
    busy platform's count query leaving it out): it then grows with every session that
    arrives, and a window's count asked again is no sign of records that came late."""
    start, end = _EMPTY_SECOND
    counted = count(module, date_from=start, date_to=end)
    return counted is not None and counted > 0
