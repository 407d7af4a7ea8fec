"""An open-data portal's table of public sites as Parquet, read with pyarrow: a value
the docs tell to give a default (`max(x || \\`[0]\\`)`, a record without EVSEs) keeps
the type of the field it reads, checked against `ocpispec get` of the demo CPO."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from consumer_runs import check_spec, demo_cpo, published, run_spec

from ocpispec.demo import DemoServer

PORTAL_SITES = '''export portal_sites
  consumer "Open data portal of the province"
  purpose "Publish the public charging sites"
  legal basis public task
  retention 10 years
  licence "CC0-1.0"

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version auto

from locations
  where publish = true
select
  id
  jmespath("max(evses[].connectors[].max_electric_power || `[0]`)") as max_power_w
  jmespath("min(evses[].connectors[].max_electric_power || `[]` || `[0]`)") as min_power_w
  jmespath("opening_times.twentyfourseven || `false`") as always_open
  jmespath("max(evses[].connectors[].max_electric_power || `['none']`)") as mixed
output parquet to "exports/portal-sites.parquet"
'''


server = demo_cpo("2.2.1", 20)


def test_a_value_given_a_default_keeps_its_field_s_type(run_cli, server: DemoServer,
                                                       tmp_path: Path) -> None:
    """`max(evses[].connectors[].max_electric_power || [0])` was typed `any`: a text
    column in Parquet and text cells in XLSX (`'230000'`, which Excel neither sums nor
    sorts as a number), where the same `max` without the default is `int64`. A literal
    default of the field's type keeps the type; one of another (`['none']`) does not."""
    spec = tmp_path / "portal.ocx"
    spec.write_text(PORTAL_SITES)
    out = tmp_path / "sites.parquet"
    run_spec(run_cli, spec, server, out)
    table = pq.read_table(out)
    assert table.schema.field("max_power_w").type == pa.int64()
    assert table.schema.field("min_power_w").type == pa.int64()
    assert table.schema.field("always_open").type == pa.bool_()
    assert table.schema.field("mixed").type == pa.string()
    sites = published(run_cli, server)
    for row in table.to_pylist():
        powers = [connector["max_electric_power"] for evse in sites[row["id"]].get("evses", [])
                  for connector in evse["connectors"]]
        assert (row["max_power_w"], row["min_power_w"]) == (max(powers or [0]),
                                                            min(powers or [0]))
        assert row["always_open"] is bool(
            (sites[row["id"]].get("opening_times") or {}).get("twentyfourseven"))


EASTERN_SITES = '''export eastern_sites
  consumer "Open data portal of the province"
  purpose "Publish the public charging sites east of 5 degrees"
  legal basis public task
  retention 10 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version auto

from locations
  where publish = true and coordinates.longitude > "5"
select
  id
  coordinates
output geojson to "exports/eastern-sites.geojson"
'''


def test_a_coordinate_is_compared_as_a_number(run_cli, server: DemoServer, tmp_path: Path,
                                             snapshot) -> None:
    """OCPI writes a latitude or longitude as decimal text. `coordinates.longitude > 5`
    was OCX204 with the help to quote the number, and `> "5"` checked clean and compared
    characters: every German site east of 10 degrees (`"10.2" < "5"`) was dropped. A
    quoted bound is now OCX204 whose help writes the number, and a number compares as
    one: the sites a GeoJSON reader finds are those `get` shows east of 5 degrees."""
    import pyogrio.raw

    spec = tmp_path / "eastern.ocx"
    spec.write_text(EASTERN_SITES)
    done, shown = check_spec(run_cli, spec)
    assert shown == snapshot
    fixed = re.search(r"help: [^`]*`([^`]*)`", done.stderr).group(1)
    spec.write_text(EASTERN_SITES.replace('coordinates.longitude > "5"', fixed))
    out = tmp_path / "eastern.geojson"
    run_spec(run_cli, spec, server, out)
    _, _, geometry, (ids,) = pyogrio.raw.read(out, columns=["id"])[:4]
    sites = published(run_cli, server)
    east = {site_id for site_id, site in sites.items()
            if float(site["coordinates"]["longitude"]) > 5}
    assert set(ids) == east
    assert any(float(sites[site_id]["coordinates"]["longitude"]) >= 10 for site_id in east)


CDRS_NEAR = '''export cdrs_near
  consumer "Open data portal of the province"
  purpose "Energy charged in the east of the province"
  legal basis public task
  retention 10 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version auto

from cdrs
  where WHERE
group by
  truncate(start_date_time, month) as month
compute
  sum(total_energy) as energy_kwh
  minimum group size 10
output csv to "exports/east.csv"

from cdrs
  where WHERE
select
  truncate(start_date_time, day) as day
  round(total_energy) as energy_kwh
output csv to "exports/east-rows.csv"
'''


@pytest.mark.parametrize(("where", "pinned"), [
    ("cdr_location.coordinates.latitude = 52.0907", True),
    ("cdr_location.coordinates.latitude >= 52.0906 and "
     "cdr_location.coordinates.latitude < 52.0908", True),
    ("cdr_location.coordinates.latitude >= 52 and cdr_location.coordinates.latitude < 53",
     False),
    ("cdr_location.coordinates.longitude > 5", False),
])
def test_a_coordinate_pinned_by_numbers_is_a_place(where: str, pinned: bool, run_cli,
                                                  tmp_path: Path) -> None:
    """A coordinate named as text (`= "52.090700"`) pins a row dataset's place (OCX303);
    written as a number, as it now is compared, it pins it as well, and a range as wide
    as the coordinate's floor does not."""
    spec = tmp_path / "near.ocx"
    spec.write_text(CDRS_NEAR.replace("WHERE", where))
    done = run_cli("check", str(spec))
    assert done.exit_code == 0, done.stderr
    warned = [block for block in done.stderr.split("\n\n") if block.startswith(
        "warning[OCX303]") and "cdr_location.coordinates" in block]
    assert len(warned) == (1 if pinned else 0), done.stderr
