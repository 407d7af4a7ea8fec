"""How a wire record becomes a checked one: type validation of every known field,
tolerant reading of known deviations, unknown field names, unreadable objects.
The end-to-end tests speak HTTP to the demo CPO with its record faults."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from fixtures_cli import SPECS
from hypothesis import given, settings
from hypothesis import strategies as st

from ocpispec.demo import DemoServer, Faults
from ocpispec.ocpi import Credentials, OcpiClient
from ocpispec.ocpi.objects import ObjectCheck
from ocpispec.ocpi.stats import FetchStats
from ocpispec.schema import VERSIONS, PrivacyClass, catalogue
from ocpispec.schema.records import UNUSUAL, unknown_fields
from ocpispec.schema.wire_check import wire_reader
from ocpispec.schema.wire_tables import default_rows, rename_rows

AS_OF = "2026-01-01T00:00:00Z"
KEY = "a83f1c6e0b5d92e47f1a8c3e6b0d59f2c7a4e1b8d3f60c9e2a5b7d14f8c3e6a0"
SESSION = {"country_code": "NL", "party_id": "DMO", "id": "S1", "start_date_time": "2025-01-01T10:00:00Z",
           "kwh": 5.5, "cdr_token": {"country_code": "NL", "party_id": "EMS", "uid": "U1", "type": "RFID",
                                     "contract_id": "C1"},
           "auth_method": "WHITELIST", "location_id": "LOC1", "evse_uid": "E1", "connector_id": "1",
           "currency": "EUR", "status": "COMPLETED", "last_updated": "2025-01-01T12:00:00Z"}


def read(version: str, module: str, record: dict) -> tuple[dict, FetchStats, str | None]:
    stats = FetchStats()
    problem = ObjectCheck(version, module, stats).problem(record)
    return record, stats, problem


# ---- type validation ---------------------------------------------------------------------


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("authorization_reference", ["R1"], "not a string"),
    ("meter_id", {"id": "M1", "driver": "jan@example.com"}, "not a string"),
    ("meter_id", "M" * 256, "longer than 255 characters"),
    ("end_date_time", "jan@example.com", "not a DateTime"),
    ("total_cost", "jan@example.com", "not an object"),   # a number: tests/test_price_shapes.py
    ("charging_periods", "x", "not a list"),   # one object is a list of one: tests/test_collapsed_lists.py
    ("auth_method", "jan@example.com", "not an AuthMethod value"),
    ("kwh", "jan@example.com", "not a number"),
    ("connector_id", ["1"], "not a string"),
])
def test_a_value_of_the_wrong_type_becomes_null_and_is_counted(field: str, value: object, reason: str) -> None:
    record, stats, problem = read("2.2.1", "sessions", {**SESSION, field: value})
    if field in ("auth_method", "kwh", "connector_id"):
        assert problem == f"`{field}` is {reason}"          # required: the record is invalid
    else:
        assert problem is None and record[field] is None
    assert stats.invalid_fields == {f"sessions.{field} ({reason})": 1}
    assert "jan@" not in repr(stats)


def test_a_required_field_of_the_wrong_type_makes_the_record_invalid() -> None:
    _, stats, problem = read("2.2.1", "sessions", {**SESSION, "currency": {"code": "EUR", "x": "y"}})
    assert problem == "`currency` is not a string"
    assert stats.invalid_fields == {"sessions.currency (not a string)": 1}
    _, _, problem = read("2.2.1", "sessions", {**SESSION, "id": ["S1"]})
    assert problem == "key field `id` is not a string"


def test_nested_values_and_list_items_are_checked() -> None:
    record = {**SESSION, "cdr_token": {**SESSION["cdr_token"], "uid": {"a": 1}},
              "charging_periods": [{"start_date_time": "2025-01-01T10:00:00Z",
                                    "dimensions": [{"type": "ENERGY", "volume": [1]}]}, 7]}
    record, stats, problem = read("2.2.1", "sessions", record)
    assert problem is None
    assert record["cdr_token"]["uid"] is None and record["charging_periods"] is None
    assert stats.invalid_fields == {"sessions.cdr_token.uid (not a string)": 1,
                                    "sessions.charging_periods (a list with an item that is not an object)": 1}
    scalars = {**SESSION, "charging_periods": [{"start_date_time": "2025-01-01T10:00:00Z",
                                                "dimensions": [{"type": "ENERGY", "volume": [1]}]}]}
    record, stats, _ = read("2.2.1", "sessions", scalars)
    assert record["charging_periods"][0]["dimensions"][0]["volume"] is None
    assert stats.invalid_fields == {"sessions.charging_periods.dimensions.volume (not a number)": 1}


def test_harmless_type_deviations_are_read_and_reported() -> None:
    record, stats, problem = read("2.2.1", "sessions", {**SESSION, "connector_id": 1, "kwh": "5.50",
                                                       "status": "completed"})
    assert problem is None
    assert (record["connector_id"], record["kwh"], record["status"]) == ("1", 5.5, "COMPLETED")
    assert sorted(stats.deviations) == [
        "sessions.connector_id: a number where OCPI says text, read as text",
        "sessions.kwh: a number sent as text, read as a number",
        "sessions.status: a SessionStatus value in other casing, read as COMPLETED"]
    assert not stats.invalid_fields


TOKEN = {"country_code": "NL", "party_id": "EMS", "uid": "U1", "type": "RFID", "contract_id": "C1",
         "issuer": "EMS", "valid": True, "whitelist": "ALWAYS", "last_updated": "2025-01-01T12:00:00Z"}


@pytest.mark.parametrize(("text", "read_as"), [("true", True), ("false", False), ("TRUE", True), ("False", False)])
def test_a_boolean_sent_as_text_is_read_and_reported(text: str, read_as: bool) -> None:
    """A platform serialising every scalar as text sends `"valid": "true"`: every token
    was once unusable, and every location whose `publish` came as text."""
    record, stats, problem = read("2.2.1", "tokens", {**TOKEN, "valid": text})
    assert problem is None and record["valid"] is read_as
    assert stats.deviations == {"tokens.valid: a boolean sent as text, read as a boolean": 1}


@pytest.mark.parametrize("text", ["yes", "1", "", "true ", "jan@example.com"])
def test_other_text_is_not_a_boolean(text: str) -> None:
    _, stats, problem = read("2.2.1", "tokens", {**TOKEN, "valid": text})
    assert problem == "`valid` is not a boolean"
    assert stats.invalid_fields == {"tokens.valid (not a boolean)": 1}


def test_2_3_0_open_enums_accept_new_values_closed_ones_do_not() -> None:
    location = {"country_code": "NL", "party_id": "DMO", "id": "L1", "publish": True, "address": "a",
                "city": "c", "country": "NLD", "parking_type": "ROOFTOP_DECK", "time_zone": "Europe/Amsterdam",
                "coordinates": {"latitude": "52.1", "longitude": "5.1"}, "last_updated": "2025-01-01T00:00:00Z"}
    record, stats, _ = read("2.3.0", "locations", dict(location))
    assert record["parking_type"] == "ROOFTOP_DECK" and not stats.invalid_fields
    record, stats, _ = read("2.2.1", "locations", dict(location))
    assert record["parking_type"] is None
    assert stats.invalid_fields == {"locations.parking_type (not a ParkingType value)": 1}


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("module", ["sessions", "cdrs", "locations", "tariffs", "tokens"])
def test_the_clean_demo_has_no_findings(demo_server_factory, version: str, module: str) -> None:
    server = demo_server_factory(version=version, size=80)
    with OcpiClient.connect(Credentials(server.versions_url, server.token)) as client:
        fetched = list(client.fetch(module))
    assert fetched and not client.stats.invalid_fields and not client.stats.deviations
    assert not client.stats.invalid_by_reason


# ---- unknown field names -------------------------------------------------------------------


def test_unknown_names_are_shown_only_when_ocpi_names_a_field_so() -> None:
    record = {**SESSION, "publish": True, "x_rating": 4, "x-jan.jansen@example.com": "y", "Jan": 1,
              "cdr_token": {**SESSION["cdr_token"], "kwh": 1, "vendor_note": "z", "jan jansen": "w"}}
    found = unknown_fields("2.2.1", "sessions", record)
    assert sorted(found) == sorted(["publish", "cdr_token.kwh", *[UNUSUAL] * 5])


# ---- the deviation table -------------------------------------------------------------------


# objects a version without them gives the fields of to the object holding them: OCPI
# 2.1.1 has no CdrToken, a session's or CDR's own `auth_id` is its contract
_HELD_BY = {"CdrToken": ("Session", "CDR")}


def _class_anywhere(object_name: str, field: str) -> PrivacyClass | None:
    """The highest class a field of that name has in that object in any version (or, where
    a version lacks the object, in the objects holding it there)."""
    cat = catalogue()
    classes = [cat.wire_object(v, name).fields[field].privacy for v in VERSIONS
               for name in _holders(v, object_name) if field in cat.wire_object(v, name).fields]
    return PrivacyClass.highest(classes) if classes else None


def _holders(version: str, object_name: str) -> tuple[str, ...]:
    if object_name in catalogue().wired[version].objects.objects:
        return (object_name,)
    return _HELD_BY.get(object_name, ())


def test_no_deviation_makes_a_value_more_private_than_its_field() -> None:
    """A value arriving under `alt` is read as `to`: `to` may never be of a higher class
    than what `alt` is anywhere, so nothing personal reaches a less guarded column."""
    cat = catalogue()
    rows = rename_rows()
    assert rows
    for obj, alt, to, versions, why in rows:
        assert why, (obj, alt)
        source = _class_anywhere(obj, alt)
        assert source is not None, f"{obj}.{alt} is no OCPI field in any version"
        for version in versions:
            fields = cat.wire_object(version, obj).fields
            assert alt not in fields, f"{obj}.{alt} is a field of {version}: the rename never applies"
            target = fields[to]
            assert target.privacy.rank <= source.rank, (obj, alt, to, version)
            assert target.kind is _kind_anywhere(obj, alt), (obj, alt, to)


def _kind_anywhere(object_name: str, field: str):
    cat = catalogue()
    kinds = {cat.wire_object(v, name).fields[field].kind for v in VERSIONS
             for name in _holders(v, object_name) if field in cat.wire_object(v, name).fields}
    assert len(kinds) == 1
    return kinds.pop()


def test_defaults_are_valid_values_of_their_field() -> None:
    for obj, name, value, versions, why in default_rows():
        assert why
        for version in versions:
            record = {name: value}
            findings = wire_reader(version, "tariffs")(record) if obj == "Tariff" else None
            assert findings is not None and not findings.invalid, (obj, name)


def test_casing_variants_are_read_as_their_field() -> None:
    record, stats, problem = read("2.2.1", "sessions", {**{k: v for k, v in SESSION.items() if k != "kwh"},
                                                       "kWh": 7.0, "LastUpdated": "x"})
    assert problem is None and record["kwh"] == 7.0
    assert "LastUpdated" in record          # `last_updated` was sent too: the OCPI one counts
    assert stats.deviations == {"sessions.kWh read as kwh (other casing)": 1}


def test_a_renamed_value_is_type_checked_too() -> None:
    cdr = {"id": "C1", "end_date_time": ["x"], "last_updated": "2025-01-01T00:00:00Z"}
    record, stats, _ = read("2.1.1", "cdrs", cdr)
    assert record["stop_date_time"] is None
    assert stats.invalid_fields == {"cdrs.stop_date_time (not a DateTime)": 1}


# ---- over HTTP: complete output, deviation reported ------------------------------------------


def _run(run_cli, tmp_path: Path, server: DemoServer, spec_text: str, name: str, *options: str):
    """Runs the spec; returns the output, stderr and the CPO's run record of its dataset
    (the counts live there, not in the consumer's manifest)."""
    spec = tmp_path / f"{name}.ocx"
    spec.write_text(spec_text)
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token, "TEST_KEY": KEY}
    state = tmp_path / f"{name}-state" / "state.json"
    result = run_cli("run", str(spec), "--out", str(tmp_path / name), "--state", str(state),
                     "--as-of", AS_OF, *options, env=env)
    assert result.exit_code == 0, result.stderr
    [record] = (state.parent / "runs").glob("*/*.json")
    return (tmp_path / name).read_text(), result.stderr, json.loads(record.read_text())["datasets"][0]


