"""Specs a hurried CPO data engineer writes from the README and docs/language.md alone
for consumers we do not ship (an accessibility NGO's connectors by type, a city's idle
times, a journalist's prices per kWh, a leasing company's invoices per card on a 2.1.1
platform, a tourism board's visits per town), checked with the real CLI: each
diagnostic is snapshotted as the user sees it, and its help, pasted over the caret,
gives a spec that checks without errors or the same code (`test_newcomer_specs`'
harness)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_newcomer_specs import _check, assert_help_fixes

HEADER = '''  legal basis legitimate interests
  retention 2 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
'''

CONNECTORS = '''export accessibility_ngo
  consumer "Accessible Charging NGO"
  purpose "Show how many connectors of each type are available per city"
''' + HEADER + '''
from locations
  each evses as evse
  each evse.connectors as connector
group by
  city
  connector.standard as connector_type
  evse.status as status
compute
  count() as connectors
  minimum group size 1
output csv to "exports/ngo-{run.date}-{run.time}.csv"
schedule every 15 minutes
'''

IDLE = '''export city_idle
  consumer "City of Amsterdam, parking department"
  purpose "Idle time (blocking) statistics per district to set blocking fees"
''' + HEADER + '''
from cdrs
  previous month in "Europe/Amsterdam"
  window on start_date_time
  where credit = false
  join locations on cdr_location.id
group by
  prefix(location.postal_code, 4) as district
compute
  count() as sessions
  round(avg(total_parking_time), 2) as avg_idle_hours
  minimum group size 10
output csv to "exports/idle-{run.date}.csv"
schedule monthly on day 3 at 06:00
'''

PRICES = '''export price_watch
  consumer "Newspaper data desk"
  purpose "Compare what drivers paid per kWh between operators"
''' + HEADER + '''
from cdrs
  previous month
  window on start_date_time
  where credit = false and total_energy > 0
group by
  party_id as operator
  currency
compute
  round(sum(total_cost.incl_vat) / sum(total_energy), 2) as price_per_kwh
  count() as cdrs
  minimum group size 10
output csv to "exports/paid-{run.date}.csv"
'''

LOAD = '''export energy_lab
  consumer "University energy lab"
  purpose "Hourly charging energy for grid research"
''' + HEADER + '''
from sessions
  previous week
  window on start_date_time
  where status = "COMPLETED"
  each charging_periods as period
group by
  truncate(period.start_date_time, hour) as hour
compute
  sum(period.energy_kwh) as energy_kwh
  minimum group size 10
output csv to "exports/lab-{run.date}.csv"
'''

VISITS = '''export tourism_visits
  consumer "Regional tourism board"
  purpose "Count charging visits per town per month to plan tourist infrastructure"
  legal basis legitimate interests
  retention 2 years
  pseudonym key env TOURISM_KEY

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from sessions
  previous month in "Europe/Amsterdam"
  window on start_date_time
  where status = "COMPLETED"
  join locations on location_id
group by
  location.city as town because "the board plans charging per town"
  truncate(start_date_time, month, "Europe/Amsterdam") as month
compute
  count() as visits
  count(distinct pseudonymize(cdr_token.contract_id)) as visitors
  minimum group size 10
output csv to "exports/visits-{run.date}.csv"
'''

OCCUPANCY = '''export street_occupancy
  consumer "Parking authority"
  purpose "Hourly occupancy of charging bays per postal district"
''' + HEADER + '''
from sessions
  previous week in "Europe/Amsterdam"
  window on start_date_time
  join locations on location_id
  each charging_periods as period
  spread period.duration over hour in location time zone as slot
group by
  prefix(location.postal_code, 4) as district
  slot
compute
  round(sum(period.duration) / 60, 1) as occupied_hours
  minimum group size 10
output csv to "exports/occupancy-{run.date}.csv"
schedule weekly on monday at 06:00
'''

SPECS = {"connectors": CONNECTORS, "idle": IDLE, "prices": PRICES, "load": LOAD,
         "visits": VISITS, "occupancy": OCCUPANCY}
SPREAD = "spread period.duration over hour"
MONTH = 'truncate(start_date_time, month, "Europe/Amsterdam")'
VISITORS = "count(distinct pseudonymize(cdr_token.contract_id))"

EVSES = "  each evses as evse\n  each evse.connectors as connector"

CASES = [
    # `each` of a list inside a list, or of an element's list without the element
    ("each of a nested list", "connectors", EVSES, "  each evses.connectors as connector"),
    ("each of an element's list unnamed", "connectors", EVSES,
     "  each evses as evse\n  each connectors as connector"),
    ("each of the element's name", "connectors", EVSES,
     "  each evse as evse\n  each evse.connectors as connector"),
    ("each of a list misspelt", "load", "each charging_periods", "each periods"),
    ("each of a number", "load", "each charging_periods", "each kwh"),
    # functions of SQL, pandas and spreadsheets: a near spelling misled (`constant`)
    ("count_distinct", "visits", VISITORS, "count_distinct(pseudonymize(cdr_token.contract_id))"),
    ("nunique", "visits", VISITORS, "nunique(pseudonymize(cdr_token.contract_id))"),
    ("to_char", "visits", MONTH, 'to_char(start_date_time, "YYYY-MM")'),
    ("strftime", "visits", MONTH, 'strftime("%Y-%m", start_date_time)'),
    ("date_format", "visits", MONTH, 'date_format(start_date_time, "yyyy-MM")'),
    ("date_part", "load", "truncate(period.start_date_time, hour)",
     'date_part("hour", period.start_date_time)'),
    ("datepart", "visits", MONTH, "datepart(month, start_date_time)"),
    ("coalesce", "visits", "location.city as town", 'coalesce(location.city, "unknown") as town'),
    # a consumer's word for a field, where the nearest spelling is another field
    ("connector type", "connectors", "connector.standard", "connector.type"),
    ("availability", "connectors", "evse.status", "evse.availability"),
    ("state of an EVSE", "connectors", "evse.status", "evse.state"),
    ("status of a location", "connectors", "evse.status as status", "status"),
    ("standard of a location", "connectors", "connector.standard as", "standard as"),
    ("total_price", "prices", "sum(total_cost.incl_vat)", "sum(total_price)"),
    ("amount of a price", "prices", "total_cost.incl_vat", "total_cost.amount"),
    ("after_taxes of a price", "prices", "total_cost.incl_vat", "total_cost.after_taxes"),
    ("cpo_id", "prices", "party_id as operator", "cpo_id as operator"),
    ("idle_time", "idle", "avg(total_parking_time)", "avg(idle_time)"),
    ("total_idle_time", "idle", "avg(total_parking_time)", "avg(total_idle_time)"),
    ("card_id", "visits", VISITORS, "count(distinct pseudonymize(card_id))"),
    # a charging period's own fields, and the word that joins the slot to a spread
    ("spread per hour", "occupancy", SPREAD, "spread period.duration per hour"),
    ("spread by hour", "occupancy", SPREAD, "spread period.duration by hour"),
    ("spread of a duration", "occupancy", SPREAD, "spread duration over hour"),
    ("duration_minutes of a period", "occupancy", "sum(period.duration)",
     "sum(period.duration_minutes)"),
    ("duration_minutes", "occupancy", "sum(period.duration)", "sum(duration_minutes)"),
    # the minimum group size in a statistics office's or a dashboard's words
    ("k 10", "visits", "minimum group size 10", "k 10"),
    ("threshold", "visits", "minimum group size 10", "threshold 10"),
    ("min_count", "visits", "minimum group size 10", "min_count 10"),
    ("suppress below", "visits", "minimum group size 10", "suppress below 10"),
    ("cell size", "visits", "minimum group size 10", "cell size 10"),
    ("unnest", "connectors", "  each evses as evse", "  unnest evses as evse"),
    ("explode", "connectors", "  each evses as evse", "  explode evses as evse"),
]


@pytest.mark.parametrize(("case", "spec", "old", "new"), CASES, ids=[c[0] for c in CASES])
def test_a_newcomer_s_export_gets_a_help_that_fixes_it(case: str, spec: str, old: str,
                                                       new: str, tmp_path: Path,
                                                       snapshot) -> None:
    assert_help_fixes(SPECS[spec], old, new, tmp_path / f"{spec}.ocx", snapshot)


def test_joining_texts_says_the_parts_leave_as_columns(tmp_path: Path, snapshot) -> None:
    """`concat(country_code, party_id)` was told "did you mean `count`?"."""
    path = tmp_path / "prices.ocx"
    path.write_text(PRICES.replace("party_id as operator",
                                   "concat(country_code, party_id) as operator"))
    done = _check(path)
    shown = done.stderr.replace(str(path), path.name)
    assert (done.returncode, shown) == snapshot
    assert "did you mean" not in shown and "`country_code` and `party_id`" in shown


@pytest.mark.parametrize(("old", "new"), [
    (EVSES + "\n", ""),
    (EVSES, "  each evses as evse"),
])
def test_an_element_without_its_each_is_told_the_each(old: str, new: str, tmp_path: Path,
                                                      snapshot) -> None:
    """`connector.standard` on locations without `each` was told "did you mean
    `country`?", and `evse.status` "`evses`?"; the help now writes the `each` clauses
    that name them. Added as it says, the spec checks clean."""
    path = tmp_path / "connectors.ocx"
    path.write_text(CONNECTORS.replace(old, new))
    done = _check(path)
    shown = done.stderr.replace(str(path), path.name)
    assert (done.returncode, shown) == snapshot
    added = re.search(r"add `([^`]*)` to the dataset", shown).group(1)
    path.write_text(path.read_text().replace("group by", f"  {added}\ngroup by"))
    assert _check(path).stderr == f"Success: {path} is valid.\n"


@pytest.mark.parametrize("spec", sorted(SPECS))
def test_the_exports_of_this_file_check_clean(spec: str, tmp_path: Path) -> None:
    path = tmp_path / f"{spec}.ocx"
    path.write_text(SPECS[spec])
    done = _check(path)
    assert (done.returncode, done.stderr) == (0, f"Success: {path} is valid.\n")


CAPITALS = [
    # SQL's capitals for the words of the language, read as a field `FALSE`
    ("FALSE", "prices", "where credit = false", "where credit = FALSE"),
    ("True", "prices", "where credit = false", "where credit != True"),
    ("= NULL", "idle", "where credit = false", "where credit = false and total_parking_time = NULL"),
    ("!= NULL", "idle", "where credit = false",
     "where credit = false and total_parking_time != NULL"),
]


@pytest.mark.parametrize(("case", "spec", "old", "new"), CAPITALS, ids=[c[0] for c in CAPITALS])
def test_sql_s_capital_true_false_and_null_are_told_in_lower_case(
        case: str, spec: str, old: str, new: str, tmp_path: Path, snapshot) -> None:
    """`credit = FALSE` was an unknown field whose help quoted it, `"FALSE"`: a text,
    never equal to a boolean (OCX204 when pasted)."""
    assert_help_fixes(SPECS[spec], old, new, tmp_path / f"{spec}.ocx", snapshot)


@pytest.mark.parametrize("measure", ["count(total_parking_time > 1)",
                                     "sum(total_parking_time >= 1)",
                                     "countif(total_parking_time>1)",
                                     "count_if(total_parking_time > 1)",
                                     "sum(case when total_parking_time > 1 then 1 else 0 end)",
                                     "count() filter (where total_parking_time > 1)"])
def test_a_measure_of_the_records_meeting_a_condition_is_told_the_group(
        measure: str, tmp_path: Path, snapshot) -> None:
    """A city counting the charges that blocked a charger over an hour wrote SQL's and
    Excel's conditional count and was told "expected one of `)` or `,`, found `>`". The
    help now groups by the condition, with the user's field and value; done as it says,
    the spec checks clean."""
    path = tmp_path / "idle.ocx"
    path.write_text(IDLE.replace("round(avg(total_parking_time), 2) as avg_idle_hours",
                                 f"{measure} as blocking"))
    done = _check(path)
    shown = done.stderr.replace(str(path), path.name)
    assert (done.returncode, shown) == snapshot
    band = re.search(r"add `(bucket\(.*?\) as \w+)` to `group by`", shown).group(1)
    assert re.search(r"`where total_parking_time >=? 1`", shown)
    path.write_text(IDLE.replace("  prefix(location.postal_code, 4) as district\n",
                                 f"  prefix(location.postal_code, 4) as district\n  {band}\n"))
    assert _check(path).stderr == f"Success: {path} is valid.\n"


def test_a_peak_of_totals_is_told_that_aggregates_do_not_nest(tmp_path: Path,
                                                              snapshot) -> None:
    """A grid operator's daily peak of quarter-hour totals, `max(sum(...))` in `compute`,
    was told to "move it to `compute`", where it was."""
    path = tmp_path / "load.ocx"
    path.write_text(LOAD.replace("sum(period.energy_kwh) as energy_kwh",
                                 "max(sum(period.energy_kwh)) as peak_kwh"))
    done = _check(path)
    shown = done.stderr.replace(str(path), path.name)
    assert (done.returncode, shown) == snapshot
    assert "move it to `compute`" not in shown and "do not nest" in shown


LEASE = '''export lease_invoices
  consumer "Car leasing company, fleet invoicing"
  purpose "Monthly charging costs per lease card for invoicing the lessees"
  legal basis contract
  retention 7 years
  pseudonym key env LEASE_KEY
  pseudonym scope per month

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version 2.1.1

from cdrs
  previous month in "Europe/Amsterdam"
  window on end_date_time
  where credit = false and currency = "EUR"
select
  pseudonymize(cdr_token.contract_id) as card
  round(total_energy, 1) as energy_kwh
  round(total_cost.excl_vat, 1) as cost_eur
output csv to "exports/lease-{run.date}.csv"
'''


@pytest.mark.parametrize(("old", "new"), [
    ("cdr_token.contract_id", "cdr_token.uid"),
    ("total_cost.excl_vat", "total_cost.incl_vat"),
])
def test_a_field_a_pinned_2_1_1_lacks_is_told_the_one_it_has(old: str, new: str,
                                                             tmp_path: Path, snapshot) -> None:
    """A leasing company on a 2.1.1-only platform grouped by `cdr_token.uid`, always null
    there (one group of every card), and was told to "drop it": 2.1.1 names the card by
    its `auth_id`, `cdr_token.contract_id`, and gives costs without VAT only."""
    assert_help_fixes(LEASE, old, new, tmp_path / "lease.ocx", snapshot)


def test_the_lease_export_checks_clean(tmp_path: Path) -> None:
    path = tmp_path / "lease.ocx"
    path.write_text(LEASE)
    assert _check(path).stderr == f"Success: {path} is valid.\n"


ZONES = [
    ("timezone", 'previous month timezone "Europe/Amsterdam"'),
    ("at time zone", "previous month at time zone 'Europe/Amsterdam'"),
    ("tz", 'previous month tz "Europe/Amsterdam"'),
]


@pytest.mark.parametrize(("case", "new"), ZONES, ids=[c[0] for c in ZONES])
def test_a_window_s_zone_in_other_words_is_told_in(case: str, new: str, tmp_path: Path,
                                                   snapshot) -> None:
    """`previous month timezone "Europe/Amsterdam"` (or SQL's `at time zone`) listed the
    clauses the parser expected; the help now writes `in "..."`."""
    assert_help_fixes(SPECS["idle"], 'previous month in "Europe/Amsterdam"', new,
                      tmp_path / "idle.ocx", snapshot)


def test_a_join_key_with_an_index_is_told_the_key(tmp_path: Path, snapshot) -> None:
    """`join tariffs on tariffs[0].id` was told to write the key as `jmespath(...)`,
    which a join does not take; the key of a list joins by its first element."""
    spec = PRICES.replace("  where credit", "  join tariffs on tariffs.id\n  where credit")
    assert_help_fixes(spec, "on tariffs.id", "on tariffs[0].id", tmp_path / "prices.ocx",
                      snapshot)


LISTS = [
    # a list of the record joined or unnested as SQL and pandas say it
    ("join evses", EVSES, "  join evses\n  each evse.connectors as connector"),
    ("join evses on id", EVSES, "  join evses on id\n  each evse.connectors as connector"),
    ("each of an element without its each", EVSES, "  each evse.connectors as connector"),
]


@pytest.mark.parametrize(("case", "old", "new"), LISTS, ids=[c[0] for c in LISTS])
def test_a_list_joined_or_unnested_in_other_words_is_told_each(case: str, old: str, new: str,
                                                              tmp_path: Path, snapshot) -> None:
    """`join evses` was told to name a join key, `join evses on id` to "join one of the
    modules listed above", and
    `each evse.connectors` without `each evses` was told `each evses as connector`. Each
    is now told the `each` clause; written in (before `group by`, or in the caret's
    place), the spec checks clean."""
    path = tmp_path / "connectors.ocx"
    path.write_text(CONNECTORS.replace(old, new))
    done = _check(path)
    shown = done.stderr.replace(str(path), path.name)
    assert (done.returncode, shown) == snapshot
    assert "Traceback" not in shown
    [each] = re.findall(r"(?:write|add) `(each [^`]*)`", shown.split("\n\n")[0])
    fixed = CONNECTORS.replace(old, "").replace("group by", f"  {each}\n  each evse.connectors"
                                                           " as connector\ngroup by")
    path.write_text(fixed if "connectors" not in each else CONNECTORS.replace(old, "").replace(
        "group by", f"  {each}\ngroup by"))
    assert _check(path).stderr == f"Success: {path} is valid.\n", path.read_text()


def test_the_run_s_clock_in_a_filter_is_told_the_window(tmp_path: Path, snapshot) -> None:
    """`where start_date_time >= now() - 30` (SQL's last 30 days) was told to "see
    docs/language.md", and again that a number is compared with a timestamp."""
    path = tmp_path / "visits.ocx"
    path.write_text(VISITS.replace('where status = "COMPLETED"', 'where status = "COMPLETED" '
                                   "and start_date_time >= now() - 30"))
    done = _check(path)
    shown = done.stderr.replace(str(path), path.name)
    assert (done.returncode, shown) == snapshot
    assert "`last 30 days`" in shown and "OCX204" not in shown
