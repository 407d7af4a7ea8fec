"""`get sessions`, `cdrs` and `tariffs` read the locations first to know which sites are
published; a read of them not proven complete fails the dump, as it fails a run
(adversarial review, round 14).

A platform that lists a home twice, first as a published site and then, with the same
stamp, as the private driveway it is, had the crawl keep the first copy (a repeat is
dropped) and say the list cannot be proven complete (`X-Total-Count` counts the copy).
A run failed with OCX571 and wrote nothing; `get sessions` printed the sessions at the
home and exited 0, the doubt shown as a warning only. It now fails with OCX571 naming the
locations and prints nothing, unless `--accept-incomplete`."""

from __future__ import annotations

import copy
import json

import pytest
from fixtures_cli import cli_block
from fixtures_demo import scrub
from independent_cpo import IndependentCpo


class _HomeListedTwice(IndependentCpo):
    """The official example's home charge point, of the platform's party, listed first as
    a published street site, at the end as the private driveway it is; every other
    session and CDR is charged there."""

    def __init__(self) -> None:
        super().__init__("2.2.1", records=10, page_cap=2)
        sites = self.lists["locations"]
        home = next(site for site in sites if site.get("publish") is False)
        home.update(country_code=sites[0]["country_code"], party_id=sites[0]["party_id"])
        twin = {**copy.deepcopy(home), "publish": True, "parking_type": "ON_STREET"}
        twin.pop("publish_allowed_to", None)
        sites.remove(home)
        sites[:0], sites[len(sites):] = [twin], [home]
        self.home = home["id"]
        for record in self.lists["sessions"][::2]:
            record["location_id"] = self.home
        for record in self.lists["cdrs"][::2]:
            record["cdr_location"]["id"] = self.home


@pytest.fixture
def platform(run_cli):
    with _HomeListedTwice() as cpo:
        done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC")
        assert done.exit_code == 0, done.stderr
        yield cpo


@pytest.mark.parametrize(("module", "opened"), [("sessions", "location_id"),
                                                 ("cdrs", "cdr_location.id")])
def test_no_charge_is_printed_from_sites_read_in_doubt(run_cli, platform, module, opened,
                                                        tmp_path, snapshot) -> None:
    got = run_cli("get", module, "--privacy-pass", opened, "--date-to", "2030-01-01")
    assert scrub(cli_block(got), tmp_path=tmp_path, token=platform.token) == snapshot
    assert got.exit_code == 1 and got.stdout == "", got.stderr
    assert "error[OCX571]: the records of `locations` cannot be proven complete" in got.stderr
    assert f"so no {module} were printed" in got.stderr
    assert "Traceback" not in got.stderr


def test_accept_incomplete_takes_the_doubt(run_cli, platform) -> None:
    got = run_cli("get", "sessions", "--privacy-pass", "location_id", "--date-to", "2030-01-01",
                  "--accept-incomplete")
    assert got.exit_code == 0, got.stderr
    assert len([json.loads(line) for line in got.stdout.splitlines()]) == 10
