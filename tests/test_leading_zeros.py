"""Postal codes with leading zeros (German `01067`, French `01000`) in a CSV: Excel
opens a text of digits as a number and drops the zeros, pandas and R read what the file
holds. ocpispec keeps the file faithful (never `="01067"`, which every other tool would
read as the value) and says so where Excel is the consumer: a CSV for Excel (a dialect
with a BOM) that releases postal codes is warning OCX428, whose help names `xlsx`, where
postal codes are text cells. Runs go over HTTP to the demo CPO, whose sites here have
postal codes starting with 0."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from ocpispec.demo import DemoServer
from test_datapackage import docs_loader

CODES = ("01067", "01000", "0123", "10115")


class _LeadingZeroServer(DemoServer):
    """The demo CPO, with postal codes that start with 0."""

    def render(self, version: str, module: str, index: int) -> dict[str, Any]:
        obj = super().render(version, module, index)
        if module == "locations":
            obj["postal_code"] = CODES[int(obj["id"][3:]) % len(CODES)]
        return obj


SPEC = '''export zero_test
  consumer "Statistisches Landesamt Sachsen"
  purpose "Public charging sites per postal code"
  legal basis public task "test"
  retention 12 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from locations
select
  id as site
  postal_code
  prefix(postal_code, 2) as district
output {output} to "{out}"
'''


@pytest.fixture(scope="module")
def server():
    with _LeadingZeroServer(version="2.2.1", size=40, max_page_size=100) as demo:
        yield demo


def _run(run_cli, server, tmp_path: Path, output: str, name: str):
    out = tmp_path / name
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(output=output, out=out))
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token}
    result = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", env=env)
    assert result.exit_code == 0, result.output
    return result, out


def test_a_csv_for_excel_warns_that_excel_drops_the_zeros_and_keeps_them(
        run_cli, server, tmp_path: Path) -> None:
    result, out = _run(run_cli, server, tmp_path, "csv excel-de", "sites.csv")
    assert result.stderr.count("warning[OCX428]") == 2   # postal_code and its prefix
    assert "write `output xlsx`" in result.stderr
    frame = docs_loader()(str(out) + ".datapackage.json")
    assert set(frame["postal_code"]) == set(CODES)
    assert set(frame["district"]) == {code[:2] for code in CODES}
    plain = pd.read_csv(out, sep=";", dtype=str, encoding="utf-8-sig")
    assert set(plain["postal_code"]) == set(CODES)


def test_a_plain_csv_and_a_workbook_keep_the_zeros_without_a_warning(
        run_cli, server, tmp_path: Path) -> None:
    result, out = _run(run_cli, server, tmp_path, "csv", "sites.csv")
    assert "OCX428" not in result.stderr
    assert set(docs_loader()(str(out) + ".datapackage.json")["postal_code"]) == set(CODES)
    result, out = _run(run_cli, server, tmp_path, "xlsx", "sites.xlsx")
    assert "OCX428" not in result.stderr
    rows = list(openpyxl.load_workbook(out)["locations"].iter_rows(min_row=2, values_only=True))
    assert {row[1] for row in rows} == set(CODES)
