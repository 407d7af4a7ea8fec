"""A journalist's open data of public chargers as GeoJSON, written by a newcomer who
selects the point's latitude and longitude as two columns, as a CSV has them: the
diagnostic names those columns as the point's parts, and its help, applied as written,
checks clean."""

from __future__ import annotations

from pathlib import Path

import pytest

CHARGERS = '''export journalist_chargers
  consumer "A newspaper's data desk"
  purpose "An article on broken public chargers"
  legal basis legitimate interests
  retention 12 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version 2.2.1
from locations
  each evses as evse
select
  id as location_id
  city
{point}
  evse.evse_id as evse_id
  evse.status as status
output geojson to "exports/chargers.geojson"
'''


@pytest.mark.parametrize("point", [
    "  coordinates.latitude as lat\n  coordinates.longitude as lon",
    "  evse.coordinates.latitude as lat\n  evse.coordinates.longitude as lon",
    "  coordinates.latitude as lat",
], ids=["site", "evse", "latitude-only"])
def test_latitude_and_longitude_columns_are_named_as_the_points_parts(
        run_cli, tmp_path: Path, point: str, snapshot) -> None:
    """OCX406 said 'found none' and 'select one of `coordinates`, ...' beside the
    `lat` and `lon` columns it did not mention: the newcomer kept them and added a
    third. It now labels them as parts of the point and says to select the point in
    their place."""
    spec = tmp_path / "chargers.ocx"
    spec.write_text(CHARGERS.format(point=point))
    done = run_cli("check", str(spec))
    assert done.exit_code == 1
    assert done.stderr.replace(str(spec), "chargers.ocx") == snapshot
    parent = point.split(".latitude")[0].strip()
    help_line = next(line for line in done.stderr.splitlines() if line.startswith("help:"))
    assert f"`{parent}`" in help_line and "`lat`" in help_line
    fixed = "\n".join(f"  {parent} as point" if ".latitude" in line else line
                      for line in point.splitlines() if ".longitude" not in line)
    spec.write_text(CHARGERS.format(point=fixed))
    again = run_cli("check", str(spec))
    assert again.exit_code == 0, again.stderr
