"""The catalogue API: names, privacy classes, versions, rename hints, joins, enums."""

from __future__ import annotations

import pytest

from ocpispec.schema import (
    MODULES,
    VERSIONS,
    Kind,
    PrivacyClass,
    catalogue,
)
from ocpispec.schema.neutral import SOURCES, Wire
from ocpispec.schema.notes import NOTES
from ocpispec.schema.table import parse_notes

PUBLIC, QUASI = PrivacyClass.PUBLIC, PrivacyClass.QUASI
PERSONAL, NEVER = PrivacyClass.PERSONAL, PrivacyClass.NEVER
CAT = catalogue()


def test_constants_and_roots() -> None:
    assert VERSIONS == ("2.1.1", "2.2.1", "2.3.0")
    assert MODULES == ("sessions", "cdrs", "locations", "tariffs", "tokens")
    assert [CAT.root(m).name for m in MODULES] == ["Session", "CDR", "Location", "Tariff", "Token"]
    assert catalogue() is CAT
    assert CAT.object("EVSE").get("connectors").object == "Connector"
    with pytest.raises(KeyError):
        CAT.root("bookings")
    with pytest.raises(KeyError):
        CAT.object("Booking")


def _all_objects():
    yield "neutral", CAT.neutral.objects
    for version in VERSIONS:
        yield version, CAT.wired[version].objects.objects


def test_every_field_has_a_privacy_class_and_a_doc() -> None:
    missing = [f"{where} {obj.name}.{field.name}"
               for where, objects in _all_objects() for obj in objects.values()
               for field in obj.fields.values()
               if not isinstance(field.privacy, PrivacyClass) or len(field.doc) < 8]
    assert missing == []


def test_every_note_describes_a_field_that_exists() -> None:
    known = {(obj.name, field) for _, objects in _all_objects()
             for obj in objects.values() for field in obj.fields}
    assert sorted(set(parse_notes(NOTES)) - known) == []


def test_neutral_price_is_the_2_2_1_price() -> None:
    price = CAT.object("Price")
    assert list(price.fields) == ["excl_vat", "incl_vat"]
    assert price.fields["excl_vat"].required and not price.fields["incl_vat"].required
    assert CAT.root("tariffs").fields["min_price"].object == "Price"
    assert "TaxAmount" not in CAT.neutral.objects and "PriceLimit" not in CAT.neutral.objects


def test_neutral_objects_are_the_union_of_2_2_1_and_2_3_0() -> None:
    location = list(CAT.root("locations").fields)
    assert location.index("parking_places") == location.index("evses") + 1
    assert "help_phone" in location and "type" not in location
    assert "capabilities" in CAT.object("Connector").fields
    assert not CAT.root("tariffs").fields["tax_included"].required  # absent in 2.2.1
    assert CAT.root("sessions").fields["cdr_token"].required


