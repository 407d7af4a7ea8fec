"""A location whose coordinates the platform sent with one part missing or no number
(`{"latitude": "abc", "longitude": "5.1"}`, `{"latitude": "52.1"}`): the part is read
as null, and the rest was released as half a point. NDJSON then held the longitude as
text in a column of numbers, a GeoJSON output stopped with an internal error
(TypeError, exit 70) and a Parquet one failed with OCX592. Half a point is no point: it
is released as null, a feature without geometry (RFC 7946 allows it), in every format.
A point sent as two JSON numbers (`{"latitude": 52.1, "longitude": 5.1}`, where OCPI
says text) was read as null too ("not a string"): the location lost its place on every
map; it is read as the degrees it gives, as numbers sent as text elsewhere are read as
numbers. Runs go over HTTP to the independent CPO."""

from __future__ import annotations

import copy
import json

import pandas as pd

from independent_cpo import IndependentCpo
from test_datapackage import docs_json_loader

SPEC = '''export points
  consumer "Test consumer"
  purpose "Where the chargers are"
  legal basis public task
  retention 1 year
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
'''
DATASET = '''
from locations as {name}
select
  id as location_id
  coordinates
output {output}
'''
SENT = {"L0": {"latitude": "abc", "longitude": "5.1"}, "L1": {"latitude": "52.1"},
        "L2": {"longitude": "5.1", "latitude": "123.4"}, "L3": {"latitude": "52.1", "longitude": "5.1"},
        "L4": {"latitude": 52.1, "longitude": 5.1}}   # numbers, where OCPI says text


def test_a_half_point_is_released_as_null_in_every_format(run_cli, tmp_path) -> None:
    """And a point sent as two JSON numbers is the point, not null."""
    out = tmp_path / "out"
    outputs = {"geo": f'geojson to "{out}/x.geojson"', "lines": f'ndjson to "{out}/x.ndjson"',
               "typed": f'parquet to "{out}/x.parquet"'}
    spec = tmp_path / "points.ocx"
    spec.write_text(SPEC + "".join(DATASET.format(name=name, output=output)
                                   for name, output in outputs.items()))
    with IndependentCpo("2.2.1", records=4) as cpo:
        public = next(location for location in cpo.lists["locations"]
                      if location.get("publish") is True)
        cpo.lists["locations"] = []
        for identifier, coordinates in SENT.items():
            location = copy.deepcopy(public)
            location["id"], location["coordinates"] = identifier, coordinates
            cpo.lists["locations"].append(location)
        done = run_cli("run", str(spec), "--as-of", "2026-02-01T00:00:00Z", env={
            "OCPI_VERSIONS_URL": cpo.versions_url, "OCPI_TOKEN": cpo.token})
    assert done.exit_code == 0, done.output
    collection = json.loads((out / "x.geojson").read_text())
    assert set(collection) == {"type", "features"}   # RFC 7946: no `crs`
    geometry = {f["properties"]["location_id"]: f["geometry"] for f in collection["features"]}
    point = {"type": "Point", "coordinates": [5.1, 52.1]}
    assert geometry == {"L0": None, "L1": None, "L2": None, "L3": point, "L4": point}
    lines = docs_json_loader()(str(out / "x.ndjson.datapackage.json"))
    assert _points(lines) == {
        "L0": None, "L1": None, "L2": None, "L3": {"latitude": 52.1, "longitude": 5.1},
        "L4": {"latitude": 52.1, "longitude": 5.1}}
    typed = pd.read_parquet(out / "x.parquet", dtype_backend="numpy_nullable")
    assert _points(typed) == {
        "L0": None, "L1": None, "L2": None, "L3": {"latitude": 52.1, "longitude": 5.1},
        "L4": {"latitude": 52.1, "longitude": 5.1}}


def _points(frame: pd.DataFrame) -> dict:
    """Each location's point as loaded; a missing one (NaN or None) as None."""
    return {name: point if isinstance(point, dict) else None
            for name, point in zip(frame["location_id"], frame["coordinates"])}


def test_a_half_point_is_no_point_for_round_coords_and_grid_either(run_cli, tmp_path) -> None:
    """`round_coords(coordinates, 2)` and `grid(coordinates, 0.05)` of half a point
    (`{"latitude": "abc", "longitude": "5.1"}`) made the record invalid: the whole run
    failed (OCX570) where the same export of `coordinates` released a feature without
    geometry. A half point is null for them too; the whole point is cut as before."""
    out = tmp_path / "out"
    spec = tmp_path / "cells.ocx"
    spec.write_text(SPEC + f'''
from locations as cells
select
  id as location_id
  round_coords(coordinates, 2) as rounded
  grid(coordinates, 0.05) as cell
output ndjson to "{out}/x.ndjson"
''')
    with IndependentCpo("2.2.1", records=4) as cpo:
        public = next(location for location in cpo.lists["locations"]
                      if location.get("publish") is True)
        cpo.lists["locations"] = []
        for identifier, coordinates in SENT.items():
            location = copy.deepcopy(public)
            location["id"], location["coordinates"] = identifier, coordinates
            cpo.lists["locations"].append(location)
        done = run_cli("run", str(spec), "--as-of", "2026-02-01T00:00:00Z", env={
            "OCPI_VERSIONS_URL": cpo.versions_url, "OCPI_TOKEN": cpo.token})
    assert done.exit_code == 0, done.output
    rows = {row["location_id"]: (row["rounded"], row["cell"]) for row in
            map(json.loads, (out / "x.ndjson").read_text().splitlines())}
    whole = ({"latitude": 52.1, "longitude": 5.1}, {"latitude": 52.125, "longitude": 5.125})
    assert rows == {"L0": (None, None), "L1": (None, None), "L2": (None, None),
                    "L3": whole, "L4": whole}
