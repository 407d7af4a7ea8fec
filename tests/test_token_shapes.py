"""Who charged, sent in the other OCPI version's shape: a 2.2+ session or CDR with 2.1.1's
top-level `auth_id` and no `cdr_token` (a platform upgraded one module at a time), or a
2.1.1 one with 2.2's `cdr_token` and no `auth_id`. Every record was refused as missing
its required `cdr_token` (`auth_id`), OCX570. Now read as the field its version names,
said as a deviation, the contract id pseudonymised like any other and never shown."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from independent_cpo import IndependentCpo
from test_independent_cpo import KEY, spec_text


class _OtherTokenShape(IndependentCpo):
    def _records(self, module: str, count: int) -> list[dict[str, Any]]:
        made = super()._records(module, count)
        for record in made if module in ("sessions", "cdrs") else ():
            if self.version == "2.1.1":
                contract = record.pop("auth_id")
                record["cdr_token"] = {"uid": f"TOKUID-{contract[-4:]}", "type": "RFID", "contract_id": contract}
            else:
                record["auth_id"] = record.pop("cdr_token")["contract_id"]
        return made


@pytest.mark.parametrize(("version", "module", "said"), [
    ("2.2.1", "sessions", "OCPI 2.1.1's `auth_id` sent for `cdr_token`"),
    ("2.3.0", "cdrs", "OCPI 2.1.1's `auth_id` sent for `cdr_token`"),
    ("2.1.1", "sessions", "OCPI 2.2's `cdr_token` sent for `auth_id`"),
    ("2.1.1", "cdrs", "OCPI 2.2's `cdr_token` sent for `auth_id`"),
])
def test_who_charged_in_the_other_versions_shape_is_read_as_its_own(version: str, module: str, said: str,
                                                                      run_cli, tmp_path: Path, snapshot) -> None:
    with _OtherTokenShape(version, records=9) as cpo:
        done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent")
        assert done.exit_code == 0, done.output
        pulled = run_cli("get", module, "--profile", "independent")
        spec = tmp_path / f"{module}.ocx"
        spec.write_text(spec_text(module))
        out = tmp_path / "out" / f"{module}.csv"
        done = run_cli("run", str(spec), "--out", str(out), "--state", str(tmp_path / "state.sqlite"),
                       env={"INDEPENDENT_KEY": KEY})
        personal = [cpo.token, *cpo.personal_values()]
    assert pulled.exit_code == 0, pulled.output
    assert len([json.loads(line) for line in pulled.stdout.splitlines() if line.strip()]) == 9
    assert done.exit_code == 0, done.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    # nine drivers, each pseudonymised: the contract id was read, not left empty
    assert len(rows) == 9 and len({row["driver"] for row in rows}) == 9 and all(row["driver"] for row in rows)
    assert said in done.output, done.output
    assert [line.strip() for line in done.output.splitlines() if said in line] == snapshot
    assert "Traceback" not in done.output + pulled.output
    assert not [value for value in personal if value in done.output + pulled.output + out.read_text()]
