"""OCPI 2.2+ ids are unique per party, so a session or CDR finds its site by its own
`country_code` and `party_id`. One sent with a blank party (`""`) found no site of that
party and was left out as at a location the platform does not list, although its site was
public and listed: the run exited 0 with it counted as excluded at a non-public location.
A blank party is now a missing key field, as a blank id is: the record is invalid, and the
run fails with nothing written unless `--allow-invalid` accepts it."""

from __future__ import annotations

from pathlib import Path

import pytest

from independent_cpo import IndependentCpo
from test_independent_cpo import KEY, _csv_rows

SPEC = """export blank_party
  consumer "Test consumer"
  purpose "Exports against an independent OCPI implementation"
  legal basis public task "test"
  retention 1 months
  pseudonym key env INDEPENDENT_KEY
source profile independent
from {module}
select
  pseudonymize(id) as record
output csv to "out.csv"
"""


@pytest.mark.parametrize(("version", "module", "field"), [("2.2.1", "sessions", "country_code"),
                                                          ("2.3.0", "cdrs", "party_id")])
def test_a_record_with_a_blank_party_is_invalid_not_excluded(version: str, module: str, field: str,
                                                             run_cli, tmp_path: Path, snapshot) -> None:
    with IndependentCpo(version, records=10) as cpo:
        cpo.lists[module][4][field] = ""
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent").exit_code == 0
        spec = tmp_path / "export.ocx"
        spec.write_text(SPEC.format(module=module))
        out = tmp_path / "out.csv"
        run = ("run", str(spec), "--out", str(out), "--state", str(tmp_path / "state.sqlite"))
        failed = run_cli(*run, env={"INDEPENDENT_KEY": KEY})
        assert failed.exit_code == 1 and not out.exists(), failed.output
        assert [line for line in failed.stderr.splitlines()
                if line.startswith(("error", "  = note: why", "help"))] == snapshot
        accepted = run_cli(*run, "--allow-invalid", "1", env={"INDEPENDENT_KEY": KEY})
        assert accepted.exit_code == 0, accepted.output
        assert len(_csv_rows(out)) == 9
        assert "excluded         0 at non-public locations" in accepted.stderr
