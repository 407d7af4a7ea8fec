"""A 2.2+ platform naming a nested field by its OCPI 2.1.1 name (a platform whose modules
moved to 2.2 one at a time), which read as an unknown field and lost its value without a
failure:

- the contract in a session's or CDR's `cdr_token` as `auth_id`: the run succeeded with an
  empty `driver` column for those records, so a study following drivers lost them;
- a connector's tariff as `tariff_id` (one id, not the list `tariff_ids`): no published
  site named any tariff, so a tariffs export left every tariff out as not public (0 rows,
  exit 0).

Each is read now under its OCPI name, and said as a deviation."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from independent_cpo import IndependentCpo
from test_independent_cpo import KEY as INDEPENDENT_KEY
from test_independent_cpo import spec_text

KEY = "7d9f1b3a5c7e9d1f3b5a7c9e1d3f5b7a9c1e3d5f7b9a1c3e5d7f9b1a3c5e7d9f"
SPEC = """export contract_names
  consumer "Test consumer"
  purpose "Drivers of charging sessions followed over time"
  legal basis public task "test"
  retention 1 months
  pseudonym key env NAMES_KEY
source profile independent
from {module}
select
  pseudonymize(cdr_token.contract_id) as driver
  pseudonymize(id) as record
output csv to "{module}.csv"
"""


class _OlderContractName(IndependentCpo):
    """Every other session's and CDR's `cdr_token.contract_id` sent as `auth_id`."""

    def _records(self, module: str, count: int) -> list[dict[str, Any]]:
        made = super()._records(module, count)
        for record in made[1::2] if module in ("sessions", "cdrs") else ():
            record["cdr_token"]["auth_id"] = record["cdr_token"].pop("contract_id")
        return made


@pytest.mark.parametrize("version", ["2.2.1", "2.3.0"])
@pytest.mark.parametrize("module", ["sessions", "cdrs"])
def test_a_contract_under_its_2_1_1_name_in_the_cdr_token_is_read(module: str, version: str, run_cli,
                                                                   tmp_path: Path) -> None:
    with _OlderContractName(version, records=8) as cpo:
        done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent")
        assert done.exit_code == 0, done.output
        spec = tmp_path / "names.ocx"
        spec.write_text(SPEC.format(module=module))
        out = tmp_path / "out" / "names.csv"
        done = run_cli("run", str(spec), "--out", str(out), "--state", str(tmp_path / "state.sqlite"),
                       env={"NAMES_KEY": KEY})
        personal = cpo.personal_values()
    assert done.exit_code == 0, done.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 8 and all(row["driver"] for row in rows), rows
    assert len({row["driver"] for row in rows}) == 8
    assert "cdr_token.auth_id read as cdr_token.contract_id (OCPI 2.1.1 name)" in done.output, done.output
    assert not [value for value in personal if value in done.output + out.read_text(encoding="utf-8")]


class _OlderTariffName(IndependentCpo):
    """Every connector names its one tariff as `tariff_id`, OCPI 2.1.1's field."""

    def _records(self, module: str, count: int) -> list[dict[str, Any]]:
        made = super()._records(module, count)
        for location in made if module == "locations" else ():
            for connector in (c for evse in location["evses"] for c in evse["connectors"]):
                if connector.get("tariff_ids"):
                    connector["tariff_id"] = connector.pop("tariff_ids")[0]
        return made


@pytest.mark.parametrize("version", ["2.2.1", "2.3.0"])
def test_a_connector_s_tariff_under_its_2_1_1_name_is_read(version: str, run_cli, tmp_path: Path) -> None:
    with _OlderTariffName(version, records=6) as cpo:
        done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent")
        assert done.exit_code == 0, done.output
        spec = tmp_path / "tariffs.ocx"
        spec.write_text(spec_text("tariffs"))
        out = tmp_path / "out" / "tariffs.csv"
        done = run_cli("run", str(spec), "--out", str(out), "--state", str(tmp_path / "state.sqlite"),
                       env={"INDEPENDENT_KEY": INDEPENDENT_KEY})
    assert done.exit_code == 0, done.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 6, done.output
    assert "connectors.tariff_id read as evses.connectors.tariff_ids (OCPI 2.1.1 name, one id)" in done.output
