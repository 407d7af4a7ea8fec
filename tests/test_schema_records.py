"""`unknown_fields` and `public_projection` on wire records (small hand-made records
in each version's shape; the official examples are in test_schema_examples.py)."""

from __future__ import annotations

import copy

from ocpispec.schema import public_projection, unknown_fields
from ocpispec.schema.records import UNUSUAL

SESSION_2_2_1 = {
    "country_code": "NL", "party_id": "CPO", "id": "S-1",
    "start_date_time": "2024-03-01T08:00:00Z", "end_date_time": None, "kwh": 12.5,
    "cdr_token": {"country_code": "NL", "party_id": "MSP", "uid": "04A1B2C3",
                  "type": "RFID", "contract_id": "NL-MSP-C00001234-5"},
    "auth_method": "WHITELIST", "authorization_reference": "AUTH-77",
    "location_id": "LOC-9", "evse_uid": "EVSE-1", "connector_id": "1",
    "meter_id": "M-42", "currency": "EUR",
    "charging_periods": [{"start_date_time": "2024-03-01T08:00:00Z",
                          "dimensions": [{"type": "ENERGY", "volume": 12.5}]}],
    "total_cost": {"excl_vat": 5.0, "incl_vat": 6.05},
    "status": "ACTIVE", "last_updated": "2024-03-01T08:30:00Z",
}
PUBLIC_SESSION = {
    "country_code": "NL", "party_id": "CPO",
    # where the driver charged (`location_id`, `evse_uid`), the card's eMSP and type and
    # `auth_method`: quasi
    "connector_id": "1", "currency": "EUR", "status": "ACTIVE",
}


def test_a_known_record_has_no_unknown_fields() -> None:
    assert unknown_fields("2.2.1", "sessions", SESSION_2_2_1) == []


def test_unknown_fields_are_dotted_once_each_without_list_levels() -> None:
    record = copy.deepcopy(SESSION_2_2_1)
    record["publish"] = True        # an OCPI name (of a location): named
    record["vendor_flag"] = True    # no OCPI name: counted, not named
    record["cdr_token"]["valid"] = "2030"
    record["charging_periods"] *= 2
    record["charging_periods"][0] = {**record["charging_periods"][0], "phase": 3}
    record["charging_periods"][1]["dimensions"] = [{"type": "ENERGY", "volume": 1, "unit": "kWh"}]
    assert unknown_fields("2.2.1", "sessions", record) == [
        "cdr_token.valid", "publish", UNUSUAL, UNUSUAL, UNUSUAL]


def test_unknown_fields_depend_on_the_version() -> None:
    assert unknown_fields("2.1.1", "sessions", SESSION_2_2_1) == [
        "country_code", "party_id", "start_date_time", "end_date_time", "cdr_token",
        "authorization_reference", "location_id", "evse_uid", "connector_id"]
    assert unknown_fields("2.3.0", "sessions", {"total_cost": {"excl_vat": 1}}) == [
        "total_cost.excl_vat"]


def test_unknown_fields_ignore_values_of_the_wrong_type() -> None:
    assert unknown_fields("2.2.1", "sessions", {"kwh": {"value": 1}, "cdr_token": "x",
                                                "charging_periods": [1, None]}) == []
    assert unknown_fields("2.2.1", "sessions", []) == []  # type: ignore[arg-type]


def test_public_projection_keeps_public_fields_only() -> None:
    assert public_projection("2.2.1", "sessions", SESSION_2_2_1) == PUBLIC_SESSION


def test_public_projection_opens_paths_and_prefixes() -> None:
    opened = public_projection("2.2.1", "sessions", SESSION_2_2_1,
                               frozenset({"cdr_token.uid", "total_cost", "kwh"}))
    assert opened == {**PUBLIC_SESSION, "kwh": 12.5,
                      "total_cost": {"excl_vat": 5.0, "incl_vat": 6.05},
                      "cdr_token": {"uid": "04A1B2C3"}}
    assert list(opened)[:5] == ["country_code", "party_id", "kwh", "cdr_token", "connector_id"]


def test_dot_opens_everything_but_unknown_fields_still_go() -> None:
    record = {**copy.deepcopy(SESSION_2_2_1), "vendor_flag": True}
    record["cdr_token"]["secret"] = "s3cr3t"
    everything = public_projection("2.2.1", "sessions", record, frozenset({"."}))
    assert everything == SESSION_2_2_1


def test_public_projection_returns_a_copy() -> None:
    record = copy.deepcopy(SESSION_2_2_1)
    projected = public_projection("2.2.1", "sessions", record, frozenset({"."}))
    projected["cdr_token"]["uid"] = "changed"
    assert record["cdr_token"]["uid"] == "04A1B2C3"


