"""Running one dataset of a plan: lookups, the record pipeline, rendering into a
temporary file; committing it with its manifest once every dataset succeeded."""

from __future__ import annotations

import dataclasses
import errno
import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import chain, islice
from pathlib import Path
from typing import Any

from ocpispec import __version__
from ocpispec.plan import ir
from ocpispec.diagnostics import Diagnostic, Label
from ocpispec.execute.aggregate import Aggregator, export_aggregates, finer_rows
from ocpispec.execute import policy as rules
from ocpispec.execute.atomic import AtomicFile
from ocpispec.execute.client import Client, RunError
from ocpispec.execute.crawls import SHIFT_MARGIN, AuditedFetch
from ocpispec.execute.disclosure import RowRisk
from ocpispec.execute.empty_columns import EmptyColumns
from ocpispec.execute.event_window import EventWindow, pin, superset
from ocpispec.execute.lookups import Lookup, PerIdLookup, TableLookup, is_credit
from ocpispec.execute.ordering import in_value_order, ordered
from ocpispec.execute import value_order
from ocpispec.execute.value_key import KeyBeside, ascending_key
from ocpispec.execute import writers
from ocpispec.execute.outputs import (
    HashingFile,
    Target,
    compression_of,
    manifest_path,
    stage_datapackage,
    stage_manifest,
)
from ocpispec.execute.pipeline import Counts, Pipeline, is_published, normalizer_for
from ocpispec.execute.policy import NOTHING_COMMITTED, Policy
from ocpispec.execute.records import consumer_manifest
from ocpispec.execute.scratch_space import spilling, upstream
from ocpispec.execute.windows import ResolvedWindow, open_ended, resolve_window, widened
from ocpispec.render import (
    CustomTemplate,
    RenderContext,
    RenderError,
    render,
    verify_template,
)
from ocpispec.render.confine import templates_root
from ocpispec.ledger.state import FIRST_WATERMARK
from ocpispec.timestamps import read_timestamp, utc_now

PROGRESS_EVERY = 1000
# OCPI requires `date_from` on sessions even for "everything"
REQUIRES_DATE_FROM = ("sessions",)
# modules whose CPO interface serves `GET {endpoint}/{id}` (OCPI: locations only)
SINGLE_OBJECT_MODULES = ("locations",)
# pages of a lookup's bulk fetch in flight at most: its pages are read once, and a
# location page parses to about 9 KB per object, so each page fetched ahead of the
# table costs about 10 MB of peak memory at 1,000 per page (docs/plan-and-run.md)
LOOKUP_CONCURRENCY = 1


@dataclass(frozen=True, slots=True)
class Estimate:
    """`--dry-run`: what the server says it holds (`X-Total-Count`) per fetch."""

    fetches: tuple[tuple[str, int | None, int | None], ...]  # (step id, records, requests)

    @property
    def requests(self) -> int:
        return sum(requests or 0 for _, _, requests in self.fetches)


@dataclass(frozen=True, slots=True)
class DatasetResult:
    name: str
    module: str
    format: str
    columns: tuple[str, ...]
    target: str | None
    manifest: str | None
    counts: Counts
    window: ResolvedWindow
    withheld: int
    estimate: Estimate | None = None
    warnings: tuple[str, ...] = ()
    invalid_accepted: int = 0                  # invalid records let go by --allow-invalid
    incomplete_accepted: tuple[str, ...] = ()  # doubts let go by --accept-incomplete
    risk: dict[str, Any] | None = None  # measured risk and k-anonymity (CPO side only)

    def with_manifest(self, manifest: Path | str | None) -> DatasetResult:
        return dataclasses.replace(self, manifest=str(manifest) if manifest else None)


