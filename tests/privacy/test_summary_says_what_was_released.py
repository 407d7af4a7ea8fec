"""The summary of `get` says exactly what a private form, or a charge's embedded site,
withheld (adversarial review, round 26). Its lines were fixed texts:
`get locations --include-private --privacy-pass evses.uid` printed each home's EVSE uid
(the site's id inside it) under "private sites (ids, address, ... withheld)", `get tariffs
--include-private --privacy-pass id` (or `tariff_alt_url`, or `.`) a home's tariff id
under "(id, text and URL withheld)", and `get cdrs --privacy-pass cdr_location.address`
every site's address under "embedded locations (site and EVSE details withheld)". A word
is now said withheld only where no opened path let a field of it out, and the opened
paths are named; every combination of paths is checked against what `Release` printed."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ocpispec.cli.get_withheld import PRIVATE_SITE, PRIVATE_TARIFF, embedded_withheld, \
    private_form_withheld
from ocpispec.demo import DemoServer
from ocpispec.ocpi.public_scope import PublicScope
from ocpispec.ocpi.release import Release

DATE_TO = ("--date-to", "2026-01-01")
_LINE = re.compile(r"^  (private sites|tariffs no published location names|embedded locations) .*$",
                   re.MULTILINE)


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer(version="2.2.1", size=150, max_page_size=40) as started:
        yield started


@pytest.mark.parametrize("args", [
    ("locations", "--include-private", "--privacy-pass", "evses.uid"),
    ("locations", "--include-private", "--privacy-pass", "id,evses,owner.name"),
    ("locations", "--include-private", "--privacy-pass", "."),
    ("locations", "--include-private"),
    ("tariffs", "--include-private", "--privacy-pass", "id"),
    ("tariffs", "--include-private", "--privacy-pass", "tariff_alt_url"),
    ("tariffs", "--include-private", "--privacy-pass", "."),
    ("tariffs", "--include-private"),
    ("cdrs", "--privacy-pass", "cdr_location.address"),
    ("cdrs", "--include-private", "--privacy-pass", "cdr_location.id"),
    ("cdrs",),
])
def test_the_summary_names_what_the_opened_paths_released(run_cli, server, args, snapshot) -> None:
    done = run_cli("login", server.versions_url, "--token", server.token, "--party", "NL-ABC")
    assert done.exit_code == 0, done.stderr
    got = run_cli("get", *args, *DATE_TO)
    assert got.exit_code == 0, got.stderr
    said = [match.group(0) for match in _LINE.finditer(got.stderr)]
    assert said, got.stderr
    assert "\n".join(said) == snapshot


_HOME: dict[str, Any] = {
    "country_code": "NL", "party_id": "ABC", "id": "HOME-1", "publish": False,
    "name": "Jansen", "address": "Dorpsstraat 1", "city": "Ede", "postal_code": "6711 AA",
    "state": "Gelderland", "country": "NLD", "parking_type": "ON_DRIVEWAY",
    "coordinates": {"latitude": "52.0", "longitude": "5.6"},
    "owner": {"name": "J. Jansen"}, "operator": {"name": "Op"}, "suboperator": {"name": "Sub"},
    "opening_times": {"twentyfourseven": True}, "time_zone": "Europe/Amsterdam",
    "energy_mix": {"is_green_energy": True, "supplier_name": "Eneco"},
    "evses": [{"uid": "HOME-1-E1", "evse_id": "NL*ABC*E1", "status": "CHARGING",
               "status_schedule": [{"period_begin": "2025-01-01T00:00:00Z", "status": "BLOCKED"}],
               "coordinates": {"latitude": "52.0", "longitude": "5.6"},
               "connectors": [{"id": "1", "standard": "IEC_62196_T2", "format": "SOCKET",
                               "power_type": "AC_3_PHASE", "max_voltage": 230, "max_amperage": 16,
                               "tariff_ids": ["HOME-T"], "last_updated": "2025-01-01T00:00:00Z"}],
               "last_updated": "2025-01-01T00:00:00Z"}],
    "last_updated": "2025-01-01T00:00:00Z"}
_TARIFF: dict[str, Any] = {
    "country_code": "NL", "party_id": "ABC", "id": "HOME-T", "currency": "EUR",
    "tariff_alt_text": [{"language": "nl", "text": "Jansen thuis"}],
    "tariff_alt_url": "https://example.com/jansen", "elements": [],
    "last_updated": "2025-01-01T00:00:00Z"}
_SITE_PATHS = sorted({path for _, paths in PRIVATE_SITE for path in paths}
                     | {"evses", "evses.connectors", "owner.name", "coordinates.latitude",
                        "opening_times", "country", "time_zone", "."})
_TARIFF_PATHS = ["id", "tariff_alt_text", "tariff_alt_url", "currency", "elements", "."]


def _holds(node: Any, path: list[str]) -> bool:
    if isinstance(node, list):
        return any(_holds(item, path) for item in node)
    if not path:
        return True
    return isinstance(node, dict) and path[0] in node and _holds(node[path[0]], path[1:])


def _check(module: str, words, obj: dict[str, Any], open_paths: frozenset[str]) -> None:
    release = Release("2.2.1", module, open_paths, scope=PublicScope(module), keep_private=True)
    printed = release.apply(copy.deepcopy(obj))
    assert printed is not None
    said = private_form_withheld("2.2.1", module, words, open_paths)
    withheld_part, _, released_part = said.partition("; released by --privacy-pass: ")
    named = set(re.split(r", | and ", withheld_part.removesuffix(" withheld"))) if \
        withheld_part.endswith(" withheld") else set()
    for word, fields in words:
        present = [field for field in fields if _holds(obj, field.split("."))]
        out = [field for field in present if _holds(printed, field.split("."))]
        if word in named:       # said withheld: none of it printed
            assert not out, (word, out, said)
        elif f"other {word}" in named:   # a part withheld (a field, or a part of one)
            assert len(out) < len(present) or any(
                path.startswith(field + ".") for path in open_paths for field in out), (word, said)
        else:                   # not said withheld: all of it printed
            assert len(out) == len(present), (word, present, out, said)
    for path in filter(None, released_part.split(", ")):   # printed where the object has it
        assert _holds(printed, path.split(".")) == _holds(obj, path.split(".")), (path, said)


@settings(max_examples=150, deadline=None)
@given(st.frozensets(st.sampled_from(_SITE_PATHS), max_size=4))
@example(frozenset({"evses.uid"}))
@example(frozenset({"."}))
@example(frozenset({"id", "evses", "owner.name"}))
def test_a_private_site_summary_is_true_for_any_paths(open_paths: frozenset[str]) -> None:
    _check("locations", PRIVATE_SITE, _HOME, open_paths)


@settings(max_examples=60, deadline=None)
@given(st.frozensets(st.sampled_from(_TARIFF_PATHS), max_size=3))
@example(frozenset({"id"}))
@example(frozenset({"tariff_alt_url"}))
def test_a_private_tariff_summary_is_true_for_any_paths(open_paths: frozenset[str]) -> None:
    _check("tariffs", PRIVATE_TARIFF, _TARIFF, open_paths)


def test_an_embedded_site_opened_exactly_is_said_released() -> None:
    said = embedded_withheld("cdrs", frozenset({"cdr_location.address"}), keep_private=False)
    assert said == ("other site and EVSE details withheld; released by --privacy-pass: "
                    "cdr_location.address; see `get locations`")
    assert embedded_withheld("cdrs", frozenset({"kwh"}), keep_private=False) == \
        "site and EVSE details withheld, see `get locations`"
