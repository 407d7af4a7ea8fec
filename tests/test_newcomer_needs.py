"""Specs a hurried CPO data engineer writes from the README and docs/ alone for consumer
needs we do not ship (a statistics office's months, a grid operator's hours, a finance
team's averages, a city's live charger status), checked with the real CLI: each
diagnostic is snapshotted as the user sees it, and its help, pasted over the caret,
gives a spec that checks without errors or the same code (`test_newcomer_specs`'
harness)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_newcomer_specs import REPO, _applied, _check, assert_help_fixes

def _apply(text: str, shown: str) -> str:
    """`_applied`, for a help that is one whole `write `...`` holding backticks of its own
    (a JMESPath literal, ``|| `[]` ``), which `_applied` would cut at the first."""
    whole = re.search(r"^help: write `(.*)`$", shown, re.MULTILINE)
    if whole is None or "`" not in whole.group(1):
        return _applied(text, shown)
    return _applied(text, shown.replace(whole.group(0), "help: write `@@HELP@@`")).replace(
        "@@HELP@@", whole.group(1))


_ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}

MONTHLY = '''export cbs_monthly
  consumer "Statistics office"
  purpose "Monthly charging sessions per postal district"
  legal basis legal obligation
  retention 5 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from sessions
  previous month
  window on start_date_time
  where status = "COMPLETED"
  join locations on location_id
group by
  prefix(location.postal_code, 4) as district
  truncate(start_date_time, month) as month
compute
  count() as sessions
  sum(kwh) as energy_kwh
  minimum group size 10
output csv to "exports/cbs-{run.date}.csv"
'''

STATUS = '''export charger_status
  consumer "Province, open data portal"
  purpose "Live availability of public chargers per town"
  legal basis public task
  retention 1 years
  licence "CC-BY-4.0"

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from locations
  where publish = true
  each evses as evse
group by
  city
  evse.status as status
compute
  count() as evses
  minimum group size 1
output csv to "exports/status-{run.timestamp}.csv"

schedule every 15 minutes
'''

TARIFFS = '''export tariff_compare
  consumer "Consumer association"
  purpose "Compare the prices of public charging"
  legal basis legitimate interests
  retention 1 years
  licence "CC-BY-4.0"

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from tariffs
  each elements as element
  each element.price_components as component
select
  party_id
  id as tariff
  currency
  component.type as dimension
  component.price as price
output csv to "exports/tariffs-{run.date}.csv"
'''

PANEL = '''export session_panel
  consumer "University, Transport & Planning"
  purpose "Charging sessions of pseudonymous drivers for behaviour research"
  legal basis public task
  retention 3 years
  pseudonym key env PANEL_KEY
  pseudonym scope per run

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from sessions
  previous month
  where status = "COMPLETED"
  join locations on location_id
select
  pseudonymize(cdr_token.contract_id) as driver
  truncate(start_date_time, hour) as started
  prefix(location.postal_code, 4) as area
  require k 5 over (started, area) suppression limit 5%
output ndjson to "exports/panel-{run.date}.ndjson"

schedule monthly on day 2 at 04:00
'''

OCCUPANCY = '''export site_occupancy
  consumer "Municipality, parking and charging"
  purpose "Hours each public charging site is occupied, per month"
  legal basis public task
  retention 2 years
  pseudonym key env OCCUPANCY_KEY

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from sessions
  previous month in "Europe/Amsterdam"
  window on start_date_time
  where status = "COMPLETED"
  join locations on location_id
  each charging_periods as period
  spread period.duration over hour in location time zone as hour
group by
  location.id as site because "the municipality plans each charging site"
compute
  round(sum(period.duration) / 60, 1) as occupied_hours
  count(distinct pseudonymize(id)) as sessions
  minimum group size 10
output csv to "exports/occupancy-{run.date}.csv"
'''

CONNECTORS = '''export energy_per_connector
  consumer "National energy agency"
  purpose "Charged energy per connector standard and power type"
  legal basis public task
  retention 5 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from cdrs
  previous month
  window on start_date_time
  where credit = false
  join locations on cdr_location.id
group by
  location.connector.standard as standard
  location.connector.power_type as power_type
compute
  count() as charges
  round(sum(total_energy), 0) as energy_kwh
  minimum group size 10
output csv to "exports/connectors-{run.date}.csv"
'''

# columns as SQL lists them, with commas: each was OCX006 'remove the `,`'
COMMAS = (MONTHLY.replace("  prefix(location.postal_code, 4) as district\n",
                          "  prefix(location.postal_code, 4) as district,\n")
          .replace("count() as sessions\n  sum(kwh)", "count() as sessions, sum(kwh)")
          .replace("output csv", "order by month, district desc\noutput csv"))

SPECS = {"monthly": MONTHLY, "status": STATUS, "tariffs": TARIFFS, "panel": PANEL,
         "occupancy": OCCUPANCY, "connectors": CONNECTORS, "periods": OCCUPANCY.replace(
             "  spread period.duration over hour in location time zone as hour\n", "")}

# what a newcomer writes for a need, and the check has nothing to say about
CLEAN = {
    # a status feed of public facts refreshed every 15 minutes was OCX336, as if one file
    # minus the next isolated a driver: a locations aggregate of public fields has none
    "status": STATUS,
    # a nested `each`: the element of the first is read through the second
    "tariffs": TARIFFS,
    "commas": COMMAS,
    "occupancy": OCCUPANCY,
}

CASES = [
    # a time part as SQL and spreadsheets write it, one letter from a function we have:
    # the help said `count`, `hours`, `weekday` or `median`
    ("month()", "monthly", "truncate(start_date_time, month)", "month(start_date_time)"),
    ("week()", "monthly", "truncate(start_date_time, month)", "week(start_date_time)"),
    ("day()", "monthly", "truncate(start_date_time, month)", "day(start_date_time)"),
    ("hour()", "monthly", "truncate(start_date_time, month)", "hour(start_date_time)"),
    ("mean()", "monthly", "sum(kwh) as energy_kwh", "mean(kwh) as energy_kwh"),
    # a suppression limit as a share, as statistics tools write it: the help said 0.05%
    ("suppression limit as a share", "panel", "suppression limit 5%",
     "suppression limit 0.05"),
    ("k rule in other words with a share", "panel",
     "require k 5 over (started, area) suppression limit 5%",
     "k-anonymity 5 over (started, area) suppression 0.05"),
    # k-anonymity named as papers name it: the generic 'expected `k`'
    ("5-anonymity", "panel", "require k 5 over (started, area) suppression limit 5%",
     "require 5-anonymity over (started, area)"),
    # two times a day: `and 16:00` was read as a time zone ('remove `and`')
    ("two times a day", "panel", "schedule monthly on day 2 at 04:00",
     "schedule daily at 04:00 and 16:00"),
    ("two times on the day", "panel", "schedule monthly on day 2 at 04:00",
     "schedule monthly on day 2 at 04:00 and 16:00"),
    # sessions counted as rows of charging periods and hours: a site's 10 showed as 17
    ("count() after each and spread", "occupancy", "count(distinct pseudonymize(id))",
     "count()"),
    ("count() after each", "periods", "count(distinct pseudonymize(id))", "count()"),
    # connector standards and power types as drivers name them: `CCS` got 'did you mean
    # "MCS"' (the megawatt charger), `Type 2` and `AC` nothing
    ("CCS", "connectors", "where credit = false",
     'where credit = false and location.connector.standard in ["CCS", "CHADEMO"]'),
    ("Type 2", "connectors", "where credit = false",
     'where credit = false and location.connector.standard = "Type 2"'),
    ("AC in a list", "connectors", "where credit = false",
     'where credit = false and location.connector.power_type in ["AC"]'),
    # a number with its unit: the help wrote `50`, in watts, a filter that kept everything
    ("kW apart", "connectors", "where credit = false",
     "where credit = false and location.connector.max_electric_power >= 50 kW"),
    ("kW glued", "connectors", "where credit = false",
     "where credit = false and location.connector.max_electric_power < 22kW"),
    ("minutes of an hours field", "connectors", "where credit = false",
     "where credit = false and total_parking_time > 30 min"),
    # power classes in kW on a power in W: every connector on one side (OCX246)
    ("power classes in kW", "connectors", "  location.connector.power_type as power_type",
     "  bucket(location.connector.max_electric_power, [11, 22, 50, 150]) as power_class"),
    ("power filter in kW", "connectors", "where credit = false",
     "where credit = false and location.connector.max_electric_power >= 50"),
    # whether a list holds a value, as SQL, Python and spreadsheets ask it: `=` got 'compare
    # one of its fields', `contains` and `"X" in list` the generic 'expected ...'
    ("list = value", "connectors", "where credit = false",
     'where credit = false and location.facilities = "SUPERMARKET"'),
    ("list contains", "connectors", "where credit = false",
     'where credit = false and location.facilities contains "SUPERMARKET"'),
    ("value in list", "connectors", "where credit = false",
     'where credit = false and "SUPERMARKET" in location.facilities'),
]


@pytest.mark.parametrize(("case", "spec", "old", "new"), CASES, ids=[c[0] for c in CASES])
def test_a_newcomer_s_spec_gets_a_help_that_fixes_it(case: str, spec: str, old: str, new: str,
                                                     tmp_path: Path, snapshot) -> None:
    assert_help_fixes(SPECS[spec], old, new, tmp_path / f"{spec}.ocx", snapshot, apply=_apply)


@pytest.mark.parametrize("spec", sorted(CLEAN))
def test_a_newcomer_s_spec_for_a_need_checks_clean(spec: str, tmp_path: Path) -> None:
    path = tmp_path / f"{spec}.ocx"
    path.write_text(CLEAN[spec])
    done = _check(path)
    assert (done.returncode, done.stderr) == (0, f"Success: {path} is valid.\n")


WARNED = [
    # one row per element, but no column says which: each tariff as often as it has
    # elements, each element as often as it has price components
    ("each element unread", "tariffs",
     (("  each element.price_components as component\n", ""),
      ("  component.type as dimension\n  component.price as price\n", ""))),
    ("each component unread", "tariffs",
     (("  component.type as dimension\n  component.price as price\n", ""),)),
    # a daily delivery to one fixed file: the second run refuses to replace the first
    # run's delivery (OCX556), and nothing said so before it
    ("fixed path on a schedule", "panel",
     (('"exports/panel-{run.date}.ndjson"', '"exports/panel.ndjson"'),)),
    # every AC power type at once
    ("AC", "connectors", (("where credit = false",
                           'where credit = false and location.connector.power_type = "AC"'),)),
]


@pytest.mark.parametrize(("case", "spec", "changes"), WARNED, ids=[c[0] for c in WARNED])
def test_a_newcomer_s_spec_that_would_surprise_is_warned(case: str, spec: str, changes,
                                                         tmp_path: Path, snapshot) -> None:
    text = SPECS[spec]
    for old, new in changes:
        assert old in text
        text = text.replace(old, new, 1)
    path = tmp_path / f"{spec}.ocx"
    path.write_text(text)
    done = _check(path)
    assert (done.returncode, done.stderr.replace(str(path), f"{spec}.ocx")) == snapshot


def test_commas_between_columns_make_the_plan_they_make_without(tmp_path: Path) -> None:
    """A comma between two columns or `order by` keys is punctuation: the plan, and its
    fingerprint, are those of the spec without it."""
    assert COMMAS.count(",") - MONTHLY.count(",") == 3
    fingerprints = []
    for name, text in (("with", COMMAS), ("without", COMMAS.replace(",\n", "\n")
                                           .replace(", sum(kwh)", "\n  sum(kwh)")
                                           .replace("month, district", "month district"))):
        path = tmp_path / f"{name}.ocx"
        path.write_text(text)
        done = subprocess.run([sys.executable, "-m", "ocpispec", "plan", str(path),
                               "--format", "json"], capture_output=True, text=True,
                              env=_ENV, cwd=tmp_path, timeout=120)
        assert done.returncode == 0, done.stderr
        fingerprints.append(json.loads(done.stdout)["fingerprint"])
    assert fingerprints[0] == fingerprints[1]


SPREAD_TOTALS = '''export district_energy
  consumer "Grid operator"
  purpose "Charging energy per postal district, spread over the hours it was charged"
  legal basis legitimate interests
  retention 2 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from sessions
  previous month
  window on start_date_time
  join locations on location_id
  spread kwh over hour in location time zone as hour
group by
  prefix(location.postal_code, 2) as district
compute
  round(sum(kwh), 1) as energy_kwh
  minimum group size 10
output csv to "exports/district-energy.csv"
'''


def _run_demo(spec: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ocpispec", "run", str(spec), "--demo",
                           "--out", str(out)], capture_output=True, text=True, env=_ENV,
                          cwd=spec.parent, timeout=300)


def test_a_spread_whose_slot_no_column_names_still_places_every_value(tmp_path: Path) -> None:
    """A district's energy spread over hours, before the slot is made a group key: the
    spread's start, end and zone were read only through the slot, so every session
    was 'without a valid start: not spread (left out)' and the file had no row, and a
    location's zone 'not usable'. The totals are those of the same table without the
    spread."""
    files = {}
    for name, text in (("spread", SPREAD_TOTALS), ("plain", SPREAD_TOTALS.replace(
            "  spread kwh over hour in location time zone as hour\n", ""))):
        spec = tmp_path / f"{name}.ocx"
        spec.write_text(text)
        done = _run_demo(spec, tmp_path / f"{name}.csv")
        assert done.returncode == 0, done.stderr
        assert "without a valid start" not in done.stderr
        assert "without a usable time zone" not in done.stderr
        files[name] = (tmp_path / f"{name}.csv").read_text()
    assert files["spread"].count("\n") > 5
    assert files["spread"] == files["plain"]