class DatasetRun:
    def __init__(self, plan: ir.Plan, dataset: ir.Dataset, window: ResolvedWindow,
                 target: Target, compile: Callable[[str], Any], options: Any,
                 now: datetime) -> None:
        self.plan, self.dataset, self.window, self.target = plan, dataset, window, target
        self.compile, self.options, self.now = compile, options, now
        self.render = dataset.step(ir.Render)
        self.counts = Counts()
        self.file: HashingFile | None = None
        self.template: CustomTemplate | None = None
        self.step: ir.Fetch = dataset.step(ir.Fetch)  # the fetch running, for errors
        self.policy: Policy = getattr(options, "policy", None) or Policy()
        self.records: AuditedFetch | None = None
        self.event: EventWindow | None = None  # `window on FIELD`
        self.moved: AuditedFetch | None = None  # its list of updates since the pin
        self.crawls: list[AuditedFetch] = []   # the lookups' bulk fetches
        self.tables: list[tuple[str, TableLookup]] = []
        self.warnings: list[str] = []
        self.invalid_accepted = 0
        self.incomplete_accepted: tuple[str, ...] = ()
        self.screen: Callable[[Iterable[dict]], Iterable[dict]] | None = None  # lookback
        self.manifest_extra: dict[str, Any] = {}  # set by the executor (state notices)
        self.staged: list[AtomicFile] = []
        self.risk: RowRisk | None = None  # row datasets: measured risk, k-anonymity
        self.pool: Any = None  # worker processes (`--workers`), while the records stream
        self.order_keys: KeyBeside | None = None  # the value order's keys, from the workers

    # ---- before the network --------------------------------------------------------

    def prepare(self) -> None:
        """Compile every expression (with the run's key), find the template, and make
        sure a Parquet output can be written."""
        writers.require_libraries(self.render, self.target)
        for step in self.dataset.steps:
            for text in ir.step_expressions(step):
                self.compile(text)
        if self.render.template:
            digests = {item.path: item.sha256 for item in self.render.templates}
            root = templates_root(self.options.spec_dir)
            written = (self.target.path.name if self.target.path is not None
                       else self.render.destination)
            self.template = CustomTemplate(root, self.render.template, digests, written)
            try:
                verify_template(self.template)
            except RenderError as exc:
                raise RunError.of("OCX555", str(exc), self.render.origin, "named here",
                                  notes=("templates are found relative to the spec file",),
                                  help="check the spec again; the run reads only the "
                                       "template files `ocpispec check` read") from None

    # ---- dry run --------------------------------------------------------------------

    def estimate(self, client: Client) -> DatasetResult:
        fetches = []
        for fetch in self.dataset.all(ir.Fetch):
            if fetch.mode == "per-id":
                fetches.append((fetch.id, None, None))
                continue
            window = self._window(fetch)
            bounds = {"date_from": _moment(self._date_from(fetch, window)), "date_to": _moment(window.date_to)}
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
            # (a platform applying `date_to` early; a sample does not read it)
            fetches.append((fetch.id, total, max(1, math.ceil(total / page)) + (0 if sample else 1)))
        return self._result(Estimate(tuple(fetches)))

    # ---- the run ----------------------------------------------------------------------

    def execute(self, client: Client) -> DatasetResult:
        from ocpispec.ocpi import OcpiError

        before, unknown_before = _findings(client), _unknown(client, self.dataset.module)
        if (started := getattr(self.options, "on_dataset", None)) is not None:
            started(self.dataset.name, self.target.display, _window_words(self.window))
        try:
            self._execute(client)
        except OcpiError as exc:
            raise OcpiError(_pointing_at(exc.diagnostic, self.step)) from None
        after = _findings(client)
        self.counts.invalid_fields = after[0] - before[0]
        self.counts.deviations = after[1] - before[1]
        if _counts_unknown(client):
            self.counts.unknown_fields.update(_unknown(client, self.dataset.module) - unknown_before)
        self._settle()
        return self._result(None)

    def _execute(self, client: Client) -> None:
        version = client.version
        lookups = {}
        try:
            for lookup in self.dataset.all(ir.Lookup):
                self.step = self.dataset.get(lookup.fetch)
                with spilling():
                    lookups[lookup.id] = self._lookup(client, lookup, version)
            self.warnings += _keyless_joins(self.dataset, version)
            self.warnings += _absent_fields(self.dataset, version)
            self.step = self.dataset.step(ir.Fetch)
            rows = self._rows(client, version, lookups)
            aggregate = self.dataset.step(ir.Aggregate)
            if aggregate is not None:
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
                rows = in_value_order(rows, self.dataset.column_names, ranks,
                                      key=self.order_keys)
                if self.order_keys is not None:
                    rows = self.order_keys.unpacked(rows)
            # a spill failing while the writer pulls rows is the scratch space's, not the output's
            empty = EmptyColumns(self.dataset)
            self.counts.written = self._write(empty.watch(upstream(rows)), version)
            self.warnings += empty.warnings(self.warnings, unjoined={
                join.alias for join in _keyless(self.dataset, version)})
        finally:
            if self.pool is not None:
                self.pool.close()
                self.pool = None
            for _, table in self.tables:  # a spilled table's file, once nothing reads it
                table.close()

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
        pipeline = Pipeline(self.dataset, version, self.compile, lookups, self.counts,
                            None if _counts_unknown(client) else unknown_fields_finder(version, module))
        fetch = self.dataset.step(ir.Fetch)
        if self.dataset.step(ir.Aggregate) is None:
            self.risk = RowRisk(self.dataset, self.compile, version,
                                sample=self.options.limit is not None
                                or getattr(self.options, "assess", False))
        if self._uses_workers(client, lookups):
            from ocpispec.execute.workers import PagePool, prepared_rows

            one = pipeline.one()
            self.order_keys = self._order_keys()
            from ocpispec.ocpi.fast_pages import strict_fit

            self.pool = PagePool(self.options.workers, version, module, one, self.counts,
                                 self.risk.beside() if self.risk is not None else None,
                                 order=self.order_keys.compute if self.order_keys else None,
                                 strict=strict_fit(version, module))
        fetched = superset(self.window) if fetch.window.event_time else self.window
        pinned = pin(self.window, utc_now()) if fetch.window.event_time else None
        audited = AuditedFetch(client, module,
                               date_from=_moment(self._date_from(fetch, fetched)),
                               date_to=pinned or _moment(fetched.date_to), limit=self.options.limit,
                               prepare=self.pool.prepare if self.pool is not None else None)
        self.records = audited
        records: Iterable[dict]
        if pinned is not None:
            records = self._event_records(client, fetch, version, audited, pinned)
        else:
            records = chain.from_iterable(self._with_tail(client, module, audited))
        if self.screen is not None:
            records = self.screen(records)
        if self.options.limit is not None:
            records = islice(records, self.options.limit)
        if self.pool is not None:
            keys = self.order_keys
            if self.risk is not None:
                return self.risk.rows(prepared_rows(self.risk.tap(self._progress(records)),
                                                    self.counts, one, keys))
            return prepared_rows(self._progress(records), self.counts, one, keys)
        if self.risk is None:
            return pipeline.rows(self._progress(records))
        return self.risk.rows(pipeline.rows(self.risk.tap(self._progress(records))))

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
                                prepare=self.pool.prepare if self.pool is not None else None)
            yield from audited.missed_at_start(head)
            return
        if not audited.may_have_cut_early():
            return
        end = guard.date_to
        assert end is not None
        until = end + SHIFT_MARGIN
        tail = AuditedFetch(client, module, date_from=end, date_to=until, enforce=False,
                            prepare=self.pool.prepare if self.pool is not None else None,
                            open_end=until > utc_now())
        yield from audited.missed_at_end(tail)

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
        self.moved = AuditedFetch(client, fetch.module, date_from=pinned, date_to=None,
                                  enforce=False, open_end=True)
        yield from self.event.keep_moved(self.moved, pinned)

    def _order_keys(self) -> KeyBeside | None:
        """The rows' value order (`in_value_order`), keyed in the workers beside each
        row, which then travels pickled. Not where another order is stated or groups are
        sorted, nor under a k rule (it recodes the rows it holds back), nor where the
        risk meter reads the rows themselves (no driver to measure in the worker)."""
        if self.dataset.step(ir.Order) is not None or self.dataset.step(ir.Aggregate) \
                is not None:
            return None
        if self.risk is not None and (self.risk.rule is not None or self.risk.beside() is None):
            return None
        ranks = value_order.ranks(self.dataset.released_columns)
        return KeyBeside(ascending_key(self.dataset.column_names, ranks))

    def _uses_workers(self, client: Client, lookups: dict[str, Lookup]) -> bool:
        """`--workers N` (N > 1) for the OCPI client's records, where the platform can
        fork. A lookback screen reads whole records, and a lookup that may ask the
        platform for a key (per-id, or a join on a table with a per-id fallback) needs
        the parent's connection: such datasets keep one process."""
        if getattr(self.options, "workers", 1) <= 1 or self.screen is not None:
            return False
        from ocpispec.execute.workers import available, small_sample

        if small_sample(self.options.limit):
            return False
        if self.dataset.all(ir.Unnest) or self.dataset.step(ir.Spread) is not None \
                or self.dataset.step(ir.Fetch).window.event_time:
            # `each` and `spread` make several rows of one record, and `window on` reads
            # each record's event time: all need the records in this process
            return False
        joined = {join.lookup for join in self.dataset.all(ir.Join)}
        if not all(isinstance(lookup, TableLookup) and (lookup.fallback is None or name not in joined)
                   for name, lookup in lookups.items()):
            return False
        return _counts_unknown(client) and hasattr(client, "fetch_pages") and available()

    def _lookup(self, client: Client, step: ir.Lookup, version: str) -> Lookup:
        fetch: ir.Fetch = self.dataset.get(step.fetch)
        normalize: ir.Normalize = self.dataset.get(step.normalize)
        expression = normalizer_for(normalize, version)
        if expression is None:
            raise self._other_version(version)
        compiled = self.compile(expression)
        from ocpispec.schema import catalogue

        if version not in catalogue().versions_of(step.module, step.key):
            return self._keyless(step, compiled, version)
        per_id = PerIdLookup(lambda key: client.get_object(step.module, key), compiled)
        if step.strategy == "per-id":
            return per_id
        fallback, many = None, None
        if catalogue().resolve(step.module, step.key).many:
            # a location's tariff ids: a published location's own entry wins
            many = _not_published
        elif step.module in SINGLE_OBJECT_MODULES:
            fallback = PerIdLookup(_best_effort(client, step.module), compiled)
        table = TableLookup(self._listed(client, step.module, fetch), compiled, step.key,
                            fallback, secondary=is_credit if step.module == "cdrs" else None,
                            many=many,
                            closing=_not_public(version) if step.module == "locations" else None,
                            party=step.party)
        self.tables.append((step.module, table))
        return table

    def _keyless(self, step: ir.Lookup, compiled: Any, version: str) -> Lookup:
        """A dimension whose join key this OCPI version does not have (2.1.1 CDRs name
        no session): nothing can match, so nothing is fetched; every join on it misses,
        and the summary says why (the platform is not at fault)."""
        self.warnings.append(_no_key(version, step.module, step.key, step.module))
        table = TableLookup((), compiled, step.key)
        self.tables.append((step.module, table))
        return table

    def _listed(self, client: Client, module: str, fetch: ir.Fetch) -> Iterator[dict]:
        """A lookup's records as the platform lists them. A list read up to now is read
        with `date_to` pinned when it starts (pages stay still), so an object updated
        while it is read (a location whose EVSE changed status) leaves that window
        before its page comes: it is read again from a second list, of the objects
        updated since the pin (without any `date_to`: a platform clock ahead of ours
        must not hide them again). Without it, a public location missed this way made its
        sessions count as at a location the platform does not list."""
        window = self._window(fetch)
        end = _moment(window.date_to)
        pinned = end if end is not None else utc_now()
        listed = AuditedFetch(client, module, date_from=_moment(self._date_from(fetch, window)),
                              date_to=pinned, enforce=False, concurrency=LOOKUP_CONCURRENCY)
        self.crawls.append(listed)
        yield from listed
        if end is None:
            moved = AuditedFetch(client, module, date_from=pinned, date_to=None, enforce=False,
                                 concurrency=LOOKUP_CONCURRENCY, open_end=True)
            self.crawls.append(moved)
            yield from moved

    def _window(self, fetch: ir.Fetch) -> ResolvedWindow:
        if fetch.purpose == "records":
            return self.window
        if fetch.window.incremental:
            window = open_ended(self.window)
        else:
            window = open_ended(resolve_window(fetch.window, None, self.now))
        return widened(window) if fetch.window.kind != "all" else window

    def _date_from(self, fetch: ir.Fetch, window: ResolvedWindow) -> str | None:
        if window.date_from is None and fetch.module in REQUIRES_DATE_FROM:
            return FIRST_WATERMARK
        return window.date_from

    def _progress(self, records: Iterable[dict]) -> Iterable[dict]:
        report = self.options.progress
        return records if report is None else _reporting(records, self.dataset.name, report)

    def _write(self, rows: Iterable[dict], version: str) -> int:
        rows = writers.numeric_points(rows, self.dataset)
        rows = writers.numbers_in_range(rows, self.dataset, self.render)
        if self.render.format in ("parquet", "xlsx"):
            return self._write_binary(rows, version)
        context = RenderContext(self.dataset.column_names, _export(self.plan),
                                self._run_values(version), self.render.geometry,
                                self.render.dialect)
        if self.target.path is None:
            out: Any = writers.text_stdout()
        else:
            try:
                self.file = HashingFile(self.target.path, compression_of(self.target))
            except OSError as exc:
                raise _output_failed(self.target, exc) from None
            out = self.file
        try:
            return render(self.render.format, rows, context, out, template=self.template)
        except RenderError as exc:
            raise RunError.of("OCX555", str(exc), self.render.origin, "template named here",
                              help="fix the template; it sees only `rows`, `columns`, "
                                   "`export` and `run`") from None
        except OSError as exc:
            raise _output_failed(self.target, exc) from None

    def _write_binary(self, rows: Iterable[dict], version: str) -> int:
        try:
            self.file, sink = writers.open_binary(self.target)
            if self.render.format == "xlsx":
                return writers.write_xlsx(rows, self.dataset, self.render, sink)
            return writers.write_parquet(rows, self.plan, self.dataset, self.render, sink,
                                         _export(self.plan), version)
        except OSError as exc:
            raise _output_failed(self.target, exc) from None

    def _run_values(self, version: str) -> dict[str, Any]:
        now = self.now
        return {"date": now.strftime("%Y-%m-%d"), "time": now.strftime("%H:%M:%S"),
                "timestamp": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "window_start": self.window.date_from, "window_end": self.window.date_to,
                "ocpi_version": version, "plan_fingerprint": self.plan.short_fingerprint}

    # ---- what the crawls saw, and whether the run accepts it ---------------------------

    def _settle(self) -> None:
        """Adds what the client dropped and what lay outside the window to the counts,
        then fails the run for losses the options do not accept (`policy.judge`)."""
        counts, records = self.counts, self.records
        if records is not None:
            counts.read += records.outside + sum(records.invalid_by_reason.values())
            counts.outside_window, counts.duplicates = records.outside, records.duplicates
            if self.event is not None:  # `window on FIELD`: outside the event window
                counts.read += self.event.outside
                counts.outside_window += self.event.outside
                counts.duplicates += self.event.repeated
            if self.moved is not None:
                counts.duplicates += self.moved.duplicates
                counts.read += sum(self.moved.invalid_by_reason.values())
                counts.invalid.update(self.moved.invalid_by_reason)
            counts.invalid.update(records.invalid_by_reason)
            if (warning := records.window_warning()) is not None:
                self.warnings.append(warning)
            if (warning := records.early_cut_warning()) is not None:
                self.warnings.append(warning)
            if (warning := records.late_filter_warning()) is not None:
                self.warnings.append(warning)
        for crawl in self.crawls:
            counts.invalid.update({f"{crawl.module}: {reason}": n
                                   for reason, n in crawl.invalid_by_reason.items()})
        for module, table in self.tables:
            if table.unreadable:
                counts.invalid[f"{module}: record without a usable key"] += table.unreadable
        sample = self.options.limit is not None  # a sample stops reading on purpose
        crawls = [*self.crawls, *([records] if records is not None and not sample else []),
                  *([self.moved] if self.moved is not None else [])]
        doubts = tuple(reason for crawl in crawls for reason in crawl.incomplete())
        looked_up = sum(crawl.report.received for crawl in self.crawls if crawl.report is not None)
        verdict = rules.judge(self.dataset, counts, doubts, self.policy, looked_up)
        self.invalid_accepted = verdict.invalid_accepted
        self.incomplete_accepted = verdict.incomplete_accepted
        self.warnings += verdict.warnings

    # ---- after every dataset succeeded ---------------------------------------------------

    def stage(self, version: str) -> list[AtomicFile]:
        """The output and its manifest, complete and fsynced under temporary names;
        the executor publishes them (`journal.commit`)."""
        if self.file is None:
            return []
        try:
            self.file.finish()
            if not self.file.file.still_there():
                raise _removed_meanwhile(self.target, self.file.file.temp)
            self.staged = [self.file.file]
            self.staged.append(stage_manifest(self.file.file.path, self._manifest(version)))
            self.staged.append(stage_datapackage(self.file.file.path, writers.package_of(
                self.plan, self.dataset, self.render, self.target, _export(self.plan),
                self.now)))
        except OSError as exc:
            raise _output_failed(self.target, exc) from None
        return self.staged

    def manifest(self) -> Path | str | None:
        if self.file is None:
            return None
        if self.target.remote is not None:
            return self.target.remote.url + ".manifest.json"
        return manifest_path(self.file.file.path)

    def discard(self) -> None:
        if self.risk is not None:
            self.risk.close()
        if self.file is not None:
            self.file.file.discard()
        for file in self.staged:
            file.discard()

    def _manifest(self, version: str) -> dict[str, Any]:
        output = {"file": self.target.path.name if self.target.path else None,
                  "format": self.render.format,
                  "sha256": self.file.sha256.hexdigest() if self.file else None,
                  **writers.encoding(self.render, self.target, self.file),
                  "rows": self.counts.written}
        return consumer_manifest(
            self.plan, self.dataset, tool=f"ocpispec {__version__}", export=_export(self.plan),
            spec_sha256=self.options.spec_sha256, output=output, version=version,
            run_at=self.now.strftime("%Y-%m-%dT%H:%M:%SZ"), window=self.window,
            accepted=self._accepted(), sample=self.options.limit) | self.manifest_extra | \
            (self.risk.manifest() if self.risk is not None else {})

    def _accepted(self) -> dict[str, Any]:
        """The deviations this run accepted, as the consumer may know them. Invalid
        records left out are counted by reason: without the counts of records read,
        excluded and filtered (which stay with the CPO) they cannot size a suppressed
        group. Deviations read tolerantly are named without counts, since a deviation
        on every record would count the records read."""
        accepted: dict[str, Any] = {}
        if self.invalid_accepted and self.policy.allow_invalid is not None:
            accepted["invalid_records"] = {
                "option": f"--allow-invalid {self.policy.allow_invalid}",
                "left_out": self.invalid_accepted,
                "by_reason": dict(sorted(self.counts.invalid.items()))}
        if self.incomplete_accepted:
            accepted["incomplete_crawl"] = {"option": "--accept-incomplete",
                                            "why": list(self.incomplete_accepted)}
        if self.counts.deviations:
            accepted["read_tolerantly"] = sorted(self.counts.deviations)
        return accepted

    def _result(self, estimate: Estimate | None) -> DatasetResult:
        return DatasetResult(self.dataset.name, self.dataset.module, self.render.format,
                             self.dataset.column_names, self.target.display, None, self.counts,
                             self.window, self.dataset.withheld_count, estimate,
                             tuple(self.warnings), self.invalid_accepted,
                             self.incomplete_accepted,
                             self.risk.result() if self.risk is not None else None)


