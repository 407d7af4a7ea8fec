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
