"""A location id is unique within its party only (OCPI 2.2+): one platform serving two
CPOs may hold a public site of one under the id of a home charger of the other.

The demo CPO (NL-DMO) is served here as such a platform: under each of its home
chargers' ids it lists (and answers `GET {locations}/{id}` with) a public site of a
second party, DE-XYZ, as a platform that leaves unpublished sites out of its list
would. The private-location check read the site by id alone: the sessions at NL-DMO's
home chargers were released, in a `--limit` run (per-id lookups) and in a whole one
(the list). A session's site is the one of its own party, or none."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from ocpispec.demo import DemoServer

SPEC = '''export party_sites
  consumer "Gemeente Test"
  purpose "Sessions for planning"
  legal basis public task
  retention 12 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
select
  location_id as site because "the municipality plans per charging site"
  kwh as energy
output csv to "{out}"
'''
SECOND_PARTY = {"country_code": "DE", "party_id": "XYZ"}


def _twin(location: dict[str, Any], private: frozenset[str]) -> dict[str, Any]:
    """A home charger's id, held by the second party's public site."""
    if location.get("id") not in private:
        return location
    twin = {**location, **SECOND_PARTY, "publish": True, "parking_type": "ON_STREET",
            "city": "Berlin", "postal_code": "10115"}
    twin.pop("publish_allowed_to", None)
    twin.pop("owner", None)
    return twin


@pytest.mark.parametrize("version", ["2.2.1", "2.3.0"])
@pytest.mark.parametrize("limit", [(), ("--limit", "200")], ids=["list", "limit"])
def test_a_public_site_of_another_party_opens_no_home_charger(
        version: str, limit: tuple[str, ...], run_cli, tmp_path: Path, monkeypatch) -> None:
    real_render = DemoServer.render

    def render(self: DemoServer, version: str, module: str, index: int) -> dict[str, Any]:
        found = real_render(self, version, module, index)
        return _twin(found, self._private_site_ids) if module == "locations" else found

    monkeypatch.setattr(DemoServer, "render", render)
    out = tmp_path / "sites.csv"
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(out=out))
    with DemoServer(version=version, size=300, max_page_size=100) as server:
        env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token}
        done = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", *limit, env=env)
        private = server._private_site_ids
    assert done.exit_code == 0, done.output
    with open(out, newline="") as rows:
        sites = {row["site"] for row in csv.DictReader(rows)}
    assert sites
    assert not sites & set(private)
