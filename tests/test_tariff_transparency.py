"""A consumer organisation's tariff transparency study on OCPI 2.3.0
(tests/specs/consumers/tariff_transparency_230.ocx): every price component of every
published tariff, and per public connector the tariffs it names, which the study joins
in pandas. `from tariffs join locations` is OCX102 (tariffs have no joins), so the spec
has two datasets. What its data engineer met, and both files checked by hand against
`ocpispec get` of the same demo CPO."""

from __future__ import annotations

from pathlib import Path

import pytest
import pandas as pd

from consumer_runs import dump, published, run_spec
from fixtures_cli import REPO
from ocpispec.demo import DemoServer

SPEC = REPO / "tests" / "specs" / "consumers" / "tariff_transparency_230.ocx"


def test_the_prices_join_the_connectors_that_name_them(run_cli, tmp_path: Path) -> None:
    from test_datapackage import docs_loader

    with DemoServer(version="2.3.0", size=2000) as server:
        out = tmp_path / "out"
        out.mkdir()
        run_spec(run_cli, SPEC, server, out)
        sites = published(run_cli, server)
        tariffs = {t["id"]: t for t in dump(run_cli, server, "tariffs")}
    load = docs_loader()
    [prices] = out.glob("tariff-prices-*.csv")
    [connectors] = out.glob("tariff-connectors-*.csv")
    prices_frame = load(f"{prices}.datapackage.json")
    connectors_frame = load(f"{connectors}.datapackage.json")
    assert str(prices_frame["price_excl_vat"].dtype) == "Float64"
    assert str(prices_frame["step_size"].dtype) == "Int64"
    assert str(connectors_frame["power_w"].dtype) == "Int64"

    named = {tariff for site in sites.values() for evse in site["evses"]
             for connector in evse["connectors"] for tariff in connector.get("tariff_ids", ())}
    expected = sorted((tariff["id"], tariff["currency"], tariff.get("type"), component["type"],
                       component["price"], component.get("vat"), component["step_size"])
                      for tariff in tariffs.values() if tariff["id"] in named
                      for element in tariff["elements"]
                      for component in element["price_components"])
    written = sorted(tuple(None if value is None or value != value else value for value in row)
                     for row in prices_frame.astype(object).itertuples(index=False))
    assert written == expected

    expected_connectors = sorted(
        (site["id"], site["city"], evse["uid"], connector["standard"],
         connector["max_electric_power"], ",".join(connector.get("tariff_ids", ())))
        for site in sites.values() for evse in site["evses"] for connector in evse["connectors"])
    # (a connector naming no tariff: an empty cell, which pandas reads as NA)
    written_connectors = sorted(tuple("" if value is pd.NA else value for value in row)
                                for row in connectors_frame.astype(object).itertuples(index=False, name=None))
    assert written_connectors == expected_connectors

    # the study's own join: one row per connector and tariff, the energy price beside it
    exploded = connectors_frame.assign(
        tariff_id=connectors_frame["tariff_ids"].str.split(",")).explode("tariff_id")
    joined = exploded.merge(prices_frame[prices_frame["component_type"] == "ENERGY"],
                            on="tariff_id")
    assert len(joined) > 100 and joined["price_excl_vat"].between(0.1, 2).all()


def _check(run_cli, tmp_path: Path, text: str):
    path = tmp_path / "tariff_transparency_230.ocx"
    path.write_text(text)
    return run_cli("check", str(path))


@pytest.mark.parametrize(("written", "meant"), [
    ("elements.price_components.price as price", "component.price"),
    ("price_components.price as price", "component.price"),
    ("elements.restrictions.max_kwh as max_kwh", "element.restrictions.max_kwh"),
], ids=["through both lists", "through the inner list", "through the outer list"])
def test_a_path_through_lists_already_unnested_is_told_their_names(
        written: str, meant: str, run_cli, tmp_path: Path) -> None:
    """With `each elements as element` and `each element.price_components as component`
    in place, `elements.price_components.price` was told to add both `each` clauses again
    (as `price_component`, a second unnesting), and `price_components.price` to write
    `element.price_components`, a list (OCX209). The help now writes the field through
    the names the dataset gives, and the spec with it checks clean."""
    text = SPEC.read_text()
    line = "  component.step_size\n"
    shown = _check(run_cli, tmp_path, text.replace(line, f"{line}  {written}\n", 1)).stderr
    assert f"write `{meant}`" in shown, shown
    assert "each elements" not in shown.split("help:")[1]
    fixed = text.replace(line, f"{line}  {meant} as {written.split(' as ')[1]}\n", 1)
    assert _check(run_cli, tmp_path, fixed).exit_code == 0
