"""Specs a hurried newcomer writes for more consumers we do not ship (a fleet operator's
own cards delivered by SFTP every night, a GIS team's map of sites, a statistics
office's table, a grid operator's hourly energy), checked with the real CLI: each
diagnostic is snapshotted as the user sees it, and its help, pasted over the caret,
gives a spec that checks without errors (`test_newcomer_specs`' harness)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_newcomer_specs import _check, assert_help_fixes

FLEET = '''export acme_fleet
  consumer "ACME Logistics, fleet management"
  purpose "ACME reconciles its drivers' charging with the invoices it pays"
  legal basis contract "Fleet charging agreement FCA-2026-12"
  retention 7 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from sessions
  previous day
  where status = "COMPLETED" and token.group_id = "ACME" because "only the cards ACME issued to its own drivers"
  join tokens on cdr_token.uid
select
  cdr_token.uid as card because "ACME matches each session to a card it issued and pays for"
  round(kwh, 1) as energy_kwh
output csv excel-nl to "sftp://sftp.acme.example/inbox/charging-{run.date}.csv"

schedule daily at 02:00
'''

STATISTICS = '''export cbs_monthly
  consumer "Statistics office"
  purpose "Monthly public charging sessions and energy per postal district"
  legal basis legal obligation
  retention 10 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from sessions
  previous month
  window on start_date_time
  where status = "COMPLETED"
  join locations on location_id
group by
  prefix(location.postal_code, 4) as district
compute
  count() as sessions
  sum(kwh) as energy_kwh
  minimum group size 10
output csv to "exports/cbs-{run.date}.csv"
'''

GRID = '''export grid_hourly
  consumer "Grid operator"
  purpose "Hourly charging energy per postal district, for grid reinforcement planning"
  legal basis legitimate interests
  retention 5 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from cdrs
  previous week
  window on start_date_time
  join locations on cdr_location.id
group by
  truncate(start_date_time, hour) as hour
  prefix(location.postal_code, 4) as district
compute
  sum(total_energy) as energy_kwh
  minimum group size 10
output csv to "exports/grid-{run.date}.csv"
'''

RESEARCH = '''export idle_distribution
  consumer "University, Transport & Planning"
  purpose "Distributions of session duration and idle time at public chargers"
  legal basis legitimate interests
  retention 3 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from cdrs
  previous quarter
  window on start_date_time
group by
  bucket(total_time, [0, 1, 2, 4, 8, 24]) as duration_band_h
compute
  count() as cdrs
  round(percentile(total_parking_time, 0.9), 1) as p90_idle_h
  minimum group size 10
output csv to "exports/idle-{run.date}.csv"
'''

SITES = '''export gis_sites
  consumer "Province, GIS team"
  purpose "A map of public charging sites"
  legal basis public task
  retention 2 years
  licence "CC-BY-4.0"

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from locations
select
  id
  name
  coordinates
output geojson to "exports/sites-{run.date}.geojson"
'''

SPECS = {"fleet": FLEET, "statistics": STATISTICS, "grid": GRID, "research": RESEARCH,
         "sites": SITES}

CASES = [
    # a run's date written as another tool writes it: left in the name as written
    ("strftime date", "fleet", "{run.date}", "%Y-%m-%d"),
    ("strftime date and time", "fleet", "{run.date}", "%Y%m%d_%H%M"),
    ("shell variable", "fleet", "{run.date}", "${run.date}"),
    ("shell variable in capitals", "fleet", "{run.date}", "$DATE"),
    ("shell command", "fleet", "{run.date}", "$(date +%F)"),
    ("jinja", "fleet", "{run.date}", "{{ run.date }}"),
    ("naming convention", "fleet", "{run.date}", "YYYY-MM-DD"),
    ("placeholder in other words", "fleet", "{run.date}", "{today}"),
    ("home as a variable", "fleet", '"sftp://sftp.acme.example/inbox/charging-{run.date}.csv"',
     '"$HOME/exports/charging-{run.date}.csv"'),
    # the format written as a file name, quoted, or its options as a command's flags
    ("format as an extension", "fleet", "output csv excel-nl", "output .csv excel-nl"),
    ("compression on the format", "fleet", "output csv excel-nl", "output csv.gz excel-nl"),
    ("quoted format", "fleet", "output csv excel-nl", 'output "csv" excel-nl'),
    ("dialect as a flag", "fleet", "output csv excel-nl", "output csv --dialect excel-nl"),
    ("delimiter as a flag", "fleet", "output csv excel-nl", 'output csv --delimiter=";"'),
    # YAML's habits: a list mark before a column, `key: value`
    ("list mark", "statistics", "  count() as sessions", "  - count() as sessions"),
    ("keyword as a key", "statistics", "compute\n", "compute:\n"),
    ("header line as a key", "statistics", '  consumer "Statistics office"',
     '  consumer: "Statistics office"'),
    ("column as a key", "statistics", "  prefix(location.postal_code, 4) as district",
     "  district: prefix(location.postal_code, 4)"),
    # a researcher's statistics as other tools write them
    ("percentile in percent", "research", "percentile(total_parking_time, 0.9)",
     "percentile(total_parking_time, 90)"),
    ("percentile with %", "research", "percentile(total_parking_time, 0.9)",
     "percentile(total_parking_time, 90%)"),
    ("p90", "research", "percentile(total_parking_time, 0.9)", "p90(total_parking_time)"),
    ("quantile", "research", "percentile(total_parking_time, 0.9)",
     "quantile(total_parking_time, 0.9)"),
    ("bucket edges as arguments", "research", "bucket(total_time, [0, 1, 2, 4, 8, 24])",
     "bucket(total_time, 0, 1, 2, 4, 8, 24)"),
    # a CDR's site without the join: the CDR holds it itself
    ("cdr's location without a join", "grid", "  join locations on cdr_location.id\n", ""),
    # SQL's date_trunc: the unit written, not the month
    ("date_trunc", "grid", "truncate(start_date_time, hour)",
     'date_trunc("hour", start_date_time)'),
    # a GIS team's count of a site's EVSEs, as a field: the list's length
    ("evse_count", "sites", "  coordinates\n", "  coordinates\n  evse_count\n"),
    # a shell's variable for a secret from the environment
    ("token as a shell variable", "fleet", "token env OCPI_TOKEN", "token ${OCPI_TOKEN}"),
    # a header line's keyword in other words, after the retention or the legal basis
    # (read as words after the length, or as the basis's unquoted reference)
    ("salt", "fleet", "  retention 7 years\n", "  retention 7 years\n  salt env FLEET_KEY\n"),
    ("keep after the basis", "fleet", "  retention 7 years", "  keep 7 years"),
    ("retention misspelt", "fleet", "  retention 7 years", "  retension 7 years"),
    # a value a function never gives: the filter kept no record, or missed the days meant
    ("weekday capitalised", "statistics", 'status = "COMPLETED"',
     'status = "COMPLETED" and weekday(start_date_time) = "Saturday"'),
    ("weekday abbreviated", "statistics", 'status = "COMPLETED"',
     'status = "COMPLETED" and weekday(start_date_time) in ["saturday", "sun"]'),
    ("weekday in Dutch", "statistics", 'status = "COMPLETED"',
     'status = "COMPLETED" and weekday(start_date_time) != "zondag"'),
    ("hour 24", "statistics", 'status = "COMPLETED"',
     'status = "COMPLETED" and hour_of_day(start_date_time) = 24'),
    # a value quoted as a string: the help writes the user's own value unquoted
    ("quoted timestamp", "statistics", 'status = "COMPLETED"',
     'status = "COMPLETED" and start_date_time >= "2025-01-01 06:00"'),
    ("quoted number", "statistics", 'status = "COMPLETED"',
     'status = "COMPLETED" and hour_of_day(start_date_time) >= "18"'),
    # SQL's pattern: `%` matched itself
    ("percent in matches", "statistics", 'status = "COMPLETED"',
     'status = "COMPLETED" and location.postal_code matches "35%"'),
    ("like", "statistics", 'status = "COMPLETED"',
     'status = "COMPLETED" and location.city like "Utr%"'),
    # a clause's keyword misspelt where a column may stand: read as one, the parser
    # stopped lines later
    ("compute misspelt", "statistics", "compute", "comptue"),
    ("output misspelt after compute", "statistics", "output csv", "outptu csv"),
    ("minimum misspelt", "statistics", "  minimum group", "  minimun group"),
    # a window's words joined as a name or a flag is written
    ("previous_month", "statistics", "previous month", "previous_month"),
    ("previous-3-complete-months", "statistics", "previous month", "previous-3-complete-months"),
    ("last_7_days", "statistics", "previous month\n  window on start_date_time",
     "last_7_days"),
    ("last-month", "statistics", "previous month\n  window on start_date_time", "last-month"),
    # a statistics office's table rules in other words
    ("dominance without drivers", "statistics", "minimum group size 10",
     "minimum group size 10\n  dominance 85%"),
    ("dominance as a fraction", "statistics", "minimum group size 10",
     "minimum group size 10\n  dominance 1 0.85"),
    ("dominance without %", "statistics", "minimum group size 10",
     "minimum group size 10\n  dominance 1 85\n  round counts to 5"),
    ("dominance in parentheses", "statistics", "minimum group size 10",
     "minimum group size 10\n  dominance (1, 85%)"),
    ("rounding", "statistics", "minimum group size 10", "minimum group size 10\n  rounding 5"),
    ("round counts without to", "statistics", "minimum group size 10",
     "minimum group size 10\n  round counts 5"),
    # a join written as SQL's equation, the joined module's id first
    ("join backwards", "statistics", "join locations on location_id",
     "join locations on location.id = location_id"),
    ("join on id =", "statistics", "join locations on location_id",
     "join locations on id = location_id"),
    ("join with module names", "grid", "join locations on cdr_location.id",
     "join locations on locations.id = cdrs.cdr_location.id"),
]


@pytest.mark.parametrize(("case", "spec", "old", "new"), CASES, ids=[c[0] for c in CASES])
def test_a_newcomer_s_mistake_gets_a_help_that_fixes_it(case: str, spec: str, old: str,
                                                        new: str, tmp_path: Path,
                                                        snapshot) -> None:
    assert_help_fixes(SPECS[spec], old, new, tmp_path / f"{spec}.ocx", snapshot)


def test_the_specs_of_this_file_check(tmp_path: Path) -> None:
    for name, text in SPECS.items():
        path = tmp_path / f"{name}.ocx"
        path.write_text(text)
        done = _check(path)
        assert done.returncode == 0 and "error[" not in done.stderr \
            and "warning[" not in done.stderr, done.stderr


MAP = '''export site_map
  consumer "Province, GIS team"
  purpose "A map of public charging sites with their use"
  legal basis public task
  retention 2 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from sessions
  previous month
  window on start_date_time
  where status = "COMPLETED"
  join locations on location_id
group by
  location.id as site because "sites are public infrastructure the province maps"
compute
  count() as sessions
  minimum group size 10
output geojson to "exports/site-map.geojson"
'''


@pytest.mark.parametrize(("case", "old", "new", "added"), [
    # an aggregate: the point is a group key of the site the records are at
    ("aggregate", "", "", "  location.coordinates because \"sites are public\"\n"),
    # no join: the site's coordinates come with it
    ("no join", "  join locations on location_id\ngroup by\n  location.id as site because "
     "\"sites are public infrastructure the province maps\"\n", "group by\n  evse_uid as site "
     "because \"EVSEs are public infrastructure the province maps\"\n", ""),
    # a CDR carries its site's coordinates itself
    ("cdrs", "from sessions", "from cdrs", ""),
    # the coordinates written as a field the dataset lacks: that error alone
    ("unknown coordinates", "  location.id as site because", "  coordinates\n  location.id as "
     "site because", ""),
], ids=lambda value: value if value in ("aggregate", "no join", "cdrs",
                                        "unknown coordinates") else "")
def test_a_map_without_its_point_names_the_coordinates_the_dataset_has(
        case: str, old: str, new: str, added: str, tmp_path: Path, snapshot) -> None:
    """A GIS team's GeoJSON of sessions per site, without the point, was told to
    'select one of `coordinates`, ...': not a field of a session, and in an aggregate
    nothing is selected; a point written as an unknown field got that error and this
    one. The help now names the coordinates the dataset reaches (`location.coordinates`,
    `cdr_location.coordinates`), `group by` in an aggregate and the join to add; a
    column that failed its check gets no second error."""
    text = MAP.replace(old, new, 1)
    if case == "cdrs":
        text = text.replace('  where status = "COMPLETED"\n  join locations on location_id\n',
                            "").replace("location.id as site", "cdr_location.id as site")
    path = tmp_path / "map.ocx"
    path.write_text(text)
    done = _check(path)
    shown = done.stderr.replace(str(path), "map.ocx")
    assert (done.returncode, shown) == snapshot
    assert "`coordinates`" not in shown.split("help:", 1)[-1].split("\n")[0] \
        or case == "unknown coordinates"
    if case == "unknown coordinates":
        assert "OCX406" not in shown
    if added:
        path.write_text(text.replace("  location.id as site", added + "  location.id as site"))
        assert "error[" not in _check(path).stderr


def test_a_group_key_is_not_told_to_be_aggregated(tmp_path: Path, snapshot) -> None:
    """A statistics office's table per municipality got OCX303 on its group key with
    'aggregate it, drop it, or add `because`': the key of an aggregate is aggregated
    already. The help now says so, asks for the reason it is needed per value, and
    for a place offers a coarser one (for a town, a postal district: a 4-digit postal
    area is finer than a town)."""
    path = tmp_path / "statistics.ocx"
    path.write_text(STATISTICS.replace("prefix(location.postal_code, 4) as district",
                                       "location.city as municipality"))
    done = _check(path)
    shown = done.stderr.replace(str(path), "statistics.ocx")
    assert (done.returncode, shown) == snapshot
    assert "aggregate it" not in shown and "`prefix(location.postal_code, 2)`" in shown


SOURCE_LINE = "source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN\n"
OUTPUT_LINE = 'output csv to "exports/cbs-{run.date}.csv"\n'


@pytest.mark.parametrize(("case", "moved"), [
    ("header line after the source", lambda text: text.replace(
        "  retention 10 years\n", "").replace(SOURCE_LINE, SOURCE_LINE + "  retention 10 years\n")),
    ("schedule before the datasets", lambda text: text.replace(
        "from sessions\n", "schedule monthly on day 2 at 05:00\n\nfrom sessions\n")),
    ("output before the columns", lambda text: text.replace(OUTPUT_LINE, "").replace(
        "group by\n", OUTPUT_LINE + "group by\n")),
    ("source after the datasets", lambda text: text.replace(SOURCE_LINE, "") + "\n" + SOURCE_LINE),
], ids=lambda value: value if isinstance(value, str) else "")
def test_a_section_out_of_place_says_where_it_goes(case: str, moved, tmp_path: Path,
                                                   snapshot) -> None:
    """A spec ordered as a config file is (a header line after the source, the schedule
    first, `output` before the columns, the source last) got 'expected one of ...' with
    the generic help, or 'missing `source` section' with the help to add the one it has.
    Each now says where the section goes."""
    path = tmp_path / "statistics.ocx"
    path.write_text(moved(STATISTICS))
    done = _check(path)
    shown = done.stderr.replace(str(path), "statistics.ocx")
    assert (done.returncode, shown) == snapshot
    assert "write one of the expected items" not in shown and "add `source" not in shown


COSTS = '''export cdr_costs
  consumer "Pricing team"
  purpose "What CDRs cost per tariff, on platforms of every OCPI version"
  legal basis legitimate interests
  retention 1 year

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from cdrs
  previous month
  join tariffs on tariffs.id
group by
  tariff.id as tariff because "tariffs are public prices the pricing team compares"
  currency
compute
  count() as cdrs
  round(sum(total_cost.incl_vat), 2) as cost_incl_vat
  round(sum(total_cost.excl_vat), 2) as cost_excl_vat
  minimum group size 10
output csv to "exports/costs.csv"
'''


def test_a_column_the_platform_s_version_lacks_is_named_in_the_run(tmp_path: Path) -> None:
    """A tariff analyst's `version auto` spec summing `total_cost.incl_vat` ran on an
    OCPI 2.1.1 platform (which sends one amount, excluding VAT) and delivered an empty
    `cost_incl_vat` column without a word: the check cannot know the version, and the
    run summary said nothing. The run now warns that the column is empty, and why."""
    spec = tmp_path / "costs.ocx"
    spec.write_text(COSTS)
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200",
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[1]),
                                          os.environ.get("PYTHONPATH", "")])}
    shown = {}
    for version in ("2.1.1", "2.3.0"):
        out = tmp_path / f"{version}.csv"
        done = subprocess.run([sys.executable, "-m", "ocpispec", "run", str(spec), "--demo",
                               "--demo-size", "3000", "--demo-version", version,
                               "--out", str(out)],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        shown[version] = done.stderr
    assert ("warning: column `cost_incl_vat` is empty: OCPI 2.1.1 has no "
            "`total_cost.incl_vat`") in shown["2.1.1"]
    assert "cost_excl_vat" not in shown["2.1.1"] and "is empty" not in shown["2.3.0"]
    rows = (tmp_path / "2.1.1.csv").read_text().splitlines()
    assert rows[0] == "tariff,currency,cdrs,cost_incl_vat,cost_excl_vat" and len(rows) > 1
    assert all(row.split(",")[3] == "" for row in rows[1:])


@pytest.mark.parametrize("written", [
    "round(percentile(total_parking_time, 0.9) * 60) as p90_idle_min",
    "round(median(total_parking_time), 3) as median_idle_h",
])
def test_a_measure_rounded_too_finely_is_told_its_own_round(written: str, tmp_path: Path,
                                                            snapshot) -> None:
    """A researcher's percentile of idle time converted to minutes and rounded to one
    minute (or a median to 0.001 h) got 'coarsen it, e.g. `round(total_parking_time,
    1) as ...`': the raw field in an aggregate's place, which no longer checks. The
    help now writes the column's own round to the digits its scale needs."""
    path = tmp_path / "research.ocx"
    path.write_text(RESEARCH.replace("round(percentile(total_parking_time, 0.9), 1) as "
                                     "p90_idle_h", written))
    done = _check(path)
    shown = done.stderr.replace(str(path), "research.ocx")
    assert (done.returncode, shown) == snapshot
    fixed = re.search(r"steps its scale needs: `(.+?)`", shown).group(1)
    path.write_text(path.read_text().replace(written, fixed))
    assert "warning[" not in _check(path).stderr


TARIFFS = '''export tariff_components
  consumer "Pricing team"
  purpose "The published price components of every public tariff"
  legal basis legitimate interests
  retention 1 year

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from tariffs
  each elements as element
  each element.price_components as component
  where currency = "EUR"
select
  id
  component.type as dimension
  component.price as price
output csv to "exports/tariffs.csv"
'''


def test_a_filter_on_an_element_is_one_error(tmp_path: Path, snapshot) -> None:
    """A tariff analyst keeping the energy components ('where
    element.price_components.type = "ENERGY"') got two errors for one mistake: OCX204
    (a list compared with a value) beside OCX221 (`where` cannot read an element). The
    filter on an element is now OCX221 alone."""
    path = tmp_path / "tariffs.ocx"
    path.write_text(TARIFFS)
    assert "error[" not in _check(path).stderr
    path.write_text(TARIFFS.replace('where currency = "EUR"',
                                    'where element.price_components.type = "ENERGY"'))
    done = _check(path)
    shown = done.stderr.replace(str(path), "tariffs.ocx")
    assert (done.returncode, shown) == snapshot
    assert re.findall(r"^error\[(OCX\d+)\]", shown, re.MULTILINE) == ["OCX221"]


PROVINCES = '''export cbs_provinces
  consumer "Statistics office"
  purpose "Monthly public charging sessions and energy per province"
  legal basis legal obligation
  retention 10 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from sessions
  between 2025-03-01 and 2025-04-01
  window on start_date_time
  where status = "COMPLETED"
  join locations on location_id
group by
  location.state as province because "the office publishes its figures per province"
  location.connector.power_type as power_type
compute
  count() as sessions
  sum(kwh) as energy_kwh
  minimum group size 10
output csv to "exports/provinces.csv"
'''


def test_a_column_the_platform_never_fills_is_named_in_the_run(tmp_path: Path,
                                                                snapshot) -> None:
    """A statistics office's sessions per province grouped by `location.state`, an
    optional OCPI field the demo CPO (like many platforms) never sends: the run wrote
    one row per power type with an empty province, every province added together,
    and said nothing. The run now warns that the column is empty in every row, which
    field it reads, and that as a group key it splits nothing."""
    spec = tmp_path / "provinces.ocx"
    spec.write_text(PROVINCES)
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200",
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[1]),
                                          os.environ.get("PYTHONPATH", "")])}
    out = tmp_path / "provinces.csv"
    done = subprocess.run([sys.executable, "-m", "ocpispec", "run", str(spec), "--demo",
                           "--demo-size", "3000", "--out", str(out)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    rows = out.read_text().splitlines()
    assert rows[0] == "province,power_type,sessions,energy_kwh" and len(rows) > 1
    assert all(row.startswith(",") for row in rows[1:])
    warned = [line.strip() for line in done.stderr.splitlines() if "is empty" in line]
    assert warned == snapshot
    assert "power_type` is empty" not in done.stderr


