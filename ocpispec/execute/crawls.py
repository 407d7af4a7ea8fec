"""One crawl of a module list as the executor sees it: the window enforced on our
side, and what the crawl can prove about its own completeness.

A platform may ignore `date_from`/`date_to`, or treat `date_to` as inclusive. The
records it sends outside `[date_from, date_to)` are left out here and counted, so the
outputs, the manifests and the `since last run` state are right whatever it does.

A crawl is complete when it reached the end of the list without repeating pages and,
where the platform says how many objects the window holds (`X-Total-Count`), that
many distinct objects (usable or invalid) arrived. Anything else cannot be proven
complete: the run fails unless `--accept-incomplete` is given.

Its parts beside it: `window_guard.py` tells on which side of the window a stamp lies,
`crawl_doubts.py` says in words why a crawl cannot be proven complete, `crawl_warnings.py`
what a crawl read whole warns of, `after_window.py` when objects moving in the list after
the window leave it whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from ocpispec.execute.after_window import MOVING, Order, beyond_window
from ocpispec.execute.crawl_doubts import DOUBTS, PRIVACY_DOUBTS, past_budget, repeats
from ocpispec.execute.extra_lists import AFTER_WINDOW
from ocpispec.execute.window_guard import WindowGuard
from ocpispec.ocpi.clean_pages import CleanPage
from ocpispec.ocpi.row_pages import RowPage
from ocpispec.ocpi.stats import held
from ocpispec.timestamps import EPOCH_FLOOR, parse_timestamp

# asked for before `date_from`, so that a platform reading `date_from` as exclusive
# (`last_updated > date_from`, as some do) still sends the records exactly at it; the
# records of the overlap belong to the previous window and are dropped here (a window
# from the floor, 1970-01-01, asks for 1969-12-31T23:59:59Z: records stamped at the epoch)
OVERLAP = timedelta(seconds=1)

# how far a platform may apply the date filters earlier than asked: it reads our UTC
# `...Z` as its local time (up to 14 hours east of UTC) or keeps only the date (a day)
SHIFT_MARGIN = timedelta(hours=25)


class AuditedFetch:
    """`client.fetch(...)`, with records outside the window left out and counted
    (`enforce`), and the client's report of the crawl kept for `incomplete()`."""

    def __init__(self, client: Any, module: str, *, date_from: datetime | None,
                 date_to: datetime | None, limit: int | None = None,
                 enforce: bool = True, prepare: Any = None,
                 concurrency: int | None = None, open_end: bool = False,
                 scope: Any = None, page_budget: int | None = None, role: str | None = None) -> None:
        self.module = module
        self.role = role                # an extra list's name in what it says: the list of records ... (`extra_lists`)
        self.pages_read = 0             # pages the platform answered (the window's cost, for an extra list's budget)
        self.widest = 0                 # ... and the most objects one of them held (`late_bound`)
        self.page_budget = page_budget  # an extra list's bound (`extra_lists`): past it, it is cut short
        self.cut_short = False          # ... and was: it went on past `page_budget` pages
        self.stopped_by_bound = False   # its reader stopped it, and says why itself (`late_bound`)
        self.extras: list[AuditedFetch] = []   # the extra lists read for this window, doubted as it is
        self.order: Order | None = None        # an extra list's stamps in order (`after_window`)
        # the list after the window holds its warnings back: objects moving beyond the window
        # are no doubt of it, and said so once it is read (`crawl_warnings.moved_after_window`)
        self.held: list[tuple[str, str | None]] | None = [] if role == AFTER_WINDOW else None
        self.guard = WindowGuard(date_from, date_to) if enforce else None
        self.before = self.at_end = 0   # records outside the window, by side
        self.at_date_to = 0             # of `at_end`: exactly at `date_to`
        self.overlap = 0                # records of the OVERLAP before `date_from`
        self.latest: datetime | None = None           # the latest `last_updated` kept
        self.earliest: datetime | None = None         # the earliest `last_updated` kept
        self.caught_at_start = 0        # records a platform filtering late left out (`missed_at_start`)
        self.caught_at_end = 0          # records a platform cutting early left out (`missed_at_end`)
        self.earliest_before: datetime | None = None  # of the records before the window
        self.latest_at_end: datetime | None = None    # of the records at or after its end
        asked = date_from
        if enforce and date_from is not None:
            asked = date_from - OVERLAP
        self._overlap_from = WindowGuard(asked, None)
        self.asked_from, self.asked_to = asked, date_to  # the filters sent (`late_arrivals`)
        crawls = getattr(getattr(client, "stats", None), "crawls", None)
        seen = len(crawls) if crawls is not None else 0
        pages = getattr(client, "fetch_pages", None)
        if pages is not None:
            extra = {} if prepare is None else {"prepare": prepare}
            if concurrency is not None:
                extra["concurrency"] = concurrency
            if open_end:    # no `date_to` sent at all (`client.fetch_pages`)
                extra["open_end"] = True
            if scope is not None:   # the published sites (`ocpi.private_copies`)
                extra["scope"] = scope
            self._pages = pages(module, date_from=asked, date_to=date_to, limit=limit, **extra)
        else:  # a client without pages: each record a page of its own
            records = client.fetch(module, date_from=asked, date_to=date_to, limit=limit)
            self._pages = ([record] for record in records)
        self.report = crawls[-1] if crawls is not None and len(crawls) > seen else None

    @property
    def outside(self) -> int:
        return self.before + self.at_end

    def __iter__(self) -> Iterator[dict]:
        for page in self.pages():
            yield from page

    def pages(self) -> Iterator[list[dict]]:
        """The records inside the window, a page at a time (in order). Closed early (a
        consumer that fails or stops), it closes the crawl too: no thread of it is left
        waiting to hand on a page."""
        try:
            yield from self._inside()
        finally:
            close = getattr(self._pages, "close", None)
            if close is not None:
                close()

    def _counted(self) -> Iterator[Any]:
        """The crawl's pages, counted; an extra list's stop at its budget (an adversary
        that adds records faster than they are read has no end), said by `incomplete`."""
        pages = iter(self._pages)
        while (page := next(pages, None) if self.held is None else held(self.held, next, pages, None)) is not None:
            if self.page_budget is not None and self.pages_read >= self.page_budget:
                self.cut_short = True
                return
            self.pages_read += 1
            if len(page) > self.widest:
                self.widest = len(page)
            yield page

    def _inside(self) -> Iterator[list[dict]]:
        guard = self.guard
        if guard is None:
            yield from self._counted()
            return
        low, high = guard._from, guard._to
        for page in self._counted():
            if page.__class__ is CleanPage or page.__class__ is RowPage:
                # read whole by `get`'s fast path, or by `run`'s workers (`row_pages`)
                if page.inside(low, high):
                    if page:
                        self._keep_latest(parse_timestamp(max(page.stamps)))
                        self._keep_earliest(parse_timestamp(min(page.stamps)))
                    yield page
                    continue
                page = page.items()
            if getattr(page, "prepared", False):  # read by worker processes: the stamp is [3]
                stamps = [item[3] for item in page]
            else:
                stamps = [record.get("last_updated") for record in page]
            inside = [stamp.__class__ is str and len(stamp) == 20 and stamp[19] == "Z"
                      and stamp[10] == "T" and (low is None or stamp >= low) and (high is None or stamp < high)
                      for stamp in stamps]  # the common case: canonical, inside
            if all(inside):
                if stamps:
                    self._keep_latest(parse_timestamp(max(stamps)))
                    self._keep_earliest(parse_timestamp(min(stamps)))
                yield page
            else:
                yield self._screened(page, stamps)

    def _keep_latest(self, moment: datetime | None) -> None:
        if moment is not None and (self.latest is None or moment > self.latest):
            self.latest = moment

    def _keep_earliest(self, moment: datetime | None) -> None:
        if moment is not None and (self.earliest is None or moment < self.earliest):
            self.earliest = moment

    def _screened(self, page: list, stamps: list[Any]) -> list:
        """A page with records outside the window (or in another form), one at a time."""
        guard = self.guard
        assert guard is not None
        end, kept = guard.date_to, page.__class__()
        for record, stamp in zip(page, stamps):
            side = guard.side(stamp)
            if side == 0:
                kept.append(record)
                self._keep_latest(moment := parse_timestamp(stamp))
                self._keep_earliest(moment)
            elif side < 0:
                if self._overlap_from.side(stamp) == 0:
                    self.overlap += 1
                else:
                    self.before += 1
                    moment = parse_timestamp(stamp)
                    if moment is not None and (self.earliest_before is None or moment < self.earliest_before):
                        self.earliest_before = moment
            else:
                self.at_end += 1
                moment = parse_timestamp(stamp)
                if end is not None and moment == end:
                    self.at_date_to += 1
                if moment is not None and (self.latest_at_end is None or moment > self.latest_at_end):
                    self.latest_at_end = moment
        return kept

    def may_have_cut_early(self) -> bool:
        """Whether the platform may have applied `date_to` earlier than asked, so that the
        records of the window's last hours never came: it sent nothing at or after
        `date_to`, and nothing before `date_from` that shows it ignores `date_from` (a
        record more than SHIFT_MARGIN before it). Read once the pages are read."""
        guard = self.guard
        if guard is None or guard.date_to is None or guard.date_from is None or self.at_end:
            return False
        return self.earliest_before is None or self.earliest_before >= guard.date_from - SHIFT_MARGIN

    def missed_at_end(self, tail: AuditedFetch) -> Iterator[list[dict]]:
        """The pages of `tail`, a list of the records updated since this window's
        `date_to` asked for without an end (or SHIFT_MARGIN after it), reduced to what
        a platform that applies its filters earlier than asked (our UTC read as its local
        time, a date without its time) kept from this crawl: records inside the window
        and later than every record that came. The platform's filter is a bound on
        `last_updated`, so none of them can have come before; each is read once."""
        floor = self.latest
        for kept in self._inside_window(tail, lambda stamp: floor is None or (
                parse_timestamp(stamp) or floor) > floor):
            self.caught_at_end += len(kept)
            yield kept

    def may_have_filtered_late(self) -> bool:
        """Whether the platform may apply the date filters later than asked (it reads our
        UTC `...Z` as its local time west of UTC), so that the records of the window's
        first hours never came (the previous window had left them out as at or after
        its `date_to`): it sent records after `date_to` (not only at it), but none more than
        SHIFT_MARGIN after it (it does not ignore `date_to`), and none before `date_from`
        (it does not ignore `date_from`). Read once the pages are read."""
        guard = self.guard
        if guard is None or guard.date_from is None or guard.date_from <= EPOCH_FLOOR \
                or guard.date_to is None or self.latest_at_end is None:
            return False
        return self.before == 0 and self.at_date_to < self.at_end \
            and self.latest_at_end < guard.date_to + SHIFT_MARGIN

    def gap_at_start(self, now: datetime) -> tuple[datetime, datetime] | None:
        """In a window ending about `now`, nothing can come at or after `date_to` to show
        that the platform filters late (such records do not exist yet); but it then
        holds records in `[date_from, earliest kept)` where an honest one holds none.
        That range (to a second before the earliest record, against an inclusive
        `date_to`), when the crawl could have missed such records."""
        guard = self.guard
        if guard is None or guard.date_from is None or guard.date_from <= EPOCH_FLOOR \
                or guard.date_to is None or guard.date_to < now - SHIFT_MARGIN:
            return None
        if self.before or self.at_end or self.earliest is None:
            return None
        end = self.earliest - timedelta(seconds=1)
        return (guard.date_from, end) if end > guard.date_from else None

    def missed_at_start(self, head: AuditedFetch) -> Iterator[list[dict]]:
        """The pages of `head`, a list of the records updated in the SHIFT_MARGIN before
        `date_from`, reduced to what a platform applying its filters late kept from this
        crawl: records inside the window and earlier than every record that came (its
        filter is a bound on `last_updated`, so none of them can have come before)."""
        ceiling = self.earliest
        for kept in self._inside_window(head, lambda stamp: ceiling is None or (
                parse_timestamp(stamp) or ceiling) < ceiling):
            self.caught_at_start += len(kept)
            yield kept

    def _inside_window(self, extra: AuditedFetch, beyond_crawl: Callable[[Any], bool]) -> Iterator[list[dict]]:
        """The pages of an extra list, each reduced to its records inside this crawl's
        window for which `beyond_crawl(last_updated)` holds. What the extra list cannot
        prove whole, this window cannot either (`incomplete`)."""
        guard = self.guard
        assert guard is not None and extra.guard is None and extra.role is not None
        self.extras.append(extra)
        extra.order = Order()
        for page in extra.pages():
            if page.__class__ is CleanPage or page.__class__ is RowPage:
                page = page.items()
            stamps = [item[3] for item in page] if getattr(page, "prepared", False) else [
                record.get("last_updated") for record in page]
            extra.order.page(stamps)
            kept = page.__class__()
            for record, stamp in zip(page, stamps):
                if guard.side(stamp) == 0 and beyond_crawl(stamp):
                    kept.append(record)
            yield kept

    @property
    def invalid_by_reason(self) -> dict[str, int]:
        return dict(self.report.invalid_by_reason) if self.report is not None else {}

    @property
    def duplicates(self) -> int:
        return self.report.duplicates if self.report is not None else 0

    def incomplete(self, moved_beyond: bool = False) -> tuple[str, ...]:
        """Why this crawl cannot be proven complete (empty when it can, or when it was
        a sample cut short by `--limit`), then why each extra list read for its window
        cannot: every doubt of an extra list is one of the window's, but objects moving
        in the list after it beyond its end (`after_window`; `moved_beyond`)."""
        return self._own_doubts(moved_beyond) + tuple(
            doubt for extra in self.extras for doubt in extra.incomplete(self.moved_beyond(extra)))

    def moved_beyond(self, extra: AuditedFetch) -> bool:
        """Whether `extra`, the list after this window, moved beyond it (`after_window`)."""
        return extra.role == AFTER_WINDOW and self.guard is not None \
            and beyond_window(extra.order, self.guard.date_to)

    def _own_doubts(self, moved_beyond: bool = False) -> tuple[str, ...]:
        report = self.report
        cut = self._cut_short()
        said = f"`{self.module}`" if self.role is None else f"`{self.module}` ({self.role})"
        if report is None:
            return cut
        if report.limited:  # a sample is not whole, but a private copy in it is no gap
            return tuple(f"{said}: {DOUBTS[kind]}" for kind in PRIVACY_DOUBTS
                         if kind in report.warning_kinds)
        moved = moved_beyond and not MOVING.isdisjoint(report.warning_kinds)
        reasons = [text for kind, text in DOUBTS.items()
                   if kind in report.warning_kinds and not (moved and kind in MOVING)]
        if report.last_total is not None and report.received < report.last_total and not moved:
            reasons.append(f"`X-Total-Count` says {report.last_total:,} objects, "
                           f"{report.received:,} arrived" + repeats(report.repeated_within))
        if not report.finished and not reasons and not self.cut_short and not moved \
                and not self.stopped_by_bound:
            reasons.append("the list was not read to its end")
        return tuple(f"{said}: {reason}" for reason in reasons) + cut

    def _cut_short(self) -> tuple[str, ...]:
        """Why this crawl, an extra list, did not end: past its page budget (`extra_lists`)."""
        return (past_budget(self.module, self.role, self.pages_read),) if self.cut_short else ()
