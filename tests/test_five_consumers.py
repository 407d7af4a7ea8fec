"""Five more consumers a new user wrote specs for from the README and docs/ alone (a grid
operator, a university, a statistics office, a city's GIS team, a tariff NGO; their
final specs are in tests/specs/consumers/): what they tripped over, through the real
CLI. Each help, written as it says, gives a spec that checks."""

from __future__ import annotations

from pathlib import Path

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
