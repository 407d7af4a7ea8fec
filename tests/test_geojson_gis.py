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

from fixtures_cli import REPO


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
