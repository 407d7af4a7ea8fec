"""A charger on a home's driveway is a private site, whatever `publish` says.

The attack: a platform lists a home charger as public (`publish: true`, a homeowner
sharing it through an app) with `parking_type: ON_DRIVEWAY`, OCPI's "parking in the
driveway of a house". `ocpispec get` already held such a site private; a run released
its sessions, and an open-data export its address, as those of a public charger: the
owner's own sessions tell when they are at home.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ocpispec.demo import DemoServer


class _DrivewayServer(DemoServer):
    """The demo CPO, where every seventh public site is on a driveway."""

    def render(self, version: str, module: str, index: int) -> dict[str, Any]:
        obj = super().render(version, module, index)
        if module == "locations" and obj.get("publish") is not False and index % 7 == 0:
            obj["parking_type"] = "ON_DRIVEWAY"
        return obj


def _driveways(server: DemoServer) -> set[str]:
    return {server.render("2.2.1", "locations", i)["id"]
            for i in range(server.listings["2.2.1"]["locations"].count)
            if server.render("2.2.1", "locations", i)["parking_type"] == "ON_DRIVEWAY"}


SPEC = '''export driveways
  consumer "Nationaal Open Data Portaal"
  purpose "Publish the public charging locations and their use"
  legal basis legal obligation "AFIR, Regulation (EU) 2023/1804, Art. 20"
  retention 12 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from locations as sites
  where publish = true
select
  id as site
  address
output ndjson to "{out}/sites.ndjson"
from sessions as uses
select
  location_id as site
  status
output ndjson to "{out}/uses.ndjson"
'''


def _sites(path: Path) -> set[str]:
    return {json.loads(line)["site"] for line in path.read_text().splitlines()}


def test_a_site_on_a_driveway_stays_out_of_every_dataset(run_cli, tmp_path: Path) -> None:
    spec = tmp_path / "driveways.ocx"
    spec.write_text(SPEC.replace("{out}", str(tmp_path)))
    with _DrivewayServer(version="2.2.1", size=300, max_page_size=100) as server:
        result = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", "--quiet",
                         env={"OCPI_VERSIONS_URL": server.versions_url,
                              "OCPI_TOKEN": server.token})
        driveways = _driveways(server) - server._private_site_ids
    assert result.exit_code == 0, result.stderr
    assert len(driveways) >= 3
    sites, uses = _sites(tmp_path / "sites.ndjson"), _sites(tmp_path / "uses.ndjson")
    assert len(sites) > 10 and len(uses) > 10
    assert not driveways & sites
    assert not driveways & uses