def _best_effort(client: Client, module: str) -> Callable[[str], dict | None]:
    """`GET {endpoint}/{id}` for a key the bulk fetch did not hold. A platform that
    refuses these (no single-object endpoint, errors) turns them off for the run: the
    keys stay misses, counted as such."""
    from ocpispec.ocpi import OcpiError

    refused = False

    def get(key: str) -> dict | None:
        nonlocal refused
        if refused:
            return None
        try:
            return client.get_object(module, key)
        except OcpiError:
            refused = True
            return None

    return get


def _findings(client: Client) -> tuple[Counter[str], Counter[str]]:
    """The client's counts of values nulled for their type and of deviations read."""
    stats = getattr(client, "stats", None)
    return (Counter(getattr(stats, "invalid_fields", None) or {}),
            Counter(getattr(stats, "deviations", None) or {}))


def _absent_fields(dataset: ir.Dataset, version: str) -> list[str]:
    """Released columns that read a field this OCPI version does not have (a 2.1.1
    CDR's `total_cost.incl_vat`, a tariff's `type`): under `version auto` the check
    cannot know the platform's version, and the column is empty in this file."""
    from ocpispec.schema import catalogue

    modules = {"": dataset.module, **{join.alias: join.module
                                      for join in dataset.all(ir.Join)}}
    aggregate = dataset.step(ir.Aggregate)
    named = [(column.name, column.sources) for column in dataset.released_columns]
    named += [(measure.name, measure.sources) for measure in
              (aggregate.measures if aggregate is not None else ())]
    elements = {unnest.alias: unnest for unnest in dataset.all(ir.Unnest)}
    found = []
    for name, sources in named:
        absent = []
        for source in sources:
            head, _, rest = source.partition(".")
            module, path = (modules[head], rest) if head in modules and rest \
                else (dataset.module, source)
            parts = _element_path(source, elements) or tuple(path.split("."))
            if catalogue().resolve(module, parts).ok \
                    and version not in catalogue().versions_of(module, parts):
                absent.append(source)
        if absent and len(absent) == len(sources):
            found.append(f"column `{name}` is empty: OCPI {version} has no "
                         + ", ".join(f"`{source}`" for source in absent))
        elif absent:
            found.append(f"column `{name}` reads " + ", ".join(f"`{s}`" for s in absent)
                         + f", which OCPI {version} does not have (null)")
    return found


