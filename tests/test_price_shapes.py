"""A cost sent in another OCPI version's shape: a 2.3.0 platform writing its CDRs' Prices
as 2.2.1 does (`{excl_vat, incl_vat}`), a 2.2.1 one as 2.3.0 does (`{before_taxes,
taxes}`), a 2.2+ one as 2.1.1 does (a bare number), a 2.1.1 one as 2.2 does (an object).
The first two left every cost column empty with a run that succeeded (the fields read as
unknown, the required `before_taxes` missing unnoticed inside `total_cost`); the others
made every CDR invalid. Each is now read as the Price it states, and said as a deviation;
a total including taxes the shape does not give stays empty, never the one excluding them."""

from __future__ import annotations

import copy
import csv
import io
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from independent_cpo import IndependentCpo

KEY = "3c5e7a9b1d2f4a6c8e0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c"
SPEC = """export price_shapes
  consumer "Test consumer"
  purpose "Costs of charging sessions sent in another version's shape"
  legal basis public task "test"
  retention 1 months
  pseudonym key env PRICE_KEY
source profile independent
from cdrs
select
  pseudonymize(id) as cdr
  round(total_cost.excl_vat, 1) as excl
{incl}output csv to "cdrs.csv"
"""
INCL = "  round(total_cost.incl_vat, 1) as incl\n"


def _as_2_2_1(price: dict[str, Any]) -> dict[str, Any]:
    return {"excl_vat": price["before_taxes"], "incl_vat": 4.4}


def _as_2_3_0(price: dict[str, Any]) -> dict[str, Any]:
    return {"before_taxes": price["excl_vat"], "taxes": [{"name": "VAT", "amount": 0.4}]}


# (version, how its Prices are sent, the deviation said) -> (excl, incl) of every row
CASES = {
    ("2.3.0", "2.2.1 shape"): (_as_2_2_1, ("4.0", "4.4")),
    ("2.2.1", "2.3.0 shape"): (_as_2_3_0, ("4.0", "4.4")),
    ("2.2.1", "a number"): (lambda price: price["excl_vat"], ("4.0", "")),
    ("2.3.0", "a number"): (lambda price: price["before_taxes"], ("4.0", "")),
    ("2.3.0", "2.2.1 shape without incl_vat"): (lambda price: {"excl_vat": price["before_taxes"]}, ("4.0", "")),
    ("2.1.1", "an object"): (lambda cost: {"excl_vat": cost, "incl_vat": 4.4}, ("4.0", None)),
}


class _OtherPriceShapes(IndependentCpo):
    """Every CDR's `total_cost` and `total_time_cost` rewritten by `reshape`."""

    def __init__(self, version: str, reshape: Any, **options: Any) -> None:
        self.reshape = reshape
        super().__init__(version, **options)

    def _records(self, module: str, count: int) -> list[dict[str, Any]]:
        made = super()._records(module, count)
        for record in made if module == "cdrs" else ():
            for name in ("total_cost", "total_time_cost"):
                if name in record:
                    record[name] = self.reshape(record[name])
        return made


@pytest.mark.parametrize(("version", "shape"), CASES)
def test_a_price_in_another_versions_shape_is_read_as_the_price_it_states(
        version: str, shape: str, run_cli, tmp_path: Path) -> None:
    reshape, (excl, incl) = CASES[version, shape]
    with _OtherPriceShapes(version, reshape, records=9) as cpo:
        done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent")
        assert done.exit_code == 0, done.output
        spec = tmp_path / "prices.ocx"
        spec.write_text(SPEC.format(incl="" if incl is None else INCL))
        out = tmp_path / "out" / "cdrs.csv"
        done = run_cli("run", str(spec), "--out", str(out), "--state", str(tmp_path / "state.sqlite"),
                       env={"PRICE_KEY": KEY})
    assert done.exit_code == 0, done.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 9
    assert {(row["excl"], row.get("incl")) for row in rows} == {(excl, incl)}
    assert "total_cost: a Price sent as" in done.output, done.output


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
                    | st.text(max_size=6)
                    | st.sampled_from(["4.0", "1E-4", "x"]),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                        st.sampled_from(["excl_vat", "incl_vat", "before_taxes", "after_taxes", "taxes",
                                         "amount", "name", "x"]), inner, max_size=4), max_leaves=12)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["2.1.1", "2.2.1", "2.3.0"]), st.sampled_from(["cdrs", "sessions", "tariffs"]),
       st.sampled_from(["total_cost", "total_time_cost", "min_price"]), JSON)
def test_any_value_where_a_price_is_due_is_read_or_judged_never_raises(version: str, module: str, field: str,
                                                                        value: Any) -> None:
    """Whatever a platform sends where a Price is due (JSON: no NaN, no infinity), reading
    it gives a problem or none, never an exception, and no amount it computes is infinite
    (`"1e999"` is no number)."""
    from ocpispec.ocpi.objects import ObjectCheck

    record = {"id": "R1", "country_code": "NL", "party_id": "ABC", "last_updated": "2026-01-05T08:00:00Z",
              field: copy.deepcopy(value)}
    ObjectCheck(version, module, None).problem(record)
    price = record.get(field)
    amounts = [price] if not isinstance(price, dict) else \
        [price.get(name) for name in ("excl_vat", "incl_vat", "before_taxes", "after_taxes")]
    assert all(not isinstance(amount, float) or math.isfinite(amount) for amount in amounts)
