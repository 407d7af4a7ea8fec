"""`LookedUpSites.keeps` (`execute/private_places.py`) remembers its verdicts by the
location id and party fields as a charge sends them; `judged`, the general reading
(`place`, the party folded), is what it remembers. For any charges, in any order, the
remembered verdict is the one `judged` gives anew, the cache cleared or not."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ocpispec.execute import private_places
from ocpispec.execute.jmes_compile import compile_expression
from ocpispec.execute.lookups import TableLookup
from ocpispec.execute.private_places import LookedUpSites
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