PRIVACY = [
    ("sessions", "id", PERSONAL), ("sessions", "start_date_time", QUASI),
    ("sessions", "kwh", QUASI), ("sessions", "cdr_token.uid", PERSONAL),
    ("sessions", "cdr_token.contract_id", PERSONAL), ("sessions", "cdr_token.type", QUASI),
    ("sessions", "cdr_token.country_code", QUASI), ("sessions", "cdr_token", PERSONAL),
    ("sessions", "cdr_token.party_id", QUASI),
    ("sessions", "authorization_reference", PERSONAL), ("sessions", "location_id", QUASI),
    ("sessions", "evse_uid", QUASI), ("sessions", "connector_id", PUBLIC),
    ("sessions", "meter_id", PERSONAL), ("sessions", "status", PUBLIC),
    ("sessions", "auth_method", QUASI), ("sessions", "currency", PUBLIC),
    ("sessions", "last_updated", QUASI), ("sessions", "total_cost.excl_vat", QUASI),
    ("sessions", "charging_periods.tariff_id", QUASI),
    ("sessions", "charging_periods.dimensions.type", QUASI),
    ("cdrs", "session_id", PERSONAL), ("cdrs", "credit_reference_id", PERSONAL),
    ("cdrs", "invoice_reference_id", PERSONAL), ("cdrs", "credit", PUBLIC),
    ("cdrs", "auth_method", QUASI), ("cdrs", "cdr_token.type", QUASI),
    ("cdrs", "cdr_token.party_id", QUASI), ("cdrs", "cdr_token.country_code", QUASI),
    ("cdrs", "remark", NEVER), ("cdrs", "signed_data", NEVER),
    ("cdrs", "signed_data.signed_values.plain_data", NEVER),
    ("cdrs", "signed_data.encoding_method", NEVER),
    ("cdrs", "home_charging_compensation", QUASI), ("cdrs", "total_parking_time", QUASI),
    ("cdrs", "cdr_location.id", QUASI), ("cdrs", "cdr_location.evse_id", QUASI),
    ("cdrs", "cdr_location.connector_standard", PUBLIC), ("cdrs", "cdr_location.country", PUBLIC),
    ("cdrs", "cdr_location.address", QUASI), ("cdrs", "cdr_location.postal_code", QUASI),
    ("cdrs", "cdr_location.coordinates.latitude", QUASI), ("cdrs", "cdr_location", QUASI),
    ("cdrs", "tariffs", PUBLIC), ("cdrs", "tariffs.min_price.excl_vat", QUASI),
    ("cdrs", "tariffs.elements.price_components.price", QUASI),  # a contract's own price
    ("cdrs", "tariffs.currency", PUBLIC), ("cdrs", "tariffs.type", PUBLIC),
    ("cdrs", "total_reservation_cost.incl_vat", QUASI),
    ("locations", "address", PUBLIC), ("locations", "coordinates.latitude", PUBLIC),
    ("locations", "evses.evse_id", PUBLIC), ("locations", "evses.status", PUBLIC),
    ("locations", "evses.connectors.tariff_ids", PUBLIC), ("locations", "owner", PERSONAL),
    ("locations", "owner.name", PERSONAL), ("locations", "images", PERSONAL),
    ("locations", "directions.text", PERSONAL), ("locations", "operator.name", PUBLIC),
    ("locations", "publish_allowed_to", PERSONAL),
    ("locations", "publish_allowed_to.issuer", PERSONAL),
    ("locations", "evses.images.url", PERSONAL),
    ("locations", "parking_places.images", PERSONAL),
    ("tariffs", "min_price.excl_vat", PUBLIC), ("tariffs", "elements", PUBLIC),
    ("tokens", "uid", PERSONAL), ("tokens", "contract_id", PERSONAL),
    ("tokens", "visual_number", PERSONAL), ("tokens", "group_id", PERSONAL),
    ("tokens", "energy_contract.contract_id", PERSONAL),
    ("tokens", "energy_contract.supplier_name", QUASI), ("tokens", "valid", QUASI),
    ("tokens", "language", QUASI), ("tokens", "default_profile_type", QUASI),
    ("tokens", "issuer", QUASI), ("tokens", "last_updated", QUASI),
    ("tokens", "type", QUASI), ("tokens", "whitelist", QUASI), ("tokens", "party_id", QUASI),
    ("tokens", "country_code", QUASI),
]


@pytest.mark.parametrize(("module", "path", "privacy"), PRIVACY,
                         ids=[f"{m}.{p}" for m, p, _ in PRIVACY])
def test_privacy_class_of_a_field_at_its_place(module: str, path: str,
                                               privacy: PrivacyClass) -> None:
    assert CAT.resolve(module, path.split(".")).leaf.privacy is privacy


def test_credentials_token_is_never_exportable() -> None:
    for version in VERSIONS:
        assert CAT.wire_object(version, "Credentials").fields["token"].privacy is NEVER


