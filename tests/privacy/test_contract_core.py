"""A contract id written without its check digit is still the driver's contract.

The attack (adversarial review, round nine): an eMA-ID ends in a check digit
(`DE-EMP-C63469772-B`) that platforms and back offices often leave out
(`DE-EMP-C63469772`, `DEEMPC63469772`). A platform numbering its sessions, meters or
invoices by the contract without it (`DE-EMP-C63469772-0001`), or naming a site or
public id after it, got past every reading of the record's own ids, which looked for the
letters of the whole id (`deempc63469772b`). The core of a contract id of that shape (2
letters, 3 and 9 letters or digits, a check character) is now one of the record's ids
too (`own_ids_as_ids.card_texts`): in free text, own ids, public ids, joins and shown ids.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from independent_cpo import IndependentCpo
from privacy.reference_runs import KEY, REFERENCE_WHY, reference_spec, run_on, run_writings

SPEC = reference_spec("contract_cores")
_WHY = REFERENCE_WHY


class _ContractCores(IndependentCpo):
    """eMA-IDs with a check digit; every other record names its contract without it."""

    def __init__(self, version: str) -> None:
        super().__init__(version, records=12, page_cap=5)
        for module in ("sessions", "cdrs"):
            for index, record in enumerate(self.lists[module]):
                contract = f"NL-IND-C{index:08d}"
                token = record.get("cdr_token")
                if isinstance(token, dict):
                    token["contract_id"] = f"{contract}-{index % 10}"
                else:
                    record["auth_id"] = f"{contract}-{index % 10}"
                if index % 2 == 0:
                    record["meter_id"] = f"{contract}-0001"
                    record["id"] = contract.replace("-", "*").lower() + f"/s{index}"
                    site = record.get("cdr_location") or record.get("location")
                    if module == "cdrs" and isinstance(site, dict):
                        site["name"] = f"Contract {contract.replace('-', '')}"

    @staticmethod
    def cores() -> set[str]:
        return {f"nlindc{index:08d}" for index in range(12)}


def _dataset(module: str) -> str:
    site = "  cdr_location.name as site\n" if module == "cdrs" else ""
    return (f"\nfrom {module}\nselect\n  id as reference {_WHY}\n  meter_id as meter {_WHY}\n"
            f"{site}output ndjson to \"{module}.ndjson\"\n")


@pytest.mark.parametrize(("version", "workers"), [("2.1.1", "2"), ("2.3.0", "1")])
def test_a_contract_without_its_check_digit_is_not_released(run_cli, tmp_path: Path, monkeypatch,
                                                            version: str, workers: str) -> None:
    monkeypatch.setenv("JOIN_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    with _ContractCores(version) as cpo:
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party",
                       "NL-ABC").exit_code == 0
        (tmp_path / "ids.ocx").write_text(SPEC + _dataset("sessions") + _dataset("cdrs"))
        ran = run_cli("-v", "--log-file", str(tmp_path / "run.log"), "run",
                      str(tmp_path / "ids.ocx"), "--workers", workers)
    assert ran.exit_code == 0, ran.stdout + ran.stderr
    written = run_writings(tmp_path, ran)
    assert "contract_cores" in written   # (the run's files were read)
    assert sorted(core for core in _ContractCores.cores()
                  if core in re.sub(r"[^0-9a-z]", "", written.lower())) == []
    for module in ("sessions", "cdrs"):
        assert len((tmp_path / f"{module}.ndjson").read_text().splitlines()) == 12
        assert f"{module}.meter_id (the record's own card or contract id) (6)" in ran.stderr, ran.stderr
        assert f"{module}.id (text with the record's own card or contract id in it) (6)" in ran.stderr


@pytest.mark.parametrize(("field", "value", "held"), [
    ("evse_uid", "DE*EMP*C63469772", True), ("evse_uid", "deempc63469772", True),
    ("evse_uid", "DE-EMP-C6346977", False), ("meter_id", "M-DEEMPC63469772-2", True)])
def test_its_core_as_a_public_or_own_id(field: str, value: str, held: bool) -> None:
    from ocpispec.schema.wire_check import wire_reader

    record = {"id": "S1", field: value,
              "cdr_token": {"uid": "A581578A3799FD", "contract_id": "DE-EMP-C63469772-B"}}
    found = wire_reader("2.2.1", "sessions")(record).invalid
    assert (field in [path for path, _ in found]) is held, found


class _OneDriverTwoWays(IndependentCpo):
    """12 sessions of 3 drivers, each driver's contract sent with its check digit and
    without it (6 spellings)."""

    def __init__(self) -> None:
        super().__init__("2.2.1", records=12, page_cap=5)
        for index, record in enumerate(self.lists["sessions"]):
            contract = f"NL-IND-C{index % 3:08d}"
            record["cdr_token"]["contract_id"] = f"{contract}-7" if index % 2 == 0 else contract


def test_a_driver_sent_with_and_without_the_check_digit_is_one(run_cli, tmp_path: Path,
                                                               monkeypatch) -> None:
    """A minimum group size of 6 counts 3 drivers, not 6 spellings."""
    monkeypatch.setenv("JOIN_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    spec = SPEC + ('\nfrom sessions\ngroup by\n  constant("all") as area\ncompute\n  count() as charges\n'
                   '  minimum group size 6\noutput csv to "groups.csv"\n')
    with _OneDriverTwoWays() as cpo:
        ran = run_on(run_cli, cpo, tmp_path / "groups.ocx", spec)
    assert ran.exit_code == 0, ran.stdout + ran.stderr
    assert (tmp_path / "groups.csv").read_text().splitlines()[1:] == [], ran.stderr
    assert "0 released, 1 suppressed as too small" in ran.stderr
