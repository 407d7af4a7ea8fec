"""Specs a hurried newcomer writes for consumers we do not ship, round five (an app
builder's charger directory on OCPI 2.3.0, a price-comparison site's prices per dimension
on 2.2.1, a finance team's CDR invoice audit on 2.1.1), checked with the real CLI: each
diagnostic is snapshotted as the user sees it and its help, pasted over the caret, gives
a spec that checks without it (`test_newcomer_specs`' harness); the specs as the helps
leave them run against the demo CPO, and their figures are recomputed from `ocpispec get`
of the same platform."""

from __future__ import annotations

import ast
import json
import re
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from consumer_runs import dump, published, read_csv, run_spec
from test_newcomer_specs import _check, assert_help_fixes

from ocpispec.demo import DemoServer
from ocpispec.execute import fork_imports

APP = '''export app_charger_directory
  consumer "PlugFinder app"
  purpose "Charger directory in our app"
  legal basis legitimate interests
  retention 1 year

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version 2.3.0

from locations
  where publish = true
  each evses as evse
select
  id
  city
  opening_times.twentyfourseven as open_24_7
  jmespath("join(',', facilities || `[]`)") as facilities
  jmespath("evses[0].connectors[0].standard") as plug
output json to "exports/app.json"
'''

PRICES = '''export price_compare
  consumer "Laadprijzen.nl comparison site"
  purpose "Compare charging prices per dimension"
  legal basis legitimate interests
  retention 6 months

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version 2.2.1

from tariffs
  each elements as el
  each el.price_components as pc
select
  id
  currency
  pc.type as dimension
  round(pc.price * (1 + pc.vat / 100), 2) as price_incl_vat
  jmespath("join(',', el.restrictions.day_of_week || `[]`)") as days
output csv to "exports/prices.csv"
'''

AUDIT = '''export cdr_invoice_audit
  consumer "Finance audit team, ChargeCo"
  purpose "Audit invoiced cost per kWh of each CDR"
  legal basis legitimate interests
  retention 7 years
  pseudonym key env OCPISPEC_KEY

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version 2.1.1

from cdrs
  last 30 days
  where total_energy > 0
  each tariffs as tariff_used
select
  pseudonymize(id) as cdr
  round(total_energy, 1) as kwh
  round(total_cost.excl_vat / total_energy, 2) as cost_per_kwh because "the audit compares each CDR with its tariff"
  credit
  tariff_used.id as tariff because "the audit reads each CDR's tariff"
output csv to "exports/audit.csv"
'''

ROAMING = '''export roaming_monthly
  consumer "Roaming partner settlement desk"
  purpose "Monthly CDR totals per eMSP for settlement"
  legal basis contract
  retention 7 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version 2.2.1

from cdrs
  previous month
  window on end_date_time
group by
  cdr_token.party_id as emsp because "settlement is per eMSP"
  truncate(end_date_time, month) as month
  currency
compute
  count() as cdrs
  sum(total_energy) as kwh
  sum(total_cost.excl_vat) as revenue
  minimum group size 5
output csv to "exports/roaming.csv"
'''

FLEET = '''export fleet_tokens
  consumer "Fleet manager, Acme Logistics"
  purpose "Check which of our cards are valid and whitelisted"
  legal basis contract
  retention 1 year
  pseudonym key env OCPISPEC_KEY

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version 2.2.1

from tokens
  where type = "RFID" and valid = true
select
  pseudonymize(uid) as card
  whitelist because "the fleet manager checks each card's whitelist"
  pseudonymize(group_id) as group_id
output xlsx to "exports/fleet.xlsx"
'''

FEED = '''export charger_feed
  consumer "Navigation vendor XML feed"
  purpose "Charger feed for in-car navigation"
  legal basis legitimate interests
  retention 3 months

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version 2.2.1

from locations
  each evses as evse
  each evse.connectors as connector
select
  id
  city
  connector.standard
  connector.max_electric_power / 1000 as max_kw
output template "feed.xml.j2" to "exports/feed.xml"
'''

