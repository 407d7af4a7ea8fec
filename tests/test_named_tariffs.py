"""The tariffs a published location's connectors name (`join_scope._named_tariffs`),
keyed as `charge_tariffs.tariff_key` keys them: the location's party folded once per
location gives the keys of folding it per tariff."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from ocpispec.execute.charge_tariffs import tariff_key
from ocpispec.execute.join_scope import _named_tariffs
from ocpispec.ocpi.public_scope import connector_tariffs

_IDS = st.one_of(st.sampled_from(["T1", " t1 ", "ＴＡＲ１", "", "  ", "ﬁx"]), st.none(),
                 st.integers(-3, 3), st.floats(allow_nan=False, width=16), st.booleans(),
                 st.just({"id": "T1"}), st.just(["T1"]))
_CONNECTOR = st.one_of(st.fixed_dictionaries({}, optional={"tariff_ids": st.one_of(
    st.lists(_IDS, max_size=3), _IDS), "tariff_id": _IDS}), st.just("not an object"))
_EVSE = st.one_of(st.fixed_dictionaries({}, optional={"connectors": st.one_of(
    st.lists(_CONNECTOR, max_size=3), _CONNECTOR)}), st.none())


def _per_tariff(location: dict, version: str) -> list:
    """Every tariff keyed on its own (the loop before the party was folded once)."""
    keys = []
    evses = location.get("evses")
    for evse in evses if isinstance(evses, list) else []:
        if not isinstance(evse, dict):
            continue
        connectors = evse.get("connectors")
        for connector in connectors if isinstance(connectors, list) else []:
            if isinstance(connector, dict):
                keys += [key for tariff in connector_tariffs(connector, version)
                         if (key := tariff_key(location, tariff)) is not None]
    return keys


@settings(max_examples=300, deadline=None)
@given(evses=st.one_of(st.lists(_EVSE, max_size=3), _EVSE),
       country=st.one_of(_IDS, st.just("NL"), st.just(" nl")), party=_IDS,
       version=st.sampled_from(["2.1.1", "2.2.1"]))
def test_the_named_tariffs_are_keyed_as_each_tariff_alone(evses, country, party, version) -> None:
    location = {"country_code": country, "party_id": party, "evses": evses}
    assert list(_named_tariffs(location, version)) == _per_tariff(location, version)
