"""How a dataset's run reads its records from the platform: the window's pages, then
what a platform applying its date filters early or late kept back, whether it holds
records stamped in the future, a `window on FIELD`'s two lists, and the progress told
as the records are read."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from itertools import chain

from ocpispec.plan import ir
from ocpispec.execute import future_stamps
from ocpispec.execute.client import Client
from ocpispec.execute.crawls import SHIFT_MARGIN, AuditedFetch
from ocpispec.execute.dataset_findings import PROGRESS_EVERY, reporting
from ocpispec.execute.event_window import EventWindow
from ocpispec.execute.extra_lists import AFTER_WINDOW, BEFORE_WINDOW, SINCE_PIN, page_budget
from ocpispec.timestamps import utc_now


class RecordReading:
    """`DatasetRun`'s reading of its records (a mixin: it reads and sets the run's state)."""

    def _with_tail(self, client: Client, module: str, audited: AuditedFetch) -> Iterator[list]:
        """The records' pages; then, unless the platform showed that it sends the window's
        end (or ignores the filters), the records it kept back by applying its date filters
        earlier than asked (`AuditedFetch.missed_at_end`): read from a list of the records
        updated since `date_to`, without an end (in a window that ended long ago, up to
        SHIFT_MARGIN after it). Without it a platform reading our UTC as its local time
        lost the window's last hours in every run: the next run's `date_from` excluded
        them again, and this run had never had them."""
        yield from audited.pages()
        guard = audited.guard
        if self.options.limit is not None or guard is None:
            return
        if audited.may_have_filtered_late() or self._gap_answers(client, module, audited):
            assert guard.date_from is not None
            head = AuditedFetch(client, module, date_from=guard.date_from - SHIFT_MARGIN,
                                date_to=guard.date_from, enforce=False,
                                prepare=self.pool.prepare if self.pool is not None else None,
                                page_budget=page_budget(audited.pages_read, guard.date_from, guard.date_to,
                                                        SHIFT_MARGIN), role=BEFORE_WINDOW)
            yield from audited.missed_at_start(head)
            return
        if not audited.may_have_cut_early():
            return
        end = guard.date_to
        assert end is not None
        until, now = end + SHIFT_MARGIN, utc_now()
        tail = AuditedFetch(client, module, date_from=end, date_to=until, enforce=False,
                            prepare=self.pool.prepare if self.pool is not None else None,
                            open_end=until > now,
                            page_budget=page_budget(audited.pages_read, guard.date_from, end,
                                                    min(until, max(now, end)) - end), role=AFTER_WINDOW)
        yield from audited.missed_at_end(tail)

    def _stamped_ahead(self, client: Client, module: str,
                       audited: AuditedFetch) -> Iterator[dict]:
        """No record: once the window's are read, whether the platform holds records
        stamped in the future, which no window reaches yet (`future_stamps`)."""
        end = audited.guard.date_to if audited.guard is not None else None
        self.future = future_stamps.probe(client, module, end)
        yield from ()

    def _gap_answers(self, client: Client, module: str, audited: AuditedFetch) -> bool:
        """Whether the platform lists a record before the earliest one the crawl brought
        (`AuditedFetch.gap_at_start`): one request of one record."""
        gap = audited.gap_at_start(utc_now())
        if gap is None:
            return False
        probe = AuditedFetch(client, module, date_from=gap[0], date_to=gap[1], limit=1,
                             enforce=False)
        return any(page for page in probe.pages())

    def _event_records(self, client: Client, fetch: ir.Fetch, version: str,
                       audited: AuditedFetch, pinned: datetime) -> Iterator[dict]:
        """`window on FIELD`: the records of the list pinned at `pinned`, then those of the
        list of updates since then that the first list did not deliver (`EventWindow`).
        The second list starts where the first ends, so a platform applying both date
        filters earlier than asked (it reads our UTC as its local time) hands it what
        it kept back from the first: no other tail is read."""
        from ocpispec.ocpi.objects import ObjectCheck

        self.event = EventWindow(fetch.window, version, self.window, self.compile,
                                 key=ObjectCheck(version, fetch.module).key)
        counts = self.counts
        yield from self.event.keep(chain.from_iterable(audited.pages()), lambda: (
            counts.filtered + counts.excluded_private + sum(counts.invalid.values())))
        if self.options.limit is not None:  # a sample stops reading on purpose
            return
        guard = audited.guard
        self.moved = AuditedFetch(client, fetch.module, date_from=pinned, date_to=None,
                                  enforce=False, open_end=True, page_budget=page_budget(
                                      audited.pages_read, guard.date_from if guard is not None else None,
                                      pinned, max(utc_now() - pinned, timedelta(0))), role=SINCE_PIN)
        yield from self.event.keep_moved(self.moved, pinned)

    def _page_progress(self) -> Callable[[int], None] | None:
        """`_progress` told the records read after each page."""
        report = self.options.progress
        if report is None:
            return None
        name, said = self.dataset.name, [0]

        def told(read: int) -> None:
            for count in range((said[0] // PROGRESS_EVERY + 1) * PROGRESS_EVERY, read + 1,
                               PROGRESS_EVERY):
                report(name, count)
            said[0] = read
        return told

    def _progress(self, records: Iterable[dict]) -> Iterable[dict]:
        report = self.options.progress
        return records if report is None else reporting(records, self.dataset.name, report)
