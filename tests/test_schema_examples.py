"""The catalogue against the official OCPI example payloads (`tests/ocpi_examples`, a
verbatim copy of `../shared/ocpi-examples`, or the folder OCPISPEC_EXAMPLES_DIR names):
it knows every field in them, and the normalizer turns each version's examples into the
same neutral shape.

Known value bugs of the examples (swapped latitude/longitude for Gent, `"price":
"2.00"` as a string and `"country": "BE"` in 2.1.1, EVSE `parking` as a list of
strings in 2.3.0) are value bugs, not unknown fields; they pass through unchanged.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from ocpispec.execute.functions import custom_functions
from ocpispec.execute.jmes_compile import compile_expression
from ocpispec.schema import MODULES, VERSIONS, catalogue, unknown_fields
from ocpispec.schema.records import UNUSUAL, unknown_fields_of

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = Path(os.environ.get("OCPISPEC_EXAMPLES_DIR")
                or REPO / "tests" / "ocpi_examples")  # a copy of ../shared/ocpi-examples
# files that are not module data, validated against small protocol objects
PROTOCOL = {"versions": "Version", "version_details": "VersionDetails",
            "credentials": "Credentials"}


def _folder(version: str) -> Path:
    folder = EXAMPLES / version
    if not folder.is_dir():
        pytest.skip(f"no OCPI examples at {folder} (set OCPISPEC_EXAMPLES_DIR to run this)")
    return folder


def _records(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and "status_code" in data and "data" in data:
        data = data["data"]
    return data if isinstance(data, list) else [data]


def _kind(path: Path) -> tuple[str, str | None]:
    """("module", "sessions") or ("object", "Credentials") for an example file name."""
    stem = path.stem.removesuffix("_data_only")
    for prefix, object_name in PROTOCOL.items():
        if stem == prefix or stem.startswith(prefix + "_"):
            return "object", object_name
    module = next((m for m in MODULES if stem == m or stem.startswith(m + "_")), None)
    return "module", module


def _example(version: str, name: str) -> dict[str, Any]:
    return _records(_folder(version) / name)[0]


def _normalise(module: str, version: str, record: dict[str, Any],
               paths: list[tuple[str, ...]]) -> dict[str, Any]:
    expression = catalogue().normalizer_expression(module, version, paths)
    return compile_expression(expression, custom_functions(b"k" * 32, "examples"))(record)


@pytest.mark.parametrize("version", VERSIONS)
def test_catalogue_knows_every_field_of_the_examples(version: str) -> None:
    unknown, checked = [], 0
    for path in sorted(_folder(version).glob("*.json")):
        kind, name = _kind(path)
        assert name is not None, f"cannot tell the module of {path.name}"
        for record in _records(path):
            found = (unknown_fields(version, name, record) if kind == "module"
                     else unknown_fields_of(version, name, record))
            unknown += [f"{path.name}: {field}" for field in found]
            checked += 1
    assert checked >= 10
    assert unknown == []


@pytest.mark.parametrize("version", VERSIONS)
def test_every_module_has_an_example(version: str) -> None:
    modules = {_kind(p)[1] for p in _folder(version).glob("*.json")}
    assert set(MODULES) <= modules


def test_unknown_fields_are_reported_for_a_doctored_example() -> None:
    record = _example("2.2.1", "cdrs.json")
    record["cdr_location"]["start_datetime"] = "x"
    record["charging_periods"][0]["dimensions"][0]["unit"] = "kWh"
    assert unknown_fields("2.2.1", "cdrs", record) == [   # `unit`: no OCPI name, not shown
        "cdr_location.start_datetime", UNUSUAL]


SESSION_PATHS = [("start_date_time",), ("end_date_time",), ("kwh",), ("cdr_token", "uid"),
                 ("cdr_token", "contract_id"), ("location_id",), ("evse_uid",),
                 ("connector_id",), ("charging_periods", "dimensions", "volume"),
                 ("total_cost",)]
VOLUMES = [{"dimensions": [{"volume": 120}, {"volume": 30}]},
           {"dimensions": [{"volume": 41000}, {"volume": 34}]},
           {"dimensions": [{"volume": 0.718}]}]
SESSION_2_2 = {"start_date_time": "2015-06-29T22:39:09Z", "end_date_time": "2015-06-29T23:50:16Z",
               "cdr_token": {"uid": "123abc", "contract_id": "NL-TST-C12345678-S"},
               "location_id": "LOC1", "evse_uid": "3256", "connector_id": "1",
               "charging_periods": VOLUMES}
SESSIONS = {
    "2.1.1": {**SESSION_2_2, "kwh": 41.0,
              "cdr_token": {"uid": None, "contract_id": "DE8ACC12E46L89"},
              "total_cost": {"excl_vat": 8.5, "incl_vat": None}},
    "2.2.1": {**SESSION_2_2, "kwh": 41.0, "total_cost": {"excl_vat": 8.5, "incl_vat": 9.35}},
    "2.3.0": {**SESSION_2_2, "kwh": 41.12,
              "total_cost": {"excl_vat": 8.5, "incl_vat": pytest.approx(9.35)}},
}


@pytest.mark.parametrize("version", VERSIONS)
def test_sessions_of_every_version_normalise_to_the_same_shape(version: str) -> None:
    neutral = _normalise("sessions", version, _example(version, "sessions.json"), SESSION_PATHS)
    assert neutral == SESSIONS[version]
    assert list(neutral) == ["start_date_time", "end_date_time", "kwh", "cdr_token",
                             "location_id", "evse_uid", "connector_id", "charging_periods",
                             "total_cost"]


CDR_LOCATION = {"id": "LOC1", "name": "Gent Zuid", "address": "F.Rooseveltlaan 3A",
                "city": "Gent", "postal_code": "9000", "state": None, "country": "BEL",
                "coordinates": {"latitude": "3.729944", "longitude": "51.047599"},
                "evse_uid": "3256", "evse_id": "BE*BEC*E041503003", "connector_id": "1",
                "connector_standard": "IEC_62196_T2", "connector_format": "SOCKET",
                "connector_power_type": "AC_1_PHASE"}
CDR_PATHS = [("end_date_time",), ("session_id",), ("cdr_location",), ("tariffs", "id"),
             ("tariffs", "elements", "price_components", "price"), ("total_cost",),
             ("total_time_cost", "excl_vat"), ("total_energy",)]
CDRS = {
    "2.1.1": {"end_date_time": "2015-06-29T23:37:32Z", "session_id": None,
              "cdr_location": {**CDR_LOCATION, "country": "BE", "evse_id": "BE-BEC-E041503003"},
              "tariffs": [{"id": "12", "elements": [{"price_components": [{"price": "2.00"}]}]}],
              "total_cost": {"excl_vat": 4.0, "incl_vat": None},
              "total_time_cost": None, "total_energy": 15.342},
    "2.2.1": {"end_date_time": "2015-06-29T23:37:32Z", "session_id": None,
              "cdr_location": CDR_LOCATION,
              "tariffs": [{"id": "12", "elements": [{"price_components": [{"price": 2.0}]}]}],
              "total_cost": {"excl_vat": 4.0, "incl_vat": 4.4},
              "total_time_cost": {"excl_vat": 4.0}, "total_energy": 15.342},
    "2.3.0": {"end_date_time": "2024-12-05T19:37:32Z", "session_id": None,
              "cdr_location": CDR_LOCATION,
              "tariffs": [{"id": "12", "elements": [{"price_components": [{"price": 2.0}]}]}],
              "total_cost": {"excl_vat": 4.0, "incl_vat": pytest.approx(4.4)},
              "total_time_cost": {"excl_vat": 4.0}, "total_energy": 15.342},
}


@pytest.mark.parametrize("version", VERSIONS)
def test_cdrs_of_every_version_normalise_to_the_same_shape(version: str) -> None:
    neutral = _normalise("cdrs", version, _example(version, "cdrs.json"), CDR_PATHS)
    assert neutral == CDRS[version]


def _connectors(*groups: list[tuple[int, list[str]]]) -> list[dict[str, Any]]:
    return [{"connectors": [{"max_voltage": volts, "tariff_ids": ids} for volts, ids in group]}
            for group in groups]


LOCATION_PATHS = [("publish",), ("coordinates",), ("parking_type",),
                  ("evses", "connectors", "max_voltage"), ("evses", "connectors", "tariff_ids"),
                  ("parking_places", "id")]
COORDINATES = {"latitude": "51.047599", "longitude": "3.729944"}
LOCATIONS = {
    "2.1.1": {"publish": True, "coordinates": COORDINATES, "parking_type": "ON_STREET",
              "evses": _connectors([(220, ["11"]), (220, ["11"])], [(220, ["12"])]),
              "parking_places": None},
    "2.2.1": {"publish": True, "coordinates": COORDINATES, "parking_type": "ON_STREET",
              "evses": _connectors([(220, ["11"]), (220, ["13"])], [(220, ["12"])]),
              "parking_places": None},
    "2.3.0": {"publish": True, "coordinates": COORDINATES, "parking_type": "PARKING_GARAGE",
              "evses": _connectors([(220, ["11"]), (220, ["13"])], [(220, ["12"])]),
              "parking_places": [{"id": "1"}, {"id": "2"}, {"id": "3"}]},
}


@pytest.mark.parametrize("version", VERSIONS)
def test_locations_of_every_version_normalise_to_the_same_shape(version: str) -> None:
    record = _example(version, "locations.json")
    assert _normalise("locations", version, record, LOCATION_PATHS) == LOCATIONS[version]


TOKENS = {"2.1.1": {"uid": "012345678", "contract_id": "DE8ACC12E46L89", "group_id": None,
                    "energy_contract": None},
          "2.2.1": {"uid": "12345678905880", "contract_id": "DE8ACC12E46L89",
                    "group_id": "DF000-2001-8999",
                    "energy_contract": {"contract_id": "0123456789"}}}
TOKENS["2.3.0"] = TOKENS["2.2.1"]


@pytest.mark.parametrize("version", VERSIONS)
def test_tokens_of_every_version_normalise_to_the_same_shape(version: str) -> None:
    paths = [("uid",), ("contract_id",), ("group_id",), ("energy_contract", "contract_id")]
    neutral = _normalise("tokens", version, _example(version, "tokens.json"), paths)
    assert neutral == TOKENS[version]


@pytest.mark.parametrize("version", VERSIONS)
def test_tariffs_of_every_version_normalise_to_the_same_shape(version: str) -> None:
    paths = [("id",), ("type",), ("elements", "price_components", "type"), ("tax_included",)]
    neutral = _normalise("tariffs", version, _example(version, "tariffs_simple.json"), paths)
    assert neutral == {"id": "12", "type": None,
                       "elements": [{"price_components": [{"type": "TIME"}]}],
                       "tax_included": "NO" if version == "2.3.0" else None}
