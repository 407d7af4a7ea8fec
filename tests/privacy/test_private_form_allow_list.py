"""What `get --include-private` prints of a home: an allow-list (`ocpi.private_form`).

The private form of a site was the public projection less a list of names: a home kept
its `id` (the key its charges join on), its EVSE `uid`s and connector ids, its
`energy_mix` (the household's supplier and product), its opening times, operator and, on
2.3.0, its `help_phone`; a session there kept its `connector_id`, and a CDR its
`cdr_location.connector_id`. Any field the list did not name went out. Now the private
form keeps only what `ocpi.private_form` names: the country, time zone and parking type,
the connectors' kind and power; for a charge its party, currency and status. Shown on the
independent CPO's copy of the official home charge point example, with the fields a home
may carry filled in, in one process and with worker processes."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fixtures_cli import cli_block
from fixtures_demo import scrub
from independent_cpo import IndependentCpo

from ocpispec.ocpi.private_form import PRIVATE_FORMS

HOME_VALUES = {"supplier_name": "Stadtwerke Musterhaus", "energy_product_name": "Mein Hausstrom",
               "help_phone": "+49 221 5550101", "operator": "Familie Muster Energie"}


class _FurnishedHome(IndependentCpo):
    """The example home charge point with every field a platform may fill in, and every
    session and CDR charged there."""

    def __init__(self, version: str) -> None:
        super().__init__(version, records=6, page_cap=4)
        home = next(site for site in self.lists["locations"] if site.get("publish") is False)
        home.update(
            energy_mix={"is_green_energy": True, "supplier_name": HOME_VALUES["supplier_name"],
                        "energy_product_name": HOME_VALUES["energy_product_name"]},
            operator={"name": HOME_VALUES["operator"]},
            opening_times={"twentyfourseven": True}, facilities=["WIFI"])
        if version == "2.3.0":
            home["help_phone"] = HOME_VALUES["help_phone"]
        self.home = home
        for record in self.lists["sessions"]:
            record.update(location_id=home["id"], country_code=home["country_code"],
                          party_id=home["party_id"])
        for record in self.lists["cdrs"]:
            record["cdr_location"]["id"] = home["id"]
            record.update(country_code=home["country_code"], party_id=home["party_id"])

    def identifying(self) -> list[str]:
        """What names or locates the home: its ids, its EVSE's, and what the household chose."""
        evse = self.home["evses"][0]
        return [self.home["id"], evse["uid"], evse["evse_id"], *HOME_VALUES.values()]


@pytest.fixture(scope="module", params=["2.2.1", "2.3.0"])
def version(request) -> str:
    return request.param


@pytest.fixture
def home(run_cli, version) -> Iterator[_FurnishedHome]:
    with _FurnishedHome(version) as cpo:
        done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC")
        assert done.exit_code == 0, done.stderr
        yield cpo


def _paths(value, prefix: str = "") -> set[str]:
    if isinstance(value, list):
        return {path for item in value for path in _paths(item, prefix)}
    if isinstance(value, dict):
        return {path for name, item in value.items()
                for path in (_paths(item, f"{prefix}{name}.") or {prefix + name})}
    return set()


def _allowed(keep: dict, prefix: str = "") -> set[str]:
    return {path for name, below in keep.items()
            for path in ([prefix + name] if below is None else _allowed(below, f"{prefix}{name}."))}


def _within(path: str, allowed: set[str]) -> bool:
    return any(path == kept or path.startswith(kept + ".") for kept in allowed)


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("module", ["locations", "sessions", "cdrs"])
def test_the_private_form_keeps_only_what_it_names(run_cli, home, module, workers) -> None:
    got = run_cli("get", module, "--include-private", "--date-to", "2030-01-01",
                  "--workers", workers)
    assert got.exit_code == 0, got.stderr
    printed = [json.loads(line) for line in got.stdout.splitlines()]
    private = [obj for obj in printed if module != "locations" or obj.get("publish") is False]
    assert len(private) == (1 if module == "locations" else 6)
    allowed = _allowed(PRIVATE_FORMS[module])
    for obj in private:
        assert {path for path in _paths(obj) if not _within(path, allowed)} == set()
    for value in home.identifying():
        assert value not in got.stdout
    assert "connector_id" not in got.stdout


def test_the_summary_names_what_a_home_loses(run_cli, home, tmp_path, snapshot) -> None:
    got = run_cli("get", "locations", "--include-private", "--date-to", "2030-01-01")
    home_line = next(line for line in got.stdout.splitlines() if '"publish":false' in line)
    assert scrub(f"{home_line}\n{cli_block(got).split('----- stderr -----')[1]}",
                 tmp_path=tmp_path, token=home.token) == snapshot


def test_an_opened_path_still_passes(run_cli, home) -> None:
    """`--privacy-pass` is the user's word: `evses.uid` opened is printed, and warned of."""
    got = run_cli("get", "locations", "--include-private", "--privacy-pass", "evses.uid",
                  "--date-to", "2030-01-01")
    assert got.exit_code == 0, got.stderr
    assert home.home["evses"][0]["uid"] in got.stdout
    assert home.home["id"] not in got.stdout
