"""The plan names every rule that withholds a group: a `sum` or `avg` group where fewer
drivers than the minimum group size gave a value other than 0 (a total of 0 among them)
is withheld (docs/language.md), and the run summary counts them ('12 withheld as fewer
drivers than the minimum group size gave `reservation` a value other than 0'), but the
plan the reviewer approves said only 'drop groups of fewer than 10 distinct drivers'."""

from __future__ import annotations

from pathlib import Path

SPEC = '''export reservations
  consumer "Research desk"
  purpose "Reservation costs per month"
  legal basis legitimate interests
  retention 2 years
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from cdrs
  where currency = "EUR"
group by
  truncate(start_date_time, month) as month
compute
  count() as sessions
  {measure}
minimum group size 10
output csv to "{out}"
'''
SUMMED = 'sum(jmespath("total_reservation_cost.excl_vat || `0`")) as reservation'


def test_the_plan_and_the_run_say_why_a_sum_of_zeros_is_withheld(run_cli, tmp_path: Path,
                                                                 snapshot) -> None:
    spec = tmp_path / "reservations.ocx"
    spec.write_text(SPEC.format(measure=SUMMED, out=tmp_path / "r.csv"))
    plan = run_cli("plan", str(spec))
    assert plan.exit_code == 0, plan.output
    step = [line.split("\n  > ")[0] for line in plan.output.split("\n  ~ ")
            if line.startswith("aggregate.")]
    assert len(step) == 1 and "a value other than 0" in " ".join(step[0].split()), plan.output
    assert " ".join(step[0].split()) == snapshot
    # a twelfth of the demo's default 20,000 sessions: its months still hold hundreds of
    # drivers each, of whom fewer than ten paid for a reservation
    done = run_cli("run", str(spec), "--demo", "--demo-size", "2000")
    assert done.exit_code == 0, done.stderr
    groups = next(line for line in done.stderr.splitlines() if line.startswith("    groups"))
    assert "0 released" in groups and "withheld as fewer drivers than the minimum group " \
        "size gave `reservation` a value other than 0" in groups, groups


def test_a_plan_without_sums_says_nothing_of_them(run_cli, tmp_path: Path) -> None:
    spec = tmp_path / "reservations.ocx"
    spec.write_text(SPEC.format(measure="", out=tmp_path / "r.csv"))
    plan = run_cli("plan", str(spec))
    assert plan.exit_code == 0, plan.output
    assert "other than 0" not in plan.output, plan.output
