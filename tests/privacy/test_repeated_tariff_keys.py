"""A connector that names its tariffs twice (`"tariff_ids": [<public>], ...,
"tariff_ids": [<a home's>]`), or an object that gives twice one of the objects that hold a
site's keys (a location's `evses`, an EVSE's `connectors`, a CDR's `cdr_location`). JSON
parsers keep the last value, so a home charger's own tariff was read as one a published
location names: `get tariffs` printed it with its id, text and URL, and `run` exported it.
Which tariffs the connector names, and which site or EVSEs the object has, is unknown:
the object is refused, as one naming its site twice (`ocpi/repeated_keys.py`)."""

from __future__ import annotations

import copy

import pytest
from independent_cpo import IndependentCpo
from test_run_e2e import HEADER, read_csv, run_spec  # noqa: F401 - fixture

HOME_TARIFF = "HOME-OWNER-TARIFF-1"


class _Twin(str):
    """A key equal to no other: a dict holds it beside the same text, and `json.dumps`
    writes both, so the body repeats the key."""

    __hash__ = object.__hash__

    def __eq__(self, other: object) -> bool:
        return self is other


class _TariffNamedTwice(IndependentCpo):
    """A home names its own tariff; a published site's connector names a public tariff
    and then the home's (`shape`: the key given twice)."""

    def __init__(self, version: str, shape: str) -> None:
        super().__init__(version, records=3, page_cap=50)
        sites, tariffs = self.lists["locations"], self.lists["tariffs"]
        self.public_tariffs = [tariff["id"] for tariff in tariffs]
        tariffs.append(dict(copy.deepcopy(tariffs[0]), id=HOME_TARIFF))
        key = "tariff_id" if version == "2.1.1" else "tariff_ids"
        home_value = HOME_TARIFF if version == "2.1.1" else [HOME_TARIFF]
        public = sites[0]
        evse = public["evses"][0]
        connector = evse["connectors"][-1]
        public_value = connector[key]
        if shape == "tariff_ids":
            twice = {_Twin(key): public_value, **connector}
            twice[key] = home_value
            evse["connectors"][-1] = twice
        elif shape == "connectors":
            home_connector = dict(copy.deepcopy(connector), **{key: home_value})
            twice = {_Twin("connectors"): copy.deepcopy(evse["connectors"]), **evse}
            twice["connectors"] = [*evse["connectors"][:-1], home_connector]
            public["evses"][0] = twice
        else:   # evses
            home_evses = copy.deepcopy(public["evses"])
            home_evses[0]["connectors"][-1][key] = home_value
            twice = {_Twin("evses"): public["evses"], **public}
            twice["evses"] = home_evses
            sites[0] = twice
        if version != "2.1.1":   # the home names its tariff (2.1.1 lists no private site)
            home = next(site for site in sites if site.get("publish") is False)
            home["evses"][0]["connectors"][0]["tariff_ids"] = [HOME_TARIFF]


def _login(run_cli, cpo: IndependentCpo) -> None:
    done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC")
    assert done.exit_code == 0, done.stderr


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("shape", ["tariff_ids", "connectors", "evses"])
@pytest.mark.parametrize("version", ["2.1.1", "2.2.1", "2.3.0"])
def test_get_prints_no_tariff_a_connector_names_twice(run_cli, version: str, shape: str,
                                                     workers: str) -> None:
    with _TariffNamedTwice(version, shape) as cpo:
        _login(run_cli, cpo)
        got = run_cli("get", "tariffs", "--date-to", "2030-01-01", "--workers", workers)
        sites = run_cli("get", "locations", "--date-to", "2030-01-01", "--workers", workers,
                        "--allow-invalid", "1")
    assert got.exit_code == 0, got.stderr
    assert HOME_TARIFF not in got.stdout + got.stderr
    assert sites.exit_code == 0, sites.stderr
    assert HOME_TARIFF not in sites.stdout + sites.stderr
    assert "invalid objects left out: 1 " in sites.stderr and "more than once" in sites.stderr, sites.stderr


TARIFFS = '''from tariffs as tariffs
select
  id as tariff
output csv to "tariffs.csv"
'''


@pytest.mark.parametrize("workers", ["1", "2"])
def test_run_exports_no_tariff_a_connector_names_twice(run_spec, tmp_path, workers: str) -> None:
    (tmp_path / "out").mkdir()
    with _TariffNamedTwice("2.2.1", "tariff_ids") as cpo:
        failed = run_spec(HEADER + TARIFFS, cpo, "--workers", workers, out="out/")
        allowed = run_spec(HEADER + TARIFFS, cpo, "--workers", workers, "--allow-invalid", "1",
                           out="out/")
    assert failed.exit_code == 1 and "error[OCX570]" in failed.stderr, failed.stderr
    assert "more than once" in failed.stderr
    assert allowed.exit_code == 0, allowed.stderr
    exported = (tmp_path / "out" / "tariffs.csv").read_text()
    assert HOME_TARIFF not in exported + allowed.stderr + failed.stderr


@pytest.mark.parametrize("twice", [
    '"tariff_ids": ["PUBLIC-T"], "tariff_ids": ["HOME-T"]',
    '"tariff_ids": ["PUBLIC-T"], "tariffIds": ["HOME-T"]',
    '"Tariff_IDs": ["PUBLIC-T"], "tariff_ids": ["HOME-T"]',
    '"tariff_ids": ["PUBLIC-T"], "tariff\\u005fids": ["HOME-T"]',
    '"tariff_id": "PUBLIC-T", "tariff_id": "HOME-T"',
])
def test_a_connector_naming_its_tariffs_twice_refuses_its_location(twice: str) -> None:
    import httpx

    from ocpispec.ocpi.body import Unreadable, decode_body

    content = ('{"status_code": 1000, "data": [{"country_code": "NL", "party_id": "ABC", "id": "L1", '
               '"publish": true, "evses": [{"uid": "E1", "connectors": [{"id": "1", ' + twice + '}]}]},'
               ' {"country_code": "NL", "party_id": "ABC", "id": "L2", "publish": true, "evses": '
               '[{"uid": "E2", "connectors": [{"id": "1", "tariff_ids": ["PUBLIC-T"]}]}]}]}').encode()
    response = httpx.Response(200, content=content)
    refused, kept = decode_body("http://127.0.0.1/ocpi/locations", response, content)["data"]
    assert isinstance(refused, Unreadable) and "HOME-T" not in refused.reason, refused
    assert kept["id"] == "L2"
