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


TARIFFS = '''export tariff_use
  consumer "Management team"
  purpose "Which tariffs earn what"
  legal basis legitimate interests
  retention 1 year
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version 2.2.1
from cdrs
  previous quarter
  window on start_date_time
  join tariffs on {key}
group by
  tariff.id as tariff because "management compares its own tariffs"
  currency
compute
  count() as cdrs
  minimum group size 10
output template "report.md.j2" to "exports/tariffs-{{run.date}}.md"
'''


def test_a_template_reading_a_column_whose_join_failed_is_not_blamed(
        run_cli, tmp_path: Path, snapshot) -> None:
    """`join tariffs on tariff_id` (OCX206) also got OCX405 'template reads `row.tariff`,
    which is not a released column', listing the columns without `tariff`: the column
    is written, only its join failed. A newcomer deleted the template's column."""
    (tmp_path / "report.md.j2").write_text(
        "{% for row in rows %}| {{ row.tariff }} | {{ row.cdrs }} |\n{% endfor %}")
    spec = tmp_path / "use.ocx"
    spec.write_text(TARIFFS.format(key="tariff_id"))
    done = run_cli("check", str(spec))
    assert done.exit_code == 1
    assert "OCX206" in done.stderr and "OCX405" not in done.stderr
    assert done.stderr.replace(str(spec), "use.ocx") == snapshot
    spec.write_text(TARIFFS.format(key="tariffs.id"))
    assert run_cli("check", str(spec)).exit_code == 0
    (tmp_path / "report.md.j2").write_text("{% for row in rows %}{{ row.total }}{% endfor %}")
    spec.write_text(TARIFFS.format(key="tariff_id"))
    wrong = run_cli("check", str(spec))
    assert "reads `row.total`, which is not a released column" in wrong.stderr
