"""Reading a wire record as the catalogue types it: every known field is checked
against its type, known deviations are read tolerantly, and both are reported.

    reader = wire_reader("2.2.1", "sessions")   # built once per version and module
    findings = reader(record)                   # fixes `record` in place

A value whose type does not fit (an object or a list where OCPI says string, a
string longer than OCPI allows, an unknown enum value, a text that is no DateTime)
becomes null and is reported by path and reason, never by value: it cannot leak
into a column, whatever it carries. A field sent under a known other name
(`deviations.RENAMES`, or in other casing) is moved to its OCPI name; a missing
field with a safe default (`deviations.DEFAULTS`) gets it; a number sent as text or
an id sent as a number is converted. Each of these is reported as a deviation.

The walk visits only the keys a record has; each field's test is a closure built
once from the catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ocpispec.schema import deviations, lengths
from ocpispec.schema.catalogue import VERSIONS, catalogue
from ocpispec.schema.model import Field, Kind
from ocpispec.schema.records import UNUSUAL, reportable_name
from ocpispec.schema.table import sections
from ocpispec.schema.wire_codegen import generate
from ocpispec.timestamps import CANONICAL, parse_timestamp

# 2.3.0 OpenEnums: receivers accept values they do not know, if shaped like a value
OPEN_ENUMS = frozenset({"ConnectorType", "Capability", "Facility", "ParkingType", "ParkingRestriction",
                        "ImageCategory", "EnvironmentalImpactCategory", "TokenType", "VehicleType",
                        "ConnectorCapability"})
_ENUM_SHAPE = re.compile(r"^[A-Z][A-Z0-9_]{0,39}$")
_NUMBER_TEXT = re.compile(r"^-?\d{1,15}(\.\d{1,15})?$")
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
Reader = Callable[[dict[str, Any]], Findings]
# value -> None when it fits, else (replacement or None, reason or None, deviation or None)
Test = Callable[[Any], "tuple[Any, str | None, str | None] | None"]


def wire_reader(version: str, module: str) -> Reader:
    """The reader of one module's records in one version (built once, then cached)."""
    cat = catalogue()
    root = cat.wired[version].roots[module]
    return cat.cached(("wire-reader", version, root), lambda: _make_reader(version, root))


def _make_reader(version: str, root: str) -> Reader:
    walk = generate(_Shapes(version).of(root), "", _HELPERS)

    def read(record: dict[str, Any]) -> Findings:
        invalid: list[tuple[str, str]] = []
        found: list[str] = []
        unknown: list[str] = []
        walk(record, invalid, found, unknown)
        if invalid or found or unknown:
            return Findings(tuple(invalid), tuple(found), _once(unknown))
        return NOTHING
    return read


def _once(unknown: list[str]) -> tuple[str, ...]:
    """Each named path once, `UNUSUAL` as often as it was met (as `unknown_fields`)."""
    return (*dict.fromkeys(path for path in unknown if path != UNUSUAL),
            *(path for path in unknown if path == UNUSUAL))


class _Shape:
    """One wire object: a test per field, the object fields below, and the deviations
    that apply to it (mutable only while built: shapes may refer to themselves)."""

    __slots__ = ("tests", "quick", "objects", "renames", "casings", "defaults")

    def __init__(self) -> None:
        self.tests: dict[str, Test] = {}
        self.quick: dict[str, tuple[str, Any]] = {}         # name -> (quick code, argument)
        self.objects: dict[str, tuple[_Shape, bool]] = {}   # name -> (shape, many)
        self.renames: dict[str, tuple[str, str]] = {}       # wire name -> (field, why)
        self.casings: frozenset[str] = frozenset()          # the field names, for `_casing`
        self.defaults: tuple[tuple[str, Any, str], ...] = ()


def _walk(shape: _Shape, node: dict[str, Any], prefix: str, invalid: list[tuple[str, str]],
          found: list[str]) -> None:
    """The generic walk (for values moved by a deviation); records take the generated one."""
    tests, objects = shape.tests, shape.objects
    moved: list[str] | None = None
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
        if node.get(name) is None:
            node[name] = default
            found.append(f"{prefix}{name} missing, read as {default} ({why})")


def _walk_object(sub: tuple[_Shape, bool], node: dict[str, Any], key: str, value: Any, prefix: str,
                 invalid: list[tuple[str, str]], found: list[str]) -> None:
    shape, many = sub
    path = prefix + key
    if many:
        if value.__class__ is not list:
            return _null(node, key, path, "not a list", invalid)
        if not all(item.__class__ is dict for item in value):
            return _null(node, key, path, "a list with an item that is not an object", invalid)
        for item in value:
            _walk(shape, item, path + ".", invalid, found)
    elif value.__class__ is dict:
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


