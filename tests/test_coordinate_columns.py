"""A coordinate released as columns (`coordinates.latitude as lat`): OCPI sends it as
decimal text (`"52.090600"`), and a consumer's pandas `points_from_xy`, GIS or Excel
needs a number. Typed outputs (Parquet, XLSX) hold the platform's decimal as a number
(a double: its shortest form is the platform's digits, trailing zeros aside); CSV and
NDJSON keep the platform's text, and the data package says which, in degrees WGS 84."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from ocpispec.demo import DemoServer

SPEC = '''export coordinates
  consumer "Test consumer"
  purpose "Coordinates a GIS loads"
  legal basis public task "test"
  retention 1 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from locations
  where publish = true
select
  id as location_id
  coordinates.latitude as lat
  coordinates.longitude as lon
'''


@pytest.fixture(scope="module")
def server():
    with DemoServer(version="2.2.1", size=60) as demo:
        yield demo


def _run(run_cli, server, tmp_path: Path, fmt: str, name: str) -> Path:
    spec = tmp_path / f"{fmt}.ocx"
    out = tmp_path / name
    spec.write_text(SPEC + f'output {fmt} to "{out}"\n')
    done = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z",
                   env={"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token})
    assert done.exit_code == 0, done.output
    return out


def _fields(out: Path) -> dict[str, dict]:
    package = json.loads(out.with_name(out.name + ".datapackage.json").read_text())
    return {field["name"]: field for field in package["resources"][0]["schema"]["fields"]}


def test_typed_outputs_hold_coordinates_as_numbers(run_cli, server, tmp_path: Path) -> None:
    import openpyxl
    import pandas as pd

    texts = list(csv.DictReader(_run(run_cli, server, tmp_path, "csv", "c.csv").open()))
    assert texts and all("." in row["lat"] for row in texts)
    frame = pd.read_parquet(_run(run_cli, server, tmp_path, "parquet", "c.parquet"))
    assert str(frame["lat"].dtype) == "float64" and str(frame["lon"].dtype) == "float64"
    assert [(repr(lat), repr(lon)) for lat, lon in zip(frame["lat"], frame["lon"])] == \
        [(repr(float(row["lat"])), repr(float(row["lon"]))) for row in texts]
    xlsx = _run(run_cli, server, tmp_path, "xlsx", "c.xlsx")
    sheet = openpyxl.load_workbook(xlsx).worksheets[0]
    header, *rows = sheet.iter_rows(values_only=True)
    assert [(row[1], row[2]) for row in rows] == \
        [(float(row["lat"]), float(row["lon"])) for row in texts]
    from frictionless import validate

    report = validate(str(tmp_path / "c.csv.datapackage.json"))  # its digits read as numbers
    assert report.valid, report.flatten(["type", "note"])[:3]
    for out in (tmp_path / "c.parquet", xlsx, tmp_path / "c.csv"):
        for name in ("lat", "lon"):
            field = _fields(out)[name]
            assert field["type"] == "number", (out, field)
            assert "WGS 84" in field["description"] and "a string" not in field["description"]


def test_ndjson_keeps_the_platforms_text_and_says_so(run_cli, server, tmp_path: Path) -> None:
    out = _run(run_cli, server, tmp_path, "ndjson", "c.ndjson")
    first = json.loads(out.read_text().splitlines()[0])
    assert isinstance(first["lat"], str)
    field = _fields(out)["lat"]
    assert field["type"] == "string" and "WGS 84" in field["description"]
    assert "as the platform sent it" in field["description"]


def test_a_decimal_comma_csv_declares_the_platforms_text(run_cli, server, tmp_path: Path) -> None:
    """An `excel-nl` CSV keeps `52.090600`; declared a number with `decimalChar` `,`,
    a loader would read it as 52090600."""
    spec = tmp_path / "nl.ocx"
    spec.write_text(SPEC + f'output csv excel-nl to "{tmp_path / "nl.csv"}"\n')
    done = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z",
                   env={"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token})
    assert done.exit_code == 0, done.output
    assert "." in (tmp_path / "nl.csv").read_text(encoding="utf-8-sig").splitlines()[1]
    assert _fields(tmp_path / "nl.csv")["lat"]["type"] == "string"
    from frictionless import validate

    report = validate(str(tmp_path / "nl.csv.datapackage.json"))
    assert report.valid, report.flatten(["type", "note"])[:3]