def test_resolve_returns_one_field_per_segment() -> None:
    found = CAT.resolve("sessions", ["charging_periods", "dimensions", "volume"])
    assert found.ok and found.failed_at is None and found.parent is None
    assert [f.name for f in found.fields] == ["charging_periods", "dimensions", "volume"]
    assert found.many and found.leaf.kind is Kind.NUMBER
    plain = CAT.resolve("sessions", ["cdr_token", "uid"])
    assert not plain.many and plain.leaf.kind is Kind.STRING


def test_resolve_reports_where_it_failed() -> None:
    missing = CAT.resolve("cdrs", ["cdr_location", "street"])
    assert (missing.ok, missing.failed_at, missing.parent.name) == (False, 1, "CdrLocation")
    assert [f.name for f in missing.fields] == ["cdr_location"] and missing.leaf is None
    below_leaf = CAT.resolve("sessions", ["kwh", "value"])
    assert (below_leaf.failed_at, below_leaf.parent) == (1, None)
    assert CAT.resolve("sessions", ["start_datetime"]).failed_at == 0


def test_resolve_in_starts_at_any_object() -> None:
    found = CAT.resolve_in("EVSE", ["connectors", "standard"])
    assert found.ok and found.many and found.leaf.enum == "ConnectorType"
    assert CAT.resolve_in("Connector", ["max_electric_power"]).leaf.kind is Kind.INTEGER
    assert CAT.resolve_in("Location", ["postal_code"]).leaf.privacy is PUBLIC


@pytest.mark.parametrize(("module", "path", "versions"), [
    ("sessions", "start_date_time", VERSIONS),
    ("sessions", "session_id", ()),
    ("sessions", "cdr_token", VERSIONS),
    ("sessions", "cdr_token.uid", ("2.2.1", "2.3.0")),
    ("sessions", "cdr_token.contract_id", VERSIONS),
    ("sessions", "total_cost.incl_vat", ("2.2.1", "2.3.0")),
    ("cdrs", "session_id", ("2.2.1", "2.3.0")),
    ("cdrs", "cdr_location.state", ("2.2.1", "2.3.0")),
    ("cdrs", "cdr_location.connector_standard", VERSIONS),
    ("cdrs", "total_energy_cost", ("2.2.1", "2.3.0")),
    ("cdrs", "signed_data", ("2.2.1", "2.3.0")),
    ("locations", "parking_places", ("2.3.0",)),
    ("locations", "evses.connectors.tariff_ids", VERSIONS),
    ("locations", "energy_mix.environ_impact.category", VERSIONS),
    ("tariffs", "min_price.incl_vat", ("2.2.1", "2.3.0")),
    ("tariffs", "tax_included", ("2.3.0",)),
    ("tokens", "contract_id", VERSIONS),
])
def test_versions_that_carry_a_path(module: str, path: str, versions: tuple[str, ...]) -> None:
    assert CAT.versions_of(module, path.split(".")) == frozenset(versions)


@pytest.mark.parametrize(("where", "written", "neutral", "versions"), [
    ("sessions", "start_datetime", "start_date_time", ("2.1.1",)),
    ("sessions", "end_datetime", "end_date_time", ("2.1.1",)),
    ("sessions", "auth_id", "cdr_token.contract_id", ("2.1.1",)),
    ("sessions", "location.id", "location_id", ("2.1.1",)),
    ("sessions", "location.evses.uid", "evse_uid", ("2.1.1",)),
    ("sessions", "total_cost.before_taxes", "total_cost.excl_vat", ("2.3.0",)),
    ("cdrs", "stop_date_time", "end_date_time", ("2.1.1",)),
    ("cdrs", "location.postal_code", "cdr_location.postal_code", ("2.1.1",)),
    ("cdrs", "location.evses.connectors.power_type", "cdr_location.connector_power_type",
     ("2.1.1",)),
    ("tariffs", "max_price.after_taxes", "max_price.incl_vat", ("2.3.0",)),
    ("locations", "type", "parking_type", ("2.1.1",)),
    ("locations", "evses.connectors.voltage", "evses.connectors.max_voltage", ("2.1.1",)),
    ("Connector", "amperage", "max_amperage", ("2.1.1",)),
    ("Connector", "tariff_id", "tariff_ids", ("2.1.1",)),
    ("EnergyMix", "environ_impact.source", "environ_impact.category", ("2.1.1",)),
    ("tokens", "auth_id", "contract_id", ("2.1.1",)),
])
def test_rename_hint_names_the_neutral_path(where: str, written: str, neutral: str,
                                            versions: tuple[str, ...]) -> None:
    hint = CAT.rename_hint(where, written.split("."))
    assert (hint.written, ".".join(hint.neutral), hint.versions) == (written, neutral, versions)


