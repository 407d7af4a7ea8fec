"""Running one dataset of a plan: lookups, the record pipeline, rendering into a
temporary file; committing it with its manifest once every dataset succeeded."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from itertools import chain, islice
from typing import Any

from ocpispec.plan import ir
from ocpispec.execute import policy as rules
from ocpispec.execute.client import Client, RunError
from ocpispec.execute.crawl_counts import count_crawls, crawl_doubts, looked_up
from ocpispec.execute.crawl_warnings import say_held
from ocpispec.execute.crawls import AuditedFetch
from ocpispec.execute.dataset_findings import (
    absent_fields,
    client_findings,
    counts_unknown,
    keyless,
    keyless_joins,
    pointing_at,
    unknown_fields,
    window_words,
)
from ocpispec.execute.dataset_lookups import DatasetLookups
from ocpispec.execute.dataset_output import DatasetOutput
from ocpispec.execute.dataset_commit import DatasetCommit
from ocpispec.execute.dataset_result import DatasetResult, Estimate
from ocpispec.execute.disclosure import RowRisk
from ocpispec.execute.empty_columns import EmptyColumns
from ocpispec.execute.event_window import EventWindow, pin, superset
from ocpispec.execute.late_bound import LateBound
from ocpispec.execute.lookups import Lookup
from ocpispec.execute.shared_lookups import SharedLookups
from ocpispec.execute.private_places import looked_up_sites
from ocpispec.execute.ordering import in_value_order, ordered
from ocpispec.execute import filtered_field, joined_own_ids, late_arrivals, value_order
from ocpispec.execute.dataset_reading import RecordReading
from ocpispec.execute.dataset_workers import WorkerChoice
from ocpispec.execute.future_stamps import FutureStamps
from ocpispec.ledger.state import Listed
from ocpispec.ocpi.row_pages import RowPage
from ocpispec.execute.value_key import KeyBeside
from ocpispec.execute.outputs import Target
from ocpispec.execute.pipeline import Counts, Pipeline, normalizer_for
from ocpispec.execute.policy import Policy
from ocpispec.execute.scratch_space import spilling, upstream
from ocpispec.execute.windows import ResolvedWindow, fetch_window, listed_date_from
from ocpispec.timestamps import read_timestamp, utc_now


class DatasetRun(RecordReading, WorkerChoice, DatasetCommit):
    def __init__(self, plan: ir.Plan, dataset: ir.Dataset, window: ResolvedWindow,
                 target: Target, compile: Callable[[str], Any], options: Any,
                 now: datetime, shared: SharedLookups | None = None) -> None:
        self.plan, self.dataset, self.window = plan, dataset, window
        self.compile, self.options, self.now = compile, options, now
        self.output = DatasetOutput(plan, dataset, target, now)
        self.counts = Counts()
        self.step: ir.Fetch = dataset.step(ir.Fetch)  # the fetch running, for errors
        self.policy: Policy = getattr(options, "policy", None) or Policy()
        self.records: AuditedFetch | None = None
        self.event: EventWindow | None = None  # `window on FIELD`
        self.moved: AuditedFetch | None = None  # its list of updates since the pin
        self.future: FutureStamps | None = None  # records no window reaches yet
        self.late_bound: LateBound | None = None  # the late records a lookback may bring
        self.lookups = DatasetLookups(dataset, window, now, compile, self._other_version, shared)
        self.warnings: list[str] = []
        # the rows' empty-column watcher and the joins this version cannot bind, once written
        self.empty: tuple[EmptyColumns, set[str]] | None = None
        self.invalid_accepted = 0
        self.incomplete_accepted: tuple[str, ...] = ()
        self.screen: Callable[[Iterable[dict]], Iterable[dict]] | None = None  # lookback
        self.listed_before: Listed | None = None  # the last window's count (`late_arrivals`)
        self.listed: Listed | None = None  # this window's, for the state
        self.manifest_extra: dict[str, Any] = {}  # set by the executor (state notices)
        self.risk: RowRisk | None = None  # row datasets: measured risk, k-anonymity
        self.pool: Any = None  # worker processes (`--workers`), while the records stream
        self.order_keys: KeyBeside | None = None  # the value order's keys, from the workers
        # the columns rows fill, seen before the rows are sorted (`row_stream`), or None
        self.streamed: EmptyColumns | None = None

    # ---- before the network --------------------------------------------------------

    def prepare(self) -> None:
        """Compile every expression (with the run's key), find the template, and make
        sure a Parquet output can be written."""
        self.output.require_libraries()
        for step in self.dataset.steps:
            for text in ir.step_expressions(step):
                self.compile(text)
        self.output.find_template(self.options.spec_dir)

    @property
    def target(self) -> Target:
        return self.output.target

    @target.setter
    def target(self, target: Target) -> None:
        self.output.target = target

    # ---- dry run --------------------------------------------------------------------

    def estimate(self, client: Client) -> DatasetResult:
        fetches = []
        for fetch in self.dataset.all(ir.Fetch):
            if fetch.mode == "per-id":
                fetches.append((fetch.id, None, None))
                continue
            if (read := self.lookups.estimated(fetch, client.version)) is not None:
                fetches.append((fetch.id, read, 0))  # read by an earlier dataset (`shared_lookups`)
                continue
            window = fetch_window(fetch, self.window, self.now)
            bounds = {"date_from": _moment(listed_date_from(fetch, window)), "date_to": _moment(window.date_to)}
            total, cap = (client.list_size(fetch.module, **bounds) if hasattr(client, "list_size")
                          else (client.count(fetch.module, **bounds), None))
            if total is None:
                fetches.append((fetch.id, None, None))
                continue
            sample = self.options.limit is not None and fetch.purpose == "records"
            if sample:
                total = min(total, self.options.limit)
            page = min(fetch.page_size, cap or fetch.page_size)
            # and, after the pages, the list of records updated since the window's end
            # (a platform applying `date_to` early) and, for the records, one request for
            # those stamped in the future (`future_stamps`); a sample reads neither
            probe = fetch.purpose == "records" and not fetch.window.event_time
            after = 0 if sample else 2 if probe else 1
            # and the count of the last window asked again (`late_arrivals`)
            after += probe and not sample and self.listed_before is not None
            # and the check of the field the date filters apply to (`filtered_field`)
            after += filtered_field.requests(self.dataset, self.window, sample) if fetch.purpose == "records" else 0
            pages = max(1, math.ceil(total / page))
            # and, after a list of several pages, the objects updated since its pinned end
            # (`count-shift`: objects that left it while it was read)
            after += pages > 1 and not sample
            fetches.append((fetch.id, total, pages + after))
            self.lookups.estimate(fetch, client.version, total)
        return self._result(Estimate(tuple(fetches)))

    # ---- the run ----------------------------------------------------------------------

    def execute(self, client: Client) -> DatasetResult:
        before, unknown_before = client_findings(client), unknown_fields(client, self.dataset.module)
        if (started := getattr(self.options, "on_dataset", None)) is not None:
            started(self.dataset.name, self.target.display, window_words(self.window))
        try:
            self._read(client, before, unknown_before)
        except Exception:
            say_held(self.records, client)  # the summary that says them never comes
            raise
        self.listed, late = late_arrivals.check(client, self.dataset, self.records, self.options,
                                                self.listed_before, getattr(self.screen, "late", 0))
        self.warnings += late
        return self._result(None)

    def _read(self, client: Client, before: tuple, unknown_before: Counter[str]) -> None:
        """The dataset read, written and judged (`_settle`), its client's findings counted."""
        from ocpispec.ocpi import OcpiError

        try:
            # before the window is read: what such a platform loses, no run can find later
            filtered_field.check(client, self.dataset, self.window, self.options.limit is not None)
            self._execute(client)
        except OcpiError as exc:
            raise OcpiError(pointing_at(exc.diagnostic, self.step)) from None
        after = client_findings(client)
        self.counts.invalid_fields = after[0] - before[0]
        joined_own_ids.settle(self.dataset.module, self.counts.join_misses,
                              self.counts.invalid_fields)
        if self.empty is not None:
            empty, unjoined = self.empty
            self.warnings += empty.warnings(self.warnings, unjoined=unjoined,
                                            nulled=self.counts.invalid_fields)
        self.counts.deviations = after[1] - before[1]
        if counts_unknown(client):
            self.counts.unknown_fields.update(
                unknown_fields(client, self.dataset.module) - unknown_before)
        self._settle()

    def _execute(self, client: Client) -> None:
        version = client.version
        lookups = {}
        try:
            for lookup in self.dataset.all(ir.Lookup):
                self.step = self.dataset.get(lookup.fetch)
                with spilling():
                    lookups[lookup.id] = self.lookups.build(client, lookup, version)
            self.warnings += self.lookups.warnings
            self.warnings += keyless_joins(self.dataset, version)
            self.warnings += absent_fields(self.dataset, version)
            self.step = self.dataset.step(ir.Fetch)
            rows = self._rows(client, version, lookups)
            aggregate = self.dataset.step(ir.Aggregate)
            if aggregate is not None:
                # loaded here: a row export never needs it (a tenth of `run`'s imports)
                from ocpispec.execute.aggregate import Aggregator, export_aggregates, finer_rows

                aggregator = Aggregator(aggregate, self.compile, self.counts,
                                        dataset=self.dataset.name,
                                        export=export_aggregates(self.plan),
                                        rows_of=finer_rows(self.plan, self.dataset))
                with spilling():
                    aggregator.add_all(rows)
                rows = aggregator.rows()
            ranks = value_order.ranks(self.dataset.released_columns)
            order = self.dataset.step(ir.Order)
            if order is not None:
                rows = ordered(rows, order, self.dataset.column_names,
                               aggregate=aggregate is not None, ranks=ranks)
            if getattr(self.options, "assess", False):  # measure only: nothing is rendered
                self.counts.written = sum(1 for _ in upstream(rows))
                return
            if order is None and aggregate is None:
                # rows leave in the order of their values, never in the platform's: that
                # is the order of hidden times, which would undo what generalisers and a
                # k rule coarsen (an aggregate's groups come in key order already)
                if self.streamed is None:  # else sorted as they came (`row_stream`)
                    rows = in_value_order(rows, self.dataset.column_names, ranks,
                                          key=self.order_keys)
                    if self.order_keys is not None:
                        rows = self.order_keys.unpacked(rows)
            # a spill failing while the writer pulls rows is the scratch space's, not the output's
            empty = self.streamed or EmptyColumns(self.dataset)
            self.counts.written = self.output.write(
                upstream(rows) if self.streamed is not None else empty.watch(upstream(rows)),
                version, self.window)
            # said once the values the guards read as null are counted (`_read`)
            self.empty = (empty, {join.alias for join in keyless(self.dataset, version)})
            if self.risk is not None:   # computed by a worker while the rows were written
                self.risk.collect()
        finally:
            if self.risk is not None and self.risk.pending:  # failed meanwhile: not awaited
                self.risk.close()
            if self.pool is not None:
                self.pool.close()
                self.pool = None
            self.lookups.close()

    def _other_version(self, version: str) -> RunError:
        """The platform negotiated a version the pinned plan has no normalizer for."""
        return RunError.of("OCX557", f"the platform speaks OCPI {version}, which this plan "
                           "was not made for", self.plan.source.origin, "version pinned here",
                           help=f"pin the version the platform speaks (`version {version}`), "
                                "or write `version auto`")

    def _rows(self, client: Client, version: str, lookups: dict[str, Lookup]) -> Iterator[dict]:
        if normalizer_for(self.dataset.step(ir.Normalize), version) is None:
            raise self._other_version(version)
        from ocpispec.schema.records import unknown_fields_finder

        module = self.dataset.module
        scope = self.lookups.scope

        def pipeline_of(counts: Counts) -> Pipeline:
            return Pipeline(self.dataset, version, self.compile, lookups, counts,
                            None if counts_unknown(client) else unknown_fields_finder(version, module),
                            named_tariffs=None if scope is None else scope.tariffs)
        pipeline = pipeline_of(self.counts)
        fetch = self.dataset.step(ir.Fetch)
        if self.dataset.step(ir.Aggregate) is None:
            self.risk = RowRisk(self.dataset, self.compile, version,
                                sample=self.options.limit is not None
                                or getattr(self.options, "assess", False))
        # the record function for the records of a page decoded the usual way
        one = self._page_reader(version, module, pipeline, pipeline_of, getattr(client, "sole_party", None)) \
            if self._reads_pages_whole(client, lookups) else pipeline.one()
        fetched = superset(self.window) if fetch.window.event_time else self.window
        pinned = pin(self.window, utc_now()) if fetch.window.event_time else None
        audited = AuditedFetch(client, module,
                               date_from=_moment(listed_date_from(fetch, fetched)),
                               date_to=pinned or _moment(fetched.date_to), limit=self.options.limit,
                               prepare=self.pool.prepare if self.pool is not None else None,
                               scope=self._crawl_sites(looked_up_sites(self.dataset, lookups, version)))
        self.records = audited
        records: Iterable[dict]
        if self.streamed is not None:
            from ocpispec.execute.row_stream import RowStream

            assert self.order_keys is not None and pinned is None and self.screen is None
            pages = chain(self._with_tail(client, module, audited),
                          self._stamped_ahead(client, module, audited))
            return RowStream(self.counts, one, self.risk, self.order_keys, self.streamed,
                             self.pool.later).rows(pages, self._page_progress())
        if pinned is not None:
            records = self._event_records(client, fetch, version, audited, pinned)
        else:
            records = chain.from_iterable(map(_objects, self._with_tail(client, module, audited)))
            if self.options.limit is None:  # a list read to its `date_to` (now, if open)
                records = chain(records, self._stamped_ahead(client, module, audited))
        if self.screen is not None:
            self.late_bound = LateBound(self.screen, module, audited)
            records = self.late_bound(self.screen(records))
        if self.options.limit is not None:
            records = islice(records, self.options.limit)
        if self.pool is not None:
            from ocpispec.execute.workers import prepared_rows

            keys = self.order_keys
            if self.risk is not None:
                return self.risk.rows(prepared_rows(self.risk.tap(self._progress(records)),
                                                    self.counts, one, keys))
            return prepared_rows(self._progress(records), self.counts, one, keys)
        if self.risk is None:
            return pipeline.rows(self._progress(records))
        return self.risk.rows(pipeline.rows(self.risk.tap(self._progress(records))))

    # ---- what the crawls saw, and whether the run accepts it ---------------------------

    def _settle(self) -> None:
        """Adds what the client dropped and what lay outside the window to the counts,
        then fails the run for losses the options do not accept (`policy.judge`)."""
        self.warnings += count_crawls(self.counts, self.records, self.event, self.moved,
                                      self.lookups)
        doubts = crawl_doubts(self.records, self.moved, self.lookups,
                              sample=self.options.limit is not None)
        if self.future is not None:
            doubts += (self.future.doubt(),)
        if self.late_bound is not None and self.late_bound.stopped:
            doubts += (self.late_bound.doubt(),)
        verdict = rules.judge(self.dataset, self.counts, doubts, self.policy,
                              looked_up(self.lookups))
        self.invalid_accepted = verdict.invalid_accepted
        self.incomplete_accepted = verdict.incomplete_accepted
        self.warnings += verdict.warnings


def _objects(page: list) -> list:
    """A page's objects, one by one (a page workers read whole, `RowPage`, as the
    tuples of a `Prepared` one)."""
    return page.items() if page.__class__ is RowPage else page


def _moment(text: str | None) -> datetime | None:
    return None if text is None else read_timestamp(text)
