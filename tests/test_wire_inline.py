"""What the generated wire walk passes inline beyond the quick tests (`schema.wire_inline`):
a text a pattern matches, and a list whose items all pass their quick test, pass their
full test unchanged; the whole walk with them is the interpreted walk's
(`test_wire_codegen`), here on locations whose coordinates, EVSE ids, postal codes and
lists hold values near the patterns' edges."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ocpispec.schema import wire_inline, wire_tests
from ocpispec.schema.catalogue import catalogue
from ocpispec.schema.wire_shapes import _Shapes

from test_wire_codegen import CASES, _both

# characters the patterns turn on, and some they must refuse
_NEAR = st.text(alphabet="0123456789.-+ *_:ABZaz@\n\u0665\uff10", max_size=14)
_DEGREES = st.one_of(_NEAR, st.builds(lambda sign, whole, frac: f"{sign}{whole}{frac}",
                                      st.sampled_from(["", "-", "+", " "]),
                                      st.integers(0, 200).map(str),
                                      st.sampled_from(["", ".", ".0", ".00000", ".5", ".000001",
                                                       ".123456789012345", ".1234567890123456"])))


@settings(max_examples=600, deadline=None)
@given(st.sampled_from(sorted(wire_inline.PATTERNS)), st.one_of(_NEAR, _DEGREES),
       st.sampled_from([4, 10, 11, 20, 48]))
def test_a_text_a_pattern_matches_passes_its_full_test(pattern: str, text: str, limit: int) -> None:
    if pattern in wire_tests.DEGREE_BOUNDS:
        full = wire_tests.degrees(limit, wire_tests.DEGREE_BOUNDS[pattern])
    else:
        full = wire_tests.formatted(limit, pattern)
    if len(text) <= limit and wire_inline.PATTERNS[pattern](text) is not None:
        assert full(text) is None


def _inline_tests() -> list[tuple[str, Any]]:
    """Every test of every version's shapes that carries an inline pass."""
    found = []
    for version in ("2.1.1", "2.2.1", "2.3.0"):
        shapes = _Shapes(version)
        for root in catalogue().wired[version].roots.values():
            stack, seen = [shapes.of(root)], set()
            while stack:
                shape = stack.pop()
                if id(shape) in seen:
                    continue
                seen.add(id(shape))
                found += [(name, test) for name, test in shape.tests.items()
                          if getattr(test, "inline", None) is not None]
                stack += [sub for sub, _ in shape.objects.values()]
    return found


INLINE = _inline_tests()


def test_lists_and_formats_of_every_version_have_inline_passes() -> None:
    kinds = {test.inline[0] for _, test in INLINE}
    names = {name for name, _ in INLINE}
    assert kinds == {"each", "match"}
    assert {"capabilities", "tariff_ids", "latitude", "longitude", "evse_id", "postal_code"} <= names


_ITEMS = st.one_of(st.none(), st.integers(), st.floats(allow_nan=False), st.booleans(), _NEAR,
                   st.sampled_from(["RFID_READER", "rfid_reader", "AC-STD", "x" * 40, "a@b.cc",
                                    "http://e.x/a", "2025-02-12T08:33:40Z", {}, []]))


@settings(max_examples=600, deadline=None)
@given(st.sampled_from(INLINE), st.one_of(_ITEMS, st.lists(_ITEMS, max_size=4)))
def test_a_value_passing_inline_passes_its_full_test(case: tuple[str, Any], value: Any) -> None:
    """The generated condition, run on its own: where it passes, the full test passes."""
    from ocpispec.schema.wire_codegen import _FAILS, QUICK_NAMES
    from ocpispec.schema.wire_walk import _instant

    _, test = case
    kind, first, second = test.inline
    if kind == "match":
        passes = value.__class__ is str and len(value) <= second and first(value) is not None
    else:
        fails = _FAILS[first].format(arg="E", v="x")
        passes = value.__class__ is list and not any(
            eval(fails, {"E": second, "instant": _instant, **QUICK_NAMES}, {"x": item}) for item in value)  # noqa: S307
    if passes:
        assert test(copy.deepcopy(value)) is None


LOCATIONS = {version: CASES[(version, "locations")] for version in ("2.1.1", "2.2.1", "2.3.0")}
_VALUES = st.one_of(_DEGREES, _NEAR, st.lists(_ITEMS, max_size=3), _ITEMS)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(LOCATIONS)), st.data())
def test_the_walk_of_a_location_with_values_near_the_patterns_is_the_full_tests(version: str,
                                                                               data: Any) -> None:
    location = copy.deepcopy(data.draw(st.sampled_from(LOCATIONS[version])))
    places = [(location, ("postal_code",)), (location.get("coordinates"), ("latitude", "longitude"))]
    for evse in location.get("evses") or []:
        places.append((evse, ("evse_id", "capabilities", "parking_restrictions")))
        places += [(connector, ("tariff_ids",)) for connector in evse.get("connectors") or []]
    for place, names in places:
        if isinstance(place, dict) and data.draw(st.booleans()):
            place[data.draw(st.sampled_from(names))] = data.draw(_VALUES)
    compiled, interpreted = _both(version, "locations", location)
    assert compiled == interpreted


_EDGES = ["0", "-0", "9", "89.999999", "90", "90.0", "-90.000", "90.0000001", "90.1", "91", "99.5",
          "100", "179.999999", "180", "180.00", "-180.0", "180.000001", "181", "199", "200",
          "1000", "52.", ".5", "+52.1", " 52.1", "52.1 ", "٥٢.١", "3511 AB", "3511AB", "AB", "",
          "12345-6789", "SW1A 1AA", "3511  AB", "NL*ABC*E12345", "+31*745*123456", "NL ABC", "a@b.cc"]


def test_a_text_at_a_pattern_edge_passes_inline_only_where_its_full_test_passes() -> None:
    matched = set()
    for pattern, match in wire_inline.PATTERNS.items():
        full = wire_tests.degrees(20, wire_tests.DEGREE_BOUNDS[pattern]) \
            if pattern in wire_tests.DEGREE_BOUNDS else wire_tests.formatted(20, pattern)
        for text in _EDGES:
            if match(text) is not None:
                assert full(text) is None, (pattern, text)
                matched.add((pattern, text))
    # and each pattern passes the common forms, or it would save nothing
    assert {("latitude", "90.0"), ("latitude", "-0"), ("longitude", "179.999999"), ("longitude", "180"),
            ("postal", "3511 AB"), ("postal", ""), ("evse_id", "NL*ABC*E12345")} <= matched
