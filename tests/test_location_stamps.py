"""A location's `last_updated` raised to its latest EVSE's or connector's before the
window's end (`objects.raise_location_stamp`): a child stamped no later than the
location, in canonical form, is compared as text and not parsed; the outcome is the
one of parsing every stamp."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from hypothesis import given, settings, strategies as st

from ocpispec.ocpi.objects import raise_location_stamp
from ocpispec.timestamps import parse_timestamp

# stamps near each other (so that order matters), in forms a platform sends: canonical,
# with a fraction or an offset, a leap second, an impossible date, other digits, junk
_DAYS = st.sampled_from(["2026-01-31", "2026-02-01", "2026-02-28", "2026-02-30", "2025-12-31",
                         "2026-0\u0665-01", "2026-01-3\u0660", "2026-06-01"])
_TIMES = st.sampled_from(["T00:00:00", "T12:00:00", "T23:59:59", "T23:59:60", "T12:00:60",
                          "T24:00:00", "T11:59:59", "T12:00:01"])
_ZONES = st.sampled_from(["Z", "Z", "Z", "z", ".5Z", "+01:00", "-00:30", ""])
_STAMPS = st.one_of(st.builds(lambda d, t, z: d + t + z, _DAYS, _TIMES, _ZONES),
                    st.sampled_from([None, "", "soon", 5, " 2026-02-01T12:00:00Z"]))
_CHILD = st.builds(lambda stamp, keep: {"last_updated": stamp} if keep else {}, _STAMPS,
                   st.booleans())
_EVSE = st.builds(lambda own, connectors, one: {**own, "connectors": connectors[0]
                                                if one and connectors else connectors},
                  _CHILD, st.lists(_CHILD, max_size=3), st.booleans())


def _reference(location: Any, before: datetime | None) -> bool:
    """Every stamp parsed (the function before its text comparison)."""
    own = parse_timestamp(location.get("last_updated"))
    if own is None:
        return False
    latest, stamp = own, None
    for evse in location["evses"]:
        if evse.__class__ is not dict:
            continue
        connectors = evse.get("connectors")
        children = connectors if connectors.__class__ is list else \
            [connectors] if connectors.__class__ is dict else []
        for child in (evse, *children):
            if child.__class__ is dict and (moment := parse_timestamp(child.get("last_updated"))) \
                    is not None and moment > latest and (before is None or moment < before):
                latest, stamp = moment, child["last_updated"]
    if stamp is None:
        return False
    location["last_updated"] = stamp
    return True


@settings(max_examples=400, deadline=None)
@given(own=_STAMPS, evses=st.lists(_EVSE, min_size=1, max_size=4),
       before=st.sampled_from([None, "2026-02-01T12:00:00Z", "2026-02-28T23:59:59Z"]))
def test_a_location_stamp_is_raised_as_when_every_stamp_is_parsed(own, evses, before) -> None:
    location = {"last_updated": own, "evses": evses}
    expected = copy.deepcopy(location)
    end = parse_timestamp(before)
    assert raise_location_stamp(location, end) == _reference(expected, end)
    assert location == expected


def test_a_later_connector_raises_the_location_and_an_earlier_one_does_not() -> None:
    location = {"last_updated": "2026-02-01T12:00:00Z", "evses": [
        {"last_updated": "2026-01-31T00:00:00Z",
         "connectors": [{"last_updated": "2026-02-01T11:00:00Z"},
                        {"last_updated": "2026-02-01T13:00:00Z"}]}]}
    assert raise_location_stamp(location, None)
    assert location["last_updated"] == "2026-02-01T13:00:00Z"
    assert not raise_location_stamp(location, parse_timestamp("2026-02-01T13:00:00Z"))
