"""Reading a wire record as the catalogue types it: every known field is checked
against its type, known deviations are read tolerantly, and both are reported.

    reader = wire_reader("2.2.1", "sessions")   # built once per version and module
    findings = reader(record)                   # fixes `record` in place

A value whose type does not fit (an object or a list where OCPI says string, a
string longer than OCPI allows, an unknown enum value, a text that is no DateTime)
becomes null and is reported by path and reason, never by value: it cannot leak
into a column, whatever it carries. A field sent under a known other name
(`deviations.RENAMES`, or in other casing) is moved to its OCPI name; a missing
field with a safe default (`deviations.DEFAULTS`) gets it; a number or a boolean sent as
text (`"12.5"`, `"true"`) or an id sent as a number is converted; a list of one sent as its
one item (`"evses": {...}`) is read as the list (`ONE_ITEM`), an object sent as a list of
one (`"cdr_token": [{...}]`) as the object (`ONE_OBJECT`). Each of these is reported as
a deviation.

The same walk notes unknown field paths (`Findings.unknown`, as `records.unknown_fields`
gives them). Per version and module the walk is generated once as straight-line code
(`wire_codegen`); a value that fails its inline test gets its full test (`wire_tests`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ocpispec.schema import lengths, wire_tables, wire_tests
from ocpispec.schema.catalogue import VERSIONS, catalogue
from ocpispec.schema.model import Field, Kind
from ocpispec.schema.publish import (
    REPEATED,
    on_driveway,
    repeated_flags,
    says_home_charging,
    says_not_public,
)
from ocpispec.schema.records import UNUSUAL, reportable_name
from ocpispec.schema.wire_codegen import ABSENT, generate
from ocpispec.schema.wire_tests import Test

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


@dataclass(frozen=True, slots=True)
class Findings:
    """What reading one record found: `invalid` (path, reason) pairs whose value was
    nulled, `deviations` read tolerantly (descriptions naming paths only), and the
    `unknown` field paths as `records.unknown_fields` gives them."""

    invalid: tuple[tuple[str, str], ...]
    deviations: tuple[str, ...]
    unknown: tuple[str, ...] = ()


NOTHING = Findings((), ())
_NOT_PUBLIC = "publish: another key (`Publish`, `is_published`...) says not public: read as false"
_LISTED = ("publish: `publish_allowed_to` names who may see the site (OCPI allows it only beside "
           "`publish: false`): read as false")
_MORE_THAN_USED = ("location.evses: the embedded location holds more than the EVSE and connector used, so "
                   "which was used is unknown: their ids and the connector's kind read as null")
_DRIVEWAY = "publish: a site with `parking_type` ON_DRIVEWAY is a home's driveway: read as false"
_AT_HOME = ("home_charging_compensation: says the CDR was charged at the driver's home in a "
            "form other than `true`: read as true")
Reader = Callable[[dict[str, Any]], Findings]


def wire_reader(version: str, module: str) -> Reader:
    """The reader of one module's records in one version (built once, then cached)."""
    cat = catalogue()
    root = cat.wired[version].roots[module]
    return cat.cached(("wire-reader", version, root),
                      lambda: _make_reader(version, root, module))


