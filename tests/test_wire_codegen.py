"""The generated wire walk (`schema.wire_codegen`: every place inline, quick tests
first) against an interpreted walk that gives every value its full test
(`wire_tests`): the same values nulled and converted, with the same reasons,
deviations, unknown paths and defaults, in the same order, on demo objects of every
version and module changed at any depth (odd DateTimes, padded and full-width ids,
wrong types, renamed and unknown keys)."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ocpispec.demo import charges, wire
from ocpispec.demo.tariffs import TARIFFS
from ocpispec.demo.world import World
from ocpispec.schema.catalogue import catalogue
from ocpispec.schema.wire_codegen import ABSENT, generate
from ocpispec.schema.wire_shapes import _Shapes
from ocpispec.schema.wire_walk import _HELPERS, _bare, _lone, _moved, _null, _settle, _wrapped

WORLD = World(7, 200)
OBJECTS = {
    "sessions": lambda version: [charges.session(version, WORLD.charge(i)) for i in range(3)],
    "cdrs": lambda version: [charges.cdr(version, WORLD.charge(i), 1_750_000_000) for i in range(3)],
    "locations": lambda version: [wire.location(version, WORLD.site(i)) for i in range(2)],
    "tariffs": lambda version: [wire.tariff(version, facts) for facts in list(TARIFFS.values())[:2]],
    "tokens": lambda version: [wire.token(version, WORLD.driver(i)) for i in range(2)],
}
CASES = {(version, module): make(version) for version in ("2.1.1", "2.2.1", "2.3.0")
         for module, make in OBJECTS.items()}
STAMPS = ["2025-02-12T08:33:40Z", "2024-02-29T23:59:59Z", "2025-02-29T10:00:00Z",
          "2025-02-30T00:00:00Z", "2025-W07-3T08:33:40Z", "20250212T08:33:40.1Z",
          "2025-02-12 08:33:40Z", "2025-02-12T08:33:40z", "2025-02-12T24:00:00Z",
          "2025-02-12T08:60:00Z", "0000-01-01T00:00:00Z", "２０２５-02-12T08:33:40Z",
          "2025-02-12T08:33:4٠Z", "2025-02-12T08:33:40+0", "2025-02-12T08:33:40.5Z",
          "2025-02-12T08:33:40+01:00", "2025-02-12", "2025-02-12T08:33Z"]
ODD = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 2**60), st.floats(allow_nan=False),
    st.text(max_size=6), st.sampled_from(STAMPS),
    st.sampled_from([" LOC1 ", "ＬＯＣ１", "ﬁ", "x" * 300, "COMPLETED", "completed", "Success",
                     "true", "12.5", "http://e.x/a", "javascript:x", "52.1", "12:30", []]),
    st.builds(lambda s: s[:19] + "Z", st.datetimes().map(lambda d: d.isoformat())),
    st.lists(st.sampled_from([{}, "LOC1", 3, None]), max_size=3),
    st.just({"x_extra": 1}),
)
KEYS = st.sampled_from(["x_extra", "Jan Jansen", "kWh", "Last_Updated", "startDateTime",
                        "EVSEs", "type", "id"])


def _places(node: Any, found: list[Any]) -> list[Any]:
    """Every dict and list in `node`, itself first."""
    found.append(node)
    for value in (node.values() if isinstance(node, dict) else node):
        if isinstance(value, (dict, list)):
            _places(value, found)
    return found


@st.composite
def objects(draw: Any) -> tuple[str, str, dict[str, Any]]:
    version, module = draw(st.sampled_from(sorted(CASES)))
    obj = copy.deepcopy(draw(st.sampled_from(CASES[(version, module)])))
    for _ in range(draw(st.integers(0, 6))):
        place = draw(st.sampled_from(_places(obj, [])))
        if isinstance(place, list):
            if place:
                place[draw(st.integers(0, len(place) - 1))] = copy.deepcopy(draw(ODD))
            continue
        name = draw(st.sampled_from(sorted(place)) if place and draw(st.booleans()) else KEYS)
        match draw(st.integers(0, 3)):
            case 0:
                place.pop(name, None)
            case 1 if isinstance(place.get(name), str):
                place[name] = " " + place[name].swapcase()
            case _:
                place[name] = copy.deepcopy(draw(ODD))
    return version, module, obj


def _interpreted(shape: Any, node: dict[str, Any], prefix: str, invalid: list, found: list,
                 unknown: list) -> None:
    sent = {name: node.get(name, ABSENT) for name, _, _ in shape.defaults}
    for name, test in shape.tests.items():
        if (value := node.get(name)) is not None and (problem := test(value)) is not None:
            _settle(node, name, prefix, problem, invalid, found)
    for name, (sub, many) in shape.objects.items():
        value, path = node.get(name), prefix + name
        if value is None:
            continue
        if not many:
            if (value := _wrapped(node, name, path, found)).__class__ is dict:
                _interpreted(sub, value, path + ".", invalid, found, unknown)
            else:
                _null(node, name, path, "not an object", invalid)
        elif (value := _lone(node, name, path, sub, found)).__class__ is not list:
            _null(node, name, path, "not a list", invalid)
        else:
            if any(item.__class__ is not dict for item in value):
                value = _bare(node, name, path, sub, invalid, found)
            for item in value or ():
                _interpreted(sub, item, path + ".", invalid, found, unknown)
    if any(key not in shape.tests and key not in shape.objects for key in node):
        _moved(shape, node, prefix, invalid, found, unknown)
    for name, default, why in shape.defaults:
        if node.get(name) is None and (sent[name] is None or (sent[name] is ABSENT and name not in node)):
            node[name] = default
            found.append(f"{prefix}{name} missing, read as {default} ({why})")


def _both(version: str, module: str, obj: dict[str, Any]) -> tuple[tuple, tuple]:
    shape = _Shapes(version).of(catalogue().wired[version].roots[module])
    compiled, interpreted = copy.deepcopy(obj), copy.deepcopy(obj)
    a: tuple[list, list, list] = ([], [], [])
    b: tuple[list, list, list] = ([], [], [])
    generate(shape, "", _HELPERS)(compiled, *a)
    _interpreted(shape, interpreted, "", *b)
    return (compiled, *a), (interpreted, *b)


@settings(max_examples=400, deadline=None)
@given(objects())
def test_the_generated_walk_is_the_full_tests(case: tuple[str, str, dict[str, Any]]) -> None:
    compiled, interpreted = _both(*case)
    assert compiled == interpreted


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["start_date_time", "end_date_time", "last_updated"]),
       st.one_of(st.sampled_from(STAMPS),
                 st.text(alphabet="0123456789-T:Z W.+z٠２", min_size=19, max_size=21),
                 st.tuples(st.sampled_from(STAMPS[:2]), st.integers(0, 19),
                           st.characters(codec="utf-8")).map(lambda t: t[0][:t[1]] + t[2] + t[0][t[1] + 1:])))
def test_a_datetime_passes_inline_only_where_its_full_test_passes(field: str, stamp: str) -> None:
    obj = dict(CASES[("2.2.1", "sessions")][0], **{field: stamp})
    compiled, interpreted = _both("2.2.1", "sessions", obj)
    assert compiled == interpreted