def _element_path(source: str, elements: dict[str, ir.Unnest]) -> tuple[str, ...] | None:
    """The record's path of a field read from an `each` element (`component.vat` after
    `each elements as element` and `each element.price_components as component`:
    `elements.price_components.vat`); None for a field read otherwise."""
    head, _, rest = source.partition(".")
    if head not in elements or not rest:
        return None
    path = tuple(rest.split("."))
    while head in elements:
        unnest = elements[head]
        path, head = (*unnest.items, *path), unnest.parent
    return path if head == "" else None


def _keyless_joins(dataset: ir.Dataset, version: str) -> list[str]:
    """Joins whose key the dataset's own records lack on this OCPI version (2.1.1
    sessions have no `cdr_token.uid`, 2.1.1 CDRs no `session_id`): they cannot match."""
    return [_no_key(version, dataset.module, join.local_key, join.module)
            for join in _keyless(dataset, version)]


def _keyless(dataset: ir.Dataset, version: str) -> list[ir.Join]:
    from ocpispec.schema import catalogue

    return [join for join in dataset.all(ir.Join)
            if catalogue().resolve(dataset.module, join.local_key).ok
            and version not in catalogue().versions_of(dataset.module, join.local_key)]


def _no_key(version: str, module: str, key: tuple[str, ...], joined: str) -> str:
    return (f"OCPI {version} `{module}` have no `{'.'.join(key)}`: joins to `{joined}` "
            "find no record (their fields are empty)")


