"""A CDR that says it was charged at the driver's home stays out, however it says so.

The attack: a platform marks home-charging CDRs at a location it lists as public with
`home_charging_compensation` in a form other than JSON `true` (`1`, `"yes"`, an object),
or, on OCPI 2.1.1, which has no such field, with the 2.2 field all the same. Read as
"not a boolean" (null) or as an unknown field, the CDR passed as a public charge: the
driver's sessions at home left with the export.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ocpispec.demo import DemoServer

MARKED = (True, 1, "1", "yes", "Y", {"value": True}, [True], "true ")


class _MarkingServer(DemoServer):
    """The demo CPO, where every fifth CDR (at a public site too) says it was charged at
    the driver's home, each in another spelling."""

    def render(self, version: str, module: str, index: int) -> dict[str, Any]:
        obj = super().render(version, module, index)
        if module == "cdrs" and index % 5 == 0:
            obj["home_charging_compensation"] = MARKED[index // 5 % len(MARKED)]
        return obj


def _marked(server: DemoServer, version: str) -> set[str]:
    listing = server.listings[version]["cdrs"]
    return {listing.render(i)["id"] for i in range(listing.count) if i % 5 == 0}


SPEC = '''export home_cdrs
  consumer "Test consumer"
  purpose "End-to-end tests of home charging records"
  legal basis public task "test"
  retention 1 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from cdrs
select
  id as cdr because "the test reads which records were released"
output ndjson to "{out}/cdrs.ndjson"
'''


@pytest.mark.parametrize("version", ["2.1.1", "2.2.1"])
def test_a_cdr_marked_as_home_charging_stays_out(run_cli, tmp_path: Path, version: str) -> None:
    spec = tmp_path / "home.ocx"
    spec.write_text(SPEC.replace("{out}", str(tmp_path)))
    with _MarkingServer(version=version, size=200, max_page_size=100) as server:
        result = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", "--quiet",
                         env={"OCPI_VERSIONS_URL": server.versions_url,
                              "OCPI_TOKEN": server.token})
        marked = _marked(server, version)
    assert result.exit_code == 0, result.stderr
    released = {json.loads(line)["cdr"]
                for line in (tmp_path / "cdrs.ndjson").read_text().splitlines()}
    assert len(marked) >= 2 * len(MARKED) and len(released) > 50
    assert not marked & released
