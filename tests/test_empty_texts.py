"""A text the platform sent empty (`"address": ""`, `"name": ""`, a common stand-in for
no value): CSV and XLSX write it as an empty cell, which the data package declares the
missing value, while NDJSON, JSON, GeoJSON and Parquet wrote `""`, so the same dataset
loaded as an empty text from Parquet and as missing from CSV. Every format now releases
it as null, and the documented loaders agree. Runs go over HTTP to the independent CPO."""

from __future__ import annotations

import copy
import json

import pandas as pd

from independent_cpo import IndependentCpo
from test_datapackage import docs_json_loader, docs_loader

SPEC = '''export places
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
  name
  address
  coordinates
output {output}
'''
FLAT = DATASET.replace("  coordinates\n", "")   # CSV and XLSX hold no pair


def test_an_empty_text_is_missing_in_every_format(run_cli, tmp_path) -> None:
    out = tmp_path / "out"
    outputs = {"lines": f'ndjson to "{out}/x.ndjson"',
               "array": f'json to "{out}/x.json"', "geo": f'geojson to "{out}/x.geojson"',
               "typed": f'parquet to "{out}/x.parquet"'}
    spec = tmp_path / "places.ocx"
    flat = {"table": f'csv to "{out}/x.csv"', "sheet": f'xlsx to "{out}/x.xlsx"'}
    spec.write_text(SPEC + "".join(DATASET.format(name=name, output=output)
                                   for name, output in outputs.items())
                    + "".join(FLAT.format(name=name, output=output)
                              for name, output in flat.items()))
    with IndependentCpo("2.2.1", records=4) as cpo:
        public = next(location for location in cpo.lists["locations"]
                      if location.get("publish") is True)
        cpo.lists["locations"] = []
        for identifier, name, address in (("L0", "", ""), ("L1", "Laadplein", ""),
                                          ("L2", "", "Coolsingel 41")):
            location = copy.deepcopy(public)
            location["id"], location["name"], location["address"] = identifier, name, address
            cpo.lists["locations"].append(location)
        done = run_cli("run", str(spec), "--as-of", "2026-02-01T00:00:00Z", env={
            "OCPI_VERSIONS_URL": cpo.versions_url, "OCPI_TOKEN": cpo.token})
    assert done.exit_code == 0, done.output
    expected = {"L0": (None, None), "L1": ("Laadplein", None), "L2": (None, "Coolsingel 41")}
    frames = {
        "csv": docs_loader()(str(out / "x.csv.datapackage.json")),
        "ndjson": docs_json_loader()(str(out / "x.ndjson.datapackage.json")),
        "json": docs_json_loader()(str(out / "x.json.datapackage.json")),
        "parquet": pd.read_parquet(out / "x.parquet", dtype_backend="numpy_nullable"),
        "xlsx": pd.read_excel(out / "x.xlsx", dtype="string", keep_default_na=False,
                              na_values=[""]),
    }
    for fmt, frame in frames.items():
        assert _texts(frame) == expected, fmt
    features = json.loads((out / "x.geojson").read_text())["features"]
    assert {f["properties"]["location_id"]: (f["properties"]["name"], f["properties"]["address"])
            for f in features} == expected


def _texts(frame: pd.DataFrame) -> dict:
    return {row.location_id: tuple(None if pd.isna(value) else value
                                   for value in (row.name, row.address))
            for row in frame.itertuples(index=False)}
