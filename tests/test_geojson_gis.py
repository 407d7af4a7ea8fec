"""GeoJSON as a GIS opens it: GDAL (under QGIS, GeoPandas and DuckDB's spatial
extension) reads the shipped open-data export, every feature a point with longitude
first, no `crs` member (RFC 7946), numbers as numbers. A `.geojson.gz` opens only as
`/vsigzip/...`: docs/outputs.md said it loaded "the same way" as the plain file, and
`geopandas.read_file("x.geojson.gz")` fails with "not recognized as being in a supported
file format"; the table now gives the prefix. Runs go over HTTP to the demo CPO."""

from __future__ import annotations

import gzip
import json

import pytest

from fixtures_cli import REPO, cli_block


def test_a_gis_opens_the_open_data_geojson_and_the_docs_say_how_for_gz(run_cli, tmp_path) -> None:
    out = tmp_path / "locations.geojson.gz"
    done = run_cli("run", "specs/open_data_locations.ocx", "--demo", "--out", str(out))
    assert done.exit_code == 0, done.output
    collection = json.loads(gzip.decompress(out.read_bytes()))
    assert set(collection) == {"type", "features"} and collection["type"] == "FeatureCollection"
    rows = json.loads((tmp_path / "locations.geojson.gz.manifest.json").read_text())["output"]["rows"]
    assert len(collection["features"]) == rows > 100
    for feature in collection["features"]:
        longitude, latitude = feature["geometry"]["coordinates"]
        assert isinstance(longitude, float) and isinstance(latitude, float)
        assert 3 < longitude < 16 and 47 < latitude < 56   # the Netherlands and Germany
    table = (REPO / "docs" / "outputs.md").read_text()
    assert '"/vsigzip/x.geojson.gz"' in table and "'/vsigzip/x.geojson.gz'" in table
    pyogrio = pytest.importorskip("pyogrio")
    with pytest.raises(Exception, match="not recognized"):
        pyogrio.read_info(str(out))
    info = pyogrio.read_info(f"/vsigzip/{out}")
    assert info["features"] == rows and info["geometry_type"] == "Point"
    assert "EPSG:4326" in str(info["crs"]) and "open_24_7" in list(info["fields"])


_NAMES_SPEC = """export gis_names
  consumer "Provincie Utrecht, GIS team"
  purpose "Map of public chargers"
  legal basis public task
  retention 1 year
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from locations
  where publish = true
select
  {columns}
  coordinates
output geojson to "exports/names.geojson"
"""


def test_a_property_named_like_the_points_column_is_refused_before_the_run(
        run_cli, tmp_path, snapshot) -> None:
    """`jmespath(...) as geometry` was written as a property of that name, which
    GeoPandas (and R's sf) read beside the points under the same name: GeoPandas
    overwrote it with the points. OCX427 now refuses it before any request, with a name
    to use. Properties named like the feature's other members (`id`, `type`, `bbox`)
    are valid GeoJSON that GDAL reads as fields like any other, so they stay."""
    spec = tmp_path / "names.ocx"
    spec.write_text(_NAMES_SPEC.format(columns='id\n  jmespath("length(evses)") as Geometry'))
    out = tmp_path / "names.geojson"
    done = run_cli("run", str(spec), "--demo", "--out", str(out))
    assert done.exit_code == 1 and not out.exists()
    assert done.stderr.count("error[OCX427]") == 1
    assert cli_block(run_cli("check", str(spec))).replace(str(tmp_path), "TMP") == snapshot
    spec.write_text(_NAMES_SPEC.format(
        columns='id\n  parking_type as type\n  jmespath("length(evses)") as bbox'))
    assert run_cli("run", str(spec), "--demo", "--out", str(out)).exit_code == 0
    pyogrio = pytest.importorskip("pyogrio")
    meta, _fids, points, fields = pyogrio.raw.read(str(out))
    assert list(meta["fields"]) == ["id", "type", "bbox"]
    assert len(points) == len(fields[0]) > 100
    features = json.loads(out.read_text())["features"]
    assert [list(f["properties"]) for f in features[:1]] == [["id", "type", "bbox"]]
    assert list(fields[0][:3]) == [f["properties"]["id"] for f in features[:3]]
