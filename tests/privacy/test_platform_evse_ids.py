"""An EVSE id that is no EVSE id never leaves in a column of EVSE ids.

The attack (adversarial review, session 30): a platform puts text of its own in a public
EVSE's `evse_id` (OCPI: the eMI3 id printed on the charger, text of at most 48
characters), an e-mail address or a name. An open-data export of the public EVSEs
published it as sent. An EVSE id is letters and digits, in parts joined by `*`, `-`,
`_`, `.` or `:`, with an optional leading `+` (`NL*ABC*E12345`, `BE-BEC-E041503003`,
`+31*745*123456`); anything else is read as null and counted by field, never shown.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ocpispec.demo import DemoServer
from ocpispec.schema.wire_check import wire_reader

SMUGGLED = ("NL*ABC*Ejan.qx7@example.org", "Jan Jansen", "NL*ABC*E1 J.Jansen", "jan@ex.org",
            "NL/ABC/E1", "<b>NL*ABC*E1</b>")
USUAL = ("NL*ABC*E12345", "BE-BEC-E041503003", "+31*745*123456", "DE*ALL*EGO0000001", "evse",
         "NL*ABC*E1*0", "nl*abc*e1", "DEABCE123_1")


class _SmugglingServer(DemoServer):
    """The demo CPO, whose EVSEs carry text of their own or a usual EVSE id."""

    def render(self, version: str, module: str, index: int) -> dict[str, Any]:
        obj = super().render(version, module, index)
        if module == "locations":
            for evse in obj.get("evses", []):
                codes = SMUGGLED if index % 2 else USUAL
                evse["evse_id"] = codes[index // 2 % len(codes)]
        return obj


SPEC = '''export evse_ids
  consumer "Nationaal Open Data Portaal"
  purpose "Public charging locations and their EVSEs"
  legal basis legal obligation "AFIR, Regulation (EU) 2023/1804, Art. 20"
  retention 12 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from locations
  where publish = true
select
  id as site
  jmespath("evses[].evse_id") as evse_ids
output ndjson to "{out}/sites.ndjson"
'''


def test_an_evse_id_that_is_no_evse_id_is_not_released(run_cli, tmp_path: Path, snapshot) -> None:
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.replace("{out}", str(tmp_path)))
    with _SmugglingServer(version="2.2.1", size=300, max_page_size=100) as server:
        result = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z",
                         env={"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
                              "OCPISPEC_LEDGER": str(tmp_path / "ledger.sqlite")})
    assert result.exit_code == 0, result.stderr
    text = (tmp_path / "sites.ndjson").read_text()
    rows = [json.loads(line) for line in text.splitlines()]
    assert len(rows) > 20
    shown = {evse_id for row in rows for evse_id in row["evse_ids"] or ()}
    assert shown == set(USUAL)
    for where in (text, result.stderr):
        assert "@" not in where and "Jansen" not in where
    assert [line.strip() for line in result.stderr.splitlines() if "invalid fields" in line] == snapshot


@pytest.mark.parametrize("version", ["2.1.1", "2.2.1", "2.3.0"])
def test_usual_evse_ids_pass_and_others_are_null(version: str) -> None:
    locations = wire_reader(version, "locations")
    for code in USUAL:
        record = {"evses": [{"uid": "1", "evse_id": code}]}
        assert locations(record).invalid == ()
        assert record["evses"][0]["evse_id"] == code
    for code in SMUGGLED:
        record = {"evses": [{"uid": "1", "evse_id": code}]}
        assert locations(record).invalid == (("evses.evse_id", "not an EVSE id"),)
    record = {"evses": [{"uid": "1", "evse_id": ""}]}
    assert locations(record).invalid == () and record["evses"][0]["evse_id"] == ""
    if version != "2.1.1":
        assert wire_reader(version, "cdrs")({"cdr_location": {"evse_id": ""}}).invalid == ()
        record = {"cdr_location": {"evse_id": "jan@ex.org"}}
        assert wire_reader(version, "cdrs")(record).invalid == (("cdr_location.evse_id", "not an EVSE id"),)
