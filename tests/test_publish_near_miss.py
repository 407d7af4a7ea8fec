"""A location that says it is not public under a key other than OCPI's `publish` (other
casing, a stray space, `is_published`, full-width letters) is not public: not in `get`, not in `run`."""

from __future__ import annotations

import json

import pytest
from test_cli_get import DATE_TO, lines, login
from test_run_e2e import HEADER, read_csv, run_spec  # noqa: F401 - fixture

# the last: full-width letters, `publish` once in its compatibility form (NFKC), which
# was read as a field of the platform's own: the site stayed public (round 25)
KEYS = ["Publish", "PUBLISH", "publish ", "is_published", "Published",
        "\uff50\uff55\uff42\uff4c\uff49\uff53\uff48"]

SITES = '''from sessions as sessions
  join locations on location_id
select
  location_id as site
  location.city as city
output csv to "sessions.csv"

from locations as locations
select
  id as site
  city as city
output csv to "locations.csv"
'''


def _private_ids(server) -> set[str]:
    return {server.world.site(j).id for j in server.world.private_sites()}


@pytest.mark.parametrize("version", ["2.1.1", "2.2.1", "2.3.0"])
@pytest.mark.parametrize("key", KEYS)
def test_get_strips_a_site_that_says_it_is_not_public_under_another_key(
        run_cli, demo_server_factory, version: str, key: str) -> None:
    from ocpispec.demo import Faults

    server = demo_server_factory(version=version, size=300, faults=Faults(publish_under=key))
    private = _private_ids(server)
    login(run_cli, server)
    result = run_cli("get", "locations", "--include-private", *DATE_TO)
    assert result.exit_code == 0, result.stderr
    printed = lines(result.stdout)
    # the platform lists them (2.1.1 too), printed in their private form: without an id
    homes = [obj for obj in printed if "id" not in obj]
    assert homes and not private & {obj.get("id") for obj in printed}
    for site in homes:
        assert "address" not in site and "coordinates" not in site
        assert site.get("publish") is not True


@pytest.mark.parametrize("version", ["2.1.1", "2.2.1", "2.3.0"])
@pytest.mark.parametrize("key", KEYS)
def test_run_excludes_a_site_that_says_it_is_not_public_under_another_key(
        run_spec, demo_server_factory, tmp_path, version: str, key: str) -> None:
    from ocpispec.demo import Faults

    server = demo_server_factory(version=version, size=300, faults=Faults(publish_under=key))
    private = _private_ids(server)
    (tmp_path / "out").mkdir()
    result = run_spec(HEADER + SITES, server, out="out/")
    assert result.exit_code == 0, result.stderr
    sessions = read_csv(tmp_path / "out" / "sessions.csv")
    locations = read_csv(tmp_path / "out" / "locations.csv")
    assert sessions and locations
    assert not private & {row["site"] for row in sessions}
    assert not private & {row["site"] for row in locations}
    for row in [*sessions, *locations]:
        assert "CANARY" not in json.dumps(row)


@pytest.mark.parametrize(("extra", "public"), [
    ({}, True),
    ({"Publish": True}, True),
    ({"Publish": False}, False),
    ({"publish ": "false"}, False),
    ({"is_published": 0}, False),
    ({"IsPublished": None}, False),
    ({"publish_allowed_to": [{"uid": "X"}]}, False),
    ({"publish_allowed_to": []}, True),
    ({"publish_allowed_to": ["NL-TNM-C0123"]}, False),      # of the wrong shape: nulled, yet it says so
    ({"publish_allowed_to": "NL-TNM-C0123"}, False),
    ({"publisher": False}, True),   # another word
])
@pytest.mark.parametrize("version", ["2.1.1", "2.2.1"])
def test_the_wire_reader_reads_the_publish_flag_conservatively(extra, public, version) -> None:
    from ocpispec.demo import DemoServer
    from ocpispec.schema.wire_check import wire_reader

    record = DemoServer(version=version, size=50).render(version, "locations", 0)
    assert record.get("publish", True) is True   # the demo's first site is public
    record.update(extra)
    wire_reader(version, "locations")(record)
    assert (record.get("publish", True) is True) is public
