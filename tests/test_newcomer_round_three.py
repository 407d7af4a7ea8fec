"""Specs a hurried newcomer writes for consumers we do not ship, round three (a
university's energy per connector standard and power class, a DSO's peak power per
charger, a tax office's revenue with credit CDRs netted, a researcher's medians and idle
time by local hour, an energy coach's long sessions written in SQL habits), checked with
the real CLI: each diagnostic is snapshotted as the user sees it and its help, pasted
over the caret, gives a spec that checks without it (`test_newcomer_specs`' harness);
the specs as the help leaves them run against the demo CPO, and their figures are
recomputed from `ocpispec get` of the same platform."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from consumer_runs import dump, published, read_csv, run_spec
from test_newcomer_specs import _check, assert_help_fixes

from ocpispec.demo import DemoServer

UNIVERSITY = '''export uni_connector_energy
  consumer "TU Delft, Energy research group"
  purpose "Energy charged per connector standard and power class"
  legal basis public task
  retention 3 years
  pseudonym key env OCPISPEC_KEY

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version 2.2.1

from cdrs
  between 2025-01-01 and 2026-01-01
  window on start_date_time
  where credit = false
  join locations on cdr_location.id
  each charging_periods as period
group by
  cdr_location.connector_standard as standard
  bucket(location.connector.max_electric_power, [11000, 22000, 50000, 150000]) as power_class
compute
  sum(period.energy_kwh) as energy_kwh
  count(distinct pseudonymize(id)) as cdrs
  minimum group size 10
output csv to "exports/uni.csv"
'''

DSO = '''export dso_peak
  consumer "Stedin DSO"
  purpose "Peak power per charger for grid planning"
  legal basis legitimate interests
  retention 2 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from sessions
  previous month
  window on start_date_time
  where status = "COMPLETED"
  join locations on location_id
  each charging_periods as period
group by
  evse_uid because "the DSO plans the feeder of each charger"
compute
  round(max(period.energy_kwh / (period.duration / 60)), 1) as peak_kw because "the DSO sizes each feeder for its peak"
  minimum group size 10
output csv to "exports/dso-peak-{run.date}.csv"
'''

TAX = '''export tax_revenue
  consumer "Belastingdienst"
  purpose "Monthly revenue per currency, credits netted"
  legal basis legal obligation
  retention 7 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version 2.3.0

from cdrs
  between 2025-01-01 and 2026-01-01
  window on end_date_time
group by
  truncate(end_date_time, month) as month
  currency
compute
  sum(total_cost.excl_vat) as revenue_excl_vat
  sum(total_cost.incl_vat) as revenue_incl_vat
  count() as cdrs
  minimum group size 10
output csv to "exports/tax.csv"
'''

IDLE = '''export idle_study
  consumer "Hogeschool van Amsterdam, Urban Technology"
  purpose "How long cars stay plugged in after charging, by local hour of arrival"
  legal basis public task
  retention 3 years
  pseudonym key env OCPISPEC_KEY

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version 2.2.1

from cdrs
  between 2024-12-31T23:00:00Z and 2025-12-31T23:00:00Z
  window on start_date_time
  where credit = false and total_energy > 0
group by
  hour_of_day(start_date_time, "Europe/Amsterdam") as arrival_hour
compute
  count(distinct pseudonymize(cdr_token.uid)) as drivers
  round(median(minutes(start_date_time, end_date_time)), 1) as median_minutes
  round(percentile(minutes(start_date_time, end_date_time), 0.9), 1) as p90_minutes
  avg(total_parking_time * 60) as avg_idle_min
  minimum group size 10
output csv to "exports/idle.csv"
'''

COACH = '''export long_sessions
  consumer "EnergieCoach BV"
  purpose "Advise drivers on long charging sessions"
  legal basis legitimate interests
  retention 1 years
  pseudonym key env OCPISPEC_KEY

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version 2.1.1

from cdrs
  last 30 days
  where total_energy >= 5 and total_energy <= 80 and total_parking_time is not null and auth_method != "WHITELIST" and hours(start_date_time, end_date_time) > 0.5
select
  pseudonymize(cdr_token.contract_id) as driver
  truncate(start_date_time, day) as day
  round(total_energy, 1) as kwh
  round(total_parking_time, 1) as idle_hours
output csv to "exports/long-{run.date}.csv"
'''

SPECS = {"university": UNIVERSITY, "dso": DSO, "tax": TAX, "idle": IDLE, "coach": COACH}


@pytest.mark.parametrize("name", sorted(SPECS))
def test_the_specs_as_the_helps_leave_them_check_clean(name: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.ocx"
    path.write_text(SPECS[name])
    done = _check(path)
    assert (done.returncode, done.stderr) == (0, f"Success: {path} is valid.\n"), done.stderr


def _because(text: str, shown: str) -> str:
    """A help that asks for a justification: the column given one."""
    return text.replace("as peak_kw\n", 'as peak_kw because "feeders are sized for it"\n')


CASES = [
    # SQL's quotes: the help wrote `"..."` (a single quote stood under the caret), and
    # a list in parentheses got square brackets around the same single quotes (OCX002)
    ("single-quoted text", "dso", 'status = "COMPLETED"', "status = 'COMPLETED'"),
    ("IN with single quotes", "coach", 'auth_method != "WHITELIST"',
     "auth_method not in ('WHITELIST', 'AUTH_REQUEST')"),
    ("IN in capitals", "coach", 'auth_method != "WHITELIST"',
     "auth_method IN ('AUTH_REQUEST')"),
    # capitals with a range: lowered, `between` was the next error (a window's word)
    ("BETWEEN in capitals", "coach", "total_energy >= 5 and total_energy <= 80",
     "total_energy BETWEEN 5 AND 80"),
    # minutes against a duration in hours: the help wrote `30`, thirty hours
    ("30min against hours()", "coach", "end_date_time) > 0.5", "end_date_time) > 30min"),
    # `count(*)`: the caret stood under `*`, so the help pasted made `count(count())`
    ("count(*)", "tax", "count() as cdrs", "count(*) as cdrs"),
    # a distinct count of a card: the help wrote the raw count, OCX227 next
    ("count_distinct of a card", "idle", "count(distinct pseudonymize(cdr_token.uid))",
     "count_distinct(cdr_token.uid)"),
    # the site's own zone: a field where a quoted zone goes
    ("the site's time zone", "university", "power_class\n",
     'power_class\n  hour_of_day(start_date_time, location.time_zone) as hour\n'),
    # a peak of a ratio, rounded as the first help said: the second wrote
    # `round(period.energy_kwh, 1)` in a `compute` (no aggregate: OCX210)
    ("peak of a ratio", "dso", ' because "the DSO sizes each feeder for its peak"', ""),
    # single quotes around what is written bare: the help wrote `"2025-06-01"` and
    # `"month"`, each an error of its own
    ("quoted date in single quotes", "idle", "total_energy > 0",
     "start_date_time >= '2025-06-01'"),
    ("truncate's unit in single quotes", "tax", "truncate(end_date_time, month)",
     "truncate(end_date_time, 'month')"),
    # `15min` in `truncate`: the help wrote `15`, not a unit
    ("15min in truncate", "tax", "truncate(end_date_time, month)",
     "truncate(end_date_time, 15min)"),
    # SQL's percentile: the help said `percentile`, arguments in SQL's order (OCX201)
    ("percentile_cont", "idle", "percentile(minutes(start_date_time, end_date_time), 0.9)",
     "percentile_cont(0.9, minutes(start_date_time, end_date_time))"),
    # a spread measure: the help said to read the docs; the variance is arithmetic
    # over `avg`, a standard deviation its square root, which the language has not
    ("stddev", "idle", "avg(total_parking_time * 60) as avg_idle_min",
     "stddev(total_parking_time * 60) as sd_idle_min"),
    ("variance", "idle", "avg(total_parking_time * 60) as avg_idle_min",
     "variance(total_parking_time) as var_idle_h2"),
    # a name in two words whose second is a field: it left raw as a column of its own
    # (with no word at all for a public field); the help joins the name
    ("name in two words", "coach", "round(total_energy, 1) as kwh",
     "round(total_energy, 1) as energy total_energy"),
    # `int(x)`: the help said `min`, an aggregate (OCX210 in a row dataset)
    ("int()", "coach", "round(total_parking_time, 1)", "int(total_parking_time)"),
    # XML, which no built-in format writes: the help said 'write one of the formats'
    ("output xml", "tax", "output csv to \"exports/tax.csv\"",
     "output xml to \"exports/tax.xml\""),
    # the later time first, as SQL's `datediff(end, start)`: every duration negative
    ("duration the other way round", "idle",
     "median(minutes(start_date_time, end_date_time))",
     "median(minutes(end_date_time, start_date_time))"),
    # SQL's cast: 'the call is not closed, write `total_parking_time)`', which pasted
    # gave `cast(total_parking_time)`, an unknown function
    ("cast as int", "coach", "round(total_parking_time, 1)",
     "cast(total_parking_time as int)"),
    # SQL's `case when`: 'expected one of ...' at the `>`; the bands are `bucket`
    ("case when", "coach", "round(total_energy, 1) as kwh",
     'case when total_energy > 20 then "large" else "small" end as kwh'),
    # a power where an energy is compared: the note says the units differ
    ("kW for an energy", "idle", "total_energy > 0", "total_energy > 7kW"),
    # habits the earlier rounds fixed, written again by this round's users
    ("== comparison", "dso", 'status = "COMPLETED"', 'status == "COMPLETED"'),
    ("trailing comma", "tax", "as cdrs\n", "as cdrs,\n"),
    ("// comment", "tax", "export tax_revenue", "// for the tax office\nexport tax_revenue"),
    ("unit in a literal", "idle", "total_energy > 0", "total_energy > 0.5kWh"),
    ("percentile as a percentage", "idle", "0.9), 1)", "90), 1)"),
    ("date_trunc", "tax", "truncate(end_date_time, month)",
     'date_trunc("month", end_date_time)'),
    ("mean", "idle", "avg(total_parking_time * 60)", "mean(total_parking_time * 60)"),
    ("module misspelled", "tax", "from cdrs", "from cdr"),
    ("field in capitals", "coach", "round(total_energy, 1)", "round(Total_Energy, 1)"),
]


@pytest.mark.parametrize(("case", "spec", "old", "new"), CASES, ids=[c[0] for c in CASES])
def test_a_newcomer_s_mistake_gets_a_help_that_fixes_it(case: str, spec: str, old: str,
                                                        new: str, tmp_path: Path,
                                                        snapshot) -> None:
    apply = {"peak of a ratio": _because,  # `add because "..."`, `remove the ","`
             "trailing comma": lambda text, shown: text.replace("cdrs,\n", "cdrs\n"),
             "15min in truncate": lambda text, shown: text.replace("15min", "quarter_hour")
             if "write `quarter_hour` instead of `15min`" in shown else text}.get(case)
    if case == "output xml":  # the template the help names, as the user then writes it
        (tmp_path / "rows.xml.j2").write_text(
            '<rows>{% for r in rows %}<row month="{{ r.month }}"/>{% endfor %}</rows>\n')
    assert_help_fixes(SPECS[spec], old, new, tmp_path / f"{spec}.ocx", snapshot, apply=apply)


def test_a_spec_saved_with_crlf_shows_its_lines_as_written(tmp_path: Path) -> None:
    """A spec saved on Windows (CRLF, a BOM): the line under a diagnostic ended in a
    replacement character, the `\\r` shown as a control character."""
    path = tmp_path / "tax.ocx"
    text = TAX.replace("count() as cdrs", "count(*) as cdrs").replace("\n", "\r\n")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    shown = _check(path).stderr
    assert "count(*) as cdrs\n" in shown and "\ufffd" not in shown, shown


# ---- the runs ------------------------------------------------------------------------


def _server(version: str):
    @pytest.fixture(scope="module")
    def server():
        with DemoServer(version=version, size=1500) as started:
            yield started
    return server


server_221 = _server("2.2.1")
server_230 = _server("2.3.0")
server_211 = _server("2.1.1")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_the_university_s_energy_per_standard_and_power_class(run_cli, server_221,
                                                              tmp_path: Path) -> None:
    spec = tmp_path / "university.ocx"
    spec.write_text(UNIVERSITY)
    out = tmp_path / "uni.csv"
    run_spec(run_cli, spec, server_221, out)
    sites = published(run_cli, server_221)
    power = {(site["id"], evse["uid"], connector["id"]): connector["max_electric_power"]
             for site in sites.values() for evse in site.get("evses", [])
             for connector in evse.get("connectors", [])}
    edges = [11000, 22000, 50000, 150000]
    energy: dict[tuple, Decimal] = defaultdict(Decimal)
    charges: dict[tuple, int] = defaultdict(int)
    for cdr in dump(run_cli, server_221, "cdrs"):
        place = cdr["cdr_location"]
        if cdr.get("credit") or place["id"] not in sites or \
                not "2025-01-01" <= cdr["start_date_time"][:10] <= "2025-12-31":
            continue
        watts = power[(place["id"], place["evse_uid"], place["connector_id"])]
        band = next((f"{low}-{high}" for low, high in zip(edges, edges[1:])
                     if low <= watts < high), "150000+" if watts >= 150000 else "<11000")
        key = (place["connector_standard"], band)
        energy[key] += sum((Decimal(str(d["volume"])) for p in cdr["charging_periods"]
                            for d in p["dimensions"] if d["type"] == "ENERGY"), Decimal(0))
        charges[key] += 1
    rows = read_csv(out)
    assert len(rows) >= 4
    for row in rows:
        key = (row["standard"], row["power_class"])
        assert Decimal(row["energy_kwh"]) == energy[key]
        assert int(row["cdrs"]) == charges[key]


def test_the_tax_office_s_revenue_nets_the_credit_cdrs(run_cli, server_230,
                                                      tmp_path: Path) -> None:
    spec = tmp_path / "tax.ocx"
    spec.write_text(TAX)
    out = tmp_path / "tax.csv"
    run_spec(run_cli, spec, server_230, out)
    sites = published(run_cli, server_230)
    net: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    credits = 0
    for cdr in dump(run_cli, server_230, "cdrs"):
        if cdr["cdr_location"]["id"] not in sites or not cdr["end_date_time"].startswith("2025"):
            continue
        cost = cdr["total_cost"]
        before = Decimal(str(cost["before_taxes"]))
        net[cdr["end_date_time"][:7]][0] += before
        net[cdr["end_date_time"][:7]][1] += before + sum(
            (Decimal(str(tax["amount"])) for tax in cost.get("taxes", [])), Decimal(0))
        credits += bool(cdr.get("credit"))
    assert credits  # the demo CPO issues credit CDRs, with negative costs
    rows = read_csv(out)
    assert {row["month"][:7] for row in rows} == set(net)
    for row in rows:
        assert row["currency"] == "EUR"
        excl, incl = net[row["month"][:7]]
        assert (Decimal(row["revenue_excl_vat"]), Decimal(row["revenue_incl_vat"])) == (excl, incl)


def test_the_researcher_s_medians_and_idle_time_by_local_hour(run_cli, server_221,
                                                             tmp_path: Path) -> None:
    spec = tmp_path / "idle.ocx"
    spec.write_text(IDLE)
    out = tmp_path / "idle.csv"
    run_spec(run_cli, spec, server_221, out)
    sites = published(run_cli, server_221)
    zone = ZoneInfo("Europe/Amsterdam")
    by_hour: dict[int, list[dict]] = defaultdict(list)
    for cdr in dump(run_cli, server_221, "cdrs"):
        start = _at(cdr["start_date_time"])
        if cdr.get("credit") or cdr["total_energy"] <= 0 or \
                cdr["cdr_location"]["id"] not in sites or \
                not _at("2024-12-31T23:00:00Z") <= start < _at("2025-12-31T23:00:00Z"):
            continue
        by_hour[start.astimezone(zone).hour].append(cdr)
    rows = read_csv(out)
    assert len(rows) == 24
    for row in rows:
        group = by_hour[int(row["arrival_hour"])]
        minutes = [(_at(c["end_date_time"]) - _at(c["start_date_time"])).total_seconds() / 60
                   for c in group]
        idle = [c["total_parking_time"] * 60 for c in group if "total_parking_time" in c]
        assert int(row["drivers"]) == len({c["cdr_token"]["uid"] for c in group})
        assert float(row["median_minutes"]) == pytest.approx(statistics.median(minutes), abs=0.051)
        p90 = statistics.quantiles(minutes, n=10, method="inclusive")[-1]
        assert float(row["p90_minutes"]) == pytest.approx(p90, abs=0.051)
        assert float(row["avg_idle_min"]) == pytest.approx(sum(idle) / len(idle), abs=1e-6)


def test_the_coach_s_long_sessions_on_2_1_1(run_cli, server_211, tmp_path: Path) -> None:
    spec = tmp_path / "coach.ocx"
    spec.write_text(COACH)
    out = tmp_path / "long.csv"
    run_spec(run_cli, spec, server_211, out)
    sites = published(run_cli, server_211)
    kept = [cdr for cdr in dump(run_cli, server_211, "cdrs", since="2025-12-02")
            if cdr["location"]["id"] in sites and cdr["last_updated"] >= "2025-12-02"
            and 5 <= cdr["total_energy"] <= 80 and cdr.get("total_parking_time") is not None
            and cdr["auth_method"] != "WHITELIST"
            and (_at(cdr["stop_date_time"]) - _at(cdr["start_date_time"])).total_seconds() > 1800]
    rows = read_csv(out)
    assert kept and len(rows) == len(kept)
    assert sorted(Decimal(row["kwh"]) for row in rows) == sorted(
        Decimal(str(c["total_energy"])).quantize(Decimal("0.1"), ROUND_HALF_UP) for c in kept)


TARIFFS_XML = '''export tariffs_xml
  consumer "ACM"
  purpose "Ad-hoc tariffs with their preauthorisation amount (OCPI 2.3.0)"
  legal basis legal obligation
  retention 5 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version 2.3.0

from tariffs
  each elements as element
  each element.price_components as component
select
  id as tariff
  preauthorize_amount
  tax_included
  component.type as dimension
  component.price
output template "tariffs.xml.j2" to "exports/tariffs.xml"
'''

TEMPLATE = ('<tariffs>\n{% for r in rows %}  <price tariff="{{ r.tariff }}" '
            'preauth="{{ r.preauthorize_amount }}" tax="{{ r.tax_included }}" '
            'dimension="{{ r.dimension }}" price="{{ r.price }}"/>\n{% endfor %}</tariffs>\n')


def test_a_template_prints_a_missing_value_as_nothing(run_cli, server_230,
                                                      tmp_path: Path) -> None:
    """A regulator's XML of 2.3.0 tariffs: a tariff without `preauthorize_amount` was
    written `preauth="None"` (Jinja's text for a missing value), where every built-in
    format writes nothing. The attributes now match `get`: empty where it sends none."""
    spec = tmp_path / "tariffs.ocx"
    spec.write_text(TARIFFS_XML)
    (tmp_path / "tariffs.xml.j2").write_text(TEMPLATE)
    out = tmp_path / "tariffs.xml"
    run_spec(run_cli, spec, server_230, out)
    import xml.etree.ElementTree as ElementTree

    prices = ElementTree.parse(out).getroot()
    tariffs = {tariff["id"]: tariff for tariff in dump(run_cli, server_230, "tariffs")}
    assert len(prices) and "None" not in out.read_text()
    for price in prices:
        tariff = tariffs[price.get("tariff")]
        assert price.get("preauth") == str(tariff.get("preauthorize_amount") or "")
        assert price.get("tax") == (tariff.get("tax_included") or "")
