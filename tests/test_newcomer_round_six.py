"""Specs a newcomer writes for consumers we do not ship, round six (a grid operator's
quarter-hour power, a statistics office's monthly table, a researcher's 10% sample, an
insurer's per-driver totals), through the real CLI: what the tool refuses says why and
what to write instead, and the figures of the specs it runs are recomputed from
`ocpispec get` of the same demo CPO."""

from __future__ import annotations

from pathlib import Path

import pytest
from consumer_runs import check_spec

HEADER = '''export insurer_driver_totals
  consumer "Acme Insurance"
  purpose "Pricing EV insurance by each policy holder's charging"
  legal basis legitimate interests
  retention 12 months
  pseudonym key env OCPISPEC_KEY

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version auto

'''

PER_DRIVER = HEADER + '''from sessions
  previous month
  window on start_date_time
group by
  {key}
  truncate(start_date_time, month) as month
compute
  sum(kwh) as energy_kwh
  count() as sessions
  minimum group size {size}
output csv to "out/insurer.csv"
'''

PSEUDONYM = 'pseudonymize(cdr_token.contract_id) as driver because "the insurer prices each ' \
            'policy by the holder\'s own charging"'
CARD = 'cdr_token.uid as card because "the insurer prices each policy by the card\'s charging"'


@pytest.mark.parametrize(("key", "size"), [(PSEUDONYM, 1), (CARD, 1), (PSEUDONYM, 10)],
                         ids=["pseudonym, groups of one", "card in clear, groups of one",
                              "pseudonym, groups of ten"])
def test_an_aggregate_per_driver_is_refused_whatever_its_justification(
        run_cli, key: str, size: int, tmp_path: Path, snapshot) -> None:
    """Per-driver monthly totals with `because` on the key and `minimum group size 1`
    passed check with warning OCX320 alone, and the run released each driver's exact
    month (`67.153` kWh: one session's own energy, no floor); at size 10 it released
    nothing, and the run's help said to group by years."""
    spec = tmp_path / "insurer.ocx"
    spec.write_text(PER_DRIVER.format(key=key, size=size))
    done, shown = check_spec(run_cli, spec)
    assert done.exit_code == 1
    assert "error[OCX321]" in shown
    assert shown == snapshot
    helped = spec.read_text().replace(f"  {key}\n", "").replace(
        "  count() as sessions\n", "  count() as sessions\n"
        "  count(distinct pseudonymize(cdr_token.contract_id)) as drivers\n")
    spec.write_text(helped)
    again, shown = check_spec(run_cli, spec)
    assert again.exit_code == 0 and "OCX321" not in shown, shown


STATISTICS = '''export cbs_monthly_charging
  consumer "Statistics Netherlands"
  purpose "Official statistics on public charging per municipality"
  legal basis public task
  retention 60 months
  pseudonym key env OCPISPEC_KEY

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version auto

from sessions
  previous year in "Europe/Amsterdam"
  window on start_date_time
  where status = "COMPLETED"
  join locations on location_id
group by
  truncate(start_date_time, month, "Europe/Amsterdam") as month
  location.city as municipality because "statistics are published per municipality"
  bucket(location.connector.max_electric_power, [11000, 22000, 50000, 150000]) as power_class
compute
  round(sum(kwh), 1) as energy_kwh
  count() as sessions
  round(median(minutes(start_date_time, end_date_time)), 0) as median_duration_min
  minimum group size 10
output csv to "out/cbs.csv"
'''


@pytest.mark.parametrize("written", ["  pivot power_class\n", "  PIVOT power_class\n",
                                     "  crosstab power_class\n"])
def test_a_wide_table_asked_for_says_the_consumer_pivots_the_long_one(
        run_cli, written: str, tmp_path: Path, snapshot) -> None:
    """`pivot power_class` after the group size was read as the start of `round counts to
    N`: 'expected `counts`, found name `power_class`', with the help to fix the clause."""
    spec = tmp_path / "cbs.ocx"
    spec.write_text(STATISTICS.replace("  minimum group size 10\n",
                                       "  minimum group size 10\n" + written))
    done, shown = check_spec(run_cli, spec)
    assert done.exit_code == 1 and "error[OCX014]" in shown
    assert "pivot_table" in shown and "power_class" in shown
    assert shown == snapshot
    spec.write_text(STATISTICS)
    assert check_spec(run_cli, spec)[0].exit_code == 0
