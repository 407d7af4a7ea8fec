"""A newcomer's aggregate that released no row is told what to coarsen among its own keys,
not keys it does not have (a `prefix`, quarter hours, a site id)."""

from __future__ import annotations

from pathlib import Path

import pytest

AUDIT = '''export roaming_audit
  consumer "Internal roaming audit (finance)"
  purpose "Reconcile CDR totals per eMSP per month"
  legal basis contract
  retention 7 years
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version 2.2.1
from cdrs
  previous 3 complete months
  window on start_date_time
  where credit = false
group by
  cdr_token.party_id as emsp because "the audit reconciles per roaming partner"
  {time}currency
compute
  count() as cdrs
  sum(total_energy) as kwh
  minimum group size 400
output json to "exports/audit-{{run.date}}.json"
'''


@pytest.mark.parametrize(("time", "named"), [
    ("truncate(start_date_time, month) as month\n  ", "group by fewer or coarser keys "
     "(quarters or years for `month`) or read a longer window"),
    ("truncate(start_date_time, week) as week\n  ", "group by fewer or coarser keys "
     "(months for `week`) or read a longer window"),
    ("", "group by fewer keys (of `emsp`, `currency`) or read a longer window"),
])
def test_the_help_for_no_row_names_the_spec_s_own_keys(run_cli, tmp_path: Path, time: str,
                                                       named: str) -> None:
    """A roaming audit per eMSP, month and currency whose groups held fewer drivers
    than its minimum released no row and was told 'a shorter `prefix`, hours or days
    for quarter hours, no site or EVSE id': none of which it has."""
    spec = tmp_path / "audit.ocx"
    spec.write_text(AUDIT.format(time=time))
    done = run_cli("run", str(spec), "--demo", "--demo-version", "2.2.1", "--demo-size",
                   "2000", "--out", str(tmp_path / "audit.json"))
    assert done.exit_code == 0, done.stderr
    text = " ".join(done.stderr.split())
    assert "released no row" in text
    assert named in text
    assert "quarter hours" not in text and "site or EVSE id" not in text
