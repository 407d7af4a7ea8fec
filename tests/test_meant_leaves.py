"""`did you mean` offers a field a column can release, meaning what was asked: a group key
`cost` was offered `total_cost`, a `Price` object (OCX201 next); `component.price_incl_vat`
was offered `component.price`, which excludes VAT."""

from __future__ import annotations

from pathlib import Path

import pytest

COSTS = '''export cost_study
  consumer "Research desk"
  purpose "Costs per month"
  legal basis legitimate interests
  retention 2 years
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from cdrs
  previous month
  window on start_date_time
group by
  truncate(start_date_time, month) as month
  {key}
compute
  count() as sessions
minimum group size 10
output csv to "exports/costs-{{run.date}}.csv"
'''

PRICES = '''export tariff_prices
  consumer "Research desk"
  purpose "Compare prices"
  legal basis legitimate interests
  retention 2 years
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN{version}
from tariffs
  each elements as element
  each element.price_components as component
select
  id
  {column}
output csv to "exports/prices-{{run.date}}.csv"
'''


def _check(run_cli, tmp_path: Path, text: str) -> str:
    spec = tmp_path / "study.ocx"
    spec.write_text(text)
    return run_cli("check", str(spec)).output.replace(str(tmp_path), "<tmp>")


def test_an_object_is_offered_by_its_leaves(run_cli, tmp_path: Path, snapshot) -> None:
    shown = _check(run_cli, tmp_path, COSTS.format(key="cost"))
    assert "help: did you mean `total_cost.excl_vat`, or `total_cost.incl_vat`?" in shown, shown
    assert shown == snapshot
    fixed = _check(run_cli, tmp_path, COSTS.format(key="total_cost.excl_vat"))
    assert "error" not in fixed, fixed


@pytest.mark.parametrize("version", ["", " version 2.2.1", " version 2.1.1"])
def test_a_price_asked_with_vat_is_not_offered_one_without(run_cli, tmp_path: Path, version: str,
                                                           snapshot) -> None:
    shown = _check(run_cli, tmp_path, PRICES.format(version=version,
                                                    column="component.price_incl_vat"))
    assert "did you mean `component.price`" not in shown, shown
    assert "`component.price` excludes VAT" in shown, shown
    assert shown == snapshot
    if version != " version 2.1.1":
        computed = "component.price * (1 + component.vat / 100) as price_incl_vat"
        fixed = _check(run_cli, tmp_path, PRICES.format(version=version, column=computed))
        assert "error" not in fixed and "warning" not in fixed, fixed