def test_2_1_1_embedded_location_loses_its_place_fields() -> None:
    record = {"id": "S-1", "auth_id": "NL-MSP-C00001234-5", "kwh": 3.0,
              "location": {"id": "LOC-9", "type": "ON_STREET", "name": "Home",
                           "address": "Dorpsstraat 1",
                           "city": "Ede", "postal_code": "6711AA", "country": "NLD",
                           "coordinates": {"latitude": "52.0", "longitude": "5.6"},
                           "evses": [{"uid": "E1", "evse_id": "NL*CPO*E1", "status": "CHARGING",
                                      "coordinates": {"latitude": "52.0", "longitude": "5.6"},
                                      "connectors": [{"id": "1", "standard": "IEC_62196_T2",
                                                      "voltage": 230, "tariff_id": "T1"}]}]},
              "total_cost": 2.5, "status": "COMPLETED"}
    assert public_projection("2.1.1", "sessions", record) == {
        "location": {"type": "ON_STREET", "country": "NLD",
                     "evses": [{"status": "CHARGING",
                                "connectors": [{"id": "1", "standard": "IEC_62196_T2",
                                                "voltage": 230}]}]},   # the charge's tariff: quasi
        "status": "COMPLETED"}


def test_locations_keep_infrastructure_and_drop_people() -> None:
    location = {"id": "LOC-1", "publish": False, "address": "Krautwigstrasse 1",
                "coordinates": {"latitude": "50.9", "longitude": "6.9"},
                "publish_allowed_to": [{"visual_number": "0123456-99", "issuer": "MoveMove"}],
                "owner": {"name": "J. Jansen"}, "operator": {"name": "ChargeCo"},
                "images": [{"url": "https://x/1.jpg", "category": "OWNER"}],
                "directions": [{"language": "en", "text": "behind the blue house"}],
                "evses": [{"uid": "E1", "status": "AVAILABLE", "images": [],
                           "connectors": [{"id": "1", "tariff_ids": ["T1", "T2"]}]}]}
    assert public_projection("2.2.1", "locations", location) == {
        "id": "LOC-1", "publish": False, "address": "Krautwigstrasse 1",
        "coordinates": {"latitude": "50.9", "longitude": "6.9"},
        "operator": {"name": "ChargeCo"},
        "evses": [{"uid": "E1", "status": "AVAILABLE",
                   "connectors": [{"id": "1", "tariff_ids": ["T1", "T2"]}]}]}
    opened = public_projection("2.2.1", "locations", location,
                               frozenset({"evses.images", "owner.name"}))
    assert opened["owner"] == {"name": "J. Jansen"} and opened["evses"][0]["images"] == []


def test_cdr_signed_data_remark_and_costs_are_not_public() -> None:
    cdr = {"id": "C-1", "credit": False, "remark": "driver said: call 0612345678",
           "signed_data": {"encoding_method": "OCMF", "signed_values": [
               {"nature": "Start", "plain_data": "OCMF|{\"ID\":\"04A1B2C3\"}",
                "signed_data": "x"}]},
           "total_cost": {"before_taxes": 4.0, "taxes": [{"name": "VAT", "amount": 0.4}]},
           "tariffs": [{"id": "T1", "currency": "EUR", "min_price": {"before_taxes": 1.0},
                        "elements": []}],
           "cdr_location": {"id": "LOC-1", "address": "Main St 1", "evse_uid": "E1",
                            "coordinates": {"latitude": "1", "longitude": "2"}}}
    assert public_projection("2.3.0", "cdrs", cdr) == {
        "credit": False,
        "tariffs": [{"currency": "EUR"}],  # a contract's tariff id and prices: quasi
        "cdr_location": {}}  # the site's and the charger's ids say where: quasi


def test_values_of_the_wrong_shape_do_not_leak() -> None:
    record = {"status": {"nested": "uid 04A1B2C3"}, "currency": ["EUR", {"x": 1}],
              "cdr_token": "04A1B2C3", "location_id": None, "charging_periods": ["x"]}
    assert public_projection("2.2.1", "sessions", record) == {}
    assert public_projection("2.2.1", "sessions", "nope") == {}  # type: ignore[arg-type]


def _every_object_path(value: object, path: tuple = ()) -> list[tuple]:
    """The place of every dict in `value` (keys and list indexes)."""
    found = [path] if isinstance(value, dict) else []
    items = value.items() if isinstance(value, dict) else enumerate(value) \
        if isinstance(value, list) else ()
    for key, item in items:
        found += _every_object_path(item, (*path, key))
    return found


def test_one_unknown_key_anywhere_is_found_in_every_module_and_version() -> None:
    """The key-set fast path must never hide an unknown field: one stray key is put in
    each object of the official examples in turn, and always comes back."""
    import json
    from pathlib import Path

    from ocpispec.schema.records import unknown_fields_finder

    examples = Path(__file__).parent / "ocpi_examples"  # a copy of ../shared/ocpi-examples
    checked = 0
    for version in ("2.1.1", "2.2.1", "2.3.0"):
        for module in ("sessions", "cdrs", "locations", "tariffs", "tokens"):
            for example in sorted(examples.glob(f"{version}/{module}*.json")):
                record = json.loads(example.read_text())
                record = record.get("data", record) if isinstance(record, dict) else record
                if not isinstance(record, dict):
                    continue
                find = unknown_fields_finder(version, module)
                before = find(record)
                assert before == unknown_fields(version, module, record)
                for path in _every_object_path(record):
                    stray = copy.deepcopy(record)
                    target = stray
                    for step in path:
                        target = target[step]
                    target["zz_stray"] = 1
                    after = find(stray)      # a name no OCPI version gives a field: counted
                    assert after.count(UNUSUAL) == before.count(UNUSUAL) + 1, (example, path)
                    checked += 1
    assert checked > 50
