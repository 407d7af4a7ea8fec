"""The checked spec: what `checker.check` hands to `planner.plan`.

A CheckedSpec is a syntax tree whose every field reference is resolved against the
version-neutral OCPI catalogue and whose every released column is classified. The
planner needs nothing else; it never consults the schema for names again.
"""

from __future__ import annotations

from collections.abc import Mapping

from ocpispec.frozen import frozen
from ocpispec.language import syntax
from ocpispec.diagnostics import Diagnostic
from ocpispec.language.functions import Effect
from ocpispec.schema.model import Field, Kind, PrivacyClass
from ocpispec.diagnostics.source import SourceFile


@frozen
class Binding:
    """A record scope that expressions can reach.

    The dataset's own records have the empty name. A join adds its alias
    (`location`); a join to locations also adds `location.evse` and
    `location.connector`, the EVSE and connector the record used.
    """

    name: str
    module: str
    object: str


@frozen
class ResolvedField:
    """A field reference bound to the catalogue.

    `path` is the version-neutral path inside the binding's object, e.g. binding
    `location`, path `("postal_code",)`; binding `""`, path `("cdr_token", "uid")`.
    `site` marks a field that describes a charging site in a dataset that includes
    private sites: its `field.privacy` is then raised to personal
    (`ocpispec.check.private_sites`). `base`: where the binding's object sits in the
    records of `module` (`("charging_periods",)` for `each charging_periods as p`).
    """

    ref: syntax.FieldRef
    binding: str
    module: str
    path: tuple[str, ...]
    field: Field
    many: bool
    versions: frozenset[str]
    site: bool = False
    base: tuple[str, ...] = ()
    # an object's: the highest class of the fields below it as this dataset classes
    # them, and the path of the first that describes a private site (what a whole read
    # releases)
    contents: PrivacyClass | None = None
    site_inside: tuple[str, ...] = ()

    @property
    def privacy(self) -> PrivacyClass:
        return self.field.privacy

    @property
    def qualified(self) -> str:
        """`location.postal_code`, `cdr_token.uid`: the name a reviewer reads."""
        return ".".join((self.binding, *self.path)) if self.binding else ".".join(self.path)


@frozen
class CheckedJoin:
    """`join locations on location_id`: the remote module, alias, and the keys.

    `remote_key` is the neutral path in the remote module's records that must equal
    the local key (`("id",)` for locations, `("session_id",)` for sessions -> cdrs).
    `bindings` are the scopes the join adds (the alias, and for locations also the
    EVSE and connector), each with the local key path that selects it.
    """

    join: syntax.Join
    module: str
    alias: str
    local_key: ResolvedField
    remote_key: tuple[str, ...]
    bindings: tuple[Binding, ...]
    local_party: tuple[tuple[str, ...], ...] = ()   # `schema.joins.PARTY`
    remote_party: tuple[tuple[str, ...], ...] = ()
    # the `each` alias whose element holds the key (`connector` of `connector.tariff_ids`):
    # the join binds one row per key of the element, after the `each`
    element: str = ""


@frozen
class CheckedColumn:
    """A released column.

    `effect` is the outermost function's privacy effect (a bare path is RAW).
    `privacy` is the highest class among its source fields; `released_as` is what
    leaves after the transformation (PUBLIC for constants and aggregates of QUASI
    data, the input class for RAW, PUBLIC for pseudonyms of personal fields...).
    `justification` is the `because "..."` text if the spec gave one.
    """

    column: syntax.Column
    name: str
    effect: Effect
    kind: Kind | None
    sources: tuple[ResolvedField, ...]
    privacy: PrivacyClass
    released_as: PrivacyClass
    justification: str | None
    aggregate: bool = False
    # the objects it reads whole (`jmespath("to_string(cdr_token)")`), by qualified name:
    # all their fields leave, which the review spells out
    whole: tuple[str, ...] = ()


@frozen
class FilterRead:
    """A field the `where` condition reads, with its class (`exposure`, so an object
    read whole counts as its most private sub-field)."""

    field: str
    privacy: PrivacyClass


