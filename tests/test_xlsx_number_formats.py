"""An analyst opens the XLSX in Excel: an amount in a currency shows two decimals
(`2,899.50`, not General's `2899.5`), energy and hours a decimal or more, times as real
Excel dates with a format; the cell's value stays the exact number."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ocpispec.demo import DemoServer

SPEC = '''export cdr_sheet
  consumer "Test consumer"
  purpose "Costs an analyst reads in Excel"
  legal basis public task "test"
  retention 1 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from cdrs
select
  truncate(start_date_time, hour) as started
  round(total_cost.excl_vat, 2) as cost_excl_vat
  round(total_cost.excl_vat / total_energy, 4) as cost_per_kwh
  round(total_energy, 3) as energy_kwh
  round(total_time, 2) as connected_h
  currency
'''


@pytest.fixture(scope="module")
def server():
    with DemoServer(version="2.2.1", size=60) as demo:
        yield demo


def _run(run_cli, server, tmp_path: Path, fmt: str) -> Path:
    out = tmp_path / f"cdrs.{fmt}"
    spec = tmp_path / f"{fmt}.ocx"
    spec.write_text(SPEC + f'output {fmt} to "{out}"\n')
    done = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z",
                   env={"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token})
    assert done.exit_code == 0, done.output
    return out


def test_money_energy_and_times_have_number_formats(run_cli, server, tmp_path: Path) -> None:
    import openpyxl

    texts = list(csv.DictReader(_run(run_cli, server, tmp_path, "csv").open()))
    sheet = openpyxl.load_workbook(_run(run_cli, server, tmp_path, "xlsx")).worksheets[0]
    header, *rows = sheet.iter_rows()
    names = [cell.value for cell in header]
    assert len(rows) == len(texts) > 5
    formats = {name: {cell.number_format for cell in column if cell.value is not None}
               for name, column in zip(names, zip(*rows))}
    assert formats["cost_excl_vat"] == {"#,##0.00"}
    assert formats["cost_per_kwh"] == {"General"}  # a price per kWh: not an amount
    assert formats["energy_kwh"] == formats["connected_h"] == {"#,##0.0##"}
    assert formats["started"] == {'yyyy-mm-dd h:mm:ss" UTC"'}
    for row, text in zip(rows, texts):
        cells = dict(zip(names, row))
        assert cells["cost_excl_vat"].value == float(text["cost_excl_vat"])
        assert cells["energy_kwh"].value == float(text["energy_kwh"])