FEED_XML = ('<?xml version="1.0" encoding="UTF-8"?>\n<chargers generated="{{ run.timestamp }}">\n'
            '{% for row in rows %}  <charger id="{{ row.id }}" city="{{ row.city }}" '
            'plug="{{ row.standard }}" kw="{{ (row.max_kw or 0)|round(1) }}"/>\n'
            '{% endfor %}</chargers>\n')

SPECS = {"feed": FEED, "app": APP, "prices": PRICES, "audit": AUDIT, "roaming": ROAMING, "fleet": FLEET}


def _with_each(text: str, shown: str) -> str:
    """The help that adds an `each` and names its element's field: both written."""
    assert "add `each tariffs as tariff_used` to the dataset" in shown
    return text.replace("  where total_energy > 0\n",
                        "  where total_energy > 0\n  each tariffs as tariff_used\n") \
        .replace("tariff_id as tariff", "tariff_used.id as tariff")


def _because(text: str, shown: str) -> str:
    """A help that asks for a justification: the column given one."""
    assert 'add `because "..."` with the reason' in shown
    return text.replace("as cost_per_kwh\n", 'as cost_per_kwh because "the audit compares each CDR with its tariff"\n')


def _first_named(lead: str, old: str, new: str):
    """A help that offers its fix after `lead` in backticks, written in place of `old`."""
    def apply(text: str, shown: str) -> str:
        offered = re.search(re.escape(lead) + r"`([^`]+)`", shown)
        assert offered, shown
        return text.replace(old, new.format(offered.group(1)))
    return apply


CASES = [
    # OCPI 2.1.1 writes a CDR's cost as a number: the help named no field of the Price
    ("total_cost as a number", "audit", "total_cost.excl_vat / total_energy",
     "total_cost / total_energy"),
    # a session's and a location's name for the tariff: on a CDR, its `tariffs` list
    ("tariff_id of a CDR, tariffs unnested", "audit", "tariff_used.id as tariff",
     "tariff_id as tariff"),
    ("tariff_id of a CDR", "audit", "  each tariffs as tariff_used\n", ""),
    # the generaliser's `round(total_cost.excl_vat, 1)` released the cost, not the ratio
    ("ratio without because", "audit",
     'as cost_per_kwh because "the audit compares each CDR with its tariff"',
     "as cost_per_kwh"),
    ("UNNEST in capitals", "app", "each evses as evse", "UNNEST evses as evse"),
    ("explode", "prices", "each elements as el", "explode elements as el"),
    ("brackets in a path", "app", 'jmespath("evses[0].connectors[0].standard")',
     "evses[0].connectors[0].standard"),
    ("list of days", "prices",
     '''jmespath("join(',', el.restrictions.day_of_week || `[]`)")''',
     "el.restrictions.day_of_week"),
    ("tariff_id of a tariff", "prices", "  id\n", "  tariff_id\n"),
    # the word after the number was read as the start of `round counts to 5`: the parser
    # said 'expected `counts`, found `output`'
    # the template named already: the help's `template "rows.xml.j2"` made two of them
    ("output xml with its template", "feed", 'output template "feed.xml.j2"',
     'output xml "feed.xml.j2"'),
    ("flatten", "feed", "each evses as evse", "flatten evses as evse"),
    ("group size in counts", "roaming", "minimum group size 5", "minimum group size 5 counts"),
    ("group size in cards", "roaming", "minimum group size 5", "minimum group size 5 cards"),
    ("COUNT(*)", "roaming", "count() as cdrs", "COUNT(*) as cdrs"),
    ("sum of a Price", "roaming", "sum(total_cost.excl_vat)", "sum(total_cost)"),
    ("AND and TRUE", "fleet", "and valid = true", "AND valid = TRUE"),
    ("sha256 of the uid", "fleet", "pseudonymize(uid)", "sha256(uid)"),
    ("group_id in clear", "fleet", "pseudonymize(group_id) as group_id", "group_id"),
]


