"""A contract's instance alone (`C00000004`, the 9 characters after its provider) is the
driver's contract too.

The attack (adversarial review, round 36): an eMA-ID is country, provider, a 9-character
instance and a check character (`NL-IND-C00000004-4`); within the provider, the instance
alone tells the contract apart, and anyone who knows the CPO's eMSPs has the contract
back from it. A platform naming a site, a meter or a session by it (`Laadpas C00000004`,
`M-C00000004`) got past every reading of the record's own ids. The instance of a contract
id of that shape, where it holds a digit, is now one of the record's ids
(`own_ids_as_ids.contract_parts`), read as a short id is: only as a whole word (or the
whole id), so `XC000000041` passes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from independent_cpo import IndependentCpo
from privacy.reference_runs import KEY, REFERENCE_WHY, reference_spec

SPEC = reference_spec("contract_instances")


class _ContractInstances(IndependentCpo):
    """eMA-IDs with a check digit; every other record names its contract's instance alone,
    the others a longer word holding it (not the instance, which stays)."""

    def __init__(self, version: str) -> None:
        super().__init__(version, records=12, page_cap=5)
        for module in ("sessions", "cdrs"):
            for index, record in enumerate(self.lists[module]):
                instance = f"C{index:08d}"
                token = record.get("cdr_token")
                if isinstance(token, dict):
                    token["contract_id"] = f"NL-IND-{instance}-{index % 10}"
                else:
                    record["auth_id"] = f"NL-IND-{instance}-{index % 10}"
                named = instance if index % 2 == 0 else f"X{instance}1"
                record["meter_id"] = f"M-{named}"
                record["id"] = f"S-{named}-{index}"
                site = record.get("cdr_location") or record.get("location")
                if module == "cdrs" and isinstance(site, dict):
                    site["name"] = f"Laadpas {named}"

    @staticmethod
    def instances(kept: bool) -> set[str]:
        return {f"c{index:08d}" for index in range(12) if (index % 2 == 1) is kept}


def _dataset(module: str) -> str:
    site = "  cdr_location.name as site\n" if module == "cdrs" else ""
    return (f"\nfrom {module}\nselect\n  id as reference {REFERENCE_WHY}\n  meter_id as meter {REFERENCE_WHY}\n"
            f"{site}output ndjson to \"{module}.ndjson\"\n")


def _words(text: str) -> set[str]:
    return set(re.findall(r"[0-9a-z]+", text.lower()))


@pytest.mark.parametrize(("version", "workers"), [("2.1.1", "2"), ("2.2.1", "1"), ("2.3.0", "2")])
def test_a_contract_s_instance_alone_is_not_released(run_cli, tmp_path: Path, monkeypatch,
                                                     version: str, workers: str) -> None:
    monkeypatch.setenv("JOIN_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    with _ContractInstances(version) as cpo:
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC").exit_code == 0
        (tmp_path / "ids.ocx").write_text(SPEC + _dataset("sessions") + _dataset("cdrs"))
        ran = run_cli("run", str(tmp_path / "ids.ocx"), "--workers", workers)
        got = run_cli("get", "sessions", "--privacy-pass", "id,meter_id", "--date-to", "2030-01-01")
    assert ran.exit_code == 0, ran.stdout + ran.stderr
    assert got.exit_code == 0, got.stderr
    for module in ("sessions", "cdrs"):
        written = (tmp_path / f"{module}.ndjson").read_text()
        assert len(written.splitlines()) == 12
        assert sorted(_ContractInstances.instances(kept=False) & _words(written)) == []
        # a longer word holding it is no contract's instance: it stays
        assert {f"x{instance}1" for instance in _ContractInstances.instances(kept=True)} <= _words(written)
        assert f"{module}.meter_id (the record's own card or contract id) (6)" in ran.stderr, ran.stderr
        assert f"{module}.id (text with the record's own card or contract id in it) (6)" in ran.stderr
    assert sorted(_ContractInstances.instances(kept=False) & _words(got.stdout + got.stderr)) == []
    assert "sessions.id (text with the record's own card or contract id in it): 6" not in got.stderr
    assert "6 sessions.id (text with the record's own card or contract id in it)" in got.stderr


@pytest.mark.parametrize(("value", "held"), [
    ("Laadpas C63469772", True), ("C63469772", True), ("c63469772", True),
    ("XC63469772", False), ("C634697721", False), ("Laadpas C6346977", False)])
def test_the_instance_is_read_as_a_whole_word(value: str, held: bool) -> None:
    from ocpispec.schema.wire_check import wire_reader

    record = {"id": "S1", "meter_id": value,
              "cdr_token": {"uid": "A581578A3799FD", "contract_id": "DE-EMP-C63469772-B"}}
    found = wire_reader("2.2.1", "sessions")(record).invalid
    assert ("meter_id" in [path for path, _ in found]) is held, found
