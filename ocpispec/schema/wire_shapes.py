"""The shapes of wire objects, built once per version from the catalogue: per object a
test per field (`wire_tests`, with the inline form `wire_codegen` generates), the object
fields below it, and the deviations that apply to it (`wire_tables`). `wire_walk` walks
them; `ocpi.fast_pages` builds its strict page types from them.
"""

from __future__ import annotations

from typing import Any

from ocpispec.schema import lengths, wire_inline, wire_tables, wire_tests
from ocpispec.schema.catalogue import VERSIONS, catalogue
from ocpispec.schema.model import Field, Kind, PrivacyClass
from ocpispec.schema.wire_tests import Test
from ocpispec.schema.wire_walk import NULL_ITEMS, ONE_ITEM, _Shape

_GEO_OBJECTS = frozenset({"GeoLocation", "AdditionalGeoLocation"})
# text fields with a format of OCPI's (`wire_tests.FORMATS`), read only in that format
_FORMATTED = {("TariffRestrictions", "start_time"): "time",
              ("TariffRestrictions", "end_time"): "time",
              ("TariffRestrictions", "start_date"): "date",
              ("TariffRestrictions", "end_date"): "date",
              ("RegularHours", "period_begin"): "time", ("RegularHours", "period_end"): "time",
              ("Location", "time_zone"): "zone",
              **{(name, "postal_code"): "postal" for name in ("Location", "CdrLocation",
                                                              "EmbeddedLocation")},
              **{(name, "evse_id"): "evse_id" for name in ("EVSE", "EmbeddedEVSE", "CdrLocation")},
              ("Location", "help_phone"): "phone"}
# ISO 639-1, or a tag's language (`wire_tests.language`): inline and in the strict types
# two letters as any text, a longer value tested in full
_LANGUAGE = ("DisplayText", "language")
# free text a person writes in a field that may leave as public or as a place: read
# without an e-mail address in it (`wire_tests.prose`)
_PROSE = frozenset({
    *((name, field) for name in ("Location", "CdrLocation", "EmbeddedLocation")
      for field in ("name", "address", "city", "state")),
    ("BusinessDetails", "name"), ("DisplayText", "text"), ("EnergyMix", "supplier_name"),
    ("EnergyMix", "energy_product_name"), ("EnergyContract", "supplier_name"), ("Token", "issuer"),
    *((name, field) for name in ("EVSE", "EmbeddedEVSE", "Parking")
      for field in ("physical_reference", "floor_level")), ("Parking", "apds_reference"),
    ("TaxAmount", "name")})


# an e-mail address is at least `a@b.cc`
_SHORTEST_ADDRESS = 6


def _is_id(field: Field, limit: int) -> bool:
    """A text a platform writes that may leave as public or a place (a site's, EVSE's,
    connector's or tariff's id; not a personal one, which leaves pseudonymised), long
    enough to hold an e-mail address: read without one (`wire_tests.ident`)."""
    return field.privacy in (PrivacyClass.PUBLIC, PrivacyClass.QUASI) and limit >= _SHORTEST_ADDRESS


def _degrees(object_name: str, field: Field) -> float | None:
    """The bound of a coordinate text field (latitude, longitude), else None."""
    if object_name in _GEO_OBJECTS and field.kind is Kind.STRING:
        return wire_tests.DEGREE_BOUNDS.get(field.name)
    return None



