"""A run's crawl of sessions and CDRs judges each charge's site (`execute/private_places.py`)
and fingerprints a page's objects (`ocpi/private_copies.py`) on fast paths; for any
input they give what the general reading gives.

`LookedUpSites.keeps` remembers its verdicts by the location id and party fields as a
charge sends them; `judged`, the general reading (`place`, the party folded), is what it
remembers. For any charges, in any order, the remembered verdict is the one `judged`
gives anew, the cache cleared or not."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocpispec.execute import private_places
from ocpispec.ids import key_text
from ocpispec.execute.jmes_compile import compile_expression
from ocpispec.execute.lookups import TableLookup
from ocpispec.execute.private_places import LookedUpSites
from ocpispec.ocpi.objects import RecentKeys, key_fields
from ocpispec.ocpi.private_copies import PrivateCopies
from ocpispec.schema.joins import PARTY, TOKEN_PARTY

# mostly the values of a few sites, as a crawl sees them; sometimes another form or type
IDS = st.one_of(st.sampled_from(["S1", "s2", "1"]),
                st.sampled_from(["s1", " S1 ", "Ｓ１", "S2", "s2\t", "", "  ", 1, 1.0, True, None,
                                 ["S1"], {"id": "S1"}]))
PARTIES = st.one_of(st.sampled_from(["NL", "DE"]),
                    st.sampled_from(["nl", " NL", "ＮＬ", "", 7, None, ["NL"]]))
OWNERS = st.one_of(st.sampled_from(["ABC", "XYZ"]), st.sampled_from(["abc", " ABC ", "", None, 3]))
SITES = [{"id": "S1", "country_code": "NL", "party_id": "ABC", "publish": True},
         {"id": "s2", "country_code": "NL", "party_id": "ABC", "publish": False},
         {"id": "S2", "country_code": "DE", "party_id": "XYZ", "publish": True},
         {"id": "S1", "country_code": "DE", "party_id": "XYZ", "publish": None},
         {"id": "1", "country_code": "NL", "party_id": "XYZ", "publish": True}]


@st.composite
def charges(draw: Any) -> dict[str, Any]:
    charge: dict[str, Any] = {"id": "c", "location_id": draw(IDS),
                              "country_code": draw(PARTIES), "party_id": draw(OWNERS)}
    if draw(st.integers(0, 3)) == 0:
        if draw(st.booleans()):     # else a `location_id` beside the embedded site
            del charge["location_id"]
        charge[draw(st.sampled_from(["cdr_location", "location"]))] = {"id": draw(IDS)}
    charge["home_charging_compensation"] = draw(st.sampled_from([None, False, True, "false", 0, 1]))
    charge["cdr_token"] = {"country_code": draw(PARTIES), "party_id": draw(OWNERS)}
    return charge


TABLE = TableLookup(SITES, compile_expression("@", {}), ("id",), party=PARTY)


def _sites(module: str, version: str, party: Any) -> LookedUpSites:
    return LookedUpSites(module, version, TABLE.listed, party)


@settings(max_examples=150, deadline=None)
@given(st.lists(charges(), max_size=20), st.sampled_from(["sessions", "cdrs"]),
       st.sampled_from(["2.2.1", "2.1.1"]), st.sampled_from([PARTY, TOKEN_PARTY, ()]),
       st.integers(1, 4))
def test_a_remembered_verdict_is_the_one_judged_anew(many: list[dict[str, Any]], module: str,
                                                    version: str, party: Any, limit: int) -> None:
    remembering = _sites(module, version, party)
    saved = private_places._MEMO_LIMIT
    private_places._MEMO_LIMIT = limit   # the cache cleared as it fills, too
    try:
        for charge in many + many:
            anew = _sites(module, version, party)
            expected = False if module == "cdrs" and private_places.home_charging(charge) \
                else anew.judged(charge)
            assert remembering.keeps(charge) is expected, charge
    finally:
        private_places._MEMO_LIMIT = saved


@pytest.mark.parametrize("embedded", ["cdr_location", "location"])
@pytest.mark.parametrize("module", ["sessions", "cdrs"])
def test_a_charge_naming_two_sites_does_not_find_the_verdict_of_one(embedded: str,
                                                                     module: str) -> None:
    """A charge at published S1, then one sending `location_id` S1 beside an embedded home
    (s2): the second names no site (`public_scope.location_named`), so it is not kept,
    whatever the first left in the memo."""
    sites = _sites(module, "2.2.1", PARTY)
    public = {"id": "c1", "location_id": "S1", "country_code": "NL", "party_id": "ABC"}
    both = {**public, "id": "c2", embedded: {"id": "s2"}}
    assert sites.keeps(public) is True
    assert sites.keeps(both) is False
    assert sites.keeps(both) is _sites(module, "2.2.1", PARTY).judged(both)


KEY_VALUES = st.one_of(st.sampled_from(["S1", "s1", " S1 ", "Ｓ１", "ß", "", "  ", "NL", "nl"]),
                       st.none(), st.integers(-2, 2), st.floats(allow_nan=False, width=16),
                       st.booleans(), st.text(max_size=4), st.just([]), st.just({}))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.dictionaries(st.sampled_from(["country_code", "party_id", "id",
                                                              "last_updated"]), KEY_VALUES),
                          st.just([]), st.just("text")), max_size=12),
       st.sampled_from(["sessions", "cdrs", "locations"]))
def test_a_private_copy_is_fingerprinted_as_the_dedup_keys_it(objects: list[Any], module: str
                                                              ) -> None:
    """`PrivateCopies` fingerprints a page's objects by its generated key reader
    (`accept.key_reader`); each is the `hash` of the key as `ids.key_text` reads its
    fields, as the crawl's dedup adds it."""
    keys = key_fields("2.2.1", module)
    copies = PrivateCopies(module, keys, RecentKeys(8), 8, _sites(module, "2.2.1", PARTY))
    fingerprints, stamps = copies._fingerprints(objects)
    assert fingerprints == [hash(tuple(key_text(obj.get(name)) for name in keys))
                            if obj.__class__ is dict else None for obj in objects]
    assert stamps == [obj.get("last_updated") if obj.__class__ is dict else None
                      for obj in objects]
    private = copies._private_indices(objects)
    judge = _sites(module, "2.2.1", PARTY).keeps
    if module != "locations":
        assert private == [index for index, obj in enumerate(objects)
                           if obj.__class__ is dict and not judge(obj)]