def _make_reader(version: str, root: str, module: str) -> Reader:
    walk = generate(_Shapes(version).of(root), "", _HELPERS)
    location, cdr = module == "locations", module == "cdrs"
    taxed = version == "2.3.0" and module in ("cdrs", "sessions")
    embedded = version == "2.1.1" and module in ("cdrs", "sessions")

    def read(record: dict[str, Any]) -> Findings:
        invalid: list[tuple[str, str]] = []
        found: list[str] = []
        unknown: list[str] = []
        if REPEATED in record:  # settled the cautious way as the body was parsed
            found.extend(f"{kind}: given more than once in one object: read as the value "
                         "that says private" for kind in repeated_flags(record))
        # read before the walk, which nulls a flag that is no boolean (`1`, `"yes"`)
        at_home = cdr and says_home_charging(record)
        # and a `publish_allowed_to` of the wrong shape (`["NL-TNM-C0123"]`), which it nulls
        # and a `parking_type` (`" ON_DRIVEWAY "`) that is no value of its enum
        listed = location and bool(record.get("publish_allowed_to"))
        driveway = location and on_driveway(record)
        walk(record, invalid, found, unknown)
        if taxed and invalid:
            _taxes_unknown(record, invalid)
        if embedded and _more_than_used(record.get("location")):
            found.append(_MORE_THAN_USED)
        if location and record.get("publish") is not False:
            if listed or says_not_public(record):
                record["publish"] = False
                found.append(_LISTED if listed or record.get("publish_allowed_to") else _NOT_PUBLIC)
            elif driveway or on_driveway(record):
                record["publish"] = False
                found.append(_DRIVEWAY)
        if at_home:
            if record.get("home_charging_compensation") is not True:
                record["home_charging_compensation"] = True
                found.append(_AT_HOME)
        elif cdr and record.get("home_charging_compensation") is not None:
            record["home_charging_compensation"] = False  # `"false"` where no walk reads it (2.1.1)
        if invalid or found or unknown:
            return Findings(tuple(invalid), tuple(found), _once(unknown))
        return NOTHING
    return read


def _more_than_used(location: Any) -> bool:
    """Whether a 2.1.1 session's or CDR's location embeds more than the one EVSE and
    connector used (`neutral._used` then reads their ids and connector as null)."""
    evses = location.get("evses") if location.__class__ is dict else None
    if evses.__class__ is not list:
        return False
    connectors = evses[0].get("connectors") if len(evses) == 1 and evses[0].__class__ is dict else None
    return len(evses) > 1 or (connectors.__class__ is list and len(connectors) > 1)


def _taxes_unknown(record: dict[str, Any], invalid: list[tuple[str, str]]) -> None:
    """A 2.3.0 Price's `taxes` read as null as the wrong type is taxes of unknown amount,
    not none (which an absent list says): the total including them stays unknown."""
    for path, _ in invalid:
        head, _, last = path.rpartition(".")
        if last == "taxes" and head and "." not in head:
            price = record.get(head)
            if price.__class__ is dict and price.get("taxes") is None:
                price["taxes"] = [{"amount": None}]


def _once(unknown: list[str]) -> tuple[str, ...]:
    """Each named path once, `UNUSUAL` as often as it was met (as `unknown_fields`)."""
    return (*dict.fromkeys(path for path in unknown if path != UNUSUAL),
            *(path for path in unknown if path == UNUSUAL))


class _Shape:
    """One wire object: a test per field, the object fields below, and the deviations
    that apply to it (mutable only while built: shapes may refer to themselves)."""

    __slots__ = ("tests", "quick", "objects", "renames", "casings", "defaults", "bare")

    def __init__(self) -> None:
        self.tests: dict[str, Test] = {}
        self.quick: dict[str, tuple[str, Any]] = {}         # name -> (quick code, argument)
        self.objects: dict[str, tuple[_Shape, bool]] = {}   # name -> (shape, many)
        self.renames: dict[str, tuple[str, str]] = {}       # wire name -> (field, why)
        self.casings: frozenset[str] = frozenset()          # the field names, for `_casing`
        self.defaults: tuple[tuple[str, Any, str], ...] = ()
        self.bare: tuple[str, str] | None = None            # (field, why): `deviations.BARE_IDS`


def _walk(shape: _Shape, node: dict[str, Any], prefix: str, invalid: list[tuple[str, str]],
          found: list[str]) -> None:
    """The generic walk (for values moved by a deviation); records take the generated one."""
    tests, objects = shape.tests, shape.objects
    moved: list[str] | None = None
    sent = {name: node.get(name, ABSENT) for name, _, _ in shape.defaults}
    for key, value in node.items():
        if value is None:
            continue
        test = tests.get(key)
        if test is not None:
            if (problem := test(value)) is not None:
                _settle(node, key, prefix, problem, invalid, found)
            continue
        sub = objects.get(key)
        if sub is None:
            if key in shape.renames or _casing(shape, key) is not None:
                moved = [key] if moved is None else [*moved, key]
            continue
        _walk_object(sub, node, key, value, prefix, invalid, found)
    if moved is not None:
        _move(shape, node, moved, prefix, invalid, found)
    for name, default, why in shape.defaults:
        if node.get(name) is None and (sent[name] is None or (sent[name] is ABSENT and name not in node)):
            node[name] = default
            found.append(f"{prefix}{name} missing, read as {default} ({why})")


