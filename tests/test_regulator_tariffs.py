"""An energy regulator wants every price component of every published tariff, on any
OCPI version (tests/specs/consumers/regulator_tariff_structures.ocx, the tariffs module
alone). What its data engineer met, and the file checked by hand against `ocpispec get`
of the same demo CPO on 2.1.1, 2.2.1 and 2.3.0."""

from __future__ import annotations

from pathlib import Path

import pytest

from consumer_runs import dump, run_spec
from fixtures_cli import REPO
from ocpispec.demo import DemoServer

SPEC = REPO / "tests" / "specs" / "consumers" / "regulator_tariff_structures.ocx"


def test_a_list_of_texts_is_unnested_under_a_name_that_does_not_hide_it(
        run_cli, tmp_path: Path) -> None:
    """`tariff_alt_text.text` (the tariff's description) is OCX209; its help said to add
    `each tariff_alt_text as tariff_alt_text`, which is OCX223 (the name hides the
    field). The name offered now checks, and so does the column it says to select."""
    text = SPEC.read_text()
    path = tmp_path / "tariffs.ocx"
    path.write_text(text.replace("  last_updated\n", "  tariff_alt_text.text as description\n"))
    found = run_cli("check", str(path)).stderr
    assert "add `each tariff_alt_text as tariff_alt_text_item` under `from` and select " \
           "`tariff_alt_text_item.text`" in found
    path.write_text(text.replace("  each elements as element\n", "  each elements as element\n"
                                 "  each tariff_alt_text as tariff_alt_text_item\n")
                    .replace("  last_updated\n", "  tariff_alt_text_item.text as description\n"))
    done = run_cli("check", str(path))
    assert done.exit_code == 0, done.stderr


def _named_by_a_published_connector(sites: list[dict]) -> set[str]:
    return {tariff for site in sites if site.get("publish", True)
            for evse in site.get("evses", ()) for connector in evse.get("connectors", ())
            for tariff in connector.get("tariff_ids", [connector.get("tariff_id")]) if tariff}


@pytest.mark.parametrize("version", ["2.1.1", "2.2.1", "2.3.0"])
def test_every_price_component_of_a_published_tariff_as_get_shows_it(
        run_cli, tmp_path: Path, demo_server_factory, version: str) -> None:
    """One row per price component of each tariff a published connector names, with its
    price, VAT, step and the hours it applies; 2.1.1, which has no VAT or tariff type,
    leaves those cells empty."""
    import pandas as pd

    server: DemoServer = demo_server_factory(version=version, size=300)
    run_spec(run_cli, SPEC, server, tmp_path / "tariffs.csv")
    frame = pd.read_csv(tmp_path / "tariffs.csv", dtype={"from_time": str, "to_time": str})
    assert pd.api.types.is_float_dtype(frame["price_excl_vat"])
    assert pd.api.types.is_integer_dtype(frame["step_size"])
    named = _named_by_a_published_connector(dump(run_cli, server, "locations"))
    expected = sorted(
        (tariff["id"], component["type"], component["price"], component.get("vat"),
         component["step_size"], (element.get("restrictions") or {}).get("start_time"))
        for tariff in dump(run_cli, server, "tariffs") if tariff["id"] in named
        for element in tariff["elements"] for component in element["price_components"])
    written = sorted(
        (row.tariff_id, row.dimension, row.price_excl_vat,
         None if pd.isna(row.vat_percent) else row.vat_percent, row.step_size,
         None if pd.isna(row.from_time) else row.from_time)
        for row in frame.itertuples())
    assert len(written) >= 8 and written == expected
    assert frame["type"].isna().all() == (version == "2.1.1")
