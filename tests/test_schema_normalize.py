"""`normalizer_expression`: one standard JMESPath per (module, version, paths) that
produces the neutral shape and nothing else. Behaviour on the official examples is in
test_schema_examples.py; these tests pin the text (it is printed in plans)."""

from __future__ import annotations

from decimal import Decimal

import jmespath
import pytest
from jmespath.visitor import Options

from ocpispec.execute.functions import PLAN_TIME_KEY, OcxFunctions, custom_functions
from ocpispec.schema import MODULES, VERSIONS, catalogue
from ocpispec.schema.reference import describe
from ocpispec.schema.tariff_prices import PRICES

CAT = catalogue()
BRIEF_PATHS = [("start_date_time",), ("cdr_token", "contract_id"), ("location_id",),
               ("total_cost", "excl_vat")]


OPTIONS = Options(custom_functions=OcxFunctions(custom_functions(PLAN_TIME_KEY, "test")))


def search(expression: str, record: object) -> object:
    return jmespath.search(expression, record, OPTIONS)


def test_expression_for_2_2_1_reads_the_same_names() -> None:
    assert CAT.normalizer_expression("sessions", "2.2.1", BRIEF_PATHS) == (
        "{start_date_time: start_date_time, cdr_token: cdr_token.{contract_id: contract_id}, "
        "location_id: location_id, total_cost: total_cost.{excl_vat: excl_vat}}")


def test_expression_for_2_1_1_reads_the_old_names() -> None:
    assert CAT.normalizer_expression("sessions", "2.1.1", BRIEF_PATHS) == (
        "{start_date_time: start_datetime, cdr_token: {contract_id: auth_id}, "
        "location_id: location.id, total_cost: total_cost.{excl_vat: @}}")


def test_expression_for_2_3_0_prices() -> None:
    assert CAT.normalizer_expression("cdrs", "2.3.0", [("total_cost",)]) == (
        "{total_cost: total_cost.{excl_vat: before_taxes, incl_vat: "
        "before_taxes && !(taxes[?type(amount) != 'number']) && "
        "money_sum([before_taxes, taxes[].amount]) || null}}")
    assert CAT.normalizer_expression("tariffs", "2.3.0", [("min_price",)]) == (
        "{min_price: min_price.{excl_vat: before_taxes, incl_vat: after_taxes}}")


def test_lists_become_projections_and_missing_paths_null() -> None:
    paths = [("charging_periods", "dimensions", "volume"), ("charging_periods", "tariff_id"),
             ("session_id",)]
    assert CAT.normalizer_expression("cdrs", "2.1.1", paths) == (
        "{session_id: `null`, charging_periods: charging_periods[].{dimensions: "
        "dimensions[].{volume: volume}, tariff_id: `null`}}")
    assert CAT.normalizer_expression("locations", "2.2.1", [("parking_places", "id")]) == (
        "{parking_places: `null`}")
    assert CAT.normalizer_expression("locations", "2.1.1",
                                     [("evses", "connectors", "tariff_ids")]) == (
        "{evses: evses[].{connectors: connectors[].{tariff_ids: tariff_id && [tariff_id]}}}")


def test_an_object_path_brings_all_its_fields_once() -> None:
    paths = [("coordinates", "latitude"), ("coordinates",), ("coordinates", "longitude")]
    assert CAT.normalizer_expression("locations", "2.2.1", paths) == (
        "{coordinates: coordinates.{latitude: latitude, longitude: longitude}}")


def test_key_order_is_catalogue_order_whatever_the_request_order() -> None:
    forward = CAT.normalizer_expression("sessions", "2.2.1", BRIEF_PATHS)
    assert CAT.normalizer_expression("sessions", "2.2.1", reversed(BRIEF_PATHS)) == forward


