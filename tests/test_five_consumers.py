"""Five more consumers a new user wrote specs for from the README and docs/ alone (a grid
operator, a university, a statistics office, a city's GIS team, a tariff NGO; their
final specs are in tests/specs/consumers/): what they tripped over, through the real
CLI. Each help, written as it says, gives a spec that checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_newcomer_specs import assert_help_fixes

HEADER = '''export {name}
  consumer "A consumer"
  purpose "What they do with it"
  legal basis public task
  retention 1 years
  pseudonym key env OCPISPEC_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
'''

GIS_OCCUPANCY = HEADER.format(name="city_charge_points") + '''from locations
  where publish = true
  each evses as evse
  each evse.connectors as connector
group by
  id
  coordinates
compute
  count() as connectors
  avg(jmespath("evse.status == 'CHARGING' && `1` || `0`")) as occupied_share
  minimum group size 1
output geojson to "exports/charge-points.geojson"
'''


def _check(run_cli, tmp_path: Path, text: str, name: str = "spec.ocx"):
    spec = tmp_path / name
    spec.write_text(text, encoding="utf-8")
    return run_cli("check", str(spec))


def test_a_share_of_charging_evses_is_a_public_fact(run_cli, tmp_path: Path) -> None:
    """OCX338 warned the GIS team's occupancy share (a JMESPath test inside `avg`) as a
    filter that singles out one session's figure, though a locations dataset has no
    sessions and the test reads a public status."""
    done = _check(run_cli, tmp_path, GIS_OCCUPANCY)
    assert done.exit_code == 0, done.output
    assert "OCX338" not in done.output and "valid." in done.output


def test_the_same_test_over_sessions_is_still_warned(run_cli, tmp_path: Path) -> None:
    text = HEADER.format(name="area_share") + '''from sessions
  join locations on location_id
group by prefix(location.postal_code, 4) as area
compute
  avg(jmespath("location.evse.status == 'CHARGING' && `1` || `0`")) as share
  minimum group size 10
output csv to "exports/share.csv"
'''
    done = _check(run_cli, tmp_path, text)
    assert "warning[OCX338]" in done.output


RESEARCH = HEADER.format(name="uni_sessions") + '''from cdrs
  previous month in "Europe/Amsterdam"
  window on start_date_time
  where credit = false
  join locations on cdr_location.id
select
  pseudonymize(cdr_token.contract_id) as driver
  truncate(start_date_time, hour, "Europe/Amsterdam") as started_hour
  round(total_time, 1) as duration_h
  round(total_parking_time, 1) as idle_h
  round(total_energy, 1) as energy_kwh
  location.connector.max_electric_power as connector_power_w
output parquet to "exports/uni-{run.date}.parquet"
'''
POWER = "location.connector.max_electric_power as connector_power_w"


@pytest.mark.parametrize(("old", "new"), [
    # the connector of the charge, reached through the site's lists
    (POWER, "location.connectors.max_electric_power as connector_power_w"),
    (POWER, "location.evse.connector.max_electric_power as connector_power_w"),
    (POWER, "round(location.evse.connector.max_electric_power / 1000, 0) as connector_kw"),
    # the CDR's own copy of its site, which holds no power
    (POWER, "cdr_location.max_electric_power as connector_power_w"),
    (POWER, "cdr_location.max_voltage as connector_volts"),
    # a charging time, which OCPI gives as connected minus parked
    ("round(total_parking_time, 1) as idle_h", "round(total_charging_time, 1) as charging_h"),
    # the time between two timestamps as SQL dialects write it
    ("round(total_time, 1) as duration_h",
     'round(date_diff("hour", start_date_time, end_date_time), 1) as duration_h'),
    ("round(total_time, 1) as duration_h",
     "round(timestampdiff(MINUTE, start_date_time, end_date_time), -1) as duration_min"),
    ("round(total_time, 1) as duration_h",
     "round(age(end_date_time, start_date_time), -1) as duration_min"),
], ids=["connectors list", "evse connector", "evse connector in kW", "cdr site power",
        "cdr site volts", "charging time", "date_diff hour", "timestampdiff minute", "age"])
def test_a_researcher_s_mistake_gets_a_help_that_fixes_it(old: str, new: str, tmp_path: Path,
                                                           snapshot) -> None:
    """`location.connectors.max_electric_power` was told to write
    `location.evse.connectors.max_electric_power`, a list (OCX209), and
    `location.evse.connector...` `location.evse.connectors`; `cdr_location.max_electric_power`
    was told to list the fields; `total_charging_time` was offered `total_parking_time`,
    its opposite; `date_diff("hour", a, b)` had no help and `datediff(...)` was
    `minutes(start_date_time, end_date_time)` whatever it was given."""
    assert_help_fixes(RESEARCH, old, new, tmp_path / "uni_sessions.ocx", snapshot)