CONNECTOR_LOAD = '''export connector_load
  consumer "Netbeheerder, team Netplanning"
  purpose "Daily charging energy per connector, to plan grid capacity"
  legal basis legitimate interests "data sharing agreement DSA-7"
  retention 5 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from sessions
  between 2025-03-03 and 2025-03-10
  window on start_date_time
  where status = "COMPLETED"
  join locations on location_id
  each charging_periods as period
  spread period.energy_kwh over day in utc as day
group by
  day
  location.connector.id as connector
compute
  sum(period.energy_kwh) as energy_kwh
  minimum group size 10
output csv to "exports/connector-load.csv"
'''


def test_a_connector_s_id_as_a_group_key_is_warned(tmp_path: Path, snapshot) -> None:
    """A grid operator's daily load 'per connector' grouped by `location.connector.id`
    checked clean, and the demo CPO's run gave two rows a day, connectors `1` and `2`:
    OCPI numbers connectors within their EVSE, so each row added up one position of
    every charger in the network (at 5,000 sessions, only `1` holds ten drivers a day). The check warns (OCX242) and its help, pasted over
    the caret, groups by the kind of connector and checks clean."""
    spec = tmp_path / "connector_load.ocx"
    spec.write_text(CONNECTOR_LOAD)
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200",
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[1]),
                                          os.environ.get("PYTHONPATH", "")])}
    out = tmp_path / "load.csv"
    done = subprocess.run([sys.executable, "-m", "ocpispec", "run", str(spec), "--demo",
                           "--demo-size", "5000", "--out", str(out)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    rows = out.read_text().splitlines()[1:]
    assert rows and {row.split(",")[1] for row in rows} <= {"1", "2"}
    done = _check(spec)
    assert (done.returncode, done.stderr.replace(str(spec), "connector_load.ocx")) == snapshot
    spec.write_text(CONNECTOR_LOAD.replace("location.connector.id as connector",
                                           "location.connector.standard as connector"))
    assert "warning[" not in _check(spec).stderr


TARIFF_DURATIONS = '''export uni_sessions
  consumer "University research group"
  purpose "Distribution of session durations per tariff"
  legal basis legitimate interests "research agreement RA-1"
  retention 3 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from sessions
  between 2025-01-01 and 2025-04-01
  window on start_date_time
  where status = "COMPLETED"
  join tariffs on charging_periods.tariff_id
group by
  bucket(hours(start_date_time, end_date_time), [0, 1, 2, 4, 8]) as duration_h
  tariff.id as tariff because "the researchers compare the tariffs of public chargers"
compute
  count() as sessions
  minimum group size 10
output csv to "exports/uni-sessions.csv"
'''


def test_a_join_this_version_cannot_make_is_named_once(tmp_path: Path) -> None:
    """On OCPI 2.1.1, whose sessions name no tariff, the researcher's tariff column is
    empty because the join finds nothing: the run names the join, and does not call
    the column empty as if the platform left `tariff.id` out."""
    spec = tmp_path / "durations.ocx"
    spec.write_text(TARIFF_DURATIONS)
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200",
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[1]),
                                          os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "ocpispec", "run", str(spec), "--demo",
                           "--demo-size", "3000", "--demo-version", "2.1.1",
                           "--out", str(tmp_path / "d.csv")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "joins to `tariffs` find no record" in done.stderr
    assert "is empty in every row" not in done.stderr


PRICES = '''export tariff_comparison
  consumer "Price comparison site"
  purpose "Publish the public charging prices of each tariff"
  legal basis legitimate interests "price transparency"
  retention 1 year

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from tariffs
  each elements as element
  each element.price_components as component
select
  id as tariff
  component.type as dimension
  component.price as price
  component.vat as vat_percent
output csv to "exports/prices.csv"
'''


def test_an_element_s_field_the_version_lacks_is_named_in_the_run(tmp_path: Path) -> None:
    """A price comparison site's VAT per price component, run on OCPI 2.1.1 (whose
    price components have no `vat`), delivered an empty `vat_percent` column: the run
    looked up only the record's and the joins' fields, not an `each` element's, and
    said nothing (later, that the platform left the field out). It names the version."""
    spec = tmp_path / "prices.ocx"
    spec.write_text(PRICES)
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200",
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[1]),
                                          os.environ.get("PYTHONPATH", "")])}
    shown = {}
    for version in ("2.1.1", "2.3.0"):
        done = subprocess.run([sys.executable, "-m", "ocpispec", "run", str(spec), "--demo",
                               "--demo-version", version, "--demo-size", "1000",
                               "--out", str(tmp_path / "p.csv")],
                              cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr
        shown[version] = [line.strip() for line in done.stderr.splitlines()
                          if "warning:" in line]
    assert shown == {"2.1.1": ["warning: column `vat_percent` is empty: OCPI 2.1.1 has no "
                               "`component.vat`"], "2.3.0": []}


AD_HOC = '''export ad_hoc_payments
  consumer "Finance team"
  purpose "Count the charges paid ad hoc (by card at the charger) per currency each month"
  legal basis legitimate interests "payment reconciliation"
  retention 1 year

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from cdrs
  previous month
  where cdr_token.type = "AD_HOC_USER" or cdr_token.type = "RFID"
group by
  currency
compute
  count() as cdrs
  minimum group size 10
output csv to "exports/ad-hoc.csv"
'''


def test_a_filter_field_the_version_lacks_is_named_in_the_run(tmp_path: Path) -> None:
    """A finance team's `version auto` count of charges by card type, run on OCPI 2.1.1
    (whose CDRs name no token type), delivered an empty file: the `where` compared null
    and kept no CDR, and the summary said only that every record was filtered out and
    nothing released, as if the platform held no such CDR. The run names the field."""
    spec = tmp_path / "ad_hoc.ocx"
    spec.write_text(AD_HOC)
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200",
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[1]),
                                          os.environ.get("PYTHONPATH", "")])}
    shown = {}
    for version in ("2.1.1", "2.2.1"):
        done = subprocess.run([sys.executable, "-m", "ocpispec", "run", str(spec), "--demo",
                               "--demo-size", "3000", "--demo-version", version,
                               "--out", str(tmp_path / "a.csv")],
                              cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr
        shown[version] = [line.strip() for line in done.stderr.splitlines()
                          if "warning:" in line and "`where`" in line]
    assert shown == {"2.1.1": ["warning: `where` reads `cdr_token.type`, which OCPI 2.1.1 does "
                               "not have: compared as null, whatever the platform holds"],
                     "2.2.1": []}