@frozen
class CheckedFilter:
    """The `where` condition as the privacy review sees it: the non-public fields it
    reads (unique, in source order) and the `because "..."` text if the spec gave one.
    When it compares personal fields, `redacted` is the condition as written with the
    compared values replaced, for the plan text and the manifest."""

    reads: tuple[FilterRead, ...]
    justification: str | None
    redacted: str | None = None  # the condition as written, personal values blanked out
    reviewed: str | None = None  # the same, with the number of values each list names
    # a row dataset's unjustified bounds on quasi numbers and times (`filter_bounds.Bound`):
    # two datasets' may close a band together (`check/bound_differencing.py`)
    bounds: tuple = ()

    @property
    def privacy(self) -> PrivacyClass:
        return PrivacyClass.highest([read.privacy for read in self.reads] or
                                    [PrivacyClass.PUBLIC])


@frozen
class CheckedEach:
    """`each charging_periods as period`: one row per element of the list at `items`
    inside the `parent` scope (`""`: the record; or an earlier `each` alias). `base` is
    the list's path from the record, `object` the element's catalogue object and
    `derived` the derived fields the spec reads (`energy_kwh`, `duration`, `end`).
    `parent_end` is the record's field that ends the last element (charging periods)."""

    each: syntax.Each
    alias: str
    parent: str
    items: tuple[str, ...]
    base: tuple[str, ...]
    object: str
    derived: tuple[str, ...] = ()
    parent_end: tuple[str, ...] | None = None


@frozen
class CheckedSpread:
    """`spread VALUE over UNIT in ZONE as ALIAS`: paths are qualified row paths
    (`period.energy_kwh`); `zone` is `utc` or `location` (then `zone_field` is
    `location.time_zone`)."""

    spread: syntax.Spread
    alias: str
    value: tuple[str, ...]
    start: tuple[str, ...]
    end: tuple[str, ...]
    unit: str
    zone: str
    zone_field: tuple[str, ...] | None = None


@frozen
class CheckedDataset:
    """One `from ... output ...` block after checking.

    `fields` maps every FieldRef written in the dataset (where, join keys, columns)
    to its resolution. `touched` lists every resolved field the dataset reads,
    including the ones inside `jmespath("...")` escape hatches, which have synthetic
    FieldRefs spanning the escape-hatch string. `templates` is every file a custom
    template output loads, with its sha256, so the plan's fingerprint covers them.
    """

    dataset: syntax.Dataset
    module: str
    bindings: tuple[Binding, ...]
    joins: tuple[CheckedJoin, ...]
    fields: Mapping[syntax.FieldRef, ResolvedField]
    touched: tuple[ResolvedField, ...]
    columns: tuple[CheckedColumn, ...]
    include_private: bool
    output_name: str
    # (path relative to the spec's folder, sha256) of each custom template file
    templates: tuple[tuple[str, str], ...] = ()
    filter: CheckedFilter | None = None
    eaches: tuple[CheckedEach, ...] = ()
    spread: CheckedSpread | None = None
    # an aggregate's group keys that cut a quasi-identifier: (what it holds, the key,
    # its grid), for the differencing of grids that straddle (`check/grid_differencing`)
    key_grids: tuple[tuple[str, syntax.Column, object], ...] = ()

    @property
    def is_aggregate(self) -> bool:
        return isinstance(self.dataset.body, syntax.Aggregate)

    @property
    def is_public_facts(self) -> bool:
        return self.is_aggregate and public_facts(self.module, self.columns, self.filter)


def public_facts(module: str, columns, checked_filter: CheckedFilter | None) -> bool:
    """An aggregate of locations or tariffs (no drivers) that reads public fields only:
    connectors per city, tariffs per type. Its groups are facts anyone may publish."""
    return module in ("locations", "tariffs") and columns is not None \
        and all(column.privacy is PrivacyClass.PUBLIC for column in columns) \
        and (checked_filter is None or checked_filter.privacy is PrivacyClass.PUBLIC)


@frozen
class CheckedSpec:
    spec: syntax.Spec
    source: SourceFile
    datasets: tuple[CheckedDataset, ...]
    warnings: tuple[Diagnostic, ...]
