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


@pytest.mark.parametrize(("keys", "measure"), [
    ("  location.connector.standard as standard",
     '  count(status = "INVALID") / count() as fault_rate'),
    ("  status as status\n  location.connector.standard as standard",
     '  count(status = "INVALID") as faults'),
], ids=["not-grouped", "grouped-already"])
def test_a_text_counted_in_a_sessions_measure_gets_a_help_that_checks_clean(
        run_cli, tmp_path: Path, keys: str, measure: str, snapshot) -> None:
    """`count(status = "INVALID")` over sessions got the help 'or count them in each group
    with `sum(jmespath(...))`', which the checker then warns of (OCX338: the figure is
    that of the few records the test keeps); and 'add `status as status` to `group by`'
    where the spec groups by it already. Over sessions and CDRs the help now offers
    the group, or a dataset of its own, and says when the group is there."""
    spec = tmp_path / "insurer.ocx"
    text = INSURER.replace("  status as status\n  location.connector.standard as standard",
                           keys)
    spec.write_text(text.format(compute=f"{measure}\n  minimum group size 10"))
    done = run_cli("check", str(spec))
    assert done.exit_code == 1
    assert done.stderr.replace(str(spec), "insurer.ocx") == snapshot
    assert "jmespath" not in done.stderr
    grouped = "status as status" in keys
    assert ("add `status as status`" in done.stderr) is not grouped
    # the help's dataset of its own, as written
    spec.write_text(text.replace("  join locations", '  where status = "INVALID"\n'
                                 "  join locations").format(
        compute="  count() as faults\n  minimum group size 10"))
    again = run_cli("check", str(spec))
    assert again.exit_code == 0, again.stderr
