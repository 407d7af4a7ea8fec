"""A run that joins CDRs to tariffs released a tariff no published location names
(adversarial review, round 24).

`from tariffs` and `get tariffs` leave out a tariff no connector of a published location
names: a home's own, or one only some drivers get, whose id, text and URL name the home
or the contract (`ocpi/public_scope.py`, the plan's `public-tariffs-only`). A CDR at a
published site that names such a tariff (`tariffs[].id`) joins it whole: `join tariffs
on tariffs.id` with `tariff.id` and `tariff.tariff_alt_url` selected exported the
contract's id and URL on every CDR, with one worker or two. The join's lookup of tariffs
now holds only the tariffs a published location names, as `from tariffs` does
(`execute/join_scope.py`), and the CDR's own copy of it is dropped before it is read
(`execute/charge_tariffs.py`): the join finds none (left null), and the summary says
how many tariffs were left out of the lookup and why. The locations are read first
whatever order the spec joins them in."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from independent_cpo import IndependentCpo

KEY = "5b1e9c2d7a4f08e3c6b9d2a5f1e7c4b0a3d6f9e2c5b8a1d4f7e0c3b6a9d2f5e8"
CONTRACT = "CONTRACT-JANSEN-0042"
SPEC = """export joined_tariffs
  consumer "Test consumer"
  purpose "CDRs with the tariff they name"
  legal basis public task "test"
  retention 1 months
  pseudonym key env JOIN_KEY
source profile default

from cdrs
  join tariffs on tariffs.id{locations}
select
  pseudonymize(id) as cdr
  tariff.id as tariff_id
  tariff.tariff_alt_url as url
output ndjson to "cdrs.ndjson"
"""


class _ContractTariff(IndependentCpo):
    """Every CDR at the published site names a tariff only its driver's contract gets."""

    def __init__(self, version: str = "2.2.1") -> None:
        super().__init__(version, records=6, page_cap=3)
        tariffs = self.lists["tariffs"]
        contract = {**copy.deepcopy(tariffs[0]), "id": CONTRACT,
                    "tariff_alt_url": "https://cpo.example/contracts/jansen",
                    "last_updated": tariffs[-1]["last_updated"]}
        tariffs.append(contract)
        site = self.lists["locations"][0]
        for cdr in self.lists["cdrs"]:
            cdr["location" if version == "2.1.1" else "cdr_location"]["id"] = site["id"]
            for named in cdr.get("tariffs") or []:   # 2.1.1 names no party
                named.update(id=CONTRACT, **{key: contract[key] for key in
                                             ("country_code", "party_id") if key in contract})


@pytest.mark.parametrize("locations", ["", "\n  join locations on cdr_location.id"],
                         ids=["tariffs", "tariffs-then-locations"])
@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("version", ["2.2.1", "2.1.1", "2.3.0"])
def test_a_contract_tariff_does_not_leave_through_a_join(run_cli, tmp_path: Path, monkeypatch,
                                                         workers: str, locations: str,
                                                         version: str, snapshot) -> None:
    monkeypatch.setenv("JOIN_KEY", KEY)
    with _ContractTariff(version) as cpo:
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party",
                       "NL-ABC").exit_code == 0
        spec = tmp_path / "joined.ocx"
        spec.write_text(SPEC.format(locations=locations))
        monkeypatch.chdir(tmp_path)
        ran = run_cli("run", str(spec), "--workers", workers)
        public = run_cli("get", "tariffs", "--date-to", "2030-01-01")
    assert CONTRACT not in public.stdout           # `get tariffs` leaves it out
    assert ran.exit_code == 0, ran.stderr
    written = "".join(path.read_text() for path in tmp_path.rglob("cdrs.ndjson"))
    assert written and CONTRACT not in written and "jansen" not in written
    said = [line.strip() for line in (ran.stdout + ran.stderr).splitlines()
            if "lookup for joins" in line or "join misses" in line]
    assert said == snapshot
