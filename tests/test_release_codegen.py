"""`get`'s compiled release pass against the two-pass reference (`Release.reference`):
the same released object and the same withheld counts, whatever the record holds."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ocpispec.demo import charges, wire
from ocpispec.demo.world import World
from ocpispec.ocpi.release import Release

WORLD = World(3, 200)
RECORDS = {
    ("2.2.1", "sessions"): [charges.session("2.2.1", WORLD.charge(i)) for i in range(4)],
    ("2.3.0", "sessions"): [charges.session("2.3.0", WORLD.charge(i)) for i in range(4)],
    ("2.2.1", "tokens"): [wire.token("2.2.1", WORLD.driver(i)) for i in range(3)],
    ("2.2.1", "tariffs"): [wire.tariff("2.2.1", facts) for facts in
                           __import__("ocpispec.demo.tariffs", fromlist=["TARIFFS"]).TARIFFS.values()],
}
OPENINGS = [frozenset(), frozenset({"kwh"}), frozenset({"cdr_token"}), frozenset({"charging_periods"}),
            frozenset({"charging_periods.dimensions.volume", "total_cost.excl_vat"})]
# integers as they come off the wire: orjson reads one beyond 64 bits as a float
ODD = st.one_of(st.none(), st.integers(-2**63, 2**64 - 1), st.text(max_size=4), st.just([1, {"a": 1}]),
                st.just({"x": {"y": 1}}), st.just([[1]]), st.just(["a", "b"]), st.just([{}, 3]))


@st.composite
def cases(draw: Any) -> tuple[str, str, dict[str, Any]]:
    version, module = draw(st.sampled_from(sorted(RECORDS)))
    record = copy.deepcopy(draw(st.sampled_from(RECORDS[(version, module)])))
    for _ in range(draw(st.integers(0, 4))):
        node = record
        while True:  # go down a few levels, then spoil or add a field there
            name = draw(st.sampled_from(sorted(node) + ["x_new", "Odd Name", "kwh"]))
            below = node.get(name)
            if isinstance(below, list) and below and isinstance(below[0], dict) and draw(st.booleans()):
                node = below[0]
            elif isinstance(below, dict) and draw(st.booleans()):
                node = below
            else:
                node[name] = copy.deepcopy(draw(ODD))
                break
    return version, module, record


@settings(max_examples=300, deadline=None)
@given(cases(), st.sampled_from(OPENINGS))
def test_the_compiled_pass_releases_and_counts_as_the_reference(
        case: tuple[str, str, dict[str, Any]], opened: frozenset[str]) -> None:
    version, module, record = case
    compiled, reference = Release(version, module, opened), Release(version, module, opened)
    assert compiled._project is not None
    assert compiled.apply(copy.deepcopy(record)) == reference.reference(copy.deepcopy(record))
    assert compiled.withheld == reference.withheld


def test_sites_still_take_the_reference_path() -> None:
    release = Release("2.2.1", "locations", frozenset())
    site = wire.location("2.2.1", WORLD.site(next(iter(WORLD.private_sites()))))
    released = release.apply(site)
    assert release.private_sites == 1 and "address" not in released


@settings(max_examples=200, deadline=None)
@given(cases(), st.sampled_from(OPENINGS))
def test_a_worker_s_line_counts_as_the_reference(
        case: tuple[str, str, dict[str, Any]], opened: frozenset[str]) -> None:
    """`Release.line` (what a `get --workers` process sends back) names the same
    withheld paths, counted once per object absorbed."""
    import orjson

    version, module, record = case
    worker = Release(version, module, opened, crawl_counts_unknown=True)
    reference = Release(version, module, opened)
    text, outcome = worker.line(copy.deepcopy(record))
    assert orjson.loads(text) == reference.reference(copy.deepcopy(record))
    parent = Release(version, module, opened, crawl_counts_unknown=True)
    parent.absorb(outcome, 3)
    parent.settle()
    assert parent.withheld == {path: 3 * n for path, n in reference.withheld.items()}


@settings(max_examples=300, deadline=None)
@given(cases(), st.sampled_from(OPENINGS))
def test_a_key_sequence_s_shape_releases_and_notes_as_the_generic_loop(
        case: tuple[str, str, dict[str, Any]], opened: frozenset[str]) -> None:
    """The function generated for a key sequence (`release_shapes`) gives the generic
    loop's object, byte for byte (key order included), and its notes in their order."""
    import orjson

    from ocpispec.ocpi import release_shapes
    from ocpispec.ocpi.release_codegen import compiled_projection

    version, module, record = case
    project = compiled_projection(version, module, opened)
    places = [value for value in project.__globals__.values()
              if isinstance(value, release_shapes.Place)]
    found = []
    for room in (release_shapes.SHAPES_PER_PLACE, 0):
        for place in places:
            place.shapes.clear()
        limit, release_shapes.SHAPES_PER_PLACE = release_shapes.SHAPES_PER_PLACE, room
        try:
            noted: list[str] = []
            found.append((orjson.dumps(project(copy.deepcopy(record), noted)), noted))
        finally:
            release_shapes.SHAPES_PER_PLACE = limit
    assert found[0] == found[1]
    for place in places:
        place.shapes.clear()


def test_shapes_are_bounded_per_place() -> None:
    from ocpispec.ocpi import release_shapes
    from ocpispec.ocpi.release_codegen import compiled_projection

    project = compiled_projection("2.2.1", "tokens", frozenset())
    (root,) = [value for value in project.__globals__.values()
               if isinstance(value, release_shapes.Place) and value.prefix == ""]
    root.shapes.clear()
    token = dict(RECORDS[("2.2.1", "tokens")][0])
    for number in range(3 * release_shapes.SHAPES_PER_PLACE):
        noted: list[str] = []
        released = project({**token, f"x_{number}": 1}, noted)
        # no OCPI name: withheld, and counted as unknown by the crawl, never named here
        assert f"x_{number}" not in released and f"x_{number}" not in noted
    assert len(root.shapes) == release_shapes.SHAPES_PER_PLACE
    root.shapes.clear()