@pytest.mark.parametrize(("case", "spec", "old", "new"), CASES, ids=[c[0] for c in CASES])
def test_a_newcomer_s_mistake_gets_a_help_that_fixes_it(case: str, spec: str, old: str,
                                                        new: str, tmp_path: Path,
                                                        snapshot) -> None:
    text = SPECS[spec]
    (tmp_path / "feed.xml.j2").write_text(FEED_XML)
    if case == "tariff_id of a CDR":
        text = text.replace("tariff_used.id as tariff", "tariff_id as tariff")
    apply = {"tariff_id of a CDR": _with_each, "ratio without because": _because,
             "sum of a Price": _first_named("pass one of its fields: ", "sum(total_cost)",
                                            "sum({})"),
             "group_id in clear": _first_named("release a keyed pseudonym instead: ",
                                               "  group_id\n", "  {}\n")}.get(case)
    assert_help_fixes(text, old, new, tmp_path / f"{spec}.ocx", snapshot, apply=apply)


def _server(version: str):
    @pytest.fixture(scope="module")
    def server():
        with DemoServer(version=version, size=1500) as started:
            yield started
    return server


server_221 = _server("2.2.1")
server_230 = _server("2.3.0")
server_211 = _server("2.1.1")


def _cents(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def test_the_cdr_audit_s_cost_per_kwh_on_2_1_1(run_cli, server_211, tmp_path: Path) -> None:
    spec = tmp_path / "audit.ocx"
    spec.write_text(AUDIT)
    out = tmp_path / "audit.csv"
    run_spec(run_cli, spec, server_211, out)
    sites = published(run_cli, server_211)
    expected = Counter(
        (str(Decimal(str(cdr["total_energy"])).quantize(Decimal("0.1"), ROUND_HALF_UP)),
         str(_cents(Decimal(str(cdr["total_cost"])) / Decimal(str(cdr["total_energy"])))),
         tariff["id"])
        for cdr in dump(run_cli, server_211, "cdrs", since="2025-12-02")
        if cdr["location"]["id"] in sites and cdr["last_updated"] >= "2025-12-02"
        and cdr["total_energy"] > 0 for tariff in cdr.get("tariffs") or [])
    rows = read_csv(out)
    assert rows and Counter((str(Decimal(row["kwh"]).quantize(Decimal("0.1"))),
                             str(_cents(row["cost_per_kwh"])), row["tariff"])
                            for row in rows) == expected


def test_the_comparison_site_s_prices_include_vat_on_2_2_1(run_cli, server_221,
                                                           tmp_path: Path) -> None:
    spec = tmp_path / "prices.ocx"
    spec.write_text(PRICES)
    out = tmp_path / "prices.csv"
    run_spec(run_cli, spec, server_221, out)
    listed = {row["id"] for row in read_csv(out)}
    expected = Counter(
        (tariff["id"], component["type"], str(_cents(
            Decimal(str(component["price"])) * (1 + Decimal(str(component["vat"])) / 100))))
        for tariff in dump(run_cli, server_221, "tariffs") if tariff["id"] in listed
        for element in tariff["elements"] for component in element["price_components"])
    assert expected and Counter((row["id"], row["dimension"], str(_cents(row["price_incl_vat"])))
                                for row in read_csv(out)) == expected


def test_the_roaming_partner_s_monthly_totals_per_emsp(run_cli, server_221,
                                                       tmp_path: Path) -> None:
    spec = tmp_path / "roaming.ocx"
    spec.write_text(ROAMING)
    out = tmp_path / "roaming.csv"
    run_spec(run_cli, spec, server_221, out)
    sites = published(run_cli, server_221)
    totals: dict[str, list] = {}
    for cdr in dump(run_cli, server_221, "cdrs", since="2025-12-01"):
        if cdr["end_date_time"].startswith("2025-12") and cdr["cdr_location"]["id"] in sites:
            group = totals.setdefault(cdr["cdr_token"]["party_id"], [0, Decimal(0), Decimal(0)])
            group[0] += 1
            group[1] += Decimal(str(cdr["total_energy"]))
            group[2] += Decimal(str(cdr["total_cost"]["excl_vat"]))
    rows = read_csv(out)
    assert rows and all(row["month"] == "2025-12-01T00:00:00Z" for row in rows)
    assert {row["emsp"]: [int(row["cdrs"]), Decimal(row["kwh"]), Decimal(row["revenue"])]
            for row in rows} == {emsp: group for emsp, group in totals.items() if group[0] >= 5}


def test_the_navigation_feed_s_xml_holds_every_connector(run_cli, server_221,
                                                        tmp_path: Path) -> None:
    import xml.etree.ElementTree as ElementTree

    (tmp_path / "feed.xml.j2").write_text(FEED_XML)
    spec = tmp_path / "feed.ocx"
    spec.write_text(FEED)
    out = tmp_path / "feed.xml"
    run_spec(run_cli, spec, server_221, out)
    expected = Counter(
        (site_id, connector["standard"],
         str(round(connector.get("max_electric_power", 0) / 1000, 1)))
        for site_id, site in published(run_cli, server_221).items()
        for evse in site.get("evses", []) for connector in evse["connectors"])
    got = Counter((charger.get("id"), charger.get("plug"), charger.get("kw"))
                  for charger in ElementTree.parse(out).getroot())
    assert expected and got == expected


def test_the_app_s_directory_has_a_row_per_published_evse(run_cli, server_230,
                                                          tmp_path: Path) -> None:
    spec = tmp_path / "app.ocx"
    spec.write_text(APP)
    out = tmp_path / "app.json"
    run_spec(run_cli, spec, server_230, out)
    rows = json.loads(out.read_text())
    sites = published(run_cli, server_230)
    assert Counter(row["id"] for row in rows) == Counter(
        {site_id: len(site["evses"]) for site_id, site in sites.items() if site.get("evses")})
    assert {row["id"]: row["facilities"] for row in rows} == {
        site_id: ",".join(site.get("facilities") or []) or None
        for site_id, site in sites.items() if site.get("evses")}


def _imported_in_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
        for node in ast.walk(function):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module == "ocpispec":
                found.update(f"ocpispec.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
    return found


def test_what_the_workers_import_on_first_use_is_imported_before_the_fork() -> None:
    """A child forked while another thread imports a module it needs waited forever on
    that module's lock (`get cdrs --demo`, whose server threads live in the process):
    every module the workers' page reading imports inside a function is imported by the
    forking thread first."""
    package = Path(fork_imports.__file__).parents[1]
    readers = [*sorted((package / "schema").glob("wire_*.py")), package / "calendar_windows.py"]
    lazy = set().union(*map(_imported_in_functions, readers)) - {"os"}
    assert lazy and lazy <= set(fork_imports.WORKER_IMPORTS)


REPORT = '''export city_energy_report
  consumer "Gemeente Den Haag, Energy team"
  purpose "Monthly energy per city, HTML page"
  legal basis public task
  retention 2 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version auto

from sessions
  previous month in "Europe/Amsterdam"
  where status = "COMPLETED"
  join locations on location_id
group by
  location.city as city because "the energy team plans per city"
compute
  count() as sessions
  sum(kwh) as energy_kwh
  avg(kwh) as avg_kwh
  minimum group size 10
output template "templates/city.html.j2" to "exports/city-{run.date}.html"
'''

PAGE = '''<html><body><h1>{{ export.consumer }}</h1>
<p>Report date: {{ run.date[8:10] }}-{{ run.date[5:7] }}-{{ run.date[:4] }}</p>
<table>{% for row in rows %}
<tr><td>{{ row['city']|default('unknown') }}</td><td>{{ row.sessions }}</td>
<td>{{ row.energy_kwh|round(2) }}</td><td>{{ "%.2f"|format(row.avg_kwh) }}</td></tr>
{% endfor %}</table>
<p>Total: {{ rows|sum(attribute='energy_kwh')|round(2) }} kWh</p></body></html>
'''


def _shown(path: Path, root: Path) -> tuple[int, str]:
    done = _check(path)
    assert "Traceback" not in done.stderr
    return done.returncode, done.stderr.replace(str(root.resolve()), "<project>") \
        .replace(str(root), "<project>")


def test_a_template_beside_the_specs_folder_is_found_for_the_help(tmp_path: Path,
                                                                  snapshot) -> None:
    """specs/ and templates/ side by side, the template named as seen from the project:
    the help said 'fix the path, or create the template'; it now says where the file is
    and the root that reads it, and that root, set, makes the spec check."""
    (tmp_path / "specs").mkdir()
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "city.html.j2").write_text(PAGE)
    spec = tmp_path / "specs" / "report.ocx"
    spec.write_text(REPORT)
    status, shown = _shown(spec, tmp_path)
    assert (status, shown) == snapshot
    root = re.search(r"`OCPISPEC_TEMPLATES_ROOT=([^`]+)`", shown).group(1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OCPISPEC_TEMPLATES_ROOT", root.replace("<project>", str(tmp_path)))
        again = _check(spec)
    assert again.returncode == 0 and "error[" not in again.stderr, again.stderr


def test_a_template_named_without_its_folder_gets_the_path(tmp_path: Path, snapshot) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "city.html.j2").write_text(PAGE)
    spec = tmp_path / "report.ocx"
    spec.write_text(REPORT.replace('"templates/city.html.j2"', '"city.html.j2"'))
    status, shown = _shown(spec, tmp_path)
    assert (status, shown) == snapshot
    spec.write_text(spec.read_text().replace(
        '"city.html.j2"', re.search(r"help: write `([^`]+)`", shown).group(1)))
    assert _check(spec).returncode == 0


@pytest.mark.parametrize("written", ["{{ run.date.strftime('%d-%m-%Y') }}",
                                     "{{ run.date|date('%d.%m.%Y') }}"])
def test_a_date_formatted_as_python_gets_the_cut_that_works(written: str, tmp_path: Path,
                                                            snapshot) -> None:
    (tmp_path / "templates").mkdir()
    page = tmp_path / "templates" / "city.html.j2"
    cut = "{{ run.date[8:10] }}-{{ run.date[5:7] }}-{{ run.date[:4] }}"
    page.write_text(PAGE.replace(cut, written))
    spec = tmp_path / "report.ocx"
    spec.write_text(REPORT)
    status, shown = _shown(spec, tmp_path)
    assert (status, shown) == snapshot
    offered = re.search(r"e\.g\. `(\{\{.+?\}\}-\{\{.+?\}\}-\{\{.+?\}\})`", shown).group(1)
    page.write_text(PAGE.replace(cut, offered))
    assert _check(spec).returncode == 0


def test_the_city_report_s_page_holds_the_figures(run_cli, server_230, tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "city.html.j2").write_text(PAGE)
    spec = tmp_path / "report.ocx"
    spec.write_text(REPORT)
    out = tmp_path / "city.html"
    run_spec(run_cli, spec, server_230, out)
    sites = published(run_cli, server_230)
    sessions = [s for s in dump(run_cli, server_230, "sessions", since="2025-11-30T23:00:00Z")
                if "2025-11-30T23:00:00Z" <= s["last_updated"] < "2025-12-31T23:00:00Z"
                and s["status"] == "COMPLETED" and s["location_id"] in sites]
    page = out.read_text()
    assert "<p>Report date: 01-01-2026</p>" in page
    cities = Counter(sites[s["location_id"]]["city"] for s in sessions)
    shown = re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td>\n<td>([\d.]+)</td>", page)
    assert shown  # the groups of fewer than 10 drivers are left out
    for city, count, energy in shown:
        assert int(count) == cities[city]
        assert Decimal(energy) == _cents(sum(Decimal(str(s["kwh"])) for s in sessions
                                             if sites[s["location_id"]]["city"] == city))
