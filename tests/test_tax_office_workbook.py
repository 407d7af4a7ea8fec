"""A tax office's monthly revenue per tariff type, excluding VAT, as a workbook for
Excel: read with openpyxl and pandas, each figure checked against `ocpispec get` of the
demo CPO, and the workbook saying, in a sheet of its own, what it is."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
from consumer_runs import demo_cpo, dump, published, run_spec
from openpyxl import load_workbook

from ocpispec.demo import DemoServer

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
TAX_REVENUE = '''export tax_revenue
  consumer "Belastingdienst, team Energie"
  purpose "Check the VAT declarations on charging revenue"
  legal basis legal obligation "AWR art. 47"
  retention 7 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version auto

from cdrs
  previous year in "Europe/Amsterdam"
  window on start_date_time
  where credit = false
  join tariffs on tariffs.id
group by
  truncate(start_date_time, month, "Europe/Amsterdam") as month
  tariff.type as tariff_type
  currency
compute
  count() as cdrs
  sum(total_cost.excl_vat) as revenue_excl_vat
  minimum group size 10
output xlsx to "exports/tax-revenue.xlsx"
'''


server = demo_cpo("2.3.0", 1000)


def test_the_workbook_s_figures_are_the_cdrs_and_it_says_what_it_is(
        run_cli, server: DemoServer, tmp_path: Path) -> None:
    """The workbook held the figures and their columns, but nothing said for whom, under
    which legal basis, over which window or that groups under 10 drivers are left out:
    that was in the manifest and data package beside it, which an Excel user does not
    open. A third sheet, `about`, now says it; the data and `columns` sheets stay first."""
    spec = tmp_path / "tax.ocx"
    spec.write_text(TAX_REVENUE)
    out = tmp_path / "tax.xlsx"
    run_spec(run_cli, spec, server, out)
    workbook = load_workbook(out)
    assert workbook.sheetnames == ["cdrs", "columns", "about"]
    about = dict(workbook["about"].iter_rows(min_row=2, values_only=True))
    assert about["consumer"] == "Belastingdienst, team Energie"
    assert about["legal basis"] == "legal obligation (AWR art. 47)"
    assert about["retention"] == "7 years"
    assert about["window"] == ("from 2024-12-31T23:00:00Z up to 2025-12-31T23:00:00Z (UTC, "
                               "end excluded); previous year in Europe/Amsterdam, on "
                               "start_date_time")
    assert about["minimum group size"].startswith("10 distinct drivers")
    assert about["beside this file"].startswith("tax.xlsx.manifest.json")

    sheet = pd.read_excel(out, sheet_name=0)
    assert str(sheet["month"].dtype).startswith("datetime64")
    got = {(row.month.month, row.tariff_type): (row.cdrs, Decimal(str(row.revenue_excl_vat)))
           for row in sheet.itertuples()}
    sites, tariffs = published(run_cli, server), {
        tariff["id"]: tariff for tariff in dump(run_cli, server, "tariffs")}
    expected: dict = defaultdict(lambda: [0, Decimal(0), set()])
    for cdr in dump(run_cli, server, "cdrs"):
        started = datetime.fromisoformat(cdr["start_date_time"]).astimezone(AMSTERDAM)
        if cdr.get("credit") or cdr["cdr_location"]["id"] not in sites or started.year != 2025:
            continue
        group = expected[(started.month, tariffs[cdr["tariffs"][0]["id"]]["type"])]
        group[0] += 1
        group[1] += Decimal(str(cdr["total_cost"]["before_taxes"]))
        group[2].add(cdr["cdr_token"].get("contract_id") or cdr["cdr_token"]["uid"])
    assert got == {key: (count, total) for key, (count, total, drivers) in expected.items()
                   if len(drivers) >= 10}
    assert len(got) >= 12
