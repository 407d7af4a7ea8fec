"""Checks and filters on wire records; they run on every fetched record, so the
catalogue is turned into nested dicts once and the records are walked by their keys.

Paths are dotted wire names with list levels left out: `evses.connectors.tariff_ids`.
An unknown name can itself be data (`x-jan.jansen@example.com`, `jan_jansen`): only
names some OCPI version gives a field are reported; every other one is counted as
`UNUSUAL`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from typing import Any

from ocpispec.schema import contract_tariffs
from ocpispec.schema.catalogue import Catalogue, catalogue
from ocpispec.schema.model import PrivacyClass

# an unknown field whose name no OCPI version gives a field: counted, never named
UNUSUAL = "<unusual name>"
_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]{0,40}")
# a name that holds a value rather than naming one (a key of a map keyed by card,
# contract or session id): three digits in a row, or a part of 8 or more hex digits
_DIGITS = re.compile(r"\d{3}")
_HEX = re.compile(r"[0-9a-f]*\d[0-9a-f]*")

# name -> sub-shape for object fields, None for leaves
Shape = Mapping[str, "Shape | None"]
# record -> its unknown dotted paths
Finder = Callable[[Mapping[str, Any]], list[str]]


def unknown_fields(version: str, module: str, record: Mapping[str, Any]) -> list[str]:
    """Dotted wire paths in `record` that the catalogue does not know, each once;
    `UNUSUAL` once for each unknown name not shaped like an identifier."""
    return unknown_fields_finder(version, module)(record)


def unknown_fields_of(version: str, object_name: str, record: Mapping[str, Any]) -> list[str]:
    """Same as `unknown_fields`, for any wire object (`Credentials`, `VersionDetails`)."""
    return _finder(catalogue(), version, object_name)(record)


def unknown_fields_finder(version: str, module: str) -> Finder:
    """`unknown_fields` for one module, with the catalogue looked up once: for loops."""
    cat = catalogue()
    return _finder(cat, version, cat.wired[version].roots[module])


def _finder(cat: Catalogue, version: str, object_name: str) -> Finder:
    def make() -> Finder:
        shape = _shape(cat, version, object_name)
        known = _known(shape, {})

        def find(record: Mapping[str, Any]) -> list[str]:
            # almost every record is fully known: a cheap key-set walk proves it
            if not isinstance(record, dict) or _all_known(known, record):
                return []
            found: dict[str, None] = {}
            unusual: list[str] = []
            _collect_unknown(shape, record, "", found, unusual)
            return [*found, *unusual]
        return find
    return cat.cached(("unknown-finder", version, object_name), make)


class _Known:
    """The keys of one wire object and of its object-valued fields, for `_all_known`:
    `flat` children have no objects below them and are checked inline (mutable only
    while built: shapes may refer to themselves)."""

    __slots__ = ("keys", "flat", "nested")

    def __init__(self, keys: frozenset[str]) -> None:
        self.keys = keys
        self.flat: tuple[tuple[str, frozenset[str]], ...] = ()
        self.nested: tuple[tuple[str, _Known], ...] = ()


def _known(shape: Shape, made: dict[int, _Known]) -> _Known:
    if id(shape) not in made:
        known = made[id(shape)] = _Known(frozenset(shape))
        objects = [(key, sub) for key, sub in shape.items() if sub is not None]
        known.flat = tuple((key, frozenset(sub)) for key, sub in objects
                           if all(below is None for below in sub.values()))
        flat = {key for key, _ in known.flat}
        known.nested = tuple((key, _known(sub, made)) for key, sub in objects if key not in flat)
    return made[id(shape)]


def _all_known(known: _Known, node: dict[str, Any]) -> bool:
    """Whether `node` and everything below it has known keys only; the same walk as
    `_collect_unknown` (non-dict items and leaves are not looked into)."""
    if not node.keys() <= known.keys:
        return False
    for key, keys in known.flat:
        value = node.get(key)
        if isinstance(value, dict):
            if not value.keys() <= keys:
                return False
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict) and not item.keys() <= keys:
                    return False
    for key, sub in known.nested:
        value = node.get(key)
        if isinstance(value, dict):
            if not _all_known(sub, value):
                return False
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict) and not _all_known(sub, item):
                    return False
    return True


def public_projection(version: str, module: str, record: Mapping[str, Any],
                      open_paths: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A copy of `record` with only the fields that are public at their place, plus
    those opened by `open_paths` (a path opens everything below it; `.` opens all).
    Unknown fields are always dropped."""
    keep = _keep_tree(catalogue(), version, module, frozenset(open_paths))
    return _project(keep, record) if isinstance(record, dict) else {}