def _counts_unknown(client: Client) -> bool:
    """Whether the client counts unknown fields as it reads (the OCPI client does, in
    the same walk as its type checks): then the pipeline need not look again."""
    return isinstance(getattr(getattr(client, "stats", None), "unknown_fields", None), dict)


def _unknown(client: Client, module: str) -> Counter[str]:
    if not _counts_unknown(client):
        return Counter()
    return Counter(getattr(client, "stats").unknown_fields.get(module, {}))


def _not_public(version: str) -> Callable[[dict], bool]:
    """Whether a normalized location is not public (as the private-location check reads it)."""
    return lambda location: not is_published(location.get("publish"), version)


def _window_words(window: ResolvedWindow) -> str:
    start, end = window.date_from, window.date_to
    if start is None and end is None:
        return "all records"
    return f"{start or 'the first record'} to {end or 'now'}"


def _reporting(records: Iterable[dict], name: str,
               report: Callable[[str, int], None]) -> Iterator[dict]:
    for count, record in enumerate(records, 1):
        if count % PROGRESS_EVERY == 0:
            report(name, count)
        yield record


def _pointing_at(diagnostic: Diagnostic, step: ir.Fetch) -> Diagnostic:
    """A platform error, with a secondary label at the spec text of the failing fetch, and
    what it left: a run commits only when every dataset succeeded."""
    label = Label(step.origin, f"while running `{step.id}`", primary=False)
    notes = diagnostic.notes if NOTHING_COMMITTED in diagnostic.notes else (*diagnostic.notes, NOTHING_COMMITTED)
    return dataclasses.replace(diagnostic, labels=(*diagnostic.labels, label), notes=notes)


