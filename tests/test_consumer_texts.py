"""A platform's texts as the consumer's tools load them: a location named `NA` or
`null`, a postal code `NA`, a name holding a line separator. Each format, loaded as
docs/outputs.md says, gives the text the NDJSON file holds. Runs go over HTTP to the
demo CPO, whose locations here carry such texts."""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from ocpispec.demo import DemoServer
from test_xlsx import docs_workbook_loader

# texts pandas (`read_excel`, `read_csv`) reads as missing by default, and others
NAMES = ("NA", "null", "nan", "N/A", "None", "#N/A", "plain")
# a line and a paragraph separator (U+2028, U+2029), as a platform storing text from a
# word processor or a web form sends them
ADDRESS = "Stationsplein 1\u2028Utrecht\u2029Centrum"
# texts openpyxl takes for Excel's error values
ERRORS = ("#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!")


class _TextServer(DemoServer):
    """The demo CPO, whose locations are named (and placed in postal codes) with texts
    readers take for something else."""

    def render(self, version: str, module: str, index: int) -> dict[str, Any]:
        obj = super().render(version, module, index)
        if module == "locations":
            obj["name"] = NAMES[index % len(NAMES)]
            obj["postal_code"] = NAMES[(index + 1) % len(NAMES)]
            obj["city"] = ERRORS[index % len(ERRORS)]
            obj["address"] = ADDRESS
        return obj


SPEC = '''export consumer_texts
  consumer "Gemeente Test"
  purpose "Public charging locations for the municipal map"
  legal basis public task "test"
  retention 12 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from locations
select
  id as site
  name
  postal_code
  city
output {output} to "{out}"
'''


@pytest.fixture(scope="module")
def server():
    with _TextServer(version="2.2.1", size=30, max_page_size=50) as demo:
        yield demo


def _run(run_cli, server, tmp_path: Path, output: str, name: str) -> Path:
    out = tmp_path / name
    spec = tmp_path / f"{name}.ocx"
    spec.write_text(SPEC.format(output=output, out=out))
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token}
    result = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", env=env)
    assert result.exit_code == 0, result.output
    return out



def test_a_text_like_an_excel_error_is_a_text_cell(run_cli, server, tmp_path) -> None:
    """openpyxl writes a text `#N/A` (or `#DIV/0!`, `#REF!`...) as Excel's error value
    (`t="e"`): a city the platform named so showed in Excel as an error, which its SUM
    and lookups pass on, and pandas and readxl read it as missing. It is a text cell."""
    path = _run(run_cli, server, tmp_path, "xlsx", "x.xlsx")
    sheet = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    assert 't="e"' not in sheet
    rows = list(openpyxl.load_workbook(path)["locations"].iter_rows(min_row=2))
    cities = [row[3] for row in rows]
    assert {city.value for city in cities} == set(ERRORS)
    assert {city.data_type for city in cities} == {"s"}


def test_the_workbook_loader_keeps_texts_pandas_takes_for_missing(run_cli, server,
                                                                  tmp_path) -> None:
    """`read_excel` reads a text cell `NA`, `null`, `nan`, `N/A`, `None` or `#N/A` as
    missing: the documented loader gave a location named `NA` (or Namibia's country
    code) as <NA>, where the cell, Excel and the NDJSON file hold the text."""
    sent = [json.loads(line) for line in
            _run(run_cli, server, tmp_path, "ndjson", "x.ndjson").read_text().splitlines()]
    frame = docs_workbook_loader()(str(_run(run_cli, server, tmp_path, "xlsx", "x.xlsx")))
    assert {row["name"] for row in sent} == set(NAMES)
    assert frame[["site", "name", "postal_code", "city"]].to_dict("records") == sent


@pytest.mark.parametrize("output, name", [("ndjson", "x.ndjson"), ("ndjson", "x.ndjson.gz"),
                                          ("json", "x.json"), ("geojson", "x.geojson")])
def test_a_line_separator_in_a_text_keeps_each_record_on_its_line(
        run_cli, server, tmp_path, output, name) -> None:
    """JSON allows U+2028 and U+2029 in a string, but Python's `splitlines()`, editors
    and older JavaScript take them for line ends: an NDJSON file read line by line
    (`[json.loads(l) for l in text.splitlines()]`) failed on a location whose address
    held one ('Unterminated string'). They are written as JSON escapes, the same string
    to every JSON reader."""
    spec = SPEC.replace("  city\n", "  address\n  coordinates\n")
    out = tmp_path / name
    (tmp_path / "spec.ocx").write_text(spec.format(output=output, out=out))
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token}
    result = run_cli("run", str(tmp_path / "spec.ocx"), "--as-of", "2026-01-01T00:00:00Z",
                     env=env)
    assert result.exit_code == 0, result.output
    raw = gzip.decompress(out.read_bytes()) if name.endswith(".gz") else out.read_bytes()
    text = raw.decode("utf-8")
    assert "\u2028" not in text and "\u2029" not in text
    assert "\\u2028Utrecht\\u2029Centrum" in text
    if output == "ndjson":
        records = [json.loads(line) for line in text.splitlines()]
    else:
        records = json.loads(text)
        records = [f["properties"] for f in records["features"]] if output == "geojson" \
            else records
    assert len(records) > 5
    assert {record["address"] for record in records} == {ADDRESS}
