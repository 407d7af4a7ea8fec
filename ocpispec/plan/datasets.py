"""The steps of one dataset: fetches, normalizers, lookups, privacy, joins, filter,
projection or aggregation, render. `read_paths` finds what each step reads, `fetch_window`
lowers the window, `privacy_step` and `dataset_output` build their steps."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from ocpispec.frozen import frozen
from ocpispec.check.checked import CheckedDataset, CheckedJoin, ResolvedField
from ocpispec.check.families import pseudonym_family
from ocpispec.diagnostics.source import SourceFile, Span
from ocpispec.language import pseudonym_scope
from ocpispec.plan import columns as cols
from ocpispec.plan import ir
from ocpispec.plan import sample as sampling
from ocpispec.plan.dataset_output import body_step, order_steps, render_step
# DRIVERS and DRIVER_PATHS are imported from here by older callers
from ocpispec.plan.drivers import DRIVER_PATHS, DRIVERS  # noqa: F401
from ocpispec.plan.fetch_window import fetch_window
from ocpispec.plan.k_rule import k_step
from ocpispec.plan.lower import Lowerer, quote
from ocpispec.plan.privacy_step import TARIFF_SITES, checks_locations, privacy_step
from ocpispec.plan.read_paths import (catalogue_order, dimension_paths, element_fields,
                                      fact_paths, sub_bindings)
from ocpispec.plan.series import series_steps
from ocpispec.schema import VERSIONS, catalogue
from ocpispec.schema.contract_tariffs import EVENT_MODULES
from ocpispec.schema.joins import PARTY

PER_ID_MODULES = ("locations",)  # modules whose CPO interface serves GET {endpoint}/{id}
SCOPED_JOINS = ("tariffs", "sessions", "cdrs")  # joined modules a published location covers
PER_ID_MAX_SAMPLE = 200


@frozen
class Options:
    page_size: int = 500
    concurrency: int = 4
    sample: int | None = None  # `--limit N`: few records, so per-id lookups pay off
    versions: tuple[str, ...] = VERSIONS
    pseudonym_scope: str = "export"  # a calendar scope keys each pseudonym by record time


def dataset_plan(checked: CheckedDataset, name: str, source: SourceFile,
                 options: Options) -> ir.Dataset:
    return _Builder(checked, name, source, options).build()


class _Builder:
    def __init__(self, checked: CheckedDataset, name: str, source: SourceFile,
                 options: Options) -> None:
        self.checked = checked
        self.name = name
        self.source = source
        self.options = options
        self.module = checked.module
        self.origin = checked.dataset.source.span
        objects = {binding.name: binding.object for binding in checked.bindings}
        self.objects = objects
        self.moment = pseudonym_scope.record_time(self.module, options.pseudonym_scope)
        self.window = fetch_window(checked.dataset.source.window,
                                   checked.dataset.source.event_time, self.module,
                                   options.versions)
        # a calendar scope's periods are the window's: local months for a local month
        scope = pseudonym_scope.in_zone(options.pseudonym_scope, self.window.zone)
        period = (scope, quote(self.moment)) if self.moment else None
        self.lowerer = Lowerer(checked.fields,
                               lambda f: pseudonym_family(f, objects.get(f.binding, "")),
                               self._lists, period)

    def build(self) -> ir.Dataset:
        checked = self.checked
        dims = self._dimension_modules()
        fetches = [self._fact_fetch(), *(self._dimension_fetch(m, o) for m, o in dims.items())]
        normalizers = [self._normalize(self.module, fact_paths(checked, self.moment),
                                       self.origin),
                       *(self._normalize(m, dimension_paths(checked, m), o)
                         for m, o in dims.items())]
        lookups = [self._lookup(module, origin) for module, origin in dims.items()]
        steps: list[ir.Step] = [*fetches, *normalizers, *lookups,
                                privacy_step(checked, self.origin)]
        steps += [self._join(join) for join in checked.joins if not join.element]
        steps += self._filter()
        steps += series_steps(checked, lambda alias: element_fields(checked, alias))
        steps += [self._join(join) for join in checked.joins if join.element]
        steps.append(body := body_step(checked, self.lowerer, self.source,
                                       self.options.pseudonym_scope))
        if isinstance(body, ir.Project) and \
                (rule := k_step(checked, body, self.module, DRIVERS.get(self.module))):
            steps.append(rule)
        steps += order_steps(checked, self.name)
        steps.append(render_step(checked))
        return ir.Dataset(self.name, self.module, tuple(steps),
                          cols.withheld(checked, checked.columns), checked.dataset.span)

    # ---- fetching ------------------------------------------------------------------

    def _dimension_modules(self) -> dict[str, Span]:
        modules = {join.module: join.join.span for join in self.checked.joins}
        if checks_locations(self.checked):
            # the locations first: the lookups of joined tariffs, sessions and CDRs keep
            # only what a published location covers (`execute/join_scope.py`)
            modules = {"locations": modules.get("locations", self.origin), **modules}
        return modules

    def _fact_fetch(self) -> ir.Fetch:
        source = self.checked.dataset.source
        return ir.Fetch(f"fetch.{self.module}", self.module, "records", "pages", self.window,
                        self.options.page_size, self.options.concurrency,
                        Span(source.span.start, source.module.span.end))

    def _dimension_fetch(self, module: str, origin: Span) -> ir.Fetch:
        mode = "per-id" if self._strategy(module) == "per-id" else "pages"
        window = ir.Window("all")
        if module in EVENT_MODULES:  # their records change after the fact's: no end
            window = dataclasses.replace(self.window, event_time=None, event_expressions=())
            if window.kind == "between":
                window = ir.Window("since", start=window.start)
        return ir.Fetch(f"fetch.{module}", module, self._purpose(module), mode, window,
                        self.options.page_size, self.options.concurrency, origin)

    def _purpose(self, module: str) -> str:
        uses = [f"join.{join.alias}" for join in self.checked.joins if join.module == module]
        if module == "locations" and checks_locations(self.checked):
            uses.append("privacy.public_locations")
        return "lookup for " + ", ".join(uses)

    def _strategy(self, module: str) -> str:
        sample = self.options.sample
        few = sample is not None and sample <= PER_ID_MAX_SAMPLE
        keyed_by_id = self.module != "tariffs"  # tariffs look locations up by tariff id
        # a joined tariff, session or CDR is judged by the listed locations (`join_scope`)
        # and so is a charge's own copy of its tariffs (`execute/charge_tariffs.py`)
        judged = checks_locations(self.checked) and (any(
            join.module in SCOPED_JOINS for join in self.checked.joins) or any(
            field.binding == "" and field.path[:1] in (("tariffs",), ("charging_periods",))
            for field in self.checked.touched))
        return "per-id" if few and module in PER_ID_MODULES and keyed_by_id and not judged \
            else "table"

    # ---- normalizing and looking up -------------------------------------------------

    def _normalize(self, module: str, paths: Iterable[tuple[str, ...]],
                   origin: Span) -> ir.Normalize:
        ordered = catalogue_order(module, paths)
        expressions = tuple(
            ir.VersionExpression(v, catalogue().normalizer_expression(module, v, ordered))
            for v in self.options.versions)
        return ir.Normalize(f"normalize.{module}", module,
                            tuple(".".join(path) for path in ordered), expressions, origin)

    def _lookup(self, module: str, origin: Span) -> ir.Lookup:
        joins = [join for join in self.checked.joins if join.module == module]
        key = joins[0].remote_key if joins else \
            TARIFF_SITES if self.module == "tariffs" else ("id",)
        return ir.Lookup(f"lookup.{module}", module, f"fetch.{module}", f"normalize.{module}",
                         key, self._strategy(module), origin,
                         joins[0].remote_party if joins else PARTY)

    # ---- joins and filter -----------------------------------------------------------

    def _join(self, join: CheckedJoin) -> ir.Join:
        return ir.Join(f"join.{join.alias}", join.module, join.alias, f"lookup.{join.module}",
                       join.local_key.path, join.remote_key, sub_bindings(self.checked, join),
                       join.join.span, join.local_party, join.element)

    def _filter(self) -> list[ir.Filter]:
        source = self.checked.dataset.source
        wheres, sample = source.wheres, sampling.sample_of(source)
        if not wheres and sample is None:
            return []
        parts = [self.lowerer.condition(where.condition) for where in wheres]
        if sample is not None:
            parts.append(sampling.condition(self.module, sample))
        expression = parts[0] if len(parts) == 1 else " && ".join(f"({p})" for p in parts)
        clauses = [*wheres, *([sample] if sample is not None else [])]
        span = clauses[0].span.to(clauses[-1].span)
        checked = self.checked.filter if wheres else None
        reads = tuple(ir.FilterRead(read.field, read.privacy.value)
                      for read in (checked.reads if checked else ()))
        return [ir.Filter(f"filter.{self.module}", expression, span, reads,
                          checked.justification if checked else None,
                          checked.redacted if checked else None,
                          sampling.words(self.module, sample) if sample is not None else None)]

    def _lists(self, resolved: ResolvedField) -> tuple[bool, ...]:
        """Which segments of the qualified path hold lists in the neutral record."""
        head = tuple(False for _ in resolved.binding.split(".")) if resolved.binding else ()
        obj = self.objects.get(resolved.binding) or catalogue().root(resolved.module).name
        fields = catalogue().resolve_in(obj, resolved.path).fields
        return (*head, *(field.many for field in fields))
