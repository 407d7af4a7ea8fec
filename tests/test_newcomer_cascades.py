"""One mistake, one diagnostic: a misspelled aggregate does not also make the statistics
office's dominance rule look pointless."""

from __future__ import annotations

from pathlib import Path

STATS = '''export cbs_monthly
  consumer "CBS Statistics Netherlands"
  purpose "Official statistics on public EV charging per municipality"
  legal basis legal obligation "Wet op het CBS art. 33"
  retention 5 years
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version 2.3.0
from cdrs
  previous month
  window on start_date_time
group by
  truncate(start_date_time, month) as month
compute
  count() as sessions
  {measure} as kwh
  minimum group size 10
  dominance 1 85%
output parquet to "exports/cbs-{{run.date}}.parquet"
'''


def test_a_misspelled_sum_is_the_only_diagnostic(run_cli, tmp_path: Path, snapshot) -> None:
    """`sume(total_energy)` got OCX107 'did you mean `sum`?' and also warning OCX229 'the
    dominance rule has no sum to protect ... remove the rule': a newcomer who followed
    the second removed the rule the corrected sum needed."""
    spec = tmp_path / "cbs.ocx"
    for measure in ("sume(total_energy)", "round(sume(total_energy), 1)"):
        spec.write_text(STATS.format(measure=measure))
        done = run_cli("check", str(spec))
        assert done.exit_code == 1
        assert "OCX229" not in done.stderr
    assert done.stderr.replace(str(spec), "cbs.ocx") == snapshot
    spec.write_text(STATS.format(measure="round(sum(total_energy), 1)"))
    assert run_cli("check", str(spec)).exit_code == 0


def test_a_rule_with_nothing_to_protect_is_still_warned(run_cli, tmp_path: Path) -> None:
    spec = tmp_path / "cbs.ocx"
    spec.write_text(STATS.format(measure="count(distinct cdr_location.id)"))
    done = run_cli("check", str(spec))
    assert done.exit_code == 0
    assert "warning[OCX229]: the dominance rule has no sum to protect" in done.stderr