HEADER = '''export deviations
  consumer "test"
  purpose "tolerant reading"
  legal basis public task "test"
  retention 1 months
  pseudonym key env TEST_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
'''
CDR_SPEC = HEADER + '''from cdrs
select
  pseudonymize(id) as cdr
  truncate(end_date_time, hour) as ended
output csv to "x.csv"
'''
SESSION_SPEC = HEADER + '''from sessions
  where status = "COMPLETED"
select
  pseudonymize(id) as session
  round(kwh, 1) as energy
output csv to "x.csv"
'''


@pytest.mark.parametrize(("version", "fault", "spec", "deviation"), [
    ("2.1.1", "cdr_end_date_time", CDR_SPEC, "cdrs.end_date_time read as stop_date_time (OCPI 2.2 name)"),
    ("2.2.1", "session_kWh", SESSION_SPEC, "sessions.kWh read as kwh (other casing)"),
    ("2.1.1", "session_kWh", SESSION_SPEC, "sessions.kWh read as kwh (other casing)"),
])
def test_a_deviating_platform_gives_the_complete_output(run_cli, demo_server_factory, tmp_path: Path,
                                                        version: str, fault: str, spec: str,
                                                        deviation: str) -> None:
    clean = demo_server_factory(version=version, size=150)
    deviating = demo_server_factory(version=version, size=150, faults=Faults(**{fault: True}))
    expected, _, _ = _run(run_cli, tmp_path, clean, spec, "clean")
    got, stderr, manifest = _run(run_cli, tmp_path, deviating, spec, "deviating")
    rows = list(csv.DictReader(io.StringIO(got)))
    assert got == expected and len(rows) > 50
    assert all(value for row in rows for value in row.values())
    read = manifest["counts"]["read"]
    assert manifest["counts"]["deviations"] == {deviation: read}
    assert f"read tolerantly: {deviation} ({read:,})" in stderr


