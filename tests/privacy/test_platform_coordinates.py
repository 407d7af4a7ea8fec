"""A latitude or longitude that is no number never leaves in a coordinate column.

The attack: a platform puts text of its own in a location's `latitude` (OCPI: a decimal
degree as text, at most 10 characters): a phone number, initials, a card number. The
wire check read it as a string of 10 characters and let it pass, and an open-data export
releasing `coordinates.latitude` as a public column published it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ocpispec.demo import DemoServer
from ocpispec.schema.wire_check import wire_reader

SMUGGLED = ("0612345678", "J.Jansen", "04A2B3C4D5", "52.1 ABC", "1e5", "-91.5", "0x1F")


class _SmugglingServer(DemoServer):
    """The demo CPO, where public locations carry text of their own in a coordinate."""

    def render(self, version: str, module: str, index: int) -> dict[str, Any]:
        obj = super().render(version, module, index)
        if module == "locations" and index % 4 == 1:
            text = SMUGGLED[index // 4 % len(SMUGGLED)]
            obj["coordinates"]["latitude"] = text
        return obj


SPEC = '''export coordinates
  consumer "Nationaal Open Data Portaal"
  purpose "Publish the public charging locations and where they are"
  legal basis legal obligation "AFIR, Regulation (EU) 2023/1804, Art. 20"
  retention 12 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from locations
  where publish = true
select
  id as site
  coordinates.latitude as latitude
  coordinates.longitude as longitude
output ndjson to "{out}/sites.ndjson"
'''


def test_a_coordinate_that_is_no_number_is_not_released(run_cli, tmp_path: Path) -> None:
    spec = tmp_path / "coordinates.ocx"
    spec.write_text(SPEC.replace("{out}", str(tmp_path)))
    with _SmugglingServer(version="2.2.1", size=300, max_page_size=100) as server:
        result = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", "--quiet",
                         "--allow-invalid", "100%",
                         env={"OCPI_VERSIONS_URL": server.versions_url,
                              "OCPI_TOKEN": server.token})
    assert result.exit_code == 0, result.stderr
    text = (tmp_path / "sites.ndjson").read_text()
    rows = [json.loads(line) for line in text.splitlines()]
    assert len(rows) > 10
    for smuggled in SMUGGLED:
        assert f'"{smuggled}"' not in text
    assert sum(row["latitude"] is None for row in rows) >= len(SMUGGLED)
    for row in rows:
        assert row["latitude"] is None or -90 <= float(row["latitude"]) <= 90


def test_decimal_degrees_of_every_usual_shape_pass() -> None:
    read = wire_reader("2.2.1", "locations")
    for latitude, longitude in (("52.12345", "4.1234567"), ("-33.9", "151"), ("0", "-0.5"),
                                ("52.123456", " 4.12345")):
        record = {"coordinates": {"latitude": latitude, "longitude": longitude}}
        assert read(record).invalid == ()
        assert record["coordinates"] == {"latitude": latitude, "longitude": longitude}
    record = {"coordinates": {"latitude": "52.1", "longitude": "181"}}
    assert read(record).invalid == (("coordinates.longitude", "not a number of degrees"),)
