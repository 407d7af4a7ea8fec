"""One dataset's records, one at a time: normalize -> privacy -> join -> filter ->
project. Nothing here holds more than the current record and bounded caches; the
lookup tables it reads are built beforehand, in bounded memory (`dimension_store`). Without joins the
normalizer is fused into the later steps (`jmes_fuse`): same values, no neutral record.
The privacy step is built by `pipeline_privacy`, the joins by `pipeline_joins`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import chain
from dataclasses import dataclass, field
from typing import Any

from jmespath.exceptions import JMESPathError, JMESPathTypeError

from ocpispec.plan import ir
from ocpispec.execute.expression_failures import reason as expression_fails
from ocpispec.execute.functions import TransformError
from ocpispec.execute.jmes_compile import Compiled, ExpressionError, is_false, parse_expression
from ocpispec.execute.jmes_fuse import Unfusable, fusable, fuse
from ocpispec.execute.lookups import Lookup
from ocpispec.execute.joined_own_ids import joined_text_guard, shown_in_join
from ocpispec.execute.pipeline_joins import _joiner, _scoped, element_joiner
from ocpispec.execute.pipeline_privacy import _privacy_check, is_published
from ocpispec.execute.series import expander
from ocpispec.execute.shown_own_ids import key_scrubber, read_sources, shown_own_id_scrubber
from ocpispec.execute.shown_public_ids import public_id_scrubber

__all__ = ["Counts", "Pipeline", "is_published", "normalizer_for"]


@dataclass(slots=True)
class Counts:
    """What happened to the records of one dataset. Reasons and paths only, never
    values. `read` counts every distinct record the platform sent for the window:
    those outside it, the invalid ones (the client's and the transformations'), the
    excluded, the filtered and the rest."""

    read: int = 0
    outside_window: int = 0
    duplicates: int = 0
    excluded_private: int = 0
    filtered: int = 0
    invalid: Counter[str] = field(default_factory=Counter)
    written: int = 0
    groups: int = 0
    groups_suppressed: int = 0
    unknown_fields: Counter[str] = field(default_factory=Counter)
    # from the OCPI client: values nulled for their type, deviations read tolerantly
    invalid_fields: Counter[str] = field(default_factory=Counter)
    deviations: Counter[str] = field(default_factory=Counter)
    join_misses: Counter[str] = field(default_factory=Counter)  # by join alias
    # `each` and `spread`: records, elements and values by what happened to them
    series: Counter[str] = field(default_factory=Counter)
    # groups suppressed by the dominance rule, and to protect released totals
    groups_dominated: int = 0
    groups_secondary: int = 0
    # of `groups_suppressed`: groups of enough drivers where too few of them gave a
    # `sum` or `avg` a value other than 0, by the measure's name
    groups_sparse: Counter[str] = field(default_factory=Counter)
    # of `groups_suppressed`: groups where a `min`, `max`, `median` or `percentile` would
    # tell one driver's value (too few drivers gave its argument values, or one most of
    # them), by the measure's name
    groups_told: Counter[str] = field(default_factory=Counter)
    # the most drivers (records, where a dataset has none) a group too small held: what
    # the run summary of an empty aggregate says, for the CPO only
    largest_small: int = 0
    small_in_records: bool = False

    @property
    def invalid_total(self) -> int:
        return sum(self.invalid.values())


# a fused record's private-site check, filter and projection, on the wire
Parts = tuple[Compiled, Compiled, Compiled]


class Pipeline:
    """Compiled steps of one dataset for one OCPI version."""

    def __init__(self, dataset: ir.Dataset, version: str,
                 compile: Callable[[str | dict], Compiled],
                 lookups: Mapping[str, Lookup], counts: Counts,
                 unknown: Callable[[dict], list[str]] | None = None,
                 named_tariffs: set[tuple[Any, Any, Any]] | None = None) -> None:
        self._normalizer = _for_version(dataset.step(ir.Normalize), version)
        # a charge's copies of its tariffs, as the run's scope lets them leave (`charge_tariffs`)
        # and, where the dataset shows a record's required own id, its copy with an id
        # holding the card null (`shown_own_ids`)
        self.scrub = _both(_embedded_scrub(dataset, named_tariffs),
                           shown_own_id_scrubber(dataset, version, counts.join_misses))
        self.normalize = compile(self._normalizer)
        self._priced = dataset.module == "tariffs"
        if self._priced:  # a tariff's own prices (`energy_price`, ...) as a joined one has
            self.normalize = _with_prices(self.normalize)
        self._privacy_step = dataset.step(ir.PrivacyFilter)
        self.privacy = _privacy_check(self._privacy_step, version, compile, lookups)
        # a record's join misses, counted once the filter keeps it: a miss of a record
        # the filter leaves out (an active session's CDR) left no row null
        self._missed: Counter[str] = Counter()
        self.joins = [_joiner(join, _scoped(join, lookups[join.lookup], self._privacy_step,
                                            version), self._missed,
                              joined_text_guard(dataset.module, join.module, version, shown_in_join(
                                  read_sources(dataset, hidden=False, joins=False), join.alias)))
                      for join in dataset.all(ir.Join) if not join.element]
        self.key_scrub = key_scrubber(dataset, version, counts.join_misses)
        # a public id it shows (`location_id`) holding the card, read as null once the
        # public-location check and the joins have read it as sent (`shown_public_ids`)
        self.public_scrub = public_id_scrubber(dataset, counts.join_misses)
        # joins on an `each` element, after the rows are made (`element_joiner`)
        # (their joined records read against the record's card, as above)
        self.element_joins = [element_joiner(join, lookups[join.lookup], counts.join_misses,
                                             joined_text_guard(dataset.module, join.module, version, shown_in_join(
                                                 read_sources(dataset, hidden=False, joins=False), join.alias)))
                              for join in dataset.all(ir.Join) if join.element]
        where = dataset.step(ir.Filter)
        self.where = compile(where.expression) if where else None
        project = dataset.step(ir.Project)
        self.project = compile(project.expression) if project else None
        self.counts = counts
        self.unknown = unknown
        self.expand = expander(dataset, counts.series)
        self._fusion = (compile, lookups, version, where, project)  # for `_fused_record`
        # the private-site check, filter and projection on the wire, where fused
        self.parts: Parts | None = None

    def rows(self, records: Iterable[dict]) -> Iterator[dict]:
        """The projected rows of `records`, lazily. `map`/`filter` rather than a
        generator: one Python frame less per record (rows are never empty dicts)."""
        if self.expand is not None:
            return chain.from_iterable(filter(None, map(self._safe(self._expanded()), records)))
        return filter(None, map(self.one(), records))

    def one(self) -> Callable[[dict], dict | None]:
        """The row of one record, or None (counted): what `rows` maps over."""
        record = self.record
        if not self.joins and self.privacy is not None and self.where is not None \
                and self.project is not None and self.public_scrub is None:
            record = self._fused_record() or self._common_record()
        return self._safe(record)

    def bare(self) -> tuple[Callable[[dict], dict | None], Parts | None] | None:
        """`one`'s record function without `_safe` around it, for a function that fuses
        it with what follows a row (`fused_rows`): it counts what it excludes or
        filters and raises where `_safe` would count the record invalid; with its
        private-site check, filter and projection on the wire where they are fused
        (`_fused_record`). None where `_safe` does more than that (unknown fields
        counted, tariffs scrubbed) or the record is not the usual shape."""
        if self.unknown is not None or self.scrub is not None or self.expand is not None \
                or self.public_scrub is not None or self.joins or self.privacy is None or self.where is None \
                or self.project is None:
            return None
        self.parts = None
        record = self._fused_record() or self._common_record()
        return record, self.parts

    def _safe(self, record: Callable[[dict], dict | None]) -> Callable[[dict], dict | None]:
        """Counts each record read; a record whose transformation fails is counted as
        invalid with its reason, never raised."""
        counts, unknown, invalid = self.counts, self.unknown, self.counts.invalid
        scrub = self.scrub

        def safe(wire: dict) -> dict | None:
            counts.read += 1
            if wire.__class__ is not dict:
                invalid["record is not an object"] += 1
                return None
            if unknown is not None and (found := unknown(wire)):
                counts.unknown_fields.update(found)
            if scrub is not None:
                wire = scrub(wire)
            try:
                return record(wire)
            except TransformError as exc:
                invalid[exc.reason] += 1
            except JMESPathTypeError as exc:
                invalid[expression_fails(exc)] += 1
            except (JMESPathError, TypeError, ValueError, ArithmeticError):
                invalid["unexpected value type in a transformation"] += 1
            return None

        return safe

    def record(self, wire: dict) -> dict | None:
        """The projected row of one wire record, or None when it is excluded."""
        record = self.normalize(wire)
        if not isinstance(record, dict):
            raise TransformError("record is not an object")
        if self.privacy is not None and not self.privacy(record):
            self.counts.excluded_private += 1
            return None
        missed = self._missed
        if missed:
            missed.clear()  # a record that failed after its joins
        for join in self.joins:
            join(record, wire)
        if self.key_scrub is not None:  # a join key it shows, matched as sent (`shown_own_ids`)
            self.key_scrub(record, wire)
        if self.public_scrub is not None:
            self.public_scrub(record, wire)
        if self.where is not None and is_false(self.where(record)):
            self.counts.filtered += 1
            return None
        if missed:
            self.counts.join_misses.update(missed)
            missed.clear()
        return self.project(record) if self.project is not None else record

    def _expanded(self) -> Callable[[dict], list[dict] | None]:
        """`record` for a dataset that unnests or spreads: a record becomes rows."""
        record, expand, project = self.record, self.expand, self.project
        self.project = None  # `record` stops before the projection; rows are projected here
        element_joins = self.element_joins

        def rows(wire: dict) -> list[dict] | None:
            found = record(wire)
            if found is None:
                return None
            made = expand(found)
            for join in element_joins:
                made = join(made, wire)
            return [project(row) for row in made] if project is not None else made

        return rows

    def _common_record(self) -> Callable[[dict], dict | None]:
        """`record` for the usual shape (privacy check, filter, projection, no join)
        with the steps bound to locals: this runs once per record."""
        normalize, public, where, project = self.normalize, self.privacy, self.where, \
            self.project
        counts = self.counts

        def record(wire: dict) -> dict | None:
            found = normalize(wire)
            if found.__class__ is not dict:
                raise TransformError("record is not an object")
            if not public(found):
                counts.excluded_private += 1
                return None
            if is_false(where(found)):
                counts.filtered += 1
                return None
            return project(found)

        return record

    def _fused_record(self) -> Callable[[dict], dict | None] | None:
        """`_common_record` with the normalizer fused into the privacy check, the
        filter and the projection (see `jmes_fuse`): no neutral record is built. None
        when the steps cannot be fused."""
        compile, lookups, version, where_step, project_step = self._fusion
        normalizer = parse_expression(self._normalizer)
        if self._privacy_step.rule == "public-locations-only" or not fusable(normalizer) \
                or self._priced:  # prices are computed on the normalized record
            return None

        def on_wire(text: str) -> Compiled:
            return compile(fuse(parse_expression(text), normalizer))

        try:
            public = _privacy_check(self._privacy_step, version, on_wire, lookups)
            where, project = on_wire(where_step.expression), on_wire(project_step.expression)
        except (Unfusable, ExpressionError):
            return None
        counts = self.counts
        self.parts = (public, where, project)

        def record(wire: dict) -> dict | None:  # `safe` has checked that `wire` is a dict
            if not public(wire):
                counts.excluded_private += 1
                return None
            if (kept := where(wire)) is not True and is_false(kept):
                counts.filtered += 1
                return None
            return project(wire)

        return record


def _with_prices(normalize: Callable[[dict], Any]) -> Callable[[dict], Any]:
    from ocpispec.schema.tariff_prices import with_prices

    def priced(wire: dict) -> Any:
        record = normalize(wire)
        return with_prices(record) if record.__class__ is dict else record

    return priced


def _embedded_scrub(dataset: ir.Dataset, named: set[tuple[Any, Any, Any]] | None
                    ) -> Callable[[dict], dict] | None:
    """For sessions and CDRs whose plan reads their copies of their tariffs, where the
    run's scope holds (`named`: the tariffs published locations name), else None."""
    from ocpispec.execute.charge_tariffs import embedded_scrubber, reads_embedded_tariffs

    if named is None or dataset.module not in ("sessions", "cdrs") or \
            not reads_embedded_tariffs(dataset.step(ir.Normalize).fields):
        return None
    return embedded_scrubber(named)


def _both(first: Callable[[dict], dict] | None, then: Callable[[dict], dict] | None
          ) -> Callable[[dict], dict] | None:
    if first is None or then is None:
        return first or then
    return lambda wire: then(first(wire))


def normalizer_for(normalize: ir.Normalize, version: str) -> str | None:
    """The normalizer's JMESPath for one OCPI version, None when the plan has none."""
    return next((item.expression for item in normalize.expressions
                 if item.version == version), None)


def _for_version(normalize: ir.Normalize, version: str) -> str:
    expression = normalizer_for(normalize, version)
    if expression is None:
        raise TransformError(f"the plan has no normalizer for OCPI {version}")
    return expression
