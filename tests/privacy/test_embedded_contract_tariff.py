"""A CDR's own copy of a contract's tariff left without any join (adversarial review,
round 24).

A CDR at a published site carries the tariffs it was priced by (`tariffs`, whole Tariff
objects on 2.1.1 to 2.3.0) and names them in `charging_periods[].tariff_id`. A tariff no
published location names is a contract's own or a home's (`from tariffs`, `get tariffs`
and, since `join_scope`, a join leave it out; privacy.md: tariffs of individual contracts
are never released). `from cdrs` reading `jmespath("tariffs[0].id")` or
`jmespath("charging_periods[0].tariff_id")` still exports its id, with only OCX303
(a quasi-identifier released unchanged), exit 0. Now a charge is scrubbed before it is
normalized where the plan reads those copies (`execute/charge_tariffs.py`, the scope the
join's lookup has: the tariffs the published locations name): a contract's entries
dropped, a period's id naming one null, in one process and in workers alike, also with
`--limit` (the locations are then listed, not looked up per id)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_joined_contract_tariff import CONTRACT, KEY, _ContractTariff  # noqa: E402

SPEC = """export embedded_tariffs
  consumer "Test consumer"
  purpose "CDRs with the tariff they name"
  legal basis public task "test"
  retention 1 months
  pseudonym key env JOIN_KEY
source profile default

from cdrs
select
  pseudonymize(id) as cdr
  {column} as named
output ndjson to "cdrs.ndjson"
"""


class _PricedByContract(_ContractTariff):
    def __init__(self) -> None:
        super().__init__()
        for cdr in self.lists["cdrs"]:
            for period in cdr.get("charging_periods") or []:
                period["tariff_id"] = CONTRACT


@pytest.mark.parametrize("options", [("--workers", "1"), ("--workers", "2"), ("--limit", "5")],
                         ids=["w1", "w2", "limit"])
@pytest.mark.parametrize("column", ['jmespath("tariffs[0].id")',
                                    'jmespath("charging_periods[0].tariff_id")'])
def test_a_contract_tariff_does_not_leave_through_a_cdr_copy(run_cli, tmp_path: Path,
                                                             monkeypatch, column: str,
                                                             options: tuple[str, str]) -> None:
    written = _exported(run_cli, tmp_path, monkeypatch, _PricedByContract(), column, options)
    assert written and CONTRACT not in written


class _PricedPublicly(_ContractTariff):
    """The same CDRs priced by a public tariff (one the published site's connector names)."""

    def __init__(self) -> None:
        super().__init__()
        public = self.lists["tariffs"][0]
        for cdr in self.lists["cdrs"]:
            for named in cdr.get("tariffs") or []:
                named["id"] = public["id"]
            for period in cdr.get("charging_periods") or []:
                period["tariff_id"] = public["id"]
        self.public = public["id"]


@pytest.mark.parametrize("options", [("--workers", "2"), ("--limit", "5")], ids=["w2", "limit"])
@pytest.mark.parametrize("column", ['jmespath("tariffs[0].id")',
                                    'jmespath("charging_periods[0].tariff_id")'])
def test_a_public_tariff_still_leaves_through_a_cdr_copy(run_cli, tmp_path: Path, monkeypatch,
                                                         column: str,
                                                         options: tuple[str, str]) -> None:
    cpo = _PricedPublicly()
    written = _exported(run_cli, tmp_path, monkeypatch, cpo, column, options)
    assert written.count(f'"named":"{cpo.public}"') == written.count("\n") > 0


def _exported(run_cli, tmp_path: Path, monkeypatch, cpo: _ContractTariff, column: str,
              options: tuple[str, str]) -> str:
    """The CDRs a run of SPEC reading `column` wrote, from `cpo`."""
    monkeypatch.setenv("JOIN_KEY", KEY)
    with cpo:
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party",
                       "NL-ABC").exit_code == 0
        spec = tmp_path / "embedded.ocx"
        spec.write_text(SPEC.format(column=column))
        monkeypatch.chdir(tmp_path)
        ran = run_cli("run", str(spec), *options)
    assert ran.exit_code == 0, ran.stderr
    return "".join(path.read_text() for path in tmp_path.rglob("cdrs.ndjson"))