def _moment(text: str | None) -> datetime | None:
    return None if text is None else read_timestamp(text)


def _export(plan: ir.Plan) -> dict[str, Any]:
    export = plan.export
    basis = export.legal_basis
    if basis and export.legal_reference:
        basis = f"{basis} ({export.legal_reference})"
    shown = {"name": export.name, "consumer": export.consumer, "purpose": export.purpose,
             "legal_basis": basis, "retention": export.retention}
    return shown | ({"licence": export.licence} if export.licence else {})


def _not_published(location: dict) -> bool:
    return location.get("publish") is not True


def _removed_meanwhile(target: Target, temp: Path) -> RunError:
    """The output's temporary file is gone (or another file took its name) by the time
    it was finished: its folder was removed or emptied meanwhile, or a cleanup job took
    the hidden file. The run wrote into a file no name reaches; it ended as an internal
    error where the disclosure log read it back."""
    where = f"the local copy of `{target.display}`" if target.remote is not None \
        else f"`{target.display}`"
    return RunError.of(
        "OCX554", f"cannot write {where}: its temporary file `{temp.name}` in "
                  f"`{temp.parent}` was removed while the run wrote it",
        notes=("nothing was published and the state did not move: the next run delivers "
               "this window",),
        help=f"keep cleanup jobs and other programs away from the hidden `.*.partial` files "
             f"in `{temp.parent}` while a run writes there (they are its outputs until "
             "the commit), and run again")


