"""`get locations` prints nothing of a list that sent a site twice, first as published and
then as the private driveway it is (adversarial review, round 24).

`get` streams its pages: the published copy of the home, with its address, city and
coordinates, was on stdout pages before the private copy arrived, and `get` then failed
with OCX571: the address had left. The lines of `get locations` are now held until the
list ends (`cli/held_lines.py`) and dropped when the crawl doubts which copy of a site
it kept; `--accept-incomplete` still prints them, as it prints the charges there."""

from __future__ import annotations

import pytest
from fixtures_cli import cli_block
from fixtures_demo import scrub
from privacy.test_site_listed_twice import _CountedOnce


@pytest.fixture
def platform(run_cli):
    with _CountedOnce() as cpo:
        done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC")
        assert done.exit_code == 0, done.stderr
        yield cpo


def _home_values(cpo: _CountedOnce) -> list[str]:
    home = next(site for site in cpo.lists["locations"] if site["id"] == cpo.home)
    return [home["id"], home["address"], home["city"], home["postal_code"],
            home["coordinates"]["latitude"]]


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("private", [(), ("--include-private",)], ids=["public", "include-private"])
def test_nothing_of_a_site_in_doubt_is_printed(run_cli, platform, workers, private, tmp_path,
                                               snapshot) -> None:
    got = run_cli("get", "locations", *private, "--date-to", "2030-01-01", "--workers", workers)
    assert got.exit_code == 1, got.stderr
    assert got.stdout == ""
    assert scrub(cli_block(got), tmp_path=tmp_path, token=platform.token) == snapshot
    assert "no locations were printed: the list sent a site twice" in got.stderr


def test_accept_incomplete_prints_the_copy_read_first(run_cli, platform) -> None:
    got = run_cli("get", "locations", "--date-to", "2030-01-01", "--accept-incomplete")
    assert got.exit_code == 0, got.stderr
    assert platform.home in got.stdout and len(got.stdout.splitlines()) == 5


def test_a_list_without_doubt_is_printed_whole(run_cli, platform) -> None:
    platform.lists["locations"].pop()       # the private copy
    got = run_cli("get", "locations", "--date-to", "2030-01-01")
    assert len(got.stdout.splitlines()) == 5
    assert all(value in got.stdout for value in _home_values(platform)[:2])
