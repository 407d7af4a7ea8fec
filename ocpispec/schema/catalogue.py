"""The catalogue: neutral and per-version OCPI objects behind one small API."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import ModuleType
TYPE_CHECKING = False  # typing costs a cold `check` 3 ms; annotations only need it for mypy

from ocpispec import user_cache
from ocpispec.frozen import frozen
from ocpispec.schema import contract_tariffs, hints, neutral, normalize, table
from ocpispec.schema.hints import RenameHint
from ocpispec.schema.joins import JOINS, JoinSpec
from ocpispec.schema.mapping import VersionMap, neutral_object, sub_adapter
from ocpispec.schema.model import Field, ObjectType, PrivacyClass
from ocpispec.schema.neutral import Computed
from ocpispec.schema.table import Note, ObjectSet, Row

if TYPE_CHECKING:
    from typing import TypeVar

    T = TypeVar("T")

VERSIONS: tuple[str, ...] = ("2.1.1", "2.2.1", "2.3.0")
MODULES: tuple[str, ...] = ("sessions", "cdrs", "locations", "tariffs", "tokens")

# enums whose name changed: neutral name -> {version: wire name}
_ENUM_NAMES = {"ParkingType": {"2.1.1": "LocationType"}, "AllowedType": {"2.1.1": "Allowed"}}


# words users write for a field -> the fields they may mean, in order (the first one the
# object has is suggested): a location's `city` for `municipality`, a session's `kwh` or a
# CDR's `total_energy` for `energy`
_SYNONYMS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("municipality", "gemeente", "town", "place", "gemeinde"), ("city",)),
    **dict.fromkeys(("zip", "zipcode", "zip_code", "postcode", "plz", "postal"),
                    ("postal_code",)),
    **dict.fromkeys(("street", "street_name", "straat", "strasse"), ("address",)),
    **dict.fromkeys(("region", "province", "provincie", "county"), ("state",)),
    **dict.fromkeys(("lat", "lon", "lng", "latitude", "longitude", "geo", "position",
                     "gps"), ("coordinates",)),
    **dict.fromkeys(("energy", "kw_h", "energy_kwh", "kwh_charged", "total_kwh", "kwh_total",
                     "energy_total", "total_energy_kwh"), ("kwh", "total_energy")),
    **dict.fromkeys(("connector_type", "plug", "plug_type", "socket", "socket_type"),
                    ("standard", "connector_standard")),
    **dict.fromkeys(("power", "max_power", "power_kw", "kw", "capacity"),
                    ("max_electric_power",)),
    **dict.fromkeys(("start", "started", "start_time", "begin"), ("start_date_time",)),
    **dict.fromkeys(("end", "stop", "ended", "end_time", "stop_time", "stop_date_time"),
                    ("end_date_time",)),
    **dict.fromkeys(("cost", "costs", "price", "amount"), ("total_cost", "excl_vat")),
    **dict.fromkeys(("total_price", "price_total", "total_amount", "total_costs", "revenue",
                     "turnover"), ("total_cost.excl_vat",)),
    **dict.fromkeys(("net", "excl_tax", "excl_taxes", "excluding_vat", "ex_vat"),
                    ("excl_vat",)),
    **dict.fromkeys(("gross", "incl_tax", "incl_taxes", "including_vat", "after_taxes"),
                    ("incl_vat",)),
    **dict.fromkeys(("card", "token", "driver", "user", "customer"), ("cdr_token",)),
    **dict.fromkeys(("card_id", "card_uid", "card_number", "token_uid", "token_id", "rfid",
                     "rfid_uid", "badge", "badge_id"), ("cdr_token.uid", "uid")),
    **dict.fromkeys(("cpo", "cpo_id", "operator_id", "operator_code"), ("party_id",)),
    **dict.fromkeys(("duration", "charging_time", "time"), ("total_time",)),
    # OCPI calls the time a car stays connected without charging parking time
    **dict.fromkeys(("idle", "idle_time", "total_idle_time", "idle_hours", "blocking",
                     "blocking_time", "dwell_time", "parked_time"), ("total_parking_time",)),
    **dict.fromkeys(("type", "connector_kind"), ("standard", "connector_standard")),
    # a tariff's validity, as price lists name it
    **dict.fromkeys(("valid_from", "validity_start", "valid_since", "effective_from",
                     "start_validity"), ("start_date_time",)),
    **dict.fromkeys(("valid_to", "valid_until", "validity_end", "expires", "expiry",
                     "effective_to", "end_validity"), ("end_date_time",)),
    **dict.fromkeys(("availability", "available", "state", "evse_status"), ("status",)),
}


@frozen
class Resolution:
    """A neutral path looked up segment by segment.

    Each field carries the privacy class it has at that place: the highest of its
    own and of the objects above it (`cdr_location.coordinates.latitude` is quasi
    although a location's latitude is public)."""

    fields: tuple[Field, ...]
    failed_at: int | None
    parent: ObjectType | None
    many: bool

    @property
    def ok(self) -> bool:
        return self.failed_at is None

    @property
    def leaf(self) -> Field | None:
        return self.fields[-1] if self.ok and self.fields else None


@frozen
class Wired:
    """One OCPI version on the wire."""

    version: str
    objects: ObjectSet
    enums: Mapping[str, tuple[str, ...]]
    roots: Mapping[str, str]


class Catalogue:
    """Built once by `catalogue()`; every answer is about neutral names unless the
    method says `wire`. Module and object names that do not exist raise KeyError."""

    __slots__ = ("neutral", "wired", "maps", "_cache")

    def __init__(self, neutral_objects: ObjectSet, wired: Mapping[str, Wired]) -> None:
        self.neutral = neutral_objects
        self.wired = wired
        self.maps = {version: VersionMap(version, w.objects, neutral_objects,
                                         neutral.SOURCES[version])
                     for version, w in wired.items()}
        self._cache: dict[object, object] = {}

    def root(self, module: str) -> ObjectType:
        return self.neutral.objects[neutral.ROOTS[module]]

    def object(self, name: str) -> ObjectType:
        return self.neutral.objects[name]

    def resolve(self, module: str, path: Sequence[str]) -> Resolution:
        resolution = self.resolve_in(neutral.ROOTS[module], path)
        if resolution.ok and contract_tariffs.names_contract(module, path):
            *above, leaf = resolution.fields
            leaf = _at_least(leaf, PrivacyClass.QUASI)
            return dataclasses.replace(resolution, fields=(*above, leaf))
        return resolution

    def resolve_in(self, object_name: str, path: Sequence[str]) -> Resolution:
        current: ObjectType | None = self.neutral.objects[object_name]
        floor, many, fields = PrivacyClass.PUBLIC, False, []
        for index, name in enumerate(path):
            field = current.get(name) if current is not None else None
            if current is None or field is None:
                return Resolution(tuple(fields), index, current, many)
            fields.append(_at_least(field, floor))
            floor = PrivacyClass.highest([floor, self.neutral.floor(current.name, name)])
            many = many or field.many
            current = self.neutral.objects[field.object] if field.object else None
        return Resolution(tuple(fields), None, None, many)

    def shape_class(self, module: str, path: Sequence[str]) -> PrivacyClass:
        """The class of the field at `path` as its own and the objects above it declare
        it, without what its contents raise it to: what a read of its shape exposes
        (`length(evses)` is the number of EVSEs, not their directions). A list's shape is
        the number of its elements, as private as the object holding it (the number of
        an EVSE's pictures is not a picture)."""
        current: ObjectType | None = self.root(module)
        floor = above = PrivacyClass.PUBLIC
        field = None
        for name in path:
            field = current.get(name) if current is not None else None
            if current is None or field is None:
                raise KeyError(".".join(path))
            above = floor
            floor = PrivacyClass.highest([floor, self.neutral.floor(current.name, name)])
            current = self.neutral.objects[field.object] if field.object else None
        if field is not None and field.many:
            floor = above
        if contract_tariffs.names_contract(module, path):
            floor = PrivacyClass.highest([floor, PrivacyClass.QUASI])
        return floor

    def versions_of(self, module: str, path: Sequence[str]) -> frozenset[str]:
        if not self.resolve(module, path).ok:
            return frozenset()
        return frozenset(v for v, vmap in self.maps.items()
                         if _carries(vmap, neutral.ROOTS[module], path))

    def rename_hint(self, module_or_object: str, path: Sequence[str]) -> RenameHint | None:
        return hints.rename_hint(self, self._object_name(module_or_object), tuple(path))

    @staticmethod
    def meant(name: str) -> tuple[str, ...]:
        """The fields a user's word may name, whatever object holds them."""
        return _SYNONYMS.get(name.lower(), ())

    def suggestions(self, object_name: str, name: str) -> list[str]:
        """Fields meant by `name`: the field a user's word names (`municipality` is a
        location's `city`), then the fields spelt like it."""
        import difflib
        names = list(self.neutral.objects[self._object_name(object_name)].fields)
        meant = [field for field in _SYNONYMS.get(name.lower(), ())  # or a path in one
                 if field.split(".")[0] in names]
        # `tariff_type`, `connector_standard` on a connector: the object's own name first
        own = self._object_name(object_name).lower() + "_"
        if name.lower().startswith(own) and name.lower()[len(own):] in names:
            meant.insert(0, name.lower()[len(own):])
        # `lat`, `lon`: a short form the fields start with
        meant += [field for field in names if len(name) >= 3 and field not in meant
                  and field.startswith(name.lower())]
        close = difflib.get_close_matches(name.lower(), names, n=3, cutoff=0.6)
        return [*meant, *(field for field in close if field not in meant)][:3]

    def normalizer_expression(self, module: str, version: str,
                              paths: Iterable[Sequence[str]]) -> str:
        return normalize.expression(self, module, version, paths)

    def wire_root(self, version: str, module: str) -> ObjectType:
        wired = self.wired[version]
        return wired.objects.objects[wired.roots[module]]

    def wire_object(self, version: str, name: str) -> ObjectType:
        return self.wired[version].objects.objects[name]

    def enum_values(self, version: str | None, enum: str) -> tuple[str, ...]:
        versions = VERSIONS if version is None else (version,)
        values: dict[str, None] = {}
        for v in versions:
            name = _ENUM_NAMES.get(enum, {}).get(v, enum)
            values.update(dict.fromkeys(self.wired[v].enums.get(name, ())))
        if not values and version is None:
            raise KeyError(f"unknown enum `{enum}`")
        return tuple(values)

    def joins(self, module: str) -> tuple[JoinSpec, ...]:
        return JOINS[module]

    def _object_name(self, module_or_object: str) -> str:
        return neutral.ROOTS.get(module_or_object, module_or_object)

    def cached(self, key: object, make: Callable[[], T]) -> T:
        """Memoises derived tables (record shapes, rename tables) per catalogue."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]  # type: ignore[return-value]


def _at_least(field: Field, floor: PrivacyClass) -> Field:
    if field.privacy.rank >= floor.rank:
        return field
    return dataclasses.replace(field, privacy=floor)


def _carries(vmap: VersionMap, adapter: str, path: Sequence[str]) -> bool:
    for index, name in enumerate(path):
        field = vmap.neutral.objects[neutral_object(adapter)].fields[name]
        source = vmap.source(adapter, name)
        if source is None:
            return False
        if isinstance(source, Computed) or field.object is None:
            return True
        adapter = sub_adapter(source, field)
        if index == len(path) - 1:
            return vmap.has_data(adapter)
    return True


_CATALOGUE: Catalogue | None = None


def catalogue() -> Catalogue:
    """The catalogue, built on first use and then shared. Building it takes a twentieth
    of a cold `ocpispec check`, so it is kept between processes in the user's cache
    (`ocpispec.user_cache`), keyed by the schema package's sources. A wheel ships it
    (`shipped_catalogue`), read instead, so that even the first command neither builds
    nor writes it."""
    global _CATALOGUE
    if _CATALOGUE is None:
        from ocpispec.schema import shipped_catalogue

        shipped = shipped_catalogue.read()
        if isinstance(shipped, Catalogue):
            _CATALOGUE = shipped
        else:
            loaded = user_cache.cached("catalogue", _sources_key(), _build)
            _CATALOGUE = loaded if isinstance(loaded, Catalogue) else _build()
    return _CATALOGUE


def _sources_key() -> str:
    package = os.path.dirname(__file__)
    sources = sorted(entry.path for entry in os.scandir(package) if entry.name.endswith(".py"))
    return user_cache.sources_key(*sources, os.path.join(os.path.dirname(package), "frozen.py"))


def _build() -> Catalogue:
    from ocpispec.schema.notes import NOTES  # only to build: a cached catalogue has them

    notes = table.parse_notes(NOTES)
    tables = {v: table.parse_objects(m.OBJECTS) for v, m in neutral.WIRE_MODULES.items()}
    wired = {v: _wired(m, tables[v], dict(notes)) for v, m in neutral.WIRE_MODULES.items()}
    enums = {**neutral.WIRE_MODULES["2.2.1"].ENUMS, **neutral.WIRE_MODULES["2.3.0"].ENUMS}
    neutral_objects = neutral.build_neutral(tables["2.2.1"], tables["2.3.0"], notes, enums)
    return Catalogue(neutral_objects, wired)


def _wired(module: ModuleType, rows: dict[str, tuple[Row, ...]],
           notes: dict[tuple[str, str], Note]) -> Wired:
    rows = dict(rows)
    table.apply_derived(rows, getattr(module, "DERIVED", {}), notes)
    objects = table.build(rows, notes, module.ENUMS)
    return Wired(module.VERSION, objects, module.ENUMS, module.ROOTS)