def _output_failed(target: Target, exc: OSError) -> RunError:
    reason = exc.strerror or str(exc)
    if isinstance(exc, (FileExistsError, NotADirectoryError)):
        reason = "a part of its directory path is a file, not a directory"
    if target.path is None and target.remote is None:  # stdout: a pipe, a redirection
        return RunError.of("OCX554", f"cannot write `stdout`: {reason}",
                           notes=("what its reader got is no delivery: the state did not "
                                  "move, so the next run delivers this window again",),
                           help="check the command that reads the standard output (it "
                                "stopped reading) or the disk it writes to, or write to a "
                                "file with `--out`")
    if target.remote is not None and target.path is not None:  # the local spool
        from ocpispec.execute.scratch_space import spool_failed

        return spool_failed(target.display, str(target.path.parent.parent), reason)
    if exc.errno in _NO_ROOM:
        return RunError.of("OCX554", f"cannot write `{target.display}`: {reason}",
                           notes=("nothing was published and the state did not move: the "
                                  "next run delivers this window",),
                           help=f"free space on the disk that holds `{target.path.parent}` "
                                "(the run needs room for the whole file beside the one it "
                                "replaces) or raise the quota or file-size limit, or choose "
                                "another place with `--out`, and run again")
    return RunError.of("OCX554", f"cannot write `{target.display}`: {reason}",
                       help="check that the directory exists and is writable, or choose "
                            "another place with `--out`")


# a full disk, a quota, a file-size limit: the directory is there and writable
_NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