def _walk_object(sub: tuple[_Shape, bool], node: dict[str, Any], key: str, value: Any, prefix: str,
                 invalid: list[tuple[str, str]], found: list[str]) -> None:
    shape, many = sub
    path = prefix + key
    if many:
        value = _lone(node, key, path, shape, found)
        if value.__class__ is not list:
            return _null(node, key, path, "not a list", invalid)
        if not all(item.__class__ is dict for item in value):
            value = _bare(node, key, path, shape, invalid, found)
        for item in value or ():
            _walk(shape, item, path + ".", invalid, found)
    elif (value := _wrapped(node, key, path, found)).__class__ is dict:
        _walk(shape, value, path + ".", invalid, found)
    else:
        _null(node, key, path, "not an object", invalid)


def _settle(node: dict[str, Any], key: str, prefix: str,
            problem: tuple[Any, str | None, str | None], invalid: list[tuple[str, str]],
            found: list[str]) -> None:
    replacement, reason, deviation = problem
    node[key] = replacement
    if reason is not None:
        invalid.append((prefix + key, reason))
    if deviation is not None:
        found.append(f"{prefix}{key}: {deviation}")


def _bare(node: dict[str, Any], key: str, path: str, shape: _Shape,
          invalid: list[tuple[str, str]], found: list[str]) -> list[Any] | None:
    """A list of `shape` objects with items that are no object: the list with each text
    read as the object it names (`deviations.BARE_IDS`), or None, nulled, if that does
    not apply."""
    value = _without_nulls(node, key, path, found)
    if all(item.__class__ is dict for item in value):
        return value
    if shape.bare is None or not all(item.__class__ in (dict, str) for item in value):
        _null(node, key, path, "a list with an item that is not an object", invalid)
        return None
    field, why = shape.bare
    wrapped = node[key] = [{field: item} if item.__class__ is str else item for item in value]
    found.append(f"{path}: ids sent alone, read as `{field}` ({why})")
    return wrapped


# a serialiser writing a removed element, or a trailing comma's slot, as null
NULL_ITEMS = "null items in a list, left out"


def _without_nulls(node: dict[str, Any], key: str, path: str, found: list[str]) -> list[Any]:
    """The list at `node[key]` without its null items (each stands for nothing: nulling
    the whole list for one lost a site's every EVSE, or made a CDR invalid)."""
    value = node[key]
    if any(item is None for item in value):
        value = node[key] = [item for item in value if item is not None]
        found.append(f"{path}: {NULL_ITEMS}")
    return value


# an XML-to-JSON layer collapses every one-element array into its item
ONE_ITEM = "one item where OCPI says a list, read as a list of one"


def _lone(node: dict[str, Any], key: str, path: str, shape: _Shape, found: list[str]) -> Any:
    """The value of a list of `shape` objects, sent as its one item (an object, or an id
    where the list may hold ids alone, `deviations.BARE_IDS`), as the list of one it
    stands for; any other value as it is. Read as null, a site's one EVSE was gone and a
    CDR's one charging period made it invalid."""
    value = node[key]
    if value.__class__ is dict or (value.__class__ is str and shape.bare is not None):
        value = node[key] = [value]
        found.append(f"{path}: {ONE_ITEM}")
    return value


ONE_OBJECT = "an object sent as a list of one, read as the object"


def _wrapped(node: dict[str, Any], key: str, path: str, found: list[str]) -> Any:
    """The value of an object field, sent as a list of that one object (a serialiser
    writing every nested object as an array), as the object; any other value as it is.
    Read as null, a CDR's `cdr_location` or `total_cost` made it invalid."""
    value = node[key]
    if value.__class__ is list and len(value) == 1 and value[0].__class__ is dict:
        value = node[key] = value[0]
        found.append(f"{path}: {ONE_OBJECT}")
    return value


def _null(node: dict[str, Any], key: str, path: str, reason: str,
          invalid: list[tuple[str, str]]) -> None:
    node[key] = None
    invalid.append((path, reason))