def test_2_3_0_tariffs_without_tax_included_read_no(run_cli, demo_server_factory) -> None:
    server = demo_server_factory(version="2.3.0", size=50, faults=Faults(tariff_no_tax_included=True))
    with OcpiClient.connect(Credentials(server.versions_url, server.token)) as client:
        tariffs = list(client.fetch("tariffs"))
    assert tariffs and all(tariff["tax_included"] == "NO" for tariff in tariffs)
    assert not client.stats.invalid_by_reason
    assert client.stats.deviations == {
        "tariffs.tax_included missing, read as NO (OCPI 2.2.1 prices exclude VAT)": len(tariffs)}
    login = run_cli("login", server.versions_url, "--token", server.token, "--party", "NL-ABC")
    assert login.exit_code == 0, login.stderr
    result = run_cli("get", "tariffs", "--include-private")
    assert result.exit_code == 0
    assert (f"deviations read tolerantly: {len(tariffs)} tariffs.tax_included missing, read as NO "
            "(OCPI 2.2.1 prices exclude VAT)") in result.stderr


def test_the_run_summary_shows_findings(run_cli, demo_server_factory, tmp_path: Path, snapshot) -> None:
    server = demo_server_factory(version="2.1.1", size=60,
                                 faults=Faults(cdr_end_date_time=True, type_confused_values=True))
    _, stderr, manifest = _run(run_cli, tmp_path, server, CDR_SPEC, "both", "--allow-invalid", "50%")
    assert manifest["counts"]["invalid_fields"] and manifest["counts"]["deviations"]
    summary = "\n".join(line for line in stderr.splitlines()
                        if line.strip().startswith(("invalid", "deviations", "unknown fields")))
    assert summary == snapshot


