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


TARIFF_PRICES = HEADER.format(name="tariff_prices") + '''from tariffs
select
  id
  currency
  jmespath("elements[].price_components[?type=='ENERGY'].price | [] | [0]") as energy_price
  jmespath("elements[0].price_components[0].step_size") as first_step
output {fmt} to "exports/prices.{fmt}"
'''


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_a_price_picked_by_jmespath_loads_as_a_number(fmt: str, run_cli,
                                                      tmp_path: Path) -> None:
    """A tariff NGO's energy price per tariff, one element's `price` picked out of the
    price components with JMESPath, was typed `any`: Parquet wrote it as text, XLSX as
    text cells, and the documented pandas loader read the CSV's as strings. A JMESPath
    that gives one value of a catalogue field (a path, an index, a pipe ending in one)
    now has the field's type; one that gives a list (`facilities`) stays untyped."""
    import pandas as pd
    from test_datapackage import docs_loader

    spec = tmp_path / "tariff_prices.ocx"
    spec.write_text(TARIFF_PRICES.format(fmt=fmt))
    out = tmp_path / f"prices.{fmt}"
    done = run_cli("run", str(spec), "--demo", "--demo-size", "200", "--out", str(out))
    assert done.exit_code == 0, done.output
    match fmt:
        case "csv":
            frame = docs_loader()(f"{out}.datapackage.json")
        case "parquet":
            frame = pd.read_parquet(out, dtype_backend="numpy_nullable")
        case _:
            frame = pd.read_excel(out, sheet_name=0)
    assert len(frame) > 0
    assert pd.api.types.is_float_dtype(frame["energy_price"]), frame.dtypes
    assert pd.api.types.is_integer_dtype(frame["first_step"]), frame.dtypes
    assert frame["energy_price"].dropna().between(0.01, 5).all()


NGO_COMPONENTS = HEADER.format(name="tariff_components") + '''from tariffs
  each elements as element
  each element.price_components as component
select
  id as tariff_id
  currency
  component.price as price_excl_vat
output csv to "exports/components.csv"
'''


def test_a_filter_on_a_tariff_s_component_says_what_to_release(run_cli, tmp_path: Path,
                                                                snapshot) -> None:
    """`where component.type = "ENERGY"` in a row export of tariffs was told "to leave
    elements out of a total, aggregate only what you need", though nothing is totalled:
    every component makes a row, so the component's type leaves as a column."""
    assert _check(run_cli, tmp_path, NGO_COMPONENTS).exit_code == 0
    text = NGO_COMPONENTS.replace("select", '  where component.type = "ENERGY"\nselect')
    done = _check(run_cli, tmp_path, text, "tariff_components.ocx")
    assert (done.exit_code, done.output.replace(f"{tmp_path}/", "")) == snapshot
    fixed = text.replace('  where component.type = "ENERGY"\n', "").replace(
        "  currency\n", "  currency\n  component.type as type\n")
    assert _check(run_cli, tmp_path, fixed).exit_code == 0


DSO_SITES = HEADER.format(name="dso_site_quarter_hours") + '''from cdrs
  previous month in "Europe/Amsterdam"
  window on start_date_time
  join locations on cdr_location.id
  each charging_periods as period
  spread period.energy_kwh over quarter_hour in location time zone as slot
group by
  slot because "the grid operator plans load per quarter hour; cells hold ten drivers"
  location.id as site because "grid connections are per site; cells hold ten drivers"
compute
  sum(period.energy_kwh) as energy_kwh
  minimum group size 10
output csv to "exports/dso-{run.date}.csv"
'''


def test_an_aggregate_that_releases_nothing_says_how_close_it_came(run_cli, tmp_path: Path,
                                                                   snapshot) -> None:
    """A grid operator's energy per site and quarter hour released no row on the demo,
    and the summary said only that every group was smaller than the minimum group size:
    not whether 9 drivers or 1 was the most a cell held, nor what to change. It now says
    the largest group's drivers (the summary stays with the CPO) and which keys to
    coarsen, in the warning and in OCX572's help."""
    spec = tmp_path / "dso.ocx"
    spec.write_text(DSO_SITES)
    done = run_cli("run", str(spec), "--demo", "--demo-size", "2000",
                   "--out", str(tmp_path / "dso.csv"))
    assert done.exit_code == 0, done.output
    [warned] = [line.strip() for line in done.stderr.splitlines() if "released no row" in line]
    failed = run_cli("run", str(spec), "--demo", "--demo-size", "2000", "--fail-on-empty",
                     "--out", str(tmp_path / "dso-2.csv"))
    assert failed.exit_code == 1
    shown = failed.stderr[failed.stderr.index("error[OCX572]"):].replace(f"{tmp_path}/", "")
    assert (warned, shown) == snapshot


GIS_ROWS = HEADER.format(name="city_charge_points") + '''from locations
  where publish = true
  each evses as evse
  each evse.connectors as connector
group by
  id
  coordinates
  opening_times.twentyfourseven as open_24_7
compute
  count() as connectors
  max(connector.max_electric_power) as max_power_w
  minimum group size 1
output geojson to "exports/charge-points.geojson"
'''


