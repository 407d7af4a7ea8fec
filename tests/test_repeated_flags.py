"""A privacy flag given twice in one object (`"publish": false, ..., "publish": true`)
is read the cautious way: JSON parsers keep the last value, which made a home charger a
public site and its owner's sessions and CDRs part of the export."""

from __future__ import annotations

import json

import orjson
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_cli_get import DATE_TO, lines, login
from test_run_e2e import HEADER, read_csv, run_spec  # noqa: F401 - fixture

from ocpispec.demo import Faults
from ocpispec.ocpi.repeated import settle
from ocpispec.schema.publish import REPEATED

SITES = '''from sessions as sessions
  join locations on location_id
select
  location_id as site
output csv to "sessions.csv"

from locations as locations
select
  id as site
  city as city
output csv to "locations.csv"

from cdrs as cdrs
select
  cdr_location.id as site
output csv to "cdrs.csv"
'''


def _private_ids(server) -> set[str]:
    return {server.world.site(j).id for j in server.world.private_sites()}


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("version", ["2.1.1", "2.2.1", "2.3.0"])
def test_run_leaves_out_a_site_whose_flags_say_private_and_then_public(
        run_spec, demo_server_factory, tmp_path, version: str, workers: str) -> None:
    server = demo_server_factory(version=version, size=300,
                                 faults=Faults(repeated_flags=True))
    private = _private_ids(server)
    (tmp_path / "out").mkdir()
    result = run_spec(HEADER + SITES, server, "--workers", workers, out="out/")
    assert result.exit_code == 0, result.stderr
    rows = {name: read_csv(tmp_path / "out" / f"{name}.csv")
            for name in ("sessions", "locations", "cdrs")}
    assert all(rows.values())
    for name, found in rows.items():
        assert not private & {row["site"] for row in found}, name
    assert "publish: given more than once in one object" in result.stderr
    if version != "2.1.1":
        assert "home_charging_compensation: given more than once" in result.stderr


def test_get_strips_a_site_whose_flags_say_private_and_then_public(
        run_cli, demo_server_factory) -> None:
    server = demo_server_factory(version="2.2.1", size=300, faults=Faults(repeated_flags=True))
    private = _private_ids(server)
    login(run_cli, server)
    result = run_cli("get", "locations", "--include-private", *DATE_TO)
    assert result.exit_code == 0, result.stderr
    printed = lines(result.stdout)
    homes = [obj for obj in printed if "id" not in obj]   # the private form has no id
    assert homes and not private & {obj.get("id") for obj in printed}
    for site in homes:
        assert "address" not in site and "city" not in site


def _page(*objects: str) -> bytes:
    return b'{"status_code": 1000, "data": [' + ",".join(objects).encode() + b"]}"


@pytest.mark.parametrize(("obj", "key", "settled"), [
    ('{"id": "A", "publish": false, "publish": true}', "publish", False),
    ('{"id": "A", "publish": true, "publish": 1}', "publish", 1),
    ('{"id": "A", "pub\\u006cish": false, "publish": true}', "publish", False),
    ('{"id": "A", "publish": false, "pub\\u006cish": true}', "publish", False),
    ('{"id": "A", "parking_type": "ON_DRIVEWAY", "parking_type": "ON_STREET"}',
     "parking_type", "ON_DRIVEWAY"),
    ('{"id": "A", "publish_allowed_to": [{"uid": "X"}], "publish_allowed_to": []}',
     "publish_allowed_to", [{"uid": "X"}]),
    ('{"id": "A", "home_charging_compensation": "yes", "home_charging_compensation": false}',
     "home_charging_compensation", "yes"),
    ('{"id": "A", "location": {"publish": false, "publish": true}}', None, None),
    # `type`, `parking_type`'s 2.1.1 name (which a 2.2 platform may still send), was
    # read as the parser's last value, a public ON_STREET
    ('{"id": "A", "type": "ON_DRIVEWAY", "type": "ON_STREET"}', "type", "ON_DRIVEWAY"),
    ('{"id": "A", "Type": "ON_STREET", "Type": "on-driveway"}', "Type", "on-driveway"),
])
def test_a_repeated_flag_takes_the_value_that_says_private(obj: str, key, settled) -> None:
    content = _page('{"id": "B", "publish": true}', obj)
    [public, found] = settle(content, orjson.loads(content))["data"]
    assert public == {"id": "B", "publish": True}
    if key is None:
        found = found["location"]
        key, settled = "publish", False
    assert found[key] == settled
    assert found[REPEATED]


