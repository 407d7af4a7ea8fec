"""A measure a newcomer adds below the table's rules (`minimum group size`, `dominance`,
`round counts to`) in an aggregate for a consumer we do not ship: the diagnostic names the
measure and the rule it must go above, and its help, applied as written, checks clean."""

from __future__ import annotations

from pathlib import Path

import pytest

INSURER = '''export insurer_faults
  consumer "Fleet insurer"
  purpose "Pricing charger breakdown cover"
  legal basis legitimate interests
  retention 12 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version 2.2.1
from sessions
  previous month
  join locations on location_id
group by
  status as status
  location.connector.standard as standard
compute
{compute}
output csv to "exports/insurer-{{run.date}}.csv"
'''


def _check(run_cli, tmp_path: Path, compute: str):
    spec = tmp_path / "insurer.ocx"
    spec.write_text(INSURER.format(compute=compute))
    return run_cli("check", str(spec)), spec


@pytest.mark.parametrize(("written", "fixed"), [
    # a measure added at the end of the block, below the group size rule
    ("  count() as sessions\n  minimum group size 10\n  avg(kwh) as avg_kwh",
     "  count() as sessions\n  avg(kwh) as avg_kwh\n  minimum group size 10"),
    # below a disclosure rule too, with a formula
    ("  count() as sessions\n  minimum group size 10\n  round counts to 5\n"
     "  sum(kwh) / count() as kwh_per_session",
     "  count() as sessions\n  sum(kwh) / count() as kwh_per_session\n"
     "  minimum group size 10\n  round counts to 5"),
], ids=["below-group-size", "below-round-counts"])
def test_a_measure_below_the_rules_is_told_to_go_above_them(
        run_cli, tmp_path: Path, written: str, fixed: str, snapshot) -> None:
    """`minimum group size 10` then `avg(kwh) as avg_kwh` stopped the parser with
    'expected `counts`, found `(`' (the word read as the start of `round counts to`)
    and the generic help, which names neither the measure nor the rule."""
    done, spec = _check(run_cli, tmp_path, written)
    assert done.exit_code == 1
    assert done.stderr.replace(str(spec), "insurer.ocx") == snapshot
    assert "expected `counts`" not in done.stderr
    assert "above `minimum group size 10`" in done.stderr
    again, _ = _check(run_cli, tmp_path, fixed)
    assert again.exit_code == 0, again.stderr
