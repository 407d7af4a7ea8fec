"""A join opens only what `from MODULE` would export (adversarial review, round 24).

A run of sessions keeps those at published sites, a run of CDRs those too, and never a
CDR for home charging; a run of tariffs only those a published location names. A join
from a record the scope keeps must not reach past it: the CDR of a public session that
was charged at a home (its `cdr_location` the home's) or paid as home charging, the
session of a public CDR that stood at a home, a contract's tariff a session's charging
period names. Each found its object whole before `execute/join_scope.py`; now the join
finds none (left null: a join miss, or no key where the charge's own copy of a contract's
tariff id is dropped) and the summary says how many were left out."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from independent_cpo import IndependentCpo

KEY = "5b1e9c2d7a4f08e3c6b9d2a5f1e7c4b0a3d6f9e2c5b8a1d4f7e0c3b6a9d2f5e8"
CONTRACT = "CONTRACT-DEVRIES-0077"
HEADER = """export joined
  consumer "Test consumer"
  purpose "Charges with what they join"
  legal basis public task "test"
  retention 1 months
  pseudonym key env JOIN_KEY
source profile default

"""
SPECS = {
    # a public session whose CDR was charged at the home
    "cdr-at-home": "from sessions\n  join cdrs on id\nselect\n  pseudonymize(id) as session\n"
                   "  cdr.cdr_location.id as cdr_site\noutput ndjson to \"out.ndjson\"\n",
    # a public session whose CDR is paid as home charging
    "home-charging-cdr": "from sessions\n  join cdrs on id\nselect\n  pseudonymize(id) as session\n"
                         "  pseudonymize(cdr.id) as cdr\n  cdr.total_energy as energy\n"
                         "output ndjson to \"out.ndjson\"\n",
    # a public CDR whose session stood at the home
    "session-at-home": "from cdrs\n  join sessions on session_id\nselect\n  pseudonymize(id) as cdr\n"
                       "  session.location_id as session_site\noutput ndjson to \"out.ndjson\"\n",
    # a public session whose charging periods name a contract's tariff
    "contract-tariff": "from sessions\n  join tariffs on charging_periods.tariff_id\nselect\n"
                       "  pseudonymize(id) as session\n  tariff.id as tariff_id\n"
                       "  tariff.tariff_alt_url as url\noutput ndjson to \"out.ndjson\"\n",
}


class _Linked(IndependentCpo):
    """Every session at the published site, with a CDR of its own; what `case` says
    sits out of the scope."""

    def __init__(self, case: str) -> None:
        super().__init__("2.2.1", records=4, page_cap=3)
        site, home = self.lists["locations"][0], self.lists["locations"][1]
        assert home["publish"] is False
        tariffs = self.lists["tariffs"]
        tariffs.append({**copy.deepcopy(tariffs[0]), "id": CONTRACT,
                        "tariff_alt_url": "https://cpo.example/contracts/devries",
                        "last_updated": tariffs[-1]["last_updated"]})
        for session, cdr in zip(self.lists["sessions"], self.lists["cdrs"], strict=True):
            session["location_id"] = site["id"]
            cdr["cdr_location"]["id"] = site["id"]
            cdr["session_id"] = session["id"]
            cdr["total_energy"] = 47.125
            match case:
                case "cdr-at-home":
                    cdr["cdr_location"]["id"] = home["id"]
                case "home-charging-cdr":
                    cdr["home_charging_compensation"] = True
                case "session-at-home":
                    session["location_id"] = home["id"]
                case "contract-tariff":
                    for period in session.get("charging_periods") or []:
                        period["tariff_id"] = CONTRACT
        self.home = home["id"]


LEAKS = {"cdr-at-home": lambda cpo: cpo.home, "home-charging-cdr": lambda cpo: "47.125",
         "session-at-home": lambda cpo: cpo.home, "contract-tariff": lambda cpo: CONTRACT}


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("case", sorted(SPECS))
def test_a_join_finds_nothing_the_scope_leaves_out(run_cli, tmp_path: Path, monkeypatch,
                                                   case: str, workers: str, snapshot) -> None:
    monkeypatch.setenv("JOIN_KEY", KEY)
    with _Linked(case) as cpo:
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party",
                       "NL-ABC").exit_code == 0
        spec = tmp_path / "joined.ocx"
        spec.write_text(HEADER + SPECS[case])
        monkeypatch.chdir(tmp_path)
        assert run_cli("check", str(spec)).exit_code == 0, run_cli("check", str(spec)).stdout
        ran = run_cli("run", str(spec), "--workers", workers)
    assert ran.exit_code == 0, ran.stdout + ran.stderr
    written = "".join(path.read_text() for path in tmp_path.rglob("out.ndjson"))
    assert written.count("\n") == 4
    assert LEAKS[case](cpo) not in written and "devries" not in written
    said = [line.strip() for line in (ran.stdout + ran.stderr).splitlines()
            if "lookup for joins" in line or "join misses" in line]
    assert said == snapshot
