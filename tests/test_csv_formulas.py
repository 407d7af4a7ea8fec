"""A CSV for Excel (a dialect with a BOM: `excel-nl`, `excel-de`, `excel-en`) never
holds a text Excel would run as a formula: a location name the platform sends as
`=HYPERLINK(...)` arrives as text. A plain CSV (for pandas, R, DuckDB) is opened in
Excel all the same (the municipality's analyst double-clicks it), so it holds no text
that would run either; a phone number (`+31 20 123 4567`) or a signed range (`-10-0`)
keeps its form there."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from ocpispec.demo import DemoServer
from ocpispec.plan.ir import CsvDialect
from ocpispec.render.values import CsvLines

FORMULAS = ("=HYPERLINK(\"http://x.example\",\"open\")", "+1+2", "-2+3", "@SUM(A1:A2)",
            "\t=1+1", "\r=1+1")


class _FormulaServer(DemoServer):
    """The demo CPO, where public locations are named like formulas."""

    def render(self, version: str, module: str, index: int) -> dict[str, Any]:
        obj = super().render(version, module, index)
        if module == "locations":
            obj["name"] = FORMULAS[int(obj["id"][3:]) % len(FORMULAS)]
        return obj


SPEC = '''export formula_test
  consumer "Gemeente Test"
  purpose "Public charging locations for the municipal map"
  legal basis public task "test"
  retention 12 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from locations
select
  id as site
  name
output csv {dialect} to "{out}"
'''


@pytest.fixture(scope="module")
def server():
    with _FormulaServer(version="2.2.1", size=100, max_page_size=100) as demo:
        yield demo


def _names(path: Path, delimiter: str) -> list[str]:
    text = path.read_bytes().decode("utf-8-sig")  # a \r in a cell stays a \r
    return [row["name"] for row in csv.DictReader(io.StringIO(text, newline=""),
                                                  delimiter=delimiter)]


@pytest.mark.parametrize(("dialect", "delimiter"), [("excel-nl", ";"), ("excel-en", ","),
                                                    ("bom", ",")])
def test_a_csv_for_excel_holds_no_formula(run_cli, server, tmp_path: Path, dialect: str,
                                          delimiter: str) -> None:
    out = tmp_path / "sites.csv"
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(dialect=dialect, out=out))
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token}
    result = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", env=env)
    assert result.exit_code == 0, result.output
    names = _names(out, delimiter)
    assert names and all(name.startswith("'") for name in names)
    assert {name[1:] for name in names} <= set(FORMULAS)


@pytest.mark.parametrize(("dialect", "delimiter"), [("", ","), ("unix", ","),
                                                    ("tab-separated", "\t")])
def test_a_plain_csv_holds_no_formula_either(run_cli, server, tmp_path: Path, dialect: str,
                                             delimiter: str) -> None:
    """Before, `output csv` (no BOM) wrote `=HYPERLINK("http://x.example","open")` as it
    came: a link in the consumer's Excel."""
    out = tmp_path / "sites.csv"
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(dialect=dialect, out=out))
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token}
    result = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", env=env)
    assert result.exit_code == 0, result.output
    names = set(_names(out, delimiter))
    runnable = {name for name in FORMULAS if name not in ("+1+2", "-2+3")}
    assert names and not names & runnable
    assert {name[1:] for name in names if name.startswith("'")} == runnable
    assert names - {"'" + name for name in runnable} <= {"+1+2", "-2+3"}


@pytest.mark.parametrize("text", ["+31 20 123 4567", "-10-0", "+(31) 20-123.4567", "-", "+"])
def test_a_plain_csv_keeps_numbers_with_a_sign(text: str) -> None:
    lines = CsvLines(["text"], CsvDialect("rfc-4180"))
    assert "".join(lines.chunks([{"text": text}])) == f"{text}\r\n"


@pytest.mark.parametrize("text", ["=1+1", "@SUM(A1:A2)", "-2+3+cmd|' /C calc'!A0",
                                  "+HYPERLINK(\"http://x.example\")", "\t=1", "-A1"])
def test_a_plain_csv_makes_runnable_text_inert(text: str) -> None:
    lines = CsvLines(["text"], CsvDialect("rfc-4180"))
    written = "".join(lines.chunks([{"text": text}]))
    assert next(csv.reader(io.StringIO(written))) == ["'" + text]


def test_only_text_is_made_inert() -> None:
    lines = CsvLines(["text", "number", "empty"], CsvDialect("excel-nl", ";", "comma", True))
    rows = [{"text": "-5", "number": -5.5, "empty": None},
            {"text": "=1+1", "number": -2, "empty": ""}]
    assert "".join(lines.chunks(rows)) == "'-5;-5,5;\r\n'=1+1;-2;\r\n"


@pytest.mark.parametrize(("dialect", "delimiter"), [("", ","), ("unix", ","),
                                                    ("tab-separated", "\t")])
def test_a_csv_whose_first_column_is_named_id_opens_in_excel(run_cli, server, tmp_path: Path,
                                                             dialect: str,
                                                             delimiter: str) -> None:
    """A file starting with the letters `ID` is a SYLK file to Excel, which refused to
    open `ID,name` ("SYLK: file format is not valid"); the name is quoted, which every
    CSV reader reads as the same name."""
    out = tmp_path / "sites.csv"
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(dialect=dialect, out=out).replace("id as site", "id as ID"))
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token}
    result = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", env=env)
    assert result.exit_code == 0, result.output
    assert not out.read_bytes().startswith(b"ID")
    frame = pd.read_csv(out, sep=delimiter, dtype="string")
    assert list(frame.columns) == ["ID", "name"] and frame["ID"].str.startswith("LOC").all()
    assert next(csv.reader(io.StringIO(out.read_text(), newline=""),
                           delimiter=delimiter)) == ["ID", "name"]
