"""A location's `time_zone` is checked against the tz database (`schema.wire_tests`,
any casing). The check listed every zone of the database to test the first location:
`zoneinfo.available_timezones` opens each of its some 600 files, a twentieth of a second
of CPU that `get sessions` paid on its way to the locations it reads for its scope. A
name spelt as the database spells it is now found by its file (`calendar_windows.
is_zone_name`), once per name; only another casing, or no zone, lists them."""

from __future__ import annotations

import json

from ocpispec import calendar_windows
from ocpispec.schema import wire_tests


def _fresh() -> None:
    calendar_windows.zone_names.cache_clear()
    for name in ("_zone_names", "_zone_name"):
        if hasattr(cache := getattr(wire_tests, name), "cache_clear"):
            cache.cache_clear()


def test_get_checks_the_locations_zones_without_listing_the_tz_database(run_cli) -> None:
    _fresh()
    got = run_cli("get", "locations", "--demo", "--demo-size", "200", "--date-to", "2026-01-01",
                  "--workers", "1")
    assert got.exit_code == 0, got.stderr
    zones = {json.loads(line).get("time_zone") for line in got.stdout.splitlines()}
    assert "Europe/Amsterdam" in zones
    assert calendar_windows.zone_names.cache_info().currsize == 0


def test_a_zone_in_another_casing_or_none_is_still_told() -> None:
    _fresh()
    test, problem = wire_tests.FORMATS["zone"]
    assert test("Europe/Amsterdam") and test("europe/amsterdam") and test("UTC+02:00")
    assert not test("Europe/Amsterdan") and not test("right/Europe/Amsterdam")
    assert problem == "not an IANA time zone"
