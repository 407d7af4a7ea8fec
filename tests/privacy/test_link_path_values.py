"""A next link whose path is not the endpoint's is not followed, and the warning named
that path in full: a platform paging by a record's value
(`/drivers/<contract id>/sessions/?cursor=...`) had `get` and `run` print the driver's
contract id on stderr, in the log and in a run's report (adversarial review, round 26).
The warning says where the path leaves the endpoint's and how many segments of its own
follow, never their text."""

from __future__ import annotations

import pytest
from independent_cpo import IndependentCpo

from ocpispec.ocpi.links import assess

CONTRACT = "NL-TNM-C00122045-K"


class _PagesByDriver(IndependentCpo):
    def _page(self, module: str, query: dict[str, str]) -> tuple[list[dict], dict[str, str]]:
        page, headers = super()._page(module, query)
        if "Link" in headers:
            headers["Link"] = headers["Link"].replace(f"/{module}/?", f"/drivers/{CONTRACT}/{module}/?")
        return page, headers


@pytest.mark.parametrize("workers", ["1", "2"])
def test_get_names_no_segment_of_a_next_link_path(run_cli, workers: str) -> None:
    with _PagesByDriver("2.2.1", records=12, page_cap=5, paging="scroll") as cpo:
        done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC")
        assert done.exit_code == 0, done.stderr
        got = run_cli("get", "sessions", "--date-to", "2030-01-01", "--workers", workers)
    assert "next links point to another path (`/ocpi/cpo/2.2.1/` then 3 segments of its own instead of " \
           "`/ocpi/cpo/2.2.1/sessions/`)" in got.stderr, got.stderr
    assert CONTRACT not in got.stderr + got.stdout


def test_a_link_path_with_the_token_shows_neither() -> None:
    endpoint = "https://cpo.example/ocpi/2.2.1/sessions"
    link = assess(f"/ocpi/2.2.1/by-card/{CONTRACT}?offset=5", endpoint, endpoint, {})
    assert (link.verdict, link.detail) == ("path", "`/ocpi/2.2.1/` then 2 segments of its own instead of "
                                                   "`/ocpi/2.2.1/sessions`")
    shorter = assess("/ocpi/?offset=5", endpoint, endpoint, {})
    assert shorter.detail == "`/ocpi/` instead of `/ocpi/2.2.1/sessions`"