class _Shapes:
    def __init__(self, version: str) -> None:
        self.version = version
        wired = catalogue().wired[version]
        self.objects = wired.objects.objects
        self.enums = wired.enums
        self.lengths = wire_tables.string_lengths(version)
        self.renames = wire_tables.renames(version)
        self.defaults = wire_tables.defaults(version)
        self.bare = wire_tables.bare_ids(version)
        from ocpispec.schema.neutral import WIRE_MODULES
        self.base = {name: d.base for name, d in getattr(WIRE_MODULES[version], "DERIVED", {}).items()}
        self.made: dict[str, _Shape] = {}

    def of(self, name: str) -> _Shape:
        if name in self.made:
            return self.made[name]
        shape = self.made[name] = _Shape()
        own = self.base.get(name, name)
        fields = self.objects[name].fields
        for field in fields.values():
            if field.object is not None:
                shape.objects[field.name] = (self.of(field.object), field.many)
            else:
                shape.tests[field.name] = self._test(own, field)
                shape.quick[field.name] = self._quick(own, field)
        shape.renames = {alt: (to, why) for alt, (to, why) in self.renames.get(own, {}).items()
                         if to in fields and alt not in fields}
        shape.casings = frozenset(fields)
        shape.defaults = tuple(d for d in self.defaults.get(own, ()) if d[0] in fields)
        if (bare := self.bare.get(own)) is not None and bare[0] in shape.tests:
            shape.bare = bare
        return shape

    def _test(self, object_name: str, field: Field) -> Test:
        one = self._scalar(object_name, field)
        if not field.many:
            return one

        def each(value: Any) -> tuple[Any, str | None, str | None] | None:
            if value.__class__ is not list:
                return _one_value(one, value)
            for item in value:
                if item is None:
                    return _kept_values(one, value)
                if one(item) is not None:
                    return None, "a list with an item of the wrong type", None
            return None
        return wire_inline.each(each, self._scalar_quick(object_name, field))

    def _quick(self, object_name: str, field: Field) -> tuple[str, Any]:
        """How `wire_codegen` accepts a fitting value inline."""
        return ("other", None) if field.many else self._scalar_quick(object_name, field)

    def _scalar_quick(self, object_name: str, field: Field) -> tuple[str, Any]:
        """`_quick` of one value of the field (an item, where it holds a list)."""
        if _degrees(object_name, field) is not None or \
                (object_name, field.name) in _FORMATTED:
            return "other", None
        match field.kind:
            case Kind.STRING:
                limit = self.lengths.get((object_name, field.name), lengths.DEFAULT_LENGTH)
                if (object_name, field.name) in _PROSE:
                    return "prose", limit
                return ("id" if _is_id(field, limit) else "text"), limit
            case Kind.URL:
                return "link", lengths.URL_LENGTH
            case Kind.ENUM:
                assert field.enum is not None
                return "choice", self._enum_values(field.enum)
            case Kind.DATETIME:
                return "stamp", None
            case Kind.NUMBER:
                return "number", None
            case Kind.INTEGER:
                return "whole", None
            case Kind.BOOLEAN:
                return "flag", None
        return "other", None

    def _scalar(self, object_name: str, field: Field) -> Test:
        limit = self.lengths.get((object_name, field.name), lengths.DEFAULT_LENGTH)
        if (bound := _degrees(object_name, field)) is not None:
            return wire_inline.matched(wire_tests.degrees(limit, bound), field.name, limit)
        if (shape := _FORMATTED.get((object_name, field.name))) is not None:
            return wire_inline.matched(wire_tests.formatted(limit, shape), shape, limit)
        if (object_name, field.name) == _LANGUAGE:
            return wire_tests.language(limit)
        match field.kind:
            case Kind.STRING if (object_name, field.name) in _PROSE:
                return wire_tests.prose(limit)
            case Kind.STRING if _is_id(field, limit):
                return wire_tests.ident(limit)
            case Kind.STRING:
                return wire_tests.string(limit)
            case Kind.URL:
                return wire_tests.url(lengths.URL_LENGTH)
            case Kind.NUMBER:
                return wire_tests.number
            case Kind.INTEGER:
                return wire_tests.integer
            case Kind.BOOLEAN:
                return wire_tests.boolean
            case Kind.DATETIME:
                return wire_tests.datetime
            case Kind.ENUM:
                assert field.enum is not None
                return wire_tests.enum(field.enum, self._enum_values(field.enum), self.version == "2.3.0")
        raise ValueError(f"no test for `{field.kind}`")

    def _enum_values(self, name: str) -> frozenset[str]:
        values = set(self.enums.get(name, ()))
        for version in VERSIONS:                 # a value of another version is a value
            values.update(catalogue().wired[version].enums.get(name, ()))
        return frozenset(values)


def _kept_values(one: Test, value: list[Any]) -> tuple[Any, str | None, str | None] | None:
    """A list of values with null items (`NULL_ITEMS`): the others, when each fits."""
    kept = [item for item in value if item is not None]
    if any(one(item) is not None for item in kept):
        return None, "a list with an item of the wrong type", None
    return kept, None, NULL_ITEMS


def _one_value(one: Test, value: Any) -> tuple[Any, str | None, str | None]:
    """A list of values sent as its one value (`ONE_ITEM`): the list of one when the value
    is an item of the list (read as such, `"11"` for `tariff_ids`), else null."""
    if value.__class__ not in (dict, list):
        problem = one(value)
        if problem is None:
            return [value], None, ONE_ITEM
        if problem[1] is None:          # an item read tolerantly (`1` for an id)
            return [problem[0]], None, f"{ONE_ITEM}; {problem[2]}"
    return None, "not a list", None