# ---- unreadable objects ------------------------------------------------------------------------


@pytest.mark.parametrize(("fault", "reason"), [
    ("bad_utf8_object", "holds an invalid UTF-8 byte"),
    ("deep_nesting_object", "nested deeper than 1,024 levels"),
])
def test_one_unreadable_object_costs_only_itself(demo_server_factory, fault: str, reason: str) -> None:
    server = demo_server_factory(version="2.2.1", size=200, max_page_size=50,
                                 faults=Faults(**{fault: True}))
    with OcpiClient.connect(Credentials(server.versions_url, server.token)) as client:
        sessions = list(client.fetch("sessions"))
    pages = client.stats.pages
    assert pages >= 4
    assert client.stats.invalid_by_reason == {reason: pages}
    assert len(sessions) == 200 - pages
    assert not client.stats.warnings


@pytest.mark.parametrize("depth", [1022, 1023])
def test_an_object_too_deep_only_within_its_page_costs_only_itself(
        demo_server_factory, monkeypatch, depth: int) -> None:
    """An object nested 1,022 or 1,023 levels: the page (two levels more) is beyond the
    parser's 1,024, the object alone is not, so every object of the split page read and
    nothing was found wrong: the page said "not JSON" (OCX504) and the run stopped. The
    object is unreadable as one nested deeper than 1,024 levels (counted), the rest kept."""
    from ocpispec.demo import record_faults

    monkeypatch.setattr(record_faults, "DEEP", depth)
    server = demo_server_factory(version="2.2.1", size=100, max_page_size=50,
                                 faults=Faults(deep_nesting_object=True))
    with OcpiClient.connect(Credentials(server.versions_url, server.token)) as client:
        sessions = list(client.fetch("sessions"))
    pages = client.stats.pages
    assert client.stats.invalid_by_reason == {"nested deeper than 1,024 levels": pages}
    assert len(sessions) == 100 - pages