def _move(shape: _Shape, node: dict[str, Any], moved: list[str], prefix: str,
          invalid: list[tuple[str, str]], found: list[str]) -> None:
    """Fields sent under another name take their OCPI name, unless that is taken."""
    for key in moved:
        target, why = shape.renames.get(key) or (_casing(shape, key), "other casing")
        if node.get(target) is not None:
            continue                    # both sent: the OCPI one counts, the other is unknown
        value = node[target] = node.pop(key)
        found.append(f"{prefix}{key} read as {prefix}{target} ({why})")
        if value is None:
            continue
        if (test := shape.tests.get(target)) is not None:
            if (problem := test(value)) is not None:
                _settle(node, target, prefix, problem, invalid, found)
        else:
            _walk_object(shape.objects[target], node, target, value, prefix, invalid, found)


def _moved(shape: _Shape, node: dict[str, Any], prefix: str, invalid: list[tuple[str, str]],
           found: list[str], unknown: list[str]) -> None:
    """Unknown keys of `node` that name a field in another way are moved to it; the
    others are noted in `unknown` (by path when shaped like an identifier)."""
    strange = [key for key in node if key not in shape.tests and key not in shape.objects]
    moved = [key for key in strange if key in shape.renames or _casing(shape, key) is not None]
    if moved:
        _move(shape, node, moved, prefix, invalid, found)
    for key in strange:
        if key in node:             # not moved: both names were sent, or none is known
            unknown.append(prefix + key if reportable_name(key) else UNUSUAL)


def _casing(shape: _Shape, key: str) -> str | None:
    """The field `key` names in other casing (`kWh`, `Last_Updated`, `startDateTime`)."""
    lower = key.lower()
    if lower in shape.casings:
        return lower
    folded = _CAMEL.sub("_", key).lower()
    return folded if folded in shape.casings else None


# ---- building the shapes ------------------------------------------------------------

_GEO_OBJECTS = frozenset({"GeoLocation", "AdditionalGeoLocation"})
# text fields with a format of OCPI's (`wire_tests.FORMATS`), read only in that format
_FORMATTED = {("TariffRestrictions", "start_time"): "time",
              ("TariffRestrictions", "end_time"): "time",
              ("TariffRestrictions", "start_date"): "date",
              ("TariffRestrictions", "end_date"): "date",
              ("RegularHours", "period_begin"): "time", ("RegularHours", "period_end"): "time",
              ("Location", "time_zone"): "zone"}


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
        return each

    def _quick(self, object_name: str, field: Field) -> tuple[str, Any]:
        """How `wire_codegen` accepts a fitting value inline."""
        if field.many or _degrees(object_name, field) is not None or \
                (object_name, field.name) in _FORMATTED:
            return "other", None
        match field.kind:
            case Kind.STRING:
                return "text", self.lengths.get((object_name, field.name), lengths.DEFAULT_LENGTH)
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
            return wire_tests.degrees(limit, bound)
        if (shape := _FORMATTED.get((object_name, field.name))) is not None:
            return wire_tests.formatted(limit, shape)
        match field.kind:
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


def _instant(text: str) -> bool:
    """The rest of the quick DateTime test (`2025-02-12T08:33:40Z`), for a text of 20
    characters whose separators are the canonical form's (`wire_codegen.STAMP_SEPARATORS`,
    tested inline first): the C parser is several times faster than a regular
    expression, but it also reads ISO 8601's other forms of 20 characters, which no other
    reader of DateTimes here takes (`parse_timestamp`): a week date
    (`2025-W07-3T08:33:40Z`) or the basic form (`20250212T08:33:40.1Z`) passed as a
    DateTime, and such a `last_updated`, compared as text, fell inside windows of months
    later. So the separators come first."""
    try:
        _fromisoformat(text)
    except ValueError:
        return False
    return True


_fromisoformat = datetime.fromisoformat
_HELPERS = {"settle": _settle, "null": _null, "bare": _bare, "lone": _lone, "wrapped": _wrapped, "moved": _moved, "instant": _instant,
            "quick_code": lambda shape, name: shape.quick[name]}
