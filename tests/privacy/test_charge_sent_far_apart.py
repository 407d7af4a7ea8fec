"""A charge sent at a published site and again at a home farther apart in the list than
the crawl remembers keys (adversarial review, round 25).

The crawl judges a private copy by the keys it remembers (`RecentKeys`: 65,536 to
131,072 objects); a copy farther apart is handed on as a new object (the home's copy
then left out as private) and counted at the list's end as a far repeat, a doubt
(OCX571). `get` held its lines until then but dropped them only for the doubts of a
copy it knew (`cli.held_lines.DOUBTS_OF_A_COPY`: a private copy, a later copy): the
first copy, the home's charge as a public one, was printed, and `get` exited 1. A far
repeat is a copy the judge could not see: its lines are dropped too.

Round 27: the crawl's judge of private copies came to see the home's copy sent last as a
private copy (a doubt of its own), and the test passed with "far-repeat" taken out of
`DOUBTS_OF_A_COPY` again. The home's copy sent first is the case only the far repeat
tells: a private copy first is left out, and a public copy of it within the window is
dropped as a repeat, but one farther apart is handed on as a new object and printed, the
home's charge as a public one. The test sends both orders."""

from __future__ import annotations

import copy

import pytest

from independent_cpo import IndependentCpo

APART = 132_000     # more than twice the crawl's window of keys (65,536)


class _ChargeSentFarApart(IndependentCpo):
    def __init__(self, home_first: bool) -> None:
        super().__init__("2.2.1", records=1, page_cap=5000)
        sites = self.lists["locations"]
        public = sites[0]
        home = next(site for site in sites if site.get("publish") is False)
        home.update(country_code=public["country_code"], party_id=public["party_id"])
        base = {**self.lists["sessions"][0], "location_id": public["id"]}
        # without its charging periods: the repeat is about keys, and each of the 132,001
        # objects is read and checked by `get` (a third of the client's time went to them)
        del base["charging_periods"]
        charges = [{**base, "id": f"S{index:06d}"} for index in range(APART)]
        twin = copy.deepcopy(charges[1])
        if home_first:      # the first copy at the home, the one sent far apart public
            charges[1]["location_id"] = home["id"]
        else:
            twin["location_id"] = home["id"]
        charges.append(twin)
        self.lists["sessions"] = charges

    def _page(self, module: str, query: dict[str, str]) -> tuple[list[dict], dict[str, str]]:
        page, headers = super()._page(module, query)
        if module == "sessions" and "X-Total-Count" in headers:
            headers["X-Total-Count"] = str(int(headers["X-Total-Count"]) - 1)
        return page, headers


@pytest.mark.parametrize("home_first", [False, True], ids=["home-last", "home-first"])
def test_a_charge_sent_again_at_a_home_far_apart_prints_nothing(run_cli, home_first) -> None:
    with _ChargeSentFarApart(home_first) as cpo:
        done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC")
        assert done.exit_code == 0, done.stderr
        got = run_cli("get", "sessions", "--date-to", "2030-01-01", "--workers", "1")
    assert got.exit_code == 1, got.stderr
    assert "error[OCX571]" in got.stderr and "came again far apart" in got.stderr
    assert got.stdout == ""