def test_rename_hint_for_the_embedded_2_1_1_location() -> None:
    session = CAT.rename_hint("sessions", ["location", "address"])
    assert (session.written, session.neutral) == ("location", ("location_id",))
    assert "join `locations`" in session.note
    cdr = CAT.rename_hint("cdrs", ["location"])
    assert cdr.neutral == ("cdr_location",)


def test_rename_hint_is_none_for_valid_or_unknown_names() -> None:
    assert CAT.rename_hint("sessions", ["start_date_time"]) is None
    assert CAT.rename_hint("sessions", ["start_tim"]) is None
    assert CAT.rename_hint("sessions", ["kwh", "unit"]) is None


def test_rename_hint_notes(snapshot) -> None:
    cases = [("sessions", "start_datetime"), ("sessions", "auth_id"), ("sessions", "location"),
             ("cdrs", "location"), ("cdrs", "total_cost.taxes"), ("Connector", "tariff_id"),
             ("tariffs", "min_price.before_taxes")]
    text = "\n".join(f"{where} {path}: {CAT.rename_hint(where, path.split('.')).note}"
                     for where, path in cases)
    assert text == snapshot


def test_suggestions_are_close_neutral_names() -> None:
    assert CAT.suggestions("Session", "start_time") == ["start_date_time", "end_date_time"]
    assert CAT.suggestions("sessions", "KWH") == ["kwh"]
    assert CAT.suggestions("CdrLocation", "postcode") == ["postal_code"]
    assert CAT.suggestions("Token", "zzzzzz") == []
    assert len(CAT.suggestions("CDR", "total_cost")) == 3


def test_enum_values_per_version_and_merged() -> None:
    assert CAT.enum_values("2.1.1", "TokenType") == ("OTHER", "RFID")
    assert "EMAID" in CAT.enum_values("2.3.0", "TokenType")
    assert "EMAID" not in CAT.enum_values("2.2.1", "TokenType")
    merged = CAT.enum_values(None, "CdrDimensionType")
    assert "FLAT" in merged and "STATE_OF_CHARGE" in merged and len(set(merged)) == len(merged)
    assert "UNKNOWN" in CAT.enum_values("2.1.1", "ParkingType")  # 2.1.1 LocationType
    assert "ON_DRIVEWAY" in CAT.enum_values(None, "ParkingType")
    assert CAT.enum_values("2.1.1", "TaxIncluded") == ()
    with pytest.raises(KeyError):
        CAT.enum_values(None, "Colour")


def test_every_enum_field_names_an_enum_of_its_version() -> None:
    missing = [f"{v} {obj.name}.{field.name}" for v in VERSIONS
               for obj in CAT.wired[v].objects.objects.values() for field in obj.fields.values()
               if field.kind is Kind.ENUM and not CAT.wired[v].enums.get(field.enum)]
    assert missing == []


def test_wire_catalogues_keep_each_version_s_names() -> None:
    assert "start_datetime" in CAT.wire_root("2.1.1", "sessions").fields
    assert CAT.wire_root("2.1.1", "sessions").fields["total_cost"].kind is Kind.NUMBER
    assert list(CAT.wire_object("2.3.0", "Price").fields) == ["before_taxes", "taxes"]
    assert CAT.wire_root("2.3.0", "tariffs").fields["min_price"].object == "PriceLimit"
    assert CAT.wire_root("2.2.1", "cdrs").name == "CDR"
    assert CAT.wire_object("2.1.1", "EmbeddedLocation").fields["address"].privacy is QUASI
    assert CAT.wire_object("2.1.1", "Location").fields["address"].privacy is PUBLIC


