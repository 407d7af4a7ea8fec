"""A private site stays private when another location on the list has the same id.

The attack: a platform serving several parties (a hub, a white-label CPO) lists their
locations in one list, and OCPI location ids are unique per party only. A public site of
party XYZ listed after a home charger of party ABC with the same id made the id public:
of the records of one key the lookup kept the last, and the sessions at the home
charger left as sessions at a public site.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ocpispec.demo import DemoServer


class _SharedIdServer(DemoServer):
    """The demo CPO, where the last public locations of the list belong to another party
    and carry the ids of the private sites listed before them (or, `first`, after)."""

    def __init__(self, *, first: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        listing = self.listings[kwargs["version"]]["locations"]
        private = sorted(self._private_site_ids)
        public = [i for i in range(listing.count) if listing.render(i)["id"] not in private]
        chosen = public[:len(private)] if first else public[-len(private):]
        self.renamed = dict(zip(chosen, private))

    def render(self, version: str, module: str, index: int) -> dict[str, Any]:
        obj = super().render(version, module, index)
        if module == "locations" and index in self.renamed:
            obj.update(id=self.renamed[index], party_id="XYZ")
        return obj


SPEC = '''export shared_ids
  consumer "Test consumer"
  purpose "End-to-end tests of location ids shared by two parties"
  legal basis public task "test"
  retention 1 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
select
  location_id as site
  status
output ndjson to "{out}/sessions.ndjson"
'''


@pytest.mark.parametrize("first", [False, True], ids=["public-listed-last", "public-listed-first"])
def test_a_private_site_id_shared_with_a_public_one_stays_out(run_cli, tmp_path: Path,
                                                              first: bool) -> None:
    spec = tmp_path / "shared.ocx"
    spec.write_text(SPEC.replace("{out}", str(tmp_path)))
    with _SharedIdServer(first=first, version="2.2.1", size=300, max_page_size=100) as server:
        result = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", "--quiet",
                         env={"OCPI_VERSIONS_URL": server.versions_url,
                              "OCPI_TOKEN": server.token})
        private = set(server._private_site_ids)
    assert result.exit_code == 0, result.stderr
    sites = [json.loads(line)["site"]
             for line in (tmp_path / "sessions.ndjson").read_text().splitlines()]
    assert len(sites) > 100
    assert not private & set(sites)
