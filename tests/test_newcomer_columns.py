"""A newcomer's column that counts a list of the record (`count(evses)`: the chargers of
each site) gets the per-record length, not 'move it to `compute`'."""

from __future__ import annotations

from pathlib import Path

import pytest

GIS = '''export amsterdam_gis
  consumer "Gemeente Amsterdam, GIS team"
  purpose "Map of public chargers"
  legal basis public task
  retention 1 year
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version 2.2.1
from {module}
select
  {key}
  {column} as elements
output ndjson to "exports/gis-{{run.date}}.ndjson"
'''


def _check(run_cli, tmp_path: Path, **parts: str):
    spec = tmp_path / "gis.ocx"
    spec.write_text(GIS.format(**parts))
    done = run_cli("check", str(spec))
    return done, done.stderr.replace(str(spec), "gis.ocx")


@pytest.mark.parametrize(("module", "key", "column", "length"), [
    ("locations", "name", "count(evses)", 'jmespath("length(evses || `[]`)")'),
    ("locations", "name", "count(facilities)", 'jmespath("length(facilities || `[]`)")'),
    ("tariffs", "id", "count(elements)", 'jmespath("length(elements)")'),
])
def test_a_count_of_a_list_in_select_is_written_as_its_length(
        run_cli, tmp_path: Path, module: str, key: str, column: str, length: str,
        snapshot) -> None:
    """`count(evses) as chargers` in `select` got OCX210 'move it to `compute`, or use a
    per-record function such as `round`': neither counts a site's chargers."""
    done, text = _check(run_cli, tmp_path, module=module, key=key, column=column)
    assert done.exit_code == 1
    assert text == snapshot
    assert f"help: write `{length}`" in text
    fixed, fixed_text = _check(run_cli, tmp_path, module=module, key=key, column=length)
    assert fixed.exit_code == 0, fixed_text


def test_a_count_of_a_single_field_keeps_its_help(run_cli, tmp_path: Path) -> None:
    done, text = _check(run_cli, tmp_path, module="locations", key="name",
                        column="count(postal_code)")
    assert done.exit_code == 1
    assert "move it to `compute`" in text


CURVE = '''export enexis_load_curve
  consumer "Enexis Netbeheer"
  purpose "15-minute charging load curves per postal area"
  legal basis legitimate interests
  retention 2 years
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version 2.2.1
from sessions
  previous week
  window on start_date_time
  where status = "COMPLETED"
  join locations on location_id
  each charging_periods as period
  spread period.energy_kwh over quarter_hour in location time zone as slot
group by
  slot because "grid load is planned per quarter hour"
  prefix(location.postal_code, 2) as area
compute
  sum({measure}) as kwh
  minimum group size 10
output csv to "exports/curve-{{run.date}}.csv"
'''


@pytest.mark.parametrize("measure", ["slot_value", "slot_kwh", "value", "slot"])
def test_a_sum_of_the_slot_is_sent_to_the_spread_value(run_cli, tmp_path: Path,
                                                        measure: str, snapshot) -> None:
    """A grid operator's `sum(slot_value)` got 'did you mean `slot`?'; written,
    `sum(slot)` got 'for a timestamp use `truncate(..., hour)`'. Both name the value
    whose part each slot's row holds."""
    spec = tmp_path / "curve.ocx"
    spec.write_text(CURVE.format(measure=measure))
    done = run_cli("check", str(spec))
    text = done.stderr.replace(str(spec), "curve.ocx")
    assert done.exit_code == 1
    assert "write `period.energy_kwh`" in text.split("help: ")[-1]
    assert text == snapshot
    spec.write_text(CURVE.format(measure="period.energy_kwh"))
    fixed = run_cli("check", str(spec))
    assert fixed.exit_code == 0, fixed.stderr
