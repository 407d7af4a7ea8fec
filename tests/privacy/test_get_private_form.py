"""What `ocpispec get --include-private` prints of what a run leaves out, and what `get`
does where it cannot tell what a run leaves out (adversarial review, round 14).

`get locations --include-private` stripped a private site's address, coordinates and
names, but kept the tariffs its connectors name (`HOME` on the demo CPO; a platform's
`HOME-<contract>` names the driver), and `get tariffs --include-private` printed the
home's own tariff with its id, text and URL, which name the home: the flag printed the
objects a run leaves out with what ties them to a person. Both are now printed in their
private form: a private site without its tariff ids, a tariff no published location names
without its id, text and URL (the summary counts them).

`get sessions` against a platform that offers no `locations` failed with OCX507 "the
platform offers no `locations` module to pull from ... use one of `sessions`, ...": the
module asked for was offered. Without the locations nothing tells a session at a home
from one at a public charger: `get` now fails with OCX576 saying so and what to do, and
prints nothing; `--include-private` prints them (tariffs in their private form)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from independent_cpo import IndependentCpo

from ocpispec.demo import DemoServer

DATE_TO = ("--date-to", "2026-01-01")
TARIFF_LINKS = {"tariff_ids", "tariff_id"}


@pytest.fixture(scope="module", params=["2.1.1", "2.2.1", "2.3.0"])
def server(request) -> Iterator[DemoServer]:
    with DemoServer(version=request.param, size=150, max_page_size=40) as started:
        started.ocpi_version = request.param
        yield started


def _login(run_cli, versions_url: str, token: str) -> None:
    done = run_cli("login", versions_url, "--token", token, "--party", "NL-ABC")
    assert done.exit_code == 0, done.stderr


def _objects(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def _connectors(site: dict) -> list[dict]:
    return [connector for evse in site.get("evses") or [] for connector in evse.get("connectors") or []]


def test_a_private_site_names_no_tariff(run_cli, server: DemoServer) -> None:
    _login(run_cli, server.versions_url, server.token)
    got = run_cli("get", "locations", "--include-private", *DATE_TO)
    assert got.exit_code == 0, got.stderr
    printed = _objects(got.stdout)
    # a private site is printed without its id (`ocpi.private_form`)
    home = [site for site in printed if "id" not in site]
    homes = {server.world.site(j).id for j in server.world.private_sites()}
    assert not homes & {site.get("id") for site in printed}
    # OCPI 2.1.1 has no `publish`: a platform lists its public sites only
    assert (home or server.ocpi_version == "2.1.1") and len(printed) > len(home)
    for site in printed:
        named = {name for connector in _connectors(site) for name in TARIFF_LINKS & set(connector)}
        assert not named if site in home else named, site.get("id")
    assert "HOME" not in json.dumps(home)
    assert "this output contains personal data" in got.stderr


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_home_tariff_is_printed_without_what_names_it(run_cli, server: DemoServer,
                                                        workers: str) -> None:
    _login(run_cli, server.versions_url, server.token)
    public = _objects(run_cli("get", "tariffs", *DATE_TO, "--workers", workers).stdout)
    got = run_cli("get", "tariffs", "--include-private", *DATE_TO, "--workers", workers)
    assert got.exit_code == 0, got.stderr
    printed = _objects(got.stdout)
    private = [tariff for tariff in printed if "id" not in tariff]
    assert private and len(printed) == len(public) + len(private)
    assert all(not {"id", "tariff_alt_text", "tariff_alt_url"} & set(t) for t in private)
    assert "HOME" not in got.stdout and "home charging" not in got.stdout
    assert f"tariffs no published location names (id, text and URL withheld): {len(private)}" \
        in got.stderr


@pytest.fixture
def no_locations(run_cli) -> Iterator[IndependentCpo]:
    with IndependentCpo("2.2.1", records=12, unoffered=("locations",)) as cpo:
        _login(run_cli, cpo.versions_url, cpo.token)
        yield cpo


@pytest.mark.parametrize("module", ["sessions", "cdrs", "tariffs"])
def test_without_locations_nothing_of_unknown_scope_is_printed(run_cli, no_locations, module,
                                                                snapshot) -> None:
    got = run_cli("get", module, "--date-to", "2030-01-01")
    assert got.exit_code == 1 and got.stdout == ""
    assert "Traceback" not in got.stderr and "OCX507" not in got.stderr
    assert got.stderr[got.stderr.index("error[OCX576]"):] == snapshot


@pytest.mark.parametrize("module", ["sessions", "cdrs", "tariffs"])
def test_without_locations_include_private_prints_the_private_form(run_cli, no_locations,
                                                                    module) -> None:
    got = run_cli("get", module, "--include-private", "--date-to", "2030-01-01")
    assert got.exit_code == 0, got.stderr
    printed = _objects(got.stdout)
    assert len(printed) == 12
    assert "this output contains personal data" in got.stderr
    if module == "tariffs":   # no published location names one: each is of unknown scope
        assert all(not {"id", "tariff_alt_text", "tariff_alt_url"} & set(t) for t in printed)
    for value in no_locations.personal_values():
        assert value not in got.stdout


def test_tokens_need_no_locations(run_cli, no_locations) -> None:
    got = run_cli("get", "tokens", "--date-to", "2030-01-01")
    assert got.exit_code == 0, got.stderr
    assert len(_objects(got.stdout)) == 12