class _Shapes:
    def __init__(self, version: str) -> None:
        self.version = version
        wired = catalogue().wired[version]
        self.objects = wired.objects.objects
        self.enums = wired.enums
        self.lengths = _lengths(version)
        self.renames = _renames(version)
        self.defaults = _defaults(version)
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
        return shape

    def _test(self, object_name: str, field: Field) -> Test:
        one = self._scalar(object_name, field)
        if not field.many:
            return one

        def each(value: Any) -> tuple[Any, str | None, str | None] | None:
            if value.__class__ is not list:
                return None, "not a list", None
            for item in value:
                if item is None or one(item) is not None:
                    return None, "a list with an item of the wrong type", None
            return None
        return each

    def _quick(self, object_name: str, field: Field) -> tuple[str, Any]:
        """How `wire_codegen` accepts a fitting value inline."""
        if field.many:
            return "other", None
        match field.kind:
            case Kind.STRING:
                return "text", self.lengths.get((object_name, field.name), lengths.DEFAULT_LENGTH)
            case Kind.URL:
                return "text", lengths.URL_LENGTH
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
        match field.kind:
            case Kind.STRING:
                return _string(self.lengths.get((object_name, field.name), lengths.DEFAULT_LENGTH))
            case Kind.URL:
                return _string(lengths.URL_LENGTH)
            case Kind.NUMBER:
                return _number
            case Kind.INTEGER:
                return _integer
            case Kind.BOOLEAN:
                return _boolean
            case Kind.DATETIME:
                return _datetime
            case Kind.ENUM:
                assert field.enum is not None
                return _enum(field.enum, self._enum_values(field.enum), self.version == "2.3.0")
        raise ValueError(f"no test for `{field.kind}`")

    def _enum_values(self, name: str) -> frozenset[str]:
        values = set(self.enums.get(name, ()))
        for version in VERSIONS:                 # a value of another version is a value
            values.update(catalogue().wired[version].enums.get(name, ()))
        return frozenset(values)


def _string(limit: int) -> Test:
    def test(value: Any) -> tuple[Any, str | None, str | None] | None:
        if value.__class__ is str:
            return None if len(value) <= limit else (None, f"longer than {limit} characters", None)
        if value.__class__ is int and len(text := str(value)) <= limit:
            return text, None, "a number where OCPI says text, read as text"
        return None, "not a string", None
    return test


def _number(value: Any) -> tuple[Any, str | None, str | None] | None:
    if value.__class__ is float or value.__class__ is int:
        return None
    if value.__class__ is str and _NUMBER_TEXT.match(value):
        return float(value), None, "a number sent as text, read as a number"
    return None, "not a number", None


def _integer(value: Any) -> tuple[Any, str | None, str | None] | None:
    if value.__class__ is int:
        return None
    if value.__class__ is float and value.is_integer() and abs(value) < 2 ** 53:
        return int(value), None, "a whole number sent with a fraction, read as an integer"
    if value.__class__ is str and _NUMBER_TEXT.match(value) and "." not in value:
        return int(value), None, "a number sent as text, read as a number"
    return None, "not an integer", None


def _boolean(value: Any) -> tuple[Any, str | None, str | None] | None:
    return None if value.__class__ is bool else (None, "not a boolean", None)


def _datetime(value: Any) -> tuple[Any, str | None, str | None] | None:
    if value.__class__ is str and len(value) <= lengths.DATETIME_LENGTH and (
            CANONICAL.match(value) or parse_timestamp(value) is not None):
        return None
    return None, "not a DateTime", None


def _enum(name: str, values: frozenset[str], open_enums: bool) -> Test:
    upper = {value.upper(): value for value in values}
    is_open = open_enums and name in OPEN_ENUMS

    def test(value: Any) -> tuple[Any, str | None, str | None] | None:
        if value.__class__ is not str:
            return None, f"not a {name} value", None
        if value in values or (is_open and _ENUM_SHAPE.match(value)):
            return None
        canonical = upper.get(value.upper()) if len(value) <= 64 else None
        if canonical is not None:
            return canonical, None, f"a {name} value in other casing, read as {canonical}"
        return None, f"not a {name} value", None
    return test


# ---- the data tables ---------------------------------------------------------------------


def _lengths(version: str) -> Mapping[tuple[str, str], int]:
    column = VERSIONS.index(version)
    found: dict[tuple[str, str], int] = {}
    for header, lines in sections(lengths.LENGTHS):
        for name, *by_version in lines:
            if by_version[column] != "-":
                found[(header, name)] = int(by_version[column])
    return found


def _renames(version: str) -> dict[str, dict[str, tuple[str, str]]]:
    found: dict[str, dict[str, tuple[str, str]]] = {}
    for obj, alt, to, versions, why in rename_rows():
        if version in versions:
            found.setdefault(obj, {})[alt] = (to, why)
    return found


def _defaults(version: str) -> dict[str, tuple[tuple[str, Any, str], ...]]:
    found: dict[str, tuple[tuple[str, Any, str], ...]] = {}
    for obj, name, value, versions, why in default_rows():
        if version in versions:
            found[obj] = (*found.get(obj, ()), (name, value, why))
    return found


def rename_rows() -> list[tuple[str, str, str, tuple[str, ...], str]]:
    """`deviations.RENAMES` as (object, wire name, OCPI name, versions, why)."""
    rows = []
    for line in deviations.RENAMES.strip().splitlines():
        obj, alt, arrow, to, versions, *why = line.split()
        assert arrow == "->", line
        rows.append((obj, alt, to, tuple(versions.split(",")), " ".join(why)))
    return rows


def default_rows() -> list[tuple[str, str, str, tuple[str, ...], str]]:
    """`deviations.DEFAULTS` as (object, field, value, versions, why)."""
    rows = []
    for line in deviations.DEFAULTS.strip().splitlines():
        obj, name, value, versions, *why = line.split()
        rows.append((obj, name, value, tuple(versions.split(",")), " ".join(why)))
    return rows


def _stamp(text: str) -> bool:
    """The quick DateTime test (`2025-02-12T08:33:40Z` and other 20-character forms):
    the C parser is several times faster than a regular expression."""
    try:
        _fromisoformat(text)
    except ValueError:
        return False
    return True


_fromisoformat = datetime.fromisoformat
_HELPERS = {"settle": _settle, "null": _null, "moved": _moved, "stamp": _stamp,
            "quick_code": lambda shape, name: shape.quick[name]}