@pytest.mark.parametrize(("spec", "old", "new"), [
    # a field of one object inside the record, written without it
    ("gis", "opening_times.twentyfourseven as open_24_7", "twentyfourseven as open_24_7"),
    ("research", "round(total_energy, 1) as energy_kwh", "round(excl_vat, 1) as cost"),
    # the record named as a join of it would be
    ("gis", "  coordinates\n", "  location.coordinates\n"),
    ("research", "round(total_energy, 1) as energy_kwh",
     "round(cdr.total_energy, 1) as energy_kwh"),
    # a connector's field read from the EVSE element beside it
    ("gis", "max(connector.max_electric_power)", "max(evse.max_electric_power)"),
], ids=["opening times", "price", "location prefix", "cdr prefix", "evse power"])
def test_a_gis_team_s_path_gets_the_one_that_reads_it(spec: str, old: str, new: str,
                                                      tmp_path: Path, snapshot) -> None:
    """`twentyfourseven` of a location, `location.coordinates` in a locations dataset
    (which was offered `related_locations`), `evse.max_electric_power` beside `each
    evse.connectors as connector` and a CDR's `excl_vat` were told to list the fields."""
    text = {"gis": GIS_ROWS, "research": RESEARCH}[spec]
    assert_help_fixes(text, old, new, tmp_path / f"{spec}.ocx", snapshot)


def test_a_connector_field_without_its_each_gets_the_each(run_cli, tmp_path: Path,
                                                          snapshot) -> None:
    """`evse.max_electric_power` after `each evses as evse` alone: the power is each
    connector's, so the help adds the `each` and writes the path."""
    text = GIS_ROWS.replace("  each evse.connectors as connector\n", "").replace(
        "max(connector.max_electric_power)", "max(evse.max_electric_power)")
    done = _check(run_cli, tmp_path, text, "gis.ocx")
    assert (done.exit_code, done.output.replace(f"{tmp_path}/", "")) == snapshot
    fixed = GIS_ROWS
    assert "add `each evse.connectors as connector` and write " \
           "`connector.max_electric_power`" in done.output
    assert _check(run_cli, tmp_path, fixed, "fixed.ocx").exit_code == 0


NGO_TARIFFS = HEADER.format(name="tariff_watch") + '''from tariffs
select
  id as tariff_id
  currency
  type
  start_date_time as valid_from
  end_date_time as valid_until
output csv to "exports/tariffs.csv"
'''


@pytest.mark.parametrize(("old", "new"), [
    ("start_date_time as valid_from", "valid_from"),
    ("end_date_time as valid_until", "valid_until"),
    ("  type\n", "  tariff_type\n"),
    ("  currency\n", "  tariff_currency\n"),
], ids=["valid_from", "valid_until", "tariff_type", "tariff_currency"])
def test_a_tariff_field_as_price_lists_name_it_gets_its_ocpi_name(old: str, new: str,
                                                                  tmp_path: Path,
                                                                  snapshot) -> None:
    """A tariff NGO's `valid_from` and `valid_until` were told to list the fields, and
    `tariff_type` was offered `tariff_alt_text`: a tariff's validity is its
    `start_date_time` and `end_date_time`, and a field named with its object's name in
    front (`tariff_type`, a location's `location_name`) is the field without it."""
    assert_help_fixes(NGO_TARIFFS, old, new, tmp_path / "tariffs.ocx", snapshot)


def test_a_field_of_the_spread_slot_is_a_diagnostic(tmp_path: Path, snapshot) -> None:
    """`sum(slot.energy_kwh)`, a grid operator's energy read as a field of the slot,
    crashed `check` (internal error: ValueError in the help's search of the period's
    derived fields, which held the slot's one-part name). It is OCX104, and the help
    names the spread value each slot row holds."""
    assert_help_fixes(DSO_SITES, "sum(period.energy_kwh)", "sum(slot.energy_kwh)",
                      tmp_path / "dso.ocx", snapshot)


def test_a_sum_of_the_period_s_volumes_gets_its_energy(tmp_path: Path, snapshot) -> None:
    """`sum(period.dimensions.volume)` over a spread's slots was OCX201 ("pick a single
    value, or count the list") beside warning OCX241, whose help said to spread the list
    in a dataset of its own; it is OCX201 alone, whose help writes the period's energy,
    `period.energy_kwh`."""
    assert_help_fixes(DSO_SITES, "sum(period.energy_kwh)", "sum(period.dimensions.volume)",
                      tmp_path / "dso.ocx", snapshot)


def test_a_computed_energy_after_spread_is_told_to_spread_the_energy(run_cli, tmp_path: Path,
                                                                   snapshot) -> None:
    """`spread jmespath("period.dimensions[?type=='ENERGY'].volume | [0]") over ...` was
    told to spread `period.duration`, minutes, for an energy; it is told to spread
    `period.energy_kwh`, the period's energy (a computed duration still gets
    `period.duration`)."""
    text = DSO_SITES.replace(
        "  spread period.energy_kwh over",
        """  spread jmespath("period.dimensions[?type=='ENERGY'].volume | [0]") over""")
    done = _check(run_cli, tmp_path, text, "dso.ocx")
    assert (done.exit_code, done.output.replace(f"{tmp_path}/", "")) == snapshot
    assert "`spread period.energy_kwh over hour in utc as slot`" in done.output
