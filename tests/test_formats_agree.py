"""One dataset, written in every format a consumer loads as a table, loads to the same
typed frame with the loaders docs/outputs.md prints: a university in pandas from
Parquet, a statistics office from CSV with its data package, a Dutch analyst's
`excel-nl` file, the NDJSON of a pipeline. Columns of every kind: a pseudonym, a UTC
hour, a local day, a weekday, an hour of the day, a bucket label, a rounded number, a
whole number, a boolean, an enum and a postal prefix. Runs go over HTTP to the demo CPO.

XLSX is the one documented difference: a local time is a naive cell there (Excel has no
time zones), the local time it names."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from fixtures_cli import REPO
from ocpispec.demo import DemoServer

KEY = "3f9b27c4e18d05a6b7c2e9f41d8a36b05c7e2f19a4d8b63e0f5a2c71d9e4b8a6"
HEADER = '''export agree
  consumer "Test consumer"
  purpose "Every format loads to the same table"
  legal basis public task
  retention 1 year
  pseudonym key env AGREE_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
'''
DATASET = '''from sessions as {name}
  join locations on location_id
select
  pseudonymize(cdr_token.uid) as card
  truncate(start_date_time, hour) as started
  truncate(start_date_time, day, "Europe/Amsterdam") as local_day
  weekday(start_date_time) as weekday
  hour_of_day(start_date_time) as hour
  bucket(kwh, [0, 15, 30, 60]) as band
  round(kwh, 1) as energy_kwh
  round(total_cost.incl_vat, 0) as cost
  status
  location.publish as public
  prefix(location.postal_code, 4) as area
output {output}
'''
OUTPUTS = {"csv": 'csv to "OUT/x.csv"', "tsv": 'csv to "OUT/x.tsv"',
           "excel_nl": 'csv excel-nl to "OUT/x-nl.csv"', "gz": 'csv to "OUT/x.csv.gz"',
           "parquet": 'parquet to "OUT/x.parquet"', "ndjson": 'ndjson to "OUT/x.ndjson"',
           "json": 'json to "OUT/x.json"', "xlsx": 'xlsx to "OUT/x.xlsx"'}


def _docs_loaders() -> dict:
    text = (REPO / "docs" / "outputs.md").read_text()
    namespace: dict = {}
    for marker, stop in (("load-csv-with-package", "\nsessions = "),
                         ("load-json-with-package", "\ncdrs = "),
                         ("load-xlsx", "\nsessions = ")):
        block = text.split(f"<!-- {marker} -->\n```python\n", 1)[1].split("```", 1)[0]
        exec(compile(block.split(stop, 1)[0], "docs/outputs.md", "exec"), namespace)  # noqa: S102
    return namespace


@pytest.fixture(scope="module")
def frames(tmp_path_factory) -> dict[str, pd.DataFrame]:
    from click.testing import CliRunner

    from ocpispec.cli import main

    here = tmp_path_factory.mktemp("agree")
    spec = here / "agree.ocx"
    spec.write_text(HEADER + "\n".join(
        DATASET.format(name=name, output=output.replace("OUT/", f"{here}/out/"))
        for name, output in OUTPUTS.items()))
    with DemoServer(version="2.2.1", size=300) as server:
        result = CliRunner().invoke(main, [
            "run", str(spec), "--state", str(here / "state.json"),
            "--as-of", "2026-01-01T00:00:00Z"], env={
            "OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
            "AGREE_KEY": KEY})
    assert result.exit_code == 0, result.output
    load, out = _docs_loaders(), here / "out"
    return {
        "csv": load["read_package_csv"](f"{out}/x.csv.datapackage.json"),
        "tsv": load["read_package_csv"](f"{out}/x.tsv.datapackage.json"),
        "excel_nl": load["read_package_csv"](f"{out}/x-nl.csv.datapackage.json"),
        "gz": load["read_package_csv"](f"{out}/x.csv.gz.datapackage.json"),
        "parquet": pd.read_parquet(out / "x.parquet", dtype_backend="numpy_nullable"),
        "ndjson": load["read_package_json"](f"{out}/x.ndjson.datapackage.json"),
        "json": load["read_package_json"](f"{out}/x.json.datapackage.json"),
        "xlsx": load["read_workbook"](str(out / "x.xlsx")),
    }


def test_the_reference_frame_has_every_kind(frames) -> None:
    reference = frames["csv"]
    assert len(reference) > 20
    assert {name: str(kind) for name, kind in reference.dtypes.items()} == {
        "card": "string", "started": "datetime64[us, UTC]",
        "local_day": "datetime64[us, Europe/Amsterdam]", "weekday": "string",
        "hour": "Int64", "band": "string", "energy_kwh": "Float64", "cost": "Int64",
        "status": "string", "public": "boolean", "area": "string"}
    assert reference["area"].str.len().max() <= 4 and reference["area"].str.match(r"^\d").all()


@pytest.mark.parametrize("fmt", [name for name in OUTPUTS if name != "csv"])
def test_every_format_loads_to_the_same_frame(frames, fmt: str) -> None:
    reference, loaded = frames["csv"], frames[fmt]
    if fmt == "xlsx":  # documented: the local time it names, naive
        reference = reference.assign(local_day=reference["local_day"].dt.tz_localize(None))
    pd.testing.assert_frame_equal(loaded[list(reference.columns)], reference,
                                  check_dtype=True)
    # to the last digit: `check_exact` does not reach into pandas' Float64 arrays, and
    # `read_json` without `precise_float` read 0.6 as 0.6000000000000001
    assert loaded[list(reference.columns)].astype(str).equals(reference.astype(str))
