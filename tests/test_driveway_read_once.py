"""The wire reader of locations reads whether a site is on a driveway once, from the
record as sent: the walk moves or nulls values (a 2.1.1 `type` read as `parking_type`,
a casing, an enum value that is none), and never makes one that says ON_DRIVEWAY, so
a record that says so after the walk said so before it."""

from __future__ import annotations

import copy

from hypothesis import given, settings
from hypothesis import strategies as st

from ocpispec.demo import DemoServer
from ocpispec.schema.publish import on_driveway
from ocpispec.schema.wire_check import wire_reader

VERSIONS = ("2.1.1", "2.2.1", "2.3.0")
_SITES = {version: DemoServer(version=version, size=50).render(version, "locations", 0) for version in VERSIONS}
_KEYS = ("parking_type", "Parking_Type", "parkingType", "PARKING_TYPE", "parking_type ", "type", "Type",
         "TYPE", "publish", "Publish", "is_published")
_VALUES = ("ON_DRIVEWAY", " ON_DRIVEWAY ", "On-Driveway", "on driveway", ["ON_DRIVEWAY"], ["ON_STREET"],
           "ON_STREET", "PARKING_LOT", "OTHER", 1, 0.5, None, True, False, "true", "false",
           {"type": "ON_DRIVEWAY"}, [])


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(VERSIONS), st.dictionaries(st.sampled_from(_KEYS), st.sampled_from(_VALUES), max_size=4))
def test_a_site_that_says_driveway_after_the_walk_said_so_before(version, extra) -> None:
    record = {**copy.deepcopy(_SITES[version]), **copy.deepcopy(extra)}
    sent = copy.deepcopy(record)
    wire_reader(version, "locations")(record)
    if on_driveway(record):
        assert on_driveway(sent)
    if on_driveway(sent):
        assert record.get("publish") is False
