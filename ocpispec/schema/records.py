"""Checks and filters on wire records; they run on every fetched record, so the
catalogue is turned into nested dicts once and the records are walked by their keys.

Paths are dotted wire names with list levels left out: `evses.connectors.tariff_ids`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ocpispec.schema.catalogue import Catalogue, catalogue
from ocpispec.schema.model import PrivacyClass

# name -> sub-shape for object fields, None for leaves
Shape = Mapping[str, "Shape | None"]


def unknown_fields(version: str, module: str, record: Mapping[str, Any]) -> list[str]:
    """Dotted wire paths in `record` that the catalogue does not know, each once."""
    return unknown_fields_of(version, catalogue().wired[version].roots[module], record)


def unknown_fields_of(version: str, object_name: str, record: Mapping[str, Any]) -> list[str]:
    """Same as `unknown_fields`, for any wire object (`Credentials`, `VersionDetails`)."""
    shape = _shape(catalogue(), version, object_name)
    found: dict[str, None] = {}
    if isinstance(record, dict):
        _collect_unknown(shape, record, "", found)
    return list(found)


def public_projection(version: str, module: str, record: Mapping[str, Any],
                      open_paths: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A copy of `record` with only the fields that are public at their place, plus
    those opened by `open_paths` (a path opens everything below it; `.` opens all).
    Unknown fields are always dropped."""
    keep = _keep_tree(catalogue(), version, module, frozenset(open_paths))
    return _project(keep, record) if isinstance(record, dict) else {}


def _collect_unknown(shape: Shape, node: dict[str, Any], prefix: str,
                     found: dict[str, None]) -> None:
    for key, value in node.items():
        if key not in shape:
            found[prefix + key] = None
            continue
        sub = shape[key]
        if sub is None or value is None:
            continue
        if isinstance(value, dict):
            _collect_unknown(sub, value, f"{prefix}{key}.", found)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    _collect_unknown(sub, item, f"{prefix}{key}.", found)


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
            elif is_open or below is PrivacyClass.PUBLIC:
                tree[field.name] = None
        return tree

    root = cat.wired[version].roots[module]
    return cat.cached(("keep", version, module, open_paths),
                      lambda: of(root, PrivacyClass.PUBLIC, "", "." in open_paths))
