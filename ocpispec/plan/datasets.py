"""The steps of one dataset: fetches, normalizers, lookups, privacy, joins, filter,
projection or aggregation, render."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ocpispec import formats
from ocpispec.plan import ir
from ocpispec import calendar_windows
from ocpispec.language import pseudonym_scope, syntax
from ocpispec.check.checked import CheckedDataset, CheckedJoin, ResolvedField
from ocpispec.check.families import pseudonym_family
from ocpispec.plan import columns as cols
from ocpispec.plan.k_rule import k_step
from ocpispec.plan.drivers import (DRIVER_PATHS, DRIVER_WORDS, DRIVERS,
                                    ONE_TIME_WORDS)
from ocpispec.plan.lower import Lowerer, quote
from ocpispec.plan.series import series_steps
from ocpispec.schema import VERSIONS, catalogue
from ocpispec.schema.joins import PARTY
from ocpispec.diagnostics.source import SourceFile, Span
from ocpispec.timestamps import canonical_timestamp

# where a fact record names its location, for the private-location check
LOCATION_KEYS = {"sessions": ("location_id",), "cdrs": ("cdr_location", "id")}
# a tariff leaves only when a connector of a published location names it: the tariff of a
# home charger, or of one driver's contract, is no public price (privacy reference)
TARIFF_SITES = ("evses", "connectors", "tariff_ids")
# records at a driver's home although the location may be public
HOME_CHARGING = {"cdrs": ("home_charging_compensation == `true`", ("home_charging_compensation",))}
EVENT_MODULES = ("sessions", "cdrs")
PER_ID_MODULES = ("locations",)  # modules whose CPO interface serves GET {endpoint}/{id}
PER_ID_MAX_SAMPLE = 200
DEFAULT_MIN_GROUP_SIZE = 10


@dataclass(frozen=True, slots=True)
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
        self.window = self._event_window(_window(checked.dataset.source.window,
                                                 checked.dataset.source.event_time))
        # a calendar scope's periods are the window's: local months for a local month
        scope = pseudonym_scope.in_zone(options.pseudonym_scope, self.window.zone)
        period = (scope, quote(self.moment)) if self.moment else None
        self.lowerer = Lowerer(checked.fields,
                               lambda f: pseudonym_family(f, objects.get(f.binding, "")),
                               self._lists, period)

    def _event_window(self, window: ir.Window) -> ir.Window:
        """The window with, for `window on FIELD`, the field read from each version's
        wire record (the executor keeps records whose field is in the window)."""
        if window.event_time is None:
            return window
        path = tuple(window.event_time.split("."))
        return dataclasses.replace(window, event_expressions=tuple(
            ir.VersionExpression(v, catalogue().normalizer_expression(self.module, v, [path]))
            for v in self.options.versions))

    def build(self) -> ir.Dataset:
        dims = self._dimension_modules()
        fetches = [self._fact_fetch(), *(self._dimension_fetch(m, o) for m, o in dims.items())]
        normalizers = [self._normalize(self.module, self._fact_paths(), self.origin),
                       *(self._normalize(m, self._dimension_paths(m), o) for m, o in dims.items())]
        lookups = [self._lookup(module, origin) for module, origin in dims.items()]
        steps: list[ir.Step] = [*fetches, *normalizers, *lookups, self._privacy()]
        steps += [self._join(join) for join in self.checked.joins]
        steps += self._filter()
        steps += series_steps(self.checked, self._element_fields)
        steps.append(body := self._body())
        if isinstance(body, ir.Project) and \
                (rule := k_step(self.checked, body, self.module, DRIVERS.get(self.module))):
            steps.append(rule)
        steps += self._order()
        steps.append(self._render())
        body_columns = self.checked.columns
        return ir.Dataset(self.name, self.module, tuple(steps),
                          cols.withheld(self.checked, body_columns), self.checked.dataset.span)

    def _order(self) -> list[ir.Step]:
        dataset = self.checked.dataset
        if dataset.order is None and dataset.limit is None:
            return []
        keys = tuple(ir.SortKey(key.name.name, key.descending)
                     for key in (dataset.order.keys if dataset.order else ()))
        span = dataset.order.span if dataset.order else dataset.limit.span
        if dataset.limit is not None:
            span = Span(span.start, dataset.limit.span.end)
        return [ir.Order(f"order.{self.name}", keys,
                         dataset.limit.count if dataset.limit else None, span)]

    # ---- fetching ------------------------------------------------------------------

    def _dimension_modules(self) -> dict[str, Span]:
        modules = {join.module: join.join.span for join in self.checked.joins}
        if self._private_check() and "locations" not in modules:
            modules = {"locations": self.origin, **modules}
        return modules

    def _private_check(self) -> bool:
        return (self.module in LOCATION_KEYS or self.module == "tariffs") \
            and not self.checked.include_private

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
        if module == "locations" and self._private_check():
            uses.append("privacy.public_locations")
        return "lookup for " + ", ".join(uses)

    def _strategy(self, module: str) -> str:
        sample = self.options.sample
        few = sample is not None and sample <= PER_ID_MAX_SAMPLE
        keyed_by_id = self.module != "tariffs"  # tariffs look locations up by tariff id
        return "per-id" if few and module in PER_ID_MODULES and keyed_by_id else "table"

    # ---- normalizing ---------------------------------------------------------------

    def _normalize(self, module: str, paths: Iterable[tuple[str, ...]],
                   origin: Span) -> ir.Normalize:
        ordered = _ordered(module, paths)
        expressions = tuple(
            ir.VersionExpression(v, catalogue().normalizer_expression(module, v, ordered))
            for v in self.options.versions)
        return ir.Normalize(f"normalize.{module}", module,
                            tuple(".".join(path) for path in ordered), expressions, origin)

    def _fact_paths(self) -> list[tuple[str, ...]]:
        paths = [field.path for field in self.checked.touched if field.binding == ""]
        paths += [path for each in self.checked.eaches for path in self._element_paths(each)]
        paths += [each.parent_end for each in self.checked.eaches if each.parent_end]
        paths += [join.local_key.path for join in self.checked.joins]
        paths += [path for join in self.checked.joins for path in join.local_party]
        if self.moment:  # the time that puts each pseudonym in its period
            paths.append((self.moment,))
        paths += [sub.local_key for join in self.checked.joins for sub in self._subs(join)]
        if self._private_check():
            paths.append(LOCATION_KEYS.get(self.module, ("id",)))
            paths += PARTY
            if self.module in HOME_CHARGING:
                paths.append(HOME_CHARGING[self.module][1])
        if self.module == "locations" and not self.checked.include_private:
            paths.append(("publish",))
        if self.checked.is_aggregate and self.module in DRIVER_PATHS:
            paths += DRIVER_PATHS[self.module]
        return paths

    def _element_fields(self, alias: str) -> tuple[tuple[str, ...], ...]:
        """The fields of an `each` element the dataset reads (derived ones excluded)."""
        return tuple(field.path for field in self.checked.touched if field.binding == alias)

    def _element_paths(self, each) -> list[tuple[str, ...]]:
        return [(*each.base, *path) for path in self._element_fields(each.alias)]

    def _dimension_paths(self, module: str) -> list[tuple[str, ...]]:
        paths: list[tuple[str, ...]] = []
        for join in (j for j in self.checked.joins if j.module == module):
            paths.append(join.remote_key)
            paths += join.remote_party
            subs = self._subs(join)
            lists = {sub.name: sub.items for sub in subs}
            for sub in subs:
                paths.append((*sub.items, *sub.item_key))
            for field in self.checked.touched:
                if field.binding == join.alias:
                    paths.append(field.path)
                elif field.binding in lists:
                    paths.append((*lists[field.binding], *field.path))
        if module == "locations" and self._private_check():
            paths += [TARIFF_SITES if self.module == "tariffs" else ("id",), ("publish",), *PARTY]
        return paths

    def _lookup(self, module: str, origin: Span) -> ir.Lookup:
        joins = [join for join in self.checked.joins if join.module == module]
        key = joins[0].remote_key if joins else \
            TARIFF_SITES if self.module == "tariffs" else ("id",)
        return ir.Lookup(f"lookup.{module}", module, f"fetch.{module}", f"normalize.{module}",
                         key, self._strategy(module), origin,
                         joins[0].remote_party if joins else PARTY)

    # ---- privacy, joins, filter -----------------------------------------------------

    def _privacy(self) -> ir.PrivacyFilter:
        include = self.checked.dataset.source.include_private
        step_id = "privacy.public_locations"
        if include is not None:
            return ir.PrivacyFilter(step_id, "included-by-spec",
                                    "records at non-public locations are included",
                                    None, None, None, include.justification.value, include.span)
        if self.module == "locations":
            return ir.PrivacyFilter(step_id, "public-locations-only",
                                    "only locations with `publish` true",
                                    None, None, None, None, self.origin)
        if self.module == "tariffs":
            return ir.PrivacyFilter(step_id, "public-tariffs-only",
                                    "only tariffs a connector of a published location names "
                                    "(a home charger's tariff, or one only some drivers get, "
                                    "is no public price; OCPI 2.1.1 lists public locations "
                                    "only)", ("id",), "lookup.locations", None, None,
                                    self.origin, PARTY)
        if self.module not in LOCATION_KEYS:
            return ir.PrivacyFilter(step_id, "not-location-bound",
                                    f"`{self.module}` records are not tied to a location",
                                    None, None, None, None, self.origin)
        home = HOME_CHARGING.get(self.module)
        description = "exclude records at locations with `publish` false or not listed"
        if home:
            description += ", and home-charging CDRs"
        description += " (OCPI 2.1.1 has no `publish`: it lists public locations only)"
        return ir.PrivacyFilter(step_id, "exclude-private-locations", description,
                                LOCATION_KEYS[self.module], "lookup.locations",
                                home[0] if home else None, None, self.origin, PARTY)

    def _join(self, join: CheckedJoin) -> ir.Join:
        return ir.Join(f"join.{join.alias}", join.module, join.alias, f"lookup.{join.module}",
                       join.local_key.path, join.remote_key, self._subs(join), join.join.span,
                       join.local_party)

    def _subs(self, join: CheckedJoin) -> tuple[ir.SubBinding, ...]:
        """The join's sub-bindings the spec reads (`location.connector` needs
        `location.evse` to find it; an unread EVSE is not looked for)."""
        specs = {spec.target: spec for spec in catalogue().joins(self.module)}
        spec = specs.get(join.module)
        if spec is None:
            return ()
        subs, parent = [], join.alias
        for sub in spec.sub_bindings:
            name = f"{join.alias}.{sub.name}"
            subs.append(ir.SubBinding(name, parent, sub.list_path, sub.match_field,
                                      sub.local_key))
            parent = name
        read = {field.binding for field in self.checked.touched}
        for sub in reversed(subs):
            if sub.name in read:
                read.add(sub.parent)
        return tuple(sub for sub in subs if sub.name in read)

    def _filter(self) -> list[ir.Filter]:
        wheres = self.checked.dataset.source.wheres
        if not wheres:
            return []
        parts = [self.lowerer.condition(where.condition) for where in wheres]
        expression = parts[0] if len(parts) == 1 else " && ".join(f"({p})" for p in parts)
        span = wheres[0].span.to(wheres[-1].span)
        checked = self.checked.filter
        reads = tuple(ir.FilterRead(read.field, read.privacy.value)
                      for read in (checked.reads if checked else ()))
        return [ir.Filter(f"filter.{self.module}", expression, span, reads,
                          checked.justification if checked else None,
                          checked.redacted if checked else None)]

    # ---- output ------------------------------------------------------------------------

    def _body(self) -> ir.Project | ir.Aggregate:
        body = self.checked.dataset.body
        if isinstance(body, syntax.Aggregate):
            return self._aggregate(body)
        released = tuple(cols.column(c, self.lowerer, self.source, self.options.pseudonym_scope)
                         for c in self.checked.columns)
        expression = "{" + ", ".join(f"{_key(c.name)}: {c.expression}" for c in released) + "}"
        return ir.Project(f"project.{self.module}", released, expression, body.span)

    def _aggregate(self, body: syntax.Aggregate) -> ir.Aggregate:
        keys = [c for c in self.checked.columns if c.column in body.keys]
        measures = [c for c in self.checked.columns if c.column in body.measures]
        entity = DRIVERS.get(self.module)
        counted_by = (f"distinct drivers (`{DRIVER_WORDS[self.module]}`, ids compared as "
                      f"pseudonyms compare them, {ONE_TIME_WORDS})" if entity else "records")
        size = body.min_group_size
        return ir.Aggregate(
            f"aggregate.{self.module}",
            tuple(cols.column(c, self.lowerer, self.source, self.options.pseudonym_scope)
                  for c in keys),
            tuple(cols.measure(c, self.lowerer, self.source) for c in measures),
            size if size is not None else DEFAULT_MIN_GROUP_SIZE, size is not None,
            counted_by, entity, body.span,
            dominance=ir.Dominance(body.dominance.contributors, body.dominance.percent)
            if body.dominance is not None else None,
            round_counts=body.round_counts.base if body.round_counts is not None else None)

    def _render(self) -> ir.Render:
        output = self.checked.dataset.output
        destination = output.destination.value if output.destination else None
        template = output.template.value if output.template else None
        digests = tuple(ir.TemplateDigest(path, sha256)
                        for path, sha256 in self.checked.templates)
        compression = formats.describe(destination).compression if destination else None
        dialect = None
        base = formats.base_dialect(output.dialect.name if output.dialect else None,
                                    destination) if output.format.name == "csv" else None
        if base is not None or output.options:
            dialect = formats.dialect_from(base, ((o.name, o.value) for o in output.options))
        return ir.Render(f"render.{output.format.name}", output.format.name, destination,
                         template, self._geometry(), output.span, digests, compression,
                         dialect)

    def _geometry(self) -> str | None:
        for checked in self.checked.columns:
            expr = checked.column.expr
            if isinstance(expr, syntax.Call) and expr.name.name in ("round_coords", "grid"):
                return checked.name
            if any(field.field.object == "GeoLocation" for field in checked.sources):
                return checked.name
        return None

    # ---- paths -------------------------------------------------------------------------

    def _lists(self, resolved: ResolvedField) -> tuple[bool, ...]:
        """Which segments of the qualified path hold lists in the neutral record."""
        head = tuple(False for _ in resolved.binding.split(".")) if resolved.binding else ()
        obj = self.objects.get(resolved.binding) or catalogue().root(resolved.module).name
        fields = catalogue().resolve_in(obj, resolved.path).fields
        return (*head, *(field.many for field in fields))


def _window(window: syntax.Window | None, event: syntax.EventTime | None = None) -> ir.Window:
    lowered = _last_updated_window(window)
    if event is not None:
        return dataclasses.replace(lowered, event_time=event.field.dotted)
    return lowered


def _last_updated_window(window: syntax.Window | None) -> ir.Window:
    match window:
        case None:
            return ir.Window("all")
        case syntax.SinceLastRun():
            return ir.Window("since-last-run")
        case syntax.SinceDate(start=start):
            return ir.Window("since", start=canonical_timestamp(str(start.value)))
        case syntax.Between(start=start, end=end):
            return ir.Window("between", start=canonical_timestamp(str(start.value)),
                             end=canonical_timestamp(str(end.value)))
        case syntax.LastPeriod(amount=amount, unit=unit):
            return ir.Window("last", amount=amount, unit=unit.name)
        case syntax.PreviousPeriod(unit=unit, amount=amount, zone=zone):
            return ir.Window("previous", amount=amount, unit=calendar_windows.unit_of(unit.name),
                             zone=_zone(zone))
        case syntax.MonthToDate(zone=zone):
            return ir.Window("month-to-date", unit="month", zone=_zone(zone))
    raise ValueError(f"unknown window {window!r}")


def _zone(zone: syntax.Text | None) -> str | None:
    return None if zone is None or zone.value == "UTC" else zone.value


def _ordered(module: str, paths: Iterable[Sequence[str]]) -> list[tuple[str, ...]]:
    """Unique paths in catalogue order (so the plan does not depend on spec order)."""
    wanted = {tuple(path) for path in paths}
    order = {path: index for index, (path, _) in enumerate(cols.leaf_fields(module))}
    return sorted(wanted, key=lambda path: (_rank(order, path), path))


def _rank(order: dict[tuple[str, ...], int], path: tuple[str, ...]) -> int:
    matches = [index for leaf, index in order.items() if leaf[: len(path)] == path]
    return min(matches) if matches else len(order)


def _key(name: str) -> str:
    return quote(name)
