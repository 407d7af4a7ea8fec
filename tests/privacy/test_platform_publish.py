"""A platform that says a location is not public is believed, whatever its version.

The attack: an OCPI 2.1.1 platform (which has no `publish`) lists its home chargers too,
marking them with the 2.2 field `"publish": false`. Read as "2.1.1 lists public
locations only", they were public: an open-data export published the owner's address,
name and coordinates, and the sessions at the driveway left as public sessions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ocpispec.demo import DemoServer

MARKED = ("false", False, 0, "no", {"value": False})
OWNER = "Oprit van J. Jansen"


class _MarkingServer(DemoServer):
    """The demo CPO on 2.1.1, where every third public location says `publish` and not
    `true` (each in another spelling) and carries its owner's name."""

    def render(self, version: str, module: str, index: int) -> dict[str, Any]:
        obj = super().render(version, module, index)
        if module == "locations" and int(obj["id"][3:]) % 3 == 0:
            obj["publish"] = MARKED[int(obj["id"][3:]) % len(MARKED)]
            obj["name"] = f"{OWNER} {obj['id']}"
        return obj


@pytest.fixture
def marking_server():
    with _MarkingServer(version="2.1.1", size=300, max_page_size=100) as server:
        yield server


def _marked(server: DemoServer) -> set[str]:
    listing = server.listings["2.1.1"]["locations"]
    ids = {listing.render(i)["id"] for i in range(listing.count)}
    return {site for site in ids if int(site[3:]) % 3 == 0}


SPEC = '''export marked_sites
  consumer "Nationaal Open Data Portaal"
  purpose "Publish the public charging locations and their use"
  legal basis legal obligation "AFIR, Regulation (EU) 2023/1804, Art. 20"
  retention 12 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from locations as sites
  where publish = true
select
  id as site
  name
  address
output ndjson to "{out}/sites.ndjson"
from sessions as uses
select
  location_id as site
  status
output ndjson to "{out}/uses.ndjson"
'''


def test_a_2_1_1_location_marked_not_public_stays_out(run_cli, marking_server: DemoServer,
                                                       tmp_path: Path) -> None:
    spec = tmp_path / "marked.ocx"
    spec.write_text(SPEC.replace("{out}", str(tmp_path)))
    result = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", "--quiet",
                     env={"OCPI_VERSIONS_URL": marking_server.versions_url,
                          "OCPI_TOKEN": marking_server.token})
    assert result.exit_code == 0, result.stderr
    marked = _marked(marking_server)
    assert marked
    sites = [json.loads(line) for line in (tmp_path / "sites.ndjson").read_text().splitlines()]
    assert sites and not marked & {row["site"] for row in sites}
    assert OWNER not in (tmp_path / "sites.ndjson").read_text()
    uses = [json.loads(line) for line in (tmp_path / "uses.ndjson").read_text().splitlines()]
    assert uses and not marked & {row["site"] for row in uses}


def test_get_withholds_the_details_of_a_2_1_1_location_marked_not_public(
        run_cli, marking_server: DemoServer) -> None:
    login = run_cli("login", marking_server.versions_url, "--token", marking_server.token,
                    "--party", "NL-ABC")
    assert login.exit_code == 0, login.stderr
    result = run_cli("get", "locations", "--include-private")
    assert result.exit_code == 0, result.stderr
    assert OWNER not in result.stdout
    marked = _marked(marking_server)
    released = [json.loads(line) for line in result.stdout.splitlines()]
    assert not marked & {site.get("id") for site in released}   # a home's id names it
    assert all("address" not in site for site in released if "id" not in site)
    assert f"private sites (ids, address, coordinates, names, status, tariffs and supplier " \
        f"withheld): {len(marked)}" in result.stderr