@pytest.mark.parametrize("paths", [[("start_datetime",)], [("kwh", "value")], [()]])
def test_unknown_paths_are_refused(paths: list[tuple[str, ...]]) -> None:
    with pytest.raises(ValueError, match="is not a field of `sessions`"):
        CAT.normalizer_expression("sessions", "2.2.1", paths)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("module", MODULES)
def test_every_path_compiles_and_yields_only_what_was_asked(module: str, version: str) -> None:
    for info in describe(CAT, module):
        if module == "tariffs" and info.path[0] in PRICES:
            continue  # a tariff's own prices are computed from its elements, not read
        expression = CAT.normalizer_expression(module, version, [info.path])
        jmespath.compile(expression)
        result = search(expression, {})
        assert list(result) == [info.path[0]], expression


@pytest.mark.parametrize("version", VERSIONS)
def test_a_record_without_data_gives_nulls_not_errors(version: str) -> None:
    paths = [info.path for info in describe(CAT, "cdrs")]
    result = search(CAT.normalizer_expression("cdrs", version, paths), {"id": "1"})
    assert result["id"] == "1" and result["tariffs"] is None
    assert result["total_cost"] is None       # absent, not an object of nulls


def test_2_3_0_incl_vat_sums_the_taxes() -> None:
    record = {"total_cost": {"before_taxes": 10.0, "taxes": [{"name": "VAT", "amount": 2.0},
                                                             {"name": "city", "amount": 0.5}]},
              "total_time_cost": {"before_taxes": 3.0}}
    expression = CAT.normalizer_expression("cdrs", "2.3.0", [("total_cost",), ("total_time_cost",)])
    assert search(expression, record) == {
        "total_cost": {"excl_vat": 10.0, "incl_vat": 12.5},
        "total_time_cost": {"excl_vat": 3.0, "incl_vat": 3.0}}


@pytest.mark.parametrize("version", VERSIONS)
def test_absent_objects_stay_null_and_present_ones_keep_their_nulls(version: str) -> None:
    expression = CAT.normalizer_expression("sessions", version, [("total_cost",), ("kwh",)])
    assert search(expression, {"kwh": 1.0}) == {"kwh": 1.0, "total_cost": None}
    present = {"kwh": 1.0, "total_cost": {"excl_vat": 2.0, "before_taxes": 2.0} if version != "2.1.1" else 2.0}
    assert search(expression, present)["total_cost"]["excl_vat"] == 2.0


@pytest.mark.parametrize(("before", "taxes", "total"), [
    (10.0, [1.23], 11.23), (0.1, [0.2], 0.3), (2.675, [0.0], 2.675), (19.99, [3.6, 0.41], 24.0),
    (1.1, [], 1.1), (5, [1], 6.0)])
def test_2_3_0_money_is_summed_exactly(before: float, taxes: list[float], total: float) -> None:
    record = {"total_cost": {"before_taxes": before, "taxes": [{"amount": a} for a in taxes]}}
    expression = CAT.normalizer_expression("cdrs", "2.3.0", [("total_cost", "incl_vat")])
    assert search(expression, record)["total_cost"]["incl_vat"] == total


def test_money_rounds_the_same_on_2_2_1_and_2_3_0() -> None:
    from ocpispec.execute.functions import rounder
    for cents in range(0, 100000, 7):
        before, tax = cents / 100, (cents * 21 // 100) / 100
        incl = float(Decimal(repr(before)) + Decimal(repr(tax)))
        wire_230 = {"total_cost": {"before_taxes": before, "taxes": [{"amount": tax}]}}
        wire_221 = {"total_cost": {"excl_vat": before, "incl_vat": incl}}
        got_230 = search(CAT.normalizer_expression("cdrs", "2.3.0", [("total_cost",)]), wire_230)
        got_221 = search(CAT.normalizer_expression("cdrs", "2.2.1", [("total_cost",)]), wire_221)
        assert got_230 == got_221
        assert rounder(1)(got_230["total_cost"]["incl_vat"]) == rounder(1)(incl)
