"""Records stamped in the future: no window reaches them before their time comes.

A platform that stamps a record's `last_updated` in 2099 (a default date, a clock set
wrong, a unit error) lists it in no window a run asks for while that time lies ahead:
an honest platform applies `date_to`, so every crawl leaves it out without a trace, and
a `since last run` series moves on past the record. After the crawl of a window, one
request of one record asks for the records updated more than `FUTURE_MARGIN` after the
later of the window's end and now (`X-Total-Count` says how many). The margin is the
crawl's own for platforms that read our UTC as their local time or keep only the date
(`crawls.SHIFT_MARGIN`): a record stamped up to a day ahead by such a clock comes with
the run whose window reaches it, and a record updated after a window in the past is
simply the next window's. An answer whose record lies before what was asked for (a
platform ignoring `date_from`) shows nothing. Each such record is a doubt that the run
delivered everything (`policy.judge`: OCX571 unless `--accept-incomplete`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ocpispec.frozen import frozen
from ocpispec.execute.crawls import SHIFT_MARGIN, AuditedFetch
from ocpispec.ocpi.clean_pages import CleanPage
from ocpispec.timestamps import format_timestamp, parse_timestamp, utc_now

FUTURE_MARGIN = SHIFT_MARGIN
# what the reason of this doubt says, and what `policy.incomplete_crawl` helps with
MARK = "stamped more than"


@frozen
class FutureStamps:
    module: str
    count: int          # at least 1; the platform's count where it gives one
    counted: bool       # whether `count` is the platform's (X-Total-Count)
    seen: datetime      # the `last_updated` of the record the probe brought

    def doubt(self) -> str:
        many = self.counted and self.count != 1
        what = (f"{self.count:,} record{'s are' if many else ' is'}" if self.counted
                else "at least 1 record is")
        them, their = ("them", "their") if many else ("it", "its")
        hours = int(FUTURE_MARGIN.total_seconds() // 3600)
        return (f"`{self.module}`: {what} {MARK} {hours} hours after now (one at "
                f"{format_timestamp(self.seen)}): no window reaches {them} before that "
                f"time, so no run delivers {them}; have the platform correct {their} "
                "`last_updated`")


def probe(client: Any, module: str, window_end: datetime | None,
          now: datetime | None = None) -> FutureStamps | None:
    """The records of `module` stamped in the future, by one request of one record.
    `now`: the wall clock's (the future is the world's, whatever window a run reads)."""
    from ocpispec.execute.run_facts import once

    now = now or utc_now()
    ahead = window_end if window_end is not None and window_end > now else None
    # the platform's future, asked once a run for a module (a window ending ahead of now aside)
    return once(client, ("stamped-ahead", module, ahead), lambda: _probe(client, module, ahead, now))


def _probe(client: Any, module: str, window_end: datetime | None,
           now: datetime) -> FutureStamps | None:
    from ocpispec.ocpi import OcpiError

    floor = max(window_end or now, now) + FUTURE_MARGIN
    try:
        asked = AuditedFetch(client, module, date_from=floor, date_to=None, limit=1,
                             enforce=False, open_end=True, concurrency=1)
        seen = _first_at_or_after(asked, floor)
    except OcpiError:  # a platform refusing a `date_from` ahead: the window's crawl stands
        return None
    if seen is None:
        return None
    total = asked.report.last_total if asked.report is not None else None
    counted = total is not None and total >= 1
    return FutureStamps(module, total if counted else 1, counted, seen)


def _first_at_or_after(asked: AuditedFetch, floor: datetime) -> datetime | None:
    for page in asked.pages():
        for record in (page.items() if page.__class__ is CleanPage else page):
            stamp = parse_timestamp(_stamp(record))
            if stamp is not None and stamp >= floor:
                return stamp
        return None  # one page of one record: a platform ignoring `date_from` shows nothing
    return None


def _stamp(record: Any) -> Any:
    if isinstance(record, dict):
        return record.get("last_updated")
    if isinstance(record, (tuple, list)) and len(record) > 3:  # prepared: the stamp is [3]
        return record[3]
    return None