def test_a_repeated_type_is_a_flag_only_where_it_says_on_driveway() -> None:
    content = _page('{"id": "A", "parking_type": "ON_DRIVEWAY"}',
                    '{"id": "B", "images": [{"type": "jpeg", "type": "png"}]}')
    assert settle(content, orjson.loads(content))["data"][1]["images"] == [{"type": "png"}]


def test_a_repeated_type_makes_a_2_2_location_private() -> None:
    from ocpispec.schema.wire_check import wire_reader

    content = _page('{"country_code": "NL", "party_id": "ABC", "id": "A", "publish": true, '
                    '"type": "ON_DRIVEWAY", "type": "ON_STREET", "last_updated": "2025-01-01T00:00:00Z"}')
    [record] = settle(content, orjson.loads(content))["data"]
    findings = wire_reader("2.2.1", "locations")(record)
    assert record["parking_type"] == "ON_DRIVEWAY" and record["publish"] is False
    assert "parking_type: given more than once in one object: read as the value that says private" \
        in findings.deviations


def test_a_page_that_says_each_flag_once_is_read_as_parsed() -> None:
    content = _page('{"id": "A", "publish": false, "location": {"publish": true}}',
                    '{"id": "B", "name": "pub\\u006cish", "publish": true}')
    parsed = orjson.loads(content)
    assert settle(content, parsed) is parsed


def test_a_platform_cannot_forge_the_mark() -> None:
    from ocpispec.schema.wire_check import wire_reader

    record = {"country_code": "NL", "party_id": "ABC", "id": "LOC1", "publish": True,
              REPEATED: ["publish", "jan.jansen@example.com"], "last_updated": "2025-01-01T00:00:00Z"}
    findings = wire_reader("2.2.1", "locations")(record)
    assert REPEATED not in record
    assert "jan.jansen" not in json.dumps(findings.deviations)



def _flag_keys_by_plain_search(content: bytes) -> int:
    """`_raw_flag_keys` as it was: each word, then `\\u`, searched for as such."""
    from ocpispec.ocpi.repeated import _WORDS
    from ocpispec.ocpi.repeated_keys import _ESCAPED_KEY as _KEY_END

    low, count = content.lower(), 0
    for word, tail in _WORDS:
        at = low.find(word)
        while at >= 0:
            at += len(word)
            count += tail.match(low, at, at + 48) is not None
            at = low.find(word, at)
    at = low.find(b"\\u")
    while at >= 0:
        count += _KEY_END.match(low, at + 2, at + 70) is not None
        at = low.find(b"\\u", at + 2)
    return count


@settings(max_examples=400, deadline=None)
@example(b'{"\\u\\u0070ub": 1, "x\\\\u": 2, "publish": 3}')
@given(st.lists(st.sampled_from([b"\\", b"u", b"U", b'"', b":", b" ", b"a", b"\\u00", b'":',
                                 b"publish", b"Parking_Type", b"x"]), max_size=40).map(b"".join))
def test_the_flag_key_count_agrees_with_a_plain_search(content: bytes) -> None:
    """The backslash search of `_raw_flag_keys` (memchr, not a search for `\\u` over the
    whole page) counts what the plain search counts."""
    from ocpispec.ocpi.repeated import _raw_flag_keys

    assert _raw_flag_keys(content, False) == _flag_keys_by_plain_search(content)