@pytest.mark.parametrize("workers", ["1", "2"])
def test_an_object_nested_just_within_the_parser_s_depth_stops_nothing(
        run_cli, demo_server_factory, monkeypatch, tmp_path: Path, workers: str) -> None:
    """A vendor field nested 950 levels deep (the JSON parser reads 1,024) on a page
    whose timestamps are rewritten (fractions, offsets): the rewrite walked the object
    by recursion, past Python's limit of 1,000 frames, and the run stopped with an
    internal error (exit 70) in the parent or a worker. The object is read like any
    other: its unknown field never leaves."""
    from ocpispec.demo import record_faults

    monkeypatch.setattr(record_faults, "DEEP", 950)
    server = demo_server_factory(version="2.2.1", size=120, max_page_size=40, faults=Faults(
        deep_nesting_object=True, fractional_timestamps=True))
    spec = tmp_path / "spec.ocx"
    spec.write_text(f'''export deep_vendor_field
  consumer "Gemeente Test"
  purpose "Sessions for planning"
  legal basis public task
  retention 12 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
select
  truncate(start_date_time, day) as day
output csv to "{tmp_path}/days.csv"
''')
    result = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", "--workers", workers,
                     env={"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token})
    assert result.exit_code == 0, result.output
    days = (tmp_path / "days.csv").read_text().split()[1:]
    assert len(days) > 100 and all(day.endswith("T00:00:00Z") for day in days)


def test_both_kinds_on_one_page(demo_server_factory) -> None:
    server = demo_server_factory(version="2.1.1", size=40, max_page_size=20,
                                 faults=Faults(bad_utf8_object=True, deep_nesting_object=True))
    with OcpiClient.connect(Credentials(server.versions_url, server.token)) as client:
        sessions = list(client.fetch("sessions"))
    assert len(sessions) == 40 - 2 * client.stats.pages
    assert sum(client.stats.invalid_by_reason.values()) == 2 * client.stats.pages


# ---- 2.1.1 publish ---------------------------------------------------------------------------


def test_open_data_locations_give_the_same_sites_on_2_1_1_and_2_2_1(run_cli, demo_server_factory,
                                                                     tmp_path: Path) -> None:
    spec = (SPECS / "open_data_locations.ocx").read_text()
    ids = {}
    for version in ("2.1.1", "2.2.1"):
        server = demo_server_factory(version=version, size=200)
        text, _, manifest = _run(run_cli, tmp_path, server, spec, f"open-{version}")
        features = json.loads(text)["features"]
        ids[version] = sorted(feature["properties"]["location_id"] for feature in features)
        assert manifest["counts"]["written"] == len(features) > 10
    assert ids["2.1.1"] == ids["2.2.1"]


def test_the_get_summary_shows_findings(run_cli, demo_server_factory, snapshot) -> None:
    server = demo_server_factory(version="2.2.1", size=40, canaries=True,
                                 faults=Faults(session_kWh=True, type_confused_values=True))
    login = run_cli("login", server.versions_url, "--token", server.token, "--party", "NL-ABC")
    assert login.exit_code == 0, login.stderr
    result = run_cli("get", "sessions", "--include-private", "--date-to", "2026-01-01", "--allow-invalid", "50%")
    assert result.exit_code == 0, result.stderr
    assert "CANARY" not in result.stdout + result.stderr
    # the first lines: the warning of `--include-private` (type-confused values null the
    # sessions' location ids: none is known to be at a public site) and the count
    assert "\n".join(result.stderr.splitlines()[3:]) == snapshot


def test_a_truncated_page_is_still_truncated_not_salvaged() -> None:
    from ocpispec.ocpi.body import _salvage
    page = b'{"data": [{"id": "a"}, {"id": "caf\xe9"}, {"id": "b", "x": [1, 2'
    assert _salvage(page) is None
    assert _salvage(b'{"data": [{"id": "a"}], "status_code": 1000}') is None   # nothing to salvage
    broken_envelope = b'{"data": [{"id": "a"}], "status_code": 10\xe900}'
    assert _salvage(broken_envelope) is None


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=300),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                     max_leaves=8)
_STRING_FIELDS = [name for name, field in catalogue().wire_object("2.2.1", "Session").fields.items()
                  if field.kind.value == "string" and not field.many]


