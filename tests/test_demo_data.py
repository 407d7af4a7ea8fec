"""The demo CPO's synthetic data: deterministic, realistic, valid for every version."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from ocpispec.demo import DemoServer
from ocpispec.demo.canary import PARTY_KEYS, PREFIX
from ocpispec.demo.world import World
from ocpispec.ocpi.objects import ObjectCheck
from ocpispec.schema import Kind, catalogue, public_projection, unknown_fields
from ocpispec.schema.charge_sites import SITE_KEYS

VERSIONS = ("2.1.1", "2.2.1", "2.3.0")
MODULES = ("sessions", "cdrs", "locations", "tariffs", "tokens")


@pytest.fixture(scope="module")
def server() -> DemoServer:
    return DemoServer(versions=VERSIONS, size=400)      # rendering only: never started


def objects(server: DemoServer, version: str, module: str) -> list[dict]:
    listing = server.listings[version][module]
    return [server.render(version, module, i) for i in range(listing.count)]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("module", MODULES)
def test_objects_use_only_known_fields_and_are_valid(server: DemoServer, version: str, module: str) -> None:
    check = ObjectCheck(version, module)
    for obj in objects(server, version, module):
        assert unknown_fields(version, module, obj) == []
        assert check.problem(obj) is None


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("module", MODULES)
def test_last_updated_never_decreases(server: DemoServer, version: str, module: str) -> None:
    stamps = [o["last_updated"] for o in objects(server, version, module)]
    assert stamps == sorted(stamps)


def test_same_seed_same_data_other_seed_other_data() -> None:
    one, again, other = DemoServer(size=100), DemoServer(size=100), DemoServer(size=100, seed=8)
    assert one.render("2.2.1", "sessions", 42) == again.render("2.2.1", "sessions", 42)
    assert one.render("2.2.1", "sessions", 42) != other.render("2.2.1", "sessions", 42)


def test_same_facts_across_versions(server: DemoServer) -> None:
    old, new, newest = (server.render(v, "sessions", 17) for v in VERSIONS)
    assert old["start_datetime"] == new["start_date_time"] == newest["start_date_time"]
    assert old["kwh"] == new["kwh"] == newest["kwh"]
    assert old["location"]["id"] == new["location_id"] == newest["location_id"]
    assert old["auth_id"] == new["cdr_token"]["contract_id"]
    assert old["total_cost"] == new["total_cost"]["excl_vat"] == newest["total_cost"]["before_taxes"]
    assert newest["total_cost"]["taxes"][0]["name"] == "VAT"
    assert len(old["location"]["evses"]) == 1 and len(old["location"]["evses"][0]["connectors"]) == 1


def test_session_statuses_are_mostly_completed(server: DemoServer) -> None:
    statuses = Counter(o["status"] for o in objects(server, "2.2.1", "sessions"))
    assert statuses["COMPLETED"] == 340 and set(statuses) == {"COMPLETED", "ACTIVE", "PENDING", "INVALID"}


def test_one_cdr_per_completed_session_plus_credit_cdrs(server: DemoServer) -> None:
    cdrs = objects(server, "2.2.1", "cdrs")
    sessions = {o["id"]: o for o in objects(server, "2.2.1", "sessions")}
    regular = [c for c in cdrs if not c.get("credit")]
    credits = [c for c in cdrs if c.get("credit")]
    assert len(regular) == 340 and len(credits) == 5
    assert all(sessions[c["session_id"]]["status"] == "COMPLETED" for c in regular)
    assert all(sessions[c["session_id"]]["kwh"] == c["total_energy"] for c in regular)
    for credit in credits:
        assert credit["id"] == credit["credit_reference_id"] + "-C"
        assert credit["total_cost"]["excl_vat"] < 0


def test_locations_are_dutch_and_german_some_private(server: DemoServer) -> None:
    locations = objects(server, "2.2.1", "locations")
    private = [o for o in locations if not o["publish"]]
    assert len(private) == 4 and all(o["parking_type"] == "ON_DRIVEWAY" for o in private)
    assert {o["country"] for o in locations} == {"NLD", "DEU"}
    for location in locations:
        pattern = r"\d{4} [A-Z]{2}" if location["country"] == "NLD" else r"\d{5}"
        assert re.fullmatch(pattern, location["postal_code"])
        assert 47.0 < float(location["coordinates"]["latitude"]) < 54.0
        assert 1 <= len(location["evses"]) <= 4
        assert all(1 <= len(e["connectors"]) <= 2 for e in location["evses"])


def test_home_charging_cdrs_are_at_private_sites(server: DemoServer) -> None:
    private = {o["id"] for o in objects(server, "2.2.1", "locations") if not o["publish"]}
    home = [c for c in objects(server, "2.2.1", "cdrs") if c.get("home_charging_compensation")]
    assert home and {c["cdr_location"]["id"] for c in home} <= private


def test_drivers_recur(server: DemoServer) -> None:
    uids = Counter(o["cdr_token"]["uid"] for o in objects(server, "2.2.1", "sessions"))
    assert len(uids) < 67 and uids.most_common(1)[0][1] > 5


def test_world_sizes_are_bounded() -> None:
    huge = World(7, 1_000_000)
    assert huge.site_count == 400 and huge.driver_count == 500
    assert huge.session_last_updated(999_999) < 1767225600      # still in 2025


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("module", ("sessions", "cdrs", "locations", "tokens"))
def test_canaries_mark_every_non_public_string(version: str, module: str) -> None:
    marked = DemoServer(versions=VERSIONS, size=120, canaries=True)
    plain = DemoServer(versions=VERSIONS, size=120)
    for index in range(0, marked.listings[version][module].count, 7):
        canary = marked.render(version, module, index)
        original = plain.render(version, module, index)
        public = public_projection(version, module, original)
        _compare_private_site(module, canary, original)
        _compare(version, catalogue().wired[version].roots[module], canary, original, public)


def _compare_private_site(module: str, canary: dict, original: dict) -> None:
    """A private site's details are canaries whatever their class; checked here, then
    dropped from both sides so `_compare` checks the rest."""
    names = ("location", "cdr_location") if module != "locations" else ()
    pairs = [(canary, original)] if module == "locations" else [
        (canary[n], original[n]) for n in names if n in original]
    for marked, plain in pairs:
        if not re.fullmatch(r"LOC\d{4}3", plain["id"]):     # every tenth site, index 3 mod 10
            continue
        evses = zip(marked.get("evses", []), plain.get("evses", []))
        for got, item in [(marked, plain), *evses]:
            for name in ("address", "owner", "coordinates", "evse_id", "physical_reference"):
                if name in item:
                    assert PREFIX in str(got.pop(name)) and PREFIX not in str(item.pop(name)), name


def _compare(version: str, object_name: str, canary: dict, original: dict, public: dict | None) -> None:
    """Non-public strings are canaries, but for the ids a charge names its site by: the
    keys of the joins to the published locations; and the party of a token's eMSP."""
    object_type = catalogue().wire_object(version, object_name)
    for name, value in original.items():
        field = object_type.get(name)
        kept = public is not None and name in public
        if field.object is not None:
            items = value if isinstance(value, list) else [value]
            marked = canary[name] if isinstance(value, list) else [canary[name]]
            kept_items = public[name] if kept and isinstance(public[name], list) else (
                [public[name]] if kept else [None] * len(items))
            for got, item, sub in zip(marked, items, kept_items):
                _compare(version, field.object, got, item, sub)
        elif field.kind is Kind.STRING and not kept \
                and (object_name, name) not in SITE_KEYS | PARTY_KEYS:
            expected = [PREFIX + v for v in value] if isinstance(value, list) else PREFIX + value
            assert canary[name] == expected, name
        else:
            assert canary[name] == value, name


def test_canaries_keep_identity() -> None:
    marked = DemoServer(size=200, canaries=True)
    plain = DemoServer(size=200)
    pairs = {(marked.render("2.2.1", "sessions", i)["cdr_token"]["uid"],
              plain.render("2.2.1", "sessions", i)["cdr_token"]["uid"]) for i in range(200)}
    assert len({m for m, _ in pairs}) == len({p for _, p in pairs}) == len(pairs)