def _wire_has(version: str, object_name: str, path: tuple[str | int, ...]) -> bool:
    current = CAT.wired[version].objects.objects.get(object_name)
    for part in path:
        if isinstance(part, int):
            continue
        field = current.get(part) if current is not None else None
        if field is None:
            return False
        current = CAT.wired[version].objects.objects.get(field.object or "")
    return True


@pytest.mark.parametrize("version", VERSIONS)
def test_every_mapped_wire_path_exists(version: str) -> None:
    owners = {"Session": "Session", "CDR": "CDR", "CdrToken@record": "Session",
              "CdrLocation@location": "CDR", "Price@number": None, "Price": "Price",
              "Price@limit": "PriceLimit"}
    broken = []
    for key, source in SOURCES[version].items():
        adapter, _, field = key.rpartition(".")
        owner = owners.get(adapter, adapter)
        if isinstance(source, Wire) and owner and not _wire_has(version, owner, source.path):
            broken.append(key)
    assert broken == []


def test_joins_of_every_module() -> None:
    assert [(j.target, j.alias) for j in CAT.joins("sessions")] == [
        ("locations", "location"), ("cdrs", "cdr"), ("tariffs", "tariff"), ("tariffs", "tariff"),
        ("tokens", "token")]
    assert [(j.target, j.alias) for j in CAT.joins("cdrs")] == [
        ("locations", "location"), ("sessions", "session"), ("tariffs", "tariff"),
        ("tariffs", "tariff"), ("tokens", "token")]
    cdr_location = CAT.joins("cdrs")[0]
    assert cdr_location.local_key == ("cdr_location", "id")
    assert [(s.name, s.object, s.list_path, s.match_field, s.local_key)
            for s in cdr_location.sub_bindings] == [
        ("evse", "EVSE", ("evses",), ("uid",), ("cdr_location", "evse_uid")),
        ("connector", "Connector", ("evses", "connectors"), ("id",),
         ("cdr_location", "connector_id"))]
    assert CAT.joins("sessions")[2].local_key == ("charging_periods", "tariff_id")
    assert CAT.joins("cdrs")[2].local_key == ("tariffs", "id")
    assert [(j.written_key, j.unnesting) for j in (CAT.joins("sessions")[3],
                                                   CAT.joins("cdrs")[3])] == [
        ("period.tariff_id", "`each charging_periods as period`")] * 2
    assert [(j.target, j.local_key, j.element_list, j.written_key)
            for j in CAT.joins("locations")] == [
        ("tariffs", ("evses", "connectors", "tariff_ids"), ("evses", "connectors"),
         "connector.tariff_ids")]
    assert CAT.joins("tariffs") == CAT.joins("tokens") == ()


@pytest.mark.parametrize("module", ["sessions", "cdrs"])
def test_join_keys_resolve_on_both_sides(module: str) -> None:
    for join in CAT.joins(module):
        local = CAT.resolve(module, join.local_key)
        remote = CAT.resolve(join.target, join.remote_key)
        assert local.ok and remote.ok, join
        assert local.leaf.kind is remote.leaf.kind is Kind.STRING
        for sub in join.sub_bindings:
            assert CAT.resolve(join.target, sub.list_path).leaf.object == sub.object
            assert CAT.resolve_in(sub.object, sub.match_field).ok
            assert CAT.resolve(module, sub.local_key).ok


def test_wire_root_shortcut() -> None:
    from ocpispec.schema import wire_root
    assert wire_root("2.1.1", "cdrs") is CAT.wire_root("2.1.1", "cdrs")
    assert [n for n, f in wire_root("2.2.1", "tokens").fields.items() if f.required] == [
        "country_code", "party_id", "uid", "type", "contract_id", "issuer", "valid",
        "whitelist", "last_updated"]
