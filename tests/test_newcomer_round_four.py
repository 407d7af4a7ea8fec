"""Specs a hurried newcomer writes for consumers we do not ship, round four (an airport's
parking authority, a car-sharing fleet's own cards, a housing corporation's Parquet, a
highway operator's fast chargers per hour of the week, an energy cooperative's quarter
hours for Excel, a climate NGO's CO2 factor, a bank's counts only, a bus depot's every
session, a hotel chain's prices with VAT, a researcher's sample), checked with the real
CLI: each diagnostic is snapshotted as the user sees it and its help, pasted over the
caret, gives a spec that checks without it (`test_newcomer_specs`' harness); four of the
specs run against the demo CPO, and their figures are recomputed from `ocpispec get` of
the same platform."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from consumer_runs import demo_cpo, driver, dump, published, read_csv, run_spec
from test_newcomer_specs import _check, assert_help_fixes

AIRPORT = '''export airport_parking
  consumer "Schiphol Parking Authority"
  purpose "Sessions and idle time per car park per day"
  legal basis legitimate interests
  retention 2 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version 2.2.1

from cdrs
  previous month in "Europe/Amsterdam"
  window on start_date_time
  where credit = false
  join locations on cdr_location.id
group by
  prefix(location.postal_code, 4) as car_park_area
  truncate(start_date_time, day, "Europe/Amsterdam") as day
compute
  count() as sessions
  avg(jmespath("total_parking_time || `0`")) as avg_idle_hours
  minimum group size 5
output csv to "exports/airport-{run.date}.csv"
'''

CARSHARE = '''export fleet_charging
  consumer "Car-sharing operator, fleet team"
  purpose "Charging of the operator's own shared cars"
  legal basis contract
  retention 1 year

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version 2.2.1

from sessions
  last 30 days
  where cdr_token.country_code = "NL" and cdr_token.party_id = "EMS" because "only the operator's own cars"
select
  cdr_token.contract_id as car because "the operator's own contract ids, one per shared car"
  truncate(start_date_time, hour) as started
  round(kwh, 1) as kwh
output csv to "exports/fleet-{run.date}.csv"
'''

HOUSING = '''export housing_energy
  consumer "Woningcorporatie, asset management"
  purpose "Charging energy per postal district of its estates per month"
  legal basis contract
  retention 7 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version 2.3.0

from sessions
  previous month in "Europe/Amsterdam"
  window on start_date_time
  where status = "COMPLETED"
  join locations on location_id
group by
  prefix(location.postal_code, 2) as district
  truncate(start_date_time, month, "Europe/Amsterdam") as month
compute
  sum(kwh) as energie_kwh
  count() as sessions
  minimum group size 10
output parquet to "exports/housing-{run.date}.parquet"
schedule monthly on day 2 at 06:00
'''

HIGHWAY = '''export highway_fast
  consumer "Highway operator, corridor team"
  purpose "Utilisation of fast chargers per hour of the week, local time"
  legal basis public task
  retention 3 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version 2.3.0

from sessions
  between 2024-12-31T23:00:00Z and 2025-12-31T23:00:00Z
  window on start_date_time
  where status = "COMPLETED" and location.connector.max_electric_power >= 50000
  join locations on location_id
group by
  weekday(start_date_time, "Europe/Amsterdam") as weekday
  hour_of_day(start_date_time, "Europe/Amsterdam") as hour
compute
  count() as sessions
  sum(hours(start_date_time, end_date_time)) as occupied_hours
  minimum group size 5
output csv excel-nl to "exports/highway.csv"
'''

COOP = '''export coop_quarter_hours
  consumer "Energiecooperatie Zuidenwind"
  purpose "kWh per 15-minute slot summed over the sites, for balancing"
  legal basis contract
  retention 5 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version 2.2.1

from sessions
  previous day in "Europe/Amsterdam"
  window on start_date_time
  where status = "COMPLETED"
  join locations on location_id
  each charging_periods as period
  spread period.energy_kwh over quarter_hour in location time zone as slot
group by
  slot because "the cooperative balances its members' load per quarter hour"
compute
  sum(period.energy_kwh) as kwh
  minimum group size 5
output csv excel-nl to "exports/coop-{run.date}.csv"
schedule daily at 04:00
'''

CO2 = '''export ngo_co2
  consumer "Climate NGO, research desk"
  purpose "CO2 of the electricity charged per month, from kWh with a grid factor"
  legal basis legitimate interests
  retention 5 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version 2.3.0

from cdrs
  previous 3 complete months in "Europe/Amsterdam"
  window on end_date_time
  where credit = false
group by
  truncate(end_date_time, month, "Europe/Amsterdam") as month
compute
  sum(total_energy) as kwh
  round(sum(total_energy) * 0.4, 1) as co2_kg
  minimum group size 10
output json to "exports/co2-{run.date}.json"
'''

BANK = '''export bank_green_loans
  consumer "Bank, green-loan team"
  purpose "Counts of charging sessions per postal district per quarter"
  legal basis legitimate interests
  retention 7 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version 2.1.1

from sessions
  previous quarter in "Europe/Amsterdam"
  window on start_date_time
  where status = "COMPLETED"
  join locations on location_id
group by
  prefix(location.postal_code, 2) as district
compute
  count() as sessions
  minimum group size 20
  round counts to 10
output xlsx to "exports/bank-{run.date}.xlsx"
'''

DEPOT = '''export depot_sessions
  consumer "Bus depot, fleet planning"
  purpose "Every charging session at the depot, drivers pseudonymous"
  legal basis contract
  retention 1 year
  pseudonym key env OCPISPEC_KEY
  pseudonym scope per month

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version 2.2.1

from sessions
  previous day
  where location_id = "LOC-0001" and kwh > 0.5 because "the depot is this one location"
select
  pseudonymize(cdr_token.uid) as driver
  truncate(start_date_time, hour) as started
  round(kwh, 1) as kwh
output csv to "exports/depot-{run.date}.csv"
schedule daily at 05:00
'''

HOTEL = '''export hotel_tariffs
  consumer "Hotel chain, facilities"
  purpose "Charging prices at the hotels' car parks, with VAT"
  legal basis contract
  retention 1 year

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version 2.2.1

from locations as sites
  each evses as evse
  each evse.connectors as connector
select
  id as location
  city
  connector.standard
  jmespath("connector.tariff_ids[0]") as tariff
output csv to "exports/hotel-sites-{run.date}.csv"

from tariffs as prices
  each elements as element
  each element.price_components as component
select
  id as tariff
  currency
  component.type as dimension
  component.price as price_excl_vat
  round(component.price * (1 + component.vat / 100), 2) as price_incl_vat
output csv to "exports/hotel-prices-{run.date}.csv"
'''

RESEARCH = '''export research_sample
  consumer "University, transport research group"
  purpose "Session durations for a first look at charging behaviour"
  legal basis public task
  retention 3 years
  pseudonym key env OCPISPEC_KEY
  pseudonym scope per run

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version 2.1.1

from sessions
  previous month
  where status = "COMPLETED"
select
  pseudonymize(cdr_token.contract_id) as driver
  truncate(start_date_time, day) as day
  round(hours(start_date_time, end_date_time), 1) as hours
output ndjson to "exports/research-{run.date}.ndjson"
'''

SPECS = {"airport": AIRPORT, "carshare": CARSHARE, "housing": HOUSING, "highway": HIGHWAY,
         "coop": COOP, "co2": CO2, "bank": BANK, "depot": DEPOT, "hotel": HOTEL,
         "research": RESEARCH}


@pytest.mark.parametrize("name", sorted(SPECS))
def test_the_specs_as_the_helps_leave_them_check_clean(name: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.ocx"
    path.write_text(SPECS[name])
    done = _check(path)
    assert done.returncode == 0 and "error[" not in done.stderr, done.stderr


def _drop_line(word: str, said: str = "--limit"):
    """A help that says to leave the clause out (and run with `--limit N`)."""
    def apply(text: str, shown: str) -> str:
        assert said in shown, shown
        return "\n".join(line for line in text.split("\n")
                         if not line.strip().lower().startswith(word))
    return apply


CASES = [
    # a decimal comma in a factor: `round(x * 0, 4)` released 0 in every row, silently;
    # with the digits it was OCX202 'write it like round(kwh, 1)'
    ("decimal comma, two arguments", "co2", "round(sum(total_energy) * 0.4, 1)",
     "round(sum(total_energy) * 0,4)"),
    ("decimal comma, three arguments", "co2", "* 0.4, 1)", "* 0,4, 1)"),
    ("decimal comma in a where", "depot", "kwh > 0.5", "kwh > 0,5"),
    # a column's name as other tools quote it: `as [_name`, `as nergie_kwh`, 'remove it'
    ("name in square brackets", "housing", "as energie_kwh", "as [Energie kWh]"),
    ("quoted name with an accent", "housing", "as energie_kwh", 'as "Énergie (kWh)"'),
    ("name in backticks", "housing", "as energie_kwh", "as `energie`"),
    ("name with a currency sign", "hotel", "as price_incl_vat", "as €_incl_vat"),
    ("name starting with a year", "housing", "as energie_kwh", "as 2025_kwh"),
    ("name with an accent", "housing", "as energie_kwh", "as énergie"),
    # SQL's zone conversion: 'write `at`', 'write `start_date_time, at`', 'see docs'
    ("AT TIME ZONE", "highway", 'hour_of_day(start_date_time, "Europe/Amsterdam")',
     "hour(start_date_time AT TIME ZONE 'Europe/Amsterdam')"),
    ("at time zone in lower case", "highway", 'weekday(start_date_time, "Europe/Amsterdam")',
     "weekday(start_date_time at time zone 'Europe/Amsterdam')"),
    ("convert_tz", "highway", 'hour_of_day(start_date_time, "Europe/Amsterdam")',
     'hour_of_day(convert_tz(start_date_time, "UTC", "Europe/Amsterdam"))'),
    ("hour_of_week", "highway",
     '  weekday(start_date_time, "Europe/Amsterdam") as weekday\n'
     '  hour_of_day(start_date_time, "Europe/Amsterdam") as hour\n',
     '  hour_of_week(start_date_time, "Europe/Amsterdam") as how\n'),
    # capitals the parser read as a column: told about the rule after it, or 'not
    # allowed here, move it before `output`' where it stood
    ("COMPUTE in capitals", "housing", "compute\n", "COMPUTE\n"),
    ("ORDER BY in capitals after rows", "depot", "output csv",
     "ORDER BY started DESC\noutput csv"),
    # windows: `this month` pasted gave `month to date month`; a month as ISO writes it
    ("this month", "housing", 'previous month in "Europe/Amsterdam"', "this month"),
    ("this quarter", "bank", 'previous quarter in "Europe/Amsterdam"', "this quarter"),
    ("a month as a window", "housing", 'previous month in "Europe/Amsterdam"', "2026-03"),
    ("since a month", "airport", 'previous month in "Europe/Amsterdam"\n  window on '
     'start_date_time', "since 2025-12"),
    # a date in a filter as a spreadsheet or a month picker writes it: 'write a date
    # without quotes, e.g. `2026-01-31`', 'compare values of the same kind' (2026 - 3)
    ("quoted date with slashes in a where", "depot", "kwh > 0.5",
     'kwh > 0.5 and start_date_time >= "01/03/2026"'),
    ("a month in a where", "depot", "kwh > 0.5", "kwh > 0.5 and start_date_time >= 2026-03"),
    # the group size rule with its unit (left last round: 'expected `counts`')
    ("minimum group size 5 counts", "airport", "minimum group size 5",
     "minimum group size 5 counts"),
    # samples: an unknown field `sample`, 'name the measure random()'
    ("sample 100", "research", "output ndjson", "sample 100\noutput ndjson"),
    ("order by random()", "research", "output ndjson",
     "order by random() limit 100\noutput ndjson"),
    # a fleet's own cards by the start of their contract ids: 'name them exactly'
    ("contract id prefix", "carshare",
     'cdr_token.country_code = "NL" and cdr_token.party_id = "EMS"',
     'cdr_token.contract_id matches "NL-EMS-*"'),
    # a CSV for a continental Excel, as other tools say it: '`with` must be quoted', 'the
    # measure ... comes after `minimum group size`', `excel-be` 'did you mean excel-en?'
    ("with decimal comma", "coop", "output csv excel-nl to", "output csv with decimal comma to"),
    ("pandas' to_csv arguments", "coop", "output csv excel-nl to",
     'output csv(sep=";", decimal=",") to'),
    ("Belgian Excel", "coop", "output csv excel-nl to", "output csv excel-be to"),
    # JSON's members: 'missing `source` section', or 'remove it' under the `:`
    ("JSON header line", "bank", 'consumer "Bank, green-loan team"',
     '"consumer": "Bank, green-loan team",'),
    ("JSON retention", "bank", "retention 7 years", '"retention": "7 years",'),
    ("JSON group size", "bank", "  minimum group size 20", '  "minimum group size": 20,'),
    # habits earlier rounds fixed, written again by this round's users
    ("YAML key", "bank", "  retention 7 years", "  retention: 7 years"),
    ("FROM in capitals", "carshare", "from sessions", "FROM sessions"),
    ("date with slashes", "depot", "previous day", "since 01/03/2026"),
    ("having", "highway", "  minimum group size 5", "  having count() >= 5"),
    ("top 10", "highway", "output csv", "top 10\noutput csv"),
    ("kW in a filter", "highway", ">= 50000", ">= 50 kW"),
    ("quoted zone in single quotes", "co2", '"Europe/Amsterdam")', "'Europe/Amsterdam')"),
    ("module OCPI has, ocpispec not", "research", "from sessions", "from bookings"),
    ("field of another version", "research", "hours(start_date_time, end_date_time)",
     "hours(start_date_time, end_datetime)"),
]


@pytest.mark.parametrize(("case", "spec", "old", "new"), CASES, ids=[c[0] for c in CASES])
def test_a_newcomer_s_mistake_gets_a_help_that_fixes_it(case: str, spec: str, old: str,
                                                        new: str, tmp_path: Path,
                                                        snapshot) -> None:
    apply = {"sample 100": _drop_line("sample"),
             "order by random()": _drop_line("order by"),
             "having": _drop_line("having", "minimum group size"),
             "top 10": _drop_line("top"),
             "module OCPI has, ocpispec not": lambda text, shown: text.replace(
                 "from bookings", "from sessions") if "its modules are" in shown else text,
             "field of another version": lambda text, shown: text.replace(
                 "end_datetime", "end_date_time") if "use `end_date_time`" in shown
             else text}.get(case)
    assert_help_fixes(SPECS[spec], old, new, tmp_path / f"{spec}.ocx", snapshot, apply=apply)


# ---- the runs ------------------------------------------------------------------------

server_230 = demo_cpo("2.3.0", 4000)
server_221 = demo_cpo("2.2.1", 1500)
server_211 = demo_cpo("2.1.1", 4000)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _ran(run_cli, name: str, server, tmp_path: Path, out: str) -> Path:
    spec = tmp_path / f"{name}.ocx"
    spec.write_text(SPECS[name])
    run_spec(run_cli, spec, server, tmp_path / out)
    return tmp_path / out


def test_the_ngo_s_co2_per_month_is_the_kwh_times_its_factor(run_cli, server_230,
                                                             tmp_path: Path) -> None:
    """The factor as the help left it (`0.4`, not `0,4`, which released 0)."""
    out = _ran(run_cli, "co2", server_230, tmp_path, "co2.json")
    sites = published(run_cli, server_230)
    kwh: dict[str, Decimal] = defaultdict(Decimal)
    for cdr in dump(run_cli, server_230, "cdrs", since="2025-09-30T22:00:00Z"):
        end = _at(cdr["end_date_time"])
        if cdr.get("credit") or cdr["cdr_location"]["id"] not in sites or \
                not _at("2025-09-30T22:00:00Z") <= end < _at("2025-12-31T23:00:00Z"):
            continue
        kwh[end.astimezone(AMSTERDAM).strftime("%Y-%m")] += Decimal(str(cdr["total_energy"]))
    rows = json.loads(out.read_text())
    assert sorted(row["month"][:7] for row in rows) == ["2025-10", "2025-11", "2025-12"]
    for row in rows:
        energy = kwh[row["month"][:7]]
        assert Decimal(str(row["kwh"])) == energy
        assert Decimal(str(row["co2_kg"])) == (energy * Decimal("0.4")).quantize(
            Decimal("0.1"), ROUND_HALF_UP) > 0


def test_the_highway_s_hour_of_week_in_an_excel_csv(run_cli, server_230,
                                                    tmp_path: Path) -> None:
    """Fast chargers' sessions and hours per local weekday and hour, read as a Dutch
    Excel reads the file (`;`, decimal comma, BOM); every group of at least 5 drivers is
    there and no other."""
    import csv

    out = _ran(run_cli, "highway", server_230, tmp_path, "highway.csv")
    sites = published(run_cli, server_230)
    power = {(site["id"], evse["uid"], connector["id"]): connector["max_electric_power"]
             for site in sites.values() for evse in site.get("evses", [])
             for connector in evse.get("connectors", [])}
    groups: dict[tuple[str, int], list[dict]] = defaultdict(list)
    for session in dump(run_cli, server_230, "sessions"):
        start = _at(session["start_date_time"])
        key = (session["location_id"], session["evse_uid"], session["connector_id"])
        if session["status"] != "COMPLETED" or key not in power or power[key] < 50000 or \
                not _at("2024-12-31T23:00:00Z") <= start < _at("2025-12-31T23:00:00Z"):
            continue
        local = start.astimezone(AMSTERDAM)
        groups[(local.strftime("%A").lower(), local.hour)].append(session)
    released = {key for key, group in groups.items()
                if len({driver(s) for s in group} - {None}) >= 5}
    with out.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file, delimiter=";"))
    assert len(rows) >= 20 and {(row["weekday"], int(row["hour"])) for row in rows} == released
    for row in rows:
        group = groups[(row["weekday"], int(row["hour"]))]
        # `hours(a, b)` is each session's elapsed time to 10 decimals (plan-and-run.md)
        hours = sum(round((_at(s["end_date_time"]) - _at(s["start_date_time"])).total_seconds()
                          / 3600, 10) for s in group)
        assert int(row["sessions"]) == len(group)
        assert float(row["occupied_hours"].replace(",", ".")) == pytest.approx(hours, abs=1e-6)


def test_the_bank_s_counts_are_rounded_and_floored_in_xlsx(run_cli, server_211,
                                                           tmp_path: Path) -> None:
    """OCPI 2.1.1: the counts per 2-digit district in the previous quarter, rounded to
    tens, only where at least 20 drivers charged; read with openpyxl."""
    import openpyxl

    out = _ran(run_cli, "bank", server_211, tmp_path, "bank.xlsx")
    sites = published(run_cli, server_211)
    groups: dict[str, list[dict]] = defaultdict(list)
    for session in dump(run_cli, server_211, "sessions", since="2025-09-30T22:00:00Z"):
        start = _at(session["start_datetime"])
        site = sites.get(session["location"]["id"])
        if session["status"] != "COMPLETED" or site is None or \
                not _at("2025-09-30T22:00:00Z") <= start < _at("2025-12-31T23:00:00Z"):
            continue
        groups[site["postal_code"][:2]].append(session)
    sheet = openpyxl.load_workbook(out, read_only=True).worksheets[0]
    header, *cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    rows = [dict(zip(header, row)) for row in cells]
    assert header[:2] == ["district", "sessions"] and len(rows) >= 5
    assert {row["district"] for row in rows} == {
        district for district, group in groups.items()
        if len({s["auth_id"] for s in group}) >= 20}
    for row in rows:
        exact = len(groups[row["district"]])
        assert row["sessions"] == int(Decimal(exact / 10).quantize(Decimal(1), ROUND_HALF_UP)) * 10


def test_the_fleet_s_own_cards_by_their_emsp(run_cli, server_221, tmp_path: Path) -> None:
    """The car-sharing operator's cards by the eMSP their contract ids start with, as
    the OCX330 help wrote the filter: the rows are exactly the sessions of those cards
    updated in the last 30 days."""
    out = _ran(run_cli, "carshare", server_221, tmp_path, "fleet.csv")
    sites = published(run_cli, server_221)
    kept = [session for session in dump(run_cli, server_221, "sessions", since="2025-12-02")
            if session["location_id"] in sites and session["last_updated"] >= "2025-12-02"
            and session["cdr_token"]["contract_id"].startswith("NL-EMS-")]
    rows = read_csv(out)
    assert kept and len(rows) == len(kept)
    assert sorted(row["car"] for row in rows) == sorted(
        s["cdr_token"]["contract_id"] for s in kept)
    assert sorted(Decimal(row["kwh"]) for row in rows) == sorted(
        Decimal(str(s["kwh"])).quantize(Decimal("0.1"), ROUND_HALF_UP) for s in kept)


def test_the_housing_corporation_s_parquet_in_pandas(run_cli, server_230,
                                                     tmp_path: Path) -> None:
    """Energy per 2-digit postal district in the previous local month, read with pandas:
    typed columns, the month on Amsterdam's clock, every district of at least 10 drivers."""
    import pandas

    out = _ran(run_cli, "housing", server_230, tmp_path, "housing.parquet")
    sites = published(run_cli, server_230)
    groups: dict[str, list[dict]] = defaultdict(list)
    for session in dump(run_cli, server_230, "sessions", since="2025-11-30T23:00:00Z"):
        start = _at(session["start_date_time"])
        if session["status"] != "COMPLETED" or session["location_id"] not in sites or \
                not _at("2025-11-30T23:00:00Z") <= start < _at("2025-12-31T23:00:00Z"):
            continue
        groups[sites[session["location_id"]]["postal_code"][:2]].append(session)
    frame = pandas.read_parquet(out)
    assert str(frame["month"].dt.tz) == "Europe/Amsterdam"
    assert set(frame["month"].astype(str)) == {"2025-12-01 00:00:00+01:00"}
    assert len(frame) >= 5 and set(frame["district"]) == {
        area for area, group in groups.items() if len({driver(s) for s in group} - {None}) >= 10}
    for row in frame.itertuples():
        group = groups[row.district]
        assert row.sessions == len(group)
        assert row.energie_kwh == pytest.approx(float(sum(Decimal(str(s["kwh"])) for s in group)),
                                                abs=1e-6)
