"""The walk of a wire record's fields: each known field's value tested (`wire_tests`), a
value a deviation sent moved to where OCPI says, unknown keys noted. `wire_check` walks
each record with it, then settles what spans fields (publish, home charging, taxes).

Records take the walk generated per version and module (`wire_codegen`), which calls the
helpers here by the names `_HELPERS` gives them; `_walk` is the generic one, for a value a
deviation moved. A value read tolerantly is a deviation (`found`), one that does not fit
is nulled and reported by path and reason (`invalid`): a list of one sent as its item
(`ONE_ITEM`), an object as a list of one (`ONE_OBJECT`), a list with null items
(`NULL_ITEMS`), ids sent alone (`deviations.BARE_IDS`), a field under another name or in
other casing, a missing field with a safe default.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from ocpispec.schema.records import UNUSUAL, reportable_name
from ocpispec.schema.wire_codegen import ABSENT
from ocpispec.schema.wire_tests import Test

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


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
# a serialiser of maps writes an empty collection as `{}`: read as one item, it was an
# EVSE, charging period or tariff of no fields that no platform sent (a row of its own)
EMPTY_AS_LIST = "an empty object where OCPI says a list, read as an empty list"


def _lone(node: dict[str, Any], key: str, path: str, shape: _Shape, found: list[str]) -> Any:
    """The value of a list of `shape` objects, sent as its one item (an object, or an id
    where the list may hold ids alone, `deviations.BARE_IDS`), as the list of one it
    stands for; an empty object as an empty list (`EMPTY_AS_LIST`); any other value as it is. Read as null, a site's one EVSE was gone and a
    CDR's one charging period made it invalid."""
    value = node[key]
    if value.__class__ is dict and not value:
        value = node[key] = []
        found.append(f"{path}: {EMPTY_AS_LIST}")
    elif value.__class__ is dict or (value.__class__ is str and shape.bare is not None):
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