def reportable_name(name: str) -> bool:
    """Whether an unknown field's name may be shown: a name some OCPI version gives a
    field (a closed vocabulary: `publish_allowed_to` on a 2.1.1 platform), shaped like an
    identifier and not like a value. Any other name is the platform's and may be personal
    (`jan_jansen`, a contract id as a key): a shape cannot tell `jan_jansen` from
    `x_rating`, so it is counted, never shown."""
    if name not in _ocpi_names():       # the cheap test first: most unknown names fail it
        return False
    if _IDENTIFIER.fullmatch(name) is None or _DIGITS.search(name):
        return False
    return not any(len(part) >= 8 and _HEX.fullmatch(part) for part in name.split("_"))


@functools.cache
def _ocpi_names() -> frozenset[str]:
    """The field names of every wire object of every OCPI version the catalogue holds."""
    cat = catalogue()
    return frozenset(name for wired in cat.wired.values()
                     for wire_object in wired.objects.objects.values() for name in wire_object.fields)


def split_unusual(tally: Mapping[str, int]) -> tuple[dict[str, int], int]:
    """An unknown-field tally as (the named paths, how many had unusual names)."""
    return {path: n for path, n in tally.items() if path != UNUSUAL}, tally.get(UNUSUAL, 0)


def _collect_unknown(shape: Shape, node: dict[str, Any], prefix: str,
                     found: dict[str, None], unusual: list[str]) -> None:
    for key, value in node.items():
        if key not in shape:
            if reportable_name(key):
                found[prefix + key] = None
            else:
                unusual.append(UNUSUAL)
            continue
        sub = shape[key]
        if sub is None or value is None:
            continue
        if isinstance(value, dict):
            _collect_unknown(sub, value, f"{prefix}{key}.", found, unusual)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    _collect_unknown(sub, item, f"{prefix}{key}.", found, unusual)


def _project(keep: Shape, node: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key not in keep:
            continue
        sub = keep[key]
        if value is None:
            out[key] = None
        elif sub is None:
            if not _holds_objects(value):
                out[key] = value
        elif isinstance(value, dict):
            out[key] = _project(sub, value)
        elif isinstance(value, list):
            out[key] = [_project(sub, item) for item in value if isinstance(item, dict)]
    return out


def _holds_objects(value: Any) -> bool:
    """A leaf should hold scalars; an object there is unknown content."""
    if isinstance(value, dict):
        return True
    return isinstance(value, list) and any(isinstance(item, (dict, list)) for item in value)


def _shape(cat: Catalogue, version: str, object_name: str) -> Shape:
    def make() -> Shape:
        objects = cat.wired[version].objects.objects
        shapes: dict[str, dict[str, Any]] = {}

        def of(name: str) -> Shape:
            if name not in shapes:
                shapes[name] = {}
                shapes[name].update({f.name: of(f.object) if f.object else None
                                     for f in objects[name].fields.values()})
            return shapes[name]
        return of(object_name)
    return cat.cached(("shape", version, object_name), make)


def _keep_tree(cat: Catalogue, version: str, module: str, open_paths: frozenset[str]) -> Shape:
    objects = cat.wired[version].objects

    def of(name: str, floor: PrivacyClass, prefix: str, opened: bool) -> dict[str, Any]:
        tree: dict[str, Any] = {}
        for field in objects.objects[name].fields.values():
            path = prefix + field.name
            is_open = opened or path in open_paths
            below = PrivacyClass.highest([floor, objects.floor(name, field.name)])
            if field.object is not None:
                child = of(field.object, below, path + ".", is_open)
                if child:
                    tree[field.name] = child
            elif is_open or (below is PrivacyClass.PUBLIC and
                             not contract_tariffs.names_contract(module, path.split("."))):
                tree[field.name] = None
        return tree

    root = cat.wired[version].roots[module]
    return cat.cached(("keep", version, module, open_paths),
                      lambda: of(root, PrivacyClass.PUBLIC, "", "." in open_paths))
