"""A university compares what drivers paid with the tariff their CDR names
(tests/specs/consumers/research_cdr_tariffs.ocx: cdrs joined to tariffs and locations,
as Parquet). What its data engineer met on the way, and the file's numbers checked by
hand against `ocpispec get cdrs` of the same demo CPO."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from fixtures_cli import cli_block

SPEC = Path("tests/specs/consumers/research_cdr_tariffs.ocx")
PRICE = "jmespath(\"tariff.elements[].price_components[?type=='ENERGY'].price | [] | [0]\")"


def _variant(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    text = (Path(__file__).parents[1] / SPEC).read_text()
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "study.ocx"
    path.write_text(text)
    return path


def _checked(run_cli, path: Path, tmp_path: Path) -> str:
    return cli_block(run_cli("check", str(path)), tmp=tmp_path)


def test_a_price_read_in_jmespath_is_not_offered_a_round_that_cannot_count(
        run_cli, tmp_path: Path, snapshot) -> None:
    """Without its `because`, the tariff's price column was OCX303 with the help
    `round(tariff.elements.price_components.price, 1)`: a path through two lists,
    OCX201 when written; and written around the `jmespath(...)`, the same help again,
    as no `round` around it counts. The help now says so and offers the allowance."""
    path = _variant(tmp_path, (' because "the published energy price of the tariff billed"',
                               ""))
    first = _checked(run_cli, path, tmp_path)
    path = _variant(tmp_path, (f'{PRICE} as tariff_price_per_kwh because "the published energy '
                               'price of the tariff billed"',
                               f"round({PRICE}, 2) as tariff_price_per_kwh"))
    rounded = _checked(run_cli, path, tmp_path)
    for text in (first, rounded):
        assert "OCX303" in text and "round(tariff.elements" not in text
        assert "no call around it can coarsen" in text
    assert rounded == snapshot


@pytest.mark.parametrize("join", ["join tariffs on tariff_id", "join tariff on tariffs.id"])
def test_a_broken_join_does_not_call_the_allowances_that_need_it_unneeded(
        run_cli, tmp_path: Path, join: str, snapshot) -> None:
    """With the join misspelled, the `because` of the column and of the filter that
    read the tariff inside `jmespath(...)` were OCX307 "needs no justification":
    removing them, as told, gave OCX303 once the join was fixed. Only the join's error
    is reported now."""
    path = _variant(tmp_path, ("join tariffs on tariffs.id", join), (
        "  where credit = false\n",
        "  where credit = false and jmespath(\"tariff.elements[0].price_components[0].price\")"
        " > 0.3 because \"the study covers tariffs above thirty cents a kWh\"\n"))
    broken = _checked(run_cli, path, tmp_path)
    assert "OCX307" not in broken and broken.count("error[") == 1
    assert broken == snapshot
    fixed = _variant(tmp_path, ("  where credit = false\n", "  where credit = false and "
                                "jmespath(\"tariff.elements[0].price_components[0].price\") > 0.3"
                                " because \"the study covers tariffs above thirty cents a kWh\"\n"))
    assert run_cli("check", str(fixed)).exit_code == 0


def test_a_renamed_join_read_in_jmespath_is_reported_once_with_a_fix_for_the_expression(
        run_cli, tmp_path: Path, snapshot) -> None:
    """`join tariffs on tariffs.id as t`, then `tariff.` inside `jmespath("...")`: the
    help wrote `t.elements.price_components.type` (the expression's `[]`, filter and
    pipe gone), and once per field the expression reads, at the same place."""
    path = _variant(tmp_path, ("join tariffs on tariffs.id", "join tariffs on tariffs.id as t"),
                    ("tariff.id as", "t.id as"))
    found = _checked(run_cli, path, tmp_path)
    assert found.count("error[OCX104]") == 1
    assert "write `t` for `tariff` in the expression" in found
    assert found == snapshot


def _half_up(value: float, digits: int = 1) -> float:
    return float(Decimal(str(value)).quantize(Decimal(10) ** -digits, ROUND_HALF_UP))


def test_the_study_file_holds_each_cdr_as_get_shows_it(run_cli, tmp_path: Path) -> None:
    """The Parquet file against `ocpispec get` of the same demo CPO: one row per
    ordinary CDR updated in December at a published site, its energy, time and cost
    rounded half up, the tariff it names with that tariff's energy price, the site's
    4-digit postal area; typed columns as pandas loads them."""
    import pandas as pd

    out = tmp_path / "study.parquet"
    done = run_cli("run", str(SPEC), "--demo", "--demo-size", "2000", "--demo-version", "2.2.1",
                   "--out", str(out))
    assert done.exit_code == 0, done.stderr
    frame = pd.read_parquet(out)
    assert str(frame["started_hour"].dtype) == "datetime64[us, UTC]"
    for column in ("energy_kwh", "connected_h", "cost_excl_vat", "tariff_price_per_kwh"):
        assert pd.api.types.is_float_dtype(frame[column]), column

    def get(module: str) -> list[dict]:
        dumped = run_cli("get", module, "--demo", "--demo-size", "2000", "--demo-version", "2.2.1",
                         "--privacy-pass", ".")
        assert dumped.exit_code == 0, dumped.stderr
        return [json.loads(line) for line in dumped.stdout.splitlines()]

    published = {site["id"]: site for site in get("locations") if site["publish"]}
    tariffs = {tariff["id"]: tariff for tariff in get("tariffs")}
    expected = []
    for cdr in get("cdrs"):
        site = published.get(cdr["cdr_location"]["id"])
        if site is None or cdr.get("credit") or \
                not "2025-12-01T00:00:00Z" <= cdr["last_updated"] < "2026-01-01T00:00:00Z":
            continue
        tariff = tariffs[cdr["tariffs"][0]["id"]]
        energy = [component["price"] for element in tariff["elements"]
                  for component in element["price_components"] if component["type"] == "ENERGY"]
        expected.append((cdr["start_date_time"][:13], _half_up(cdr["total_energy"]),
                         _half_up(cdr["total_time"]), _half_up(cdr["total_cost"]["excl_vat"]),
                         tariff["id"], energy[0] if energy else None, site["postal_code"][:4]))
    written = [(started.strftime("%Y-%m-%dT%H"), *rest, None if pd.isna(price) else price, area)
               for started, *rest, price, area in zip(
                   frame["started_hour"], frame["energy_kwh"], frame["connected_h"],
                   frame["cost_excl_vat"], frame["tariff_id"], frame["tariff_price_per_kwh"],
                   frame["postal_area"])]
    assert len(expected) > 100
    assert sorted(written, key=repr) == sorted(expected, key=repr)


@pytest.mark.parametrize(("written", "path"), [
    ("round(total_cost_excl_vat, 1)", "total_cost.excl_vat"),
    ("round(total_cost_incl_vat, 1)", "total_cost.incl_vat"),
    ("prefix(location_postal_code, 4)", "location.postal_code"),
    ("prefix(cdr_location_postal_code, 4)", "cdr_location.postal_code"),
    # the object named by a word of its name, as a column is named after the field
    ("round(cost_excl_vat, 1)", "total_cost.excl_vat"),
    ("round(cost_incl_vat, 1)", "total_cost.incl_vat"),
])
def test_a_path_written_with_underscores_gets_its_dots(run_cli, tmp_path: Path, written: str,
                                                      path: str) -> None:
    """`total_cost_excl_vat`, as the researcher's pandas frame names the column, got
    "did you mean `total_cost`?": an object, OCX201 under `round`; so did
    `cost_excl_vat`, the name a fleet desk gives the column. The help now writes the
    path, and the spec with it checks clean."""
    column = "round(total_cost.excl_vat, 1)" if "cost" in written else \
        "prefix(location.postal_code, 4)"
    found = run_cli("check", str(_variant(tmp_path, (column, written))))
    assert "error[OCX104]" in found.stderr and f"help: write `{path}`\n" in found.stderr
    fixed = written.replace(written.split("(")[1].split(",")[0], path)
    assert run_cli("check", str(_variant(tmp_path, (column, fixed)))).exit_code == 0


def test_get_with_every_field_opened_does_not_say_site_details_were_withheld(run_cli) -> None:
    """Checking the file by hand, `get cdrs --privacy-pass .` printed "embedded
    locations (site and EVSE details withheld, see `get locations`)" beside the CDRs'
    addresses and EVSE ids it had just released."""
    opened = run_cli("get", "cdrs", "--demo", "--privacy-pass", ".", "--limit", "5")
    assert opened.exit_code == 0 and '"evse_uid"' in opened.stdout
    assert "details withheld" not in opened.stderr
    assert "objects with site details released (personal at private sites): 5" in opened.stderr
    closed = run_cli("get", "cdrs", "--demo", "--limit", "5")
    assert "embedded locations (site and EVSE details withheld, see `get locations`): 5" \
        in closed.stderr
