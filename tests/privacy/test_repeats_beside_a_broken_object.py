"""A page that orjson cannot read as a whole (one object holds `NaN`, an invalid UTF-8
byte, or nests too deep) is read object by object (`body._salvage`), and those objects
were parsed the plain way: a charge beside such an object that names its site twice
(`"location_id": <a home>, ..., "location_id": <a public site>`), or a site that says
`publish` false and then true, was read the last way. `get sessions` printed the
charge at the home as one at the public site, `get locations` the home (adversarial
review, round 26). The objects of a salvaged page are now read as those of any page:
a repeated site key refuses the object, a repeated flag is read the cautious way."""

from __future__ import annotations

import pytest
from independent_cpo import IndependentCpo
from test_run_e2e import HEADER, read_csv, run_spec  # noqa: F401 - fixture

TWIN = "TWIN-CHARGE-1"


class _Twin(str):
    """A key equal to no other: `json.dumps` writes it beside the same text."""

    __hash__ = object.__hash__

    def __eq__(self, other: object) -> bool:
        return self is other


class _BesideBroken(IndependentCpo):
    """A session naming a home and then a public site, or (`flag`) a home saying publish
    false then true, on a page with an object holding `NaN` (Python's json writes it)."""

    def __init__(self, module: str) -> None:
        super().__init__("2.2.1", records=3, page_cap=50)
        sites = self.lists["locations"]
        public = sites[0]
        home = next(site for site in sites if site.get("publish") is False)
        self.home = home["id"]
        if module == "sessions":
            charge = {_Twin("location_id"): home["id"], **self.lists["sessions"][0], "id": TWIN}
            charge["location_id"] = public["id"]
            self.lists["sessions"].append(charge)
            self.lists["sessions"][1] = dict(self.lists["sessions"][1], kwh=float("nan"))
        else:
            home.pop("publish_allowed_to", None)
            home["parking_type"] = "ON_STREET"
            sites[sites.index(home)] = {_Twin("publish"): False, **home, "publish": True}
            sites.append(dict(public, id="BROKEN-1", coordinates={"latitude": float("nan"),
                                                                  "longitude": "5.1"}))


@pytest.mark.parametrize("workers", ["1", "2"])
def test_get_refuses_a_charge_naming_its_site_twice_beside_a_broken_object(run_cli, workers) -> None:
    with _BesideBroken("sessions") as cpo:
        done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC")
        assert done.exit_code == 0, done.stderr
        got = run_cli("get", "sessions", "--date-to", "2030-01-01", "--workers", workers)
    assert got.stdout.count("\n") == 2, got.stdout + got.stderr    # neither the NaN nor the twin
    assert "more than once" in got.stderr, got.stderr


@pytest.mark.parametrize("workers", ["1", "2"])
def test_get_reads_a_flag_given_twice_beside_a_broken_object_the_cautious_way(run_cli, workers) -> None:
    with _BesideBroken("locations") as cpo:
        done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC")
        assert done.exit_code == 0, done.stderr
        got = run_cli("get", "locations", "--date-to", "2030-01-01", "--workers", workers)
    assert cpo.home not in got.stdout, got.stdout
    assert "publish: given more than once in one object" in got.stderr, got.stderr


SESSIONS = '''from sessions as sessions
select
  location_id as site
output csv to "sessions.csv"
'''


@pytest.mark.parametrize("workers", ["1", "2"])
def test_run_refuses_a_charge_naming_its_site_twice_beside_a_broken_object(run_spec, tmp_path,
                                                                          workers) -> None:
    (tmp_path / "out").mkdir()
    with _BesideBroken("sessions") as cpo:
        allowed = run_spec(HEADER + SESSIONS, cpo, "--allow-invalid", "2", "--workers", workers,
                           out="out/")
    assert allowed.exit_code == 0, allowed.stderr
    assert "more than once" in allowed.stderr, allowed.stderr
    assert len(read_csv(tmp_path / "out" / "sessions.csv")) == 2, allowed.stderr  # neither the NaN nor the twin
