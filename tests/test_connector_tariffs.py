"""A parking department's map of public connectors with their prices: `from locations`,
`each evses`, `each evse.connectors as connector`, then `join tariffs on
connector.tariff_ids` (one row per connector and tariff it names, a connector naming
none kept with empty prices), checked against what `ocpispec get` lists."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

DOCS = Path(__file__).parents[1] / "docs" / "language.md"


def _worked_example() -> str:
    """The parking department's spec, as docs/language.md's Joins section writes it."""
    text = DOCS.read_text()
    start = text.index("```\nexport connector_prices") + 4
    return text[start:text.index("```", start)]


PARKING = _worked_example()

_TYPES = {"eur_per_kwh": "ENERGY", "eur_per_hour": "TIME",
          "eur_per_parking_hour": "PARKING_TIME", "eur_per_session": "FLAT"}


def _price(tariff: dict, kind: str) -> Decimal | None:
    """A tariff's price of one dimension as docs/language.md defines it: the first
    element without restrictions that prices it, else the first that does."""
    elements = [element for element in tariff["elements"]
                if any(c["type"] == kind for c in element["price_components"])]
    elements.sort(key=lambda element: bool(element.get("restrictions")))
    if not elements:
        return None
    component = next(c for c in elements[0]["price_components"] if c["type"] == kind)
    return Decimal(str(component["price"]))


def _listed(run_cli, module: str, version: str) -> list[dict]:
    done = run_cli("get", module, "--demo", "--demo-version", version, "--demo-size", "300")
    assert done.exit_code == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


@pytest.mark.parametrize("version", ["2.1.1", "2.3.0"])
def test_each_public_connector_is_one_row_per_tariff_it_names(run_cli, tmp_path: Path,
                                                               version: str, snapshot) -> None:
    spec = tmp_path / "parking.ocx"
    spec.write_text(PARKING.replace("where publish = true\n", "") if version == "2.1.1"
                    else PARKING)
    checked = run_cli("check", str(spec))
    assert checked.exit_code == 0, checked.stdout + checked.stderr
    out = tmp_path / "prices.geojson"
    done = run_cli("run", str(spec), "--demo", "--demo-version", version, "--demo-size", "300",
                   "--out", str(out))
    assert done.exit_code == 0, done.stderr
    tariffs = {tariff["id"]: tariff for tariff in _listed(run_cli, "tariffs", version)}
    expected, misses, bare = [], 0, 0
    for site in _listed(run_cli, "locations", version):
        if site.get("publish") is False:
            continue
        for evse in site.get("evses") or []:
            for connector in evse.get("connectors") or []:
                ids = connector.get("tariff_ids") or ([connector["tariff_id"]]
                                                     if connector.get("tariff_id") else [])
                bare += not ids
                for tariff_id in ids or [None]:
                    tariff = tariffs.get(tariff_id) if tariff_id else None
                    misses += tariff_id is not None and tariff is None
                    prices = {name: _price(tariff, kind) if tariff else None
                              for name, kind in _TYPES.items()}
                    expected.append((site["id"], evse["evse_id"], connector["id"],
                                     tariff["id"] if tariff else None,
                                     tariff["currency"] if tariff else None,
                                     *prices.values()))
    features = json.loads(out.read_text())["features"]
    got = [(f["properties"]["location_id"], f["properties"]["evse_id"],
            f["properties"]["connector_id"], f["properties"]["tariff_id"],
            f["properties"]["currency"],
            *(None if f["properties"][name] is None else Decimal(str(f["properties"][name]))
              for name in _TYPES))
           for f in features]
    assert sorted(got, key=repr) == sorted(expected, key=repr)
    assert bare and any(row[5] is not None for row in got)
    assert all(f["geometry"]["type"] == "Point" for f in features)
    if version != "2.1.1":
        assert misses
        assert f"{misses} ids in `connector.tariff_ids` found no `tariff`" in done.stderr
        plan = run_cli("plan", str(spec))
        told = [line.strip() for line in (*done.stderr.splitlines(), *plan.stdout.splitlines())
                if "join" in line]
        assert told == snapshot


@pytest.mark.parametrize("written", ["tariff_ids", "evses.connectors.tariff_ids",
                                     "connector.tariff_id"])
def test_a_connector_s_tariffs_joined_on_another_key_are_told_the_key(
        run_cli, tmp_path: Path, snapshot, written: str) -> None:
    """The keys a user tries before the element's: the record's list, the path without
    `each`, 2.1.1's name. The help writes the join on the element, which checks clean."""
    spec = tmp_path / "parking.ocx"
    spec.write_text(PARKING.replace("on connector.tariff_ids", f"on {written}"))
    done = run_cli("check", str(spec))
    assert done.exit_code == 1
    assert done.stderr.replace(str(spec), "parking.ocx") == snapshot
    spec.write_text(PARKING)
    assert run_cli("check", str(spec)).exit_code == 0


def test_without_each_the_help_writes_the_each_clauses(run_cli, tmp_path: Path,
                                                        snapshot) -> None:
    spec = tmp_path / "sites.ocx"
    body = PARKING.split("select")[0].replace("  each evses as evse\n", "").replace(
        "  each evse.connectors as connector\n", "").replace("on connector.tariff_ids",
                                                             "on tariff_ids")
    spec.write_text(body + "select\n  id\n  tariff.id as tariff_id\n"
                    "output csv to \"exports/x.csv\"\n")
    done = run_cli("check", str(spec))
    assert done.exit_code == 1
    assert done.stderr.replace(str(spec), "sites.ocx") == snapshot
    fixed = spec.read_text().replace("join tariffs on tariff_ids", "each evses as evse\n"
                                     "  each evse.connectors as connector\n"
                                     "  join tariffs on connector.tariff_ids")
    spec.write_text(fixed)
    assert run_cli("check", str(spec)).exit_code == 0