@settings(max_examples=150, deadline=None)
@given(field=st.sampled_from(_STRING_FIELDS), value=_JSON)
def test_after_reading_a_string_field_holds_a_short_string_or_null(field: str, value: object) -> None:
    record, stats, _ = read("2.2.1", "sessions", {**SESSION, field: value})
    kept = record[field]
    assert kept is None or (isinstance(kept, str) and len(kept) <= 255)
    if isinstance(value, (dict, list)):
        assert kept is None and stats.invalid_fields


def test_the_client_counts_unknown_fields_as_the_finder_would(run_cli, demo_server_factory,
                                                              tmp_path: Path) -> None:
    server = demo_server_factory(version="2.2.1", size=60, faults=Faults(unknown_fields=True))
    _, stderr, manifest = _run(run_cli, tmp_path, server, SESSION_SPEC, "unknown")
    read = manifest["counts"]["read"]
    # `extensions`, `x_demo_rating`: names no OCPI version gives a field, counted unnamed
    assert manifest["unknown_fields"] == {UNUSUAL: 2 * read}
    with OcpiClient.connect(Credentials(server.versions_url, server.token)) as client:
        records = list(client.fetch("sessions"))
    finder_counts: dict[str, int] = {}
    for record in records:
        for path in unknown_fields("2.2.1", "sessions", record):
            finder_counts[path] = finder_counts.get(path, 0) + 1
    assert client.stats.unknown_fields["sessions"] == finder_counts
