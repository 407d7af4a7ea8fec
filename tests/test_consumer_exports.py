"""Specs a hurried CPO data engineer writes from the README and docs for consumers the
repo does not ship (a sustainability report, a statistics office's table...), run with
the real CLI against the demo CPO, and the files those consumers receive, loaded as
they load them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fixtures_cli import cli_block
from test_newcomer_specs import _check

ESG = '''export esg_report
  consumer "Example Charging B.V., sustainability team"
  purpose "Annual ESG report: energy delivered and its renewable share"
  legal basis legitimate interests
  retention 10 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from sessions
  previous month
  window on start_date_time
  where status = "COMPLETED"
  join locations on location_id
group by
  location.connector.power_type as power_type
compute
  count() as sessions
  round(sum(kwh), 0) as energy_kwh
  round(sum(kwh * jmespath("{green}")), 0) as green_kwh_pct
  minimum group size 10
output json to "{out}"
'''

GREEN = ("sum(location.energy_mix.energy_sources[?source=='SOLAR' || "
         "source=='WIND'].percentage)")


def test_an_aggregate_s_expression_failing_on_a_record_is_named_not_a_crash(
        run_cli, tmp_path: Path, snapshot) -> None:
    """An ESG report's renewable share, `sum(kwh * jmespath("sum(...energy_sources
    [?...].percentage)"))`, met sites without an energy mix (optional in OCPI): JMESPath's
    `sum()` of null raised inside the aggregation and the run ended in 'internal error:
    JMESPathTypeError'. The record is counted invalid as a row export counts it: OCX570
    naming the function and the types, with the default to give, which then runs."""
    spec, out = tmp_path / "esg.ocx", tmp_path / "esg.json"
    spec.write_text(ESG.replace("{green}", GREEN).replace("{out}", str(out)))
    failed = run_cli("run", str(spec), "--demo")
    assert failed.exit_code == 1, failed.stderr
    assert "internal error" not in failed.stderr
    assert cli_block(failed, tmp=tmp_path) == snapshot
    assert not out.exists()
    spec.write_text(ESG.replace("{green}", GREEN.replace(".percentage)",
                                                         ".percentage || `[]`)"))
                    .replace("{out}", str(out)))
    done = run_cli("run", str(spec), "--demo")
    assert done.exit_code == 0, done.stderr
    assert out.exists()


def test_a_group_withheld_for_its_sum_s_few_drivers_is_not_called_too_small(
        run_cli, tmp_path: Path, snapshot) -> None:
    """The same report where no site has an energy mix: every session adds 0 to the
    renewable share, so fewer than ten drivers gave it a value and each group of
    hundreds of drivers is withheld (a sum of few drivers is theirs). The summary said
    '0 released, 2 suppressed as too small' and 'every group was smaller than the
    minimum group size', and the engineer looked for a bug in the window. It names the
    measure whose drivers were too few."""
    spec, out = tmp_path / "esg.ocx", tmp_path / "esg.json"
    spec.write_text(ESG.replace("{green}", GREEN.replace(".percentage)",
                                                         ".percentage || `[]`)"))
                    .replace("{out}", str(out)))
    done = run_cli("run", str(spec), "--demo")
    assert done.exit_code == 0, done.stderr
    shown = [line.strip() for line in done.stderr.splitlines()
             if line.startswith(("    groups", "    warning:"))]
    assert shown == snapshot
    assert "suppressed as too small" in shown[0] and "smaller than" not in shown[1]


LEGACY = '''export legacy_sessions
  consumer "Gemeente Zwolle"
  purpose "Sessions per postal area for charging planning"
  legal basis public task
  retention 2 years
  pseudonym key env ZWOLLE_KEY

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version 2.1.1

from {module}
  last 30 days
  join locations on {key}
select
  pseudonymize(cdr_token.contract_id) as driver
  {column} as {name}
output csv to "exports/zwolle.csv"
'''


def _pasted(text: str, shown: str) -> str:
    """The spec with the help's first `use/write `...`` put where the caret is."""
    line = int(re.search(r"--> [^\n]*:(\d+):\d+", shown).group(1))
    carets = re.search(rf"\n *{line} \| [^\n]*\n\s+\| ( *)(\^+)", shown)
    replacement = re.search(r"help: [^\n]*?(?:use|write|did you mean) `(.+?)`", shown).group(1)
    lines = text.split("\n")
    start, width = len(carets.group(1)), len(carets.group(2))
    lines[line - 1] = lines[line - 1][:start] + replacement + lines[line - 1][start + width:]
    return "\n".join(lines)


@pytest.mark.parametrize(("module", "key", "column", "name", "fixed"), [
    ("sessions", "location_id", "location.type", "parking", "location.parking_type"),
    ("cdrs", "cdr_location.id", "location.type", "parking", "location.parking_type"),
    ("sessions", "location_id", "pseudonymize(cdr_token.auth_id)", "card",
     "pseudonymize(cdr_token.contract_id)"),
    ("cdrs", "cdr_location.id", "pseudonymize(cdr_token.auth_id)", "card",
     "pseudonymize(cdr_token.contract_id)"),
], ids=["session-site", "cdr-site", "session-auth-id", "cdr-auth-id"])
def test_a_joined_field_s_old_name_gets_a_help_that_pastes(
        tmp_path: Path, module: str, key: str, column: str, name: str, fixed: str) -> None:
    """A 2.1.1 platform's engineer wrote the joined site's `location.type` (2.1.1's name
    of `parking_type`) and got OCX105 'use `location.parking_type`' with the caret under
    `type` alone: pasted there it read `location.location.parking_type`, an error. The
    caret covers the path the help writes. Written under the object it moved into,
    `cdr_token.auth_id` (2.1.1's top-level `auth_id`), it got 'did you mean
    `cdr_token.party_id`?', the eMSP's id, which checks and delivers one pseudonym per
    eMSP as the driver: it is OCX105 with `cdr_token.contract_id`."""
    spec = tmp_path / "legacy.ocx"
    spec.write_text(LEGACY.format(module=module, key=key, column=column, name=name))
    done = _check(spec)
    assert "error[OCX105]" in done.stderr, done.stderr
    spec.write_text(_pasted(spec.read_text(), done.stderr))
    assert f"  {fixed} as {name}\n" in spec.read_text()
    again = _check(spec)
    assert again.returncode == 0, again.stderr


AUDIT = '''export tariff_audit
  consumer "Autoriteit Consument en Markt"
  purpose "Audit the prices shown at the public chargers"
  legal basis legal obligation
  retention 5 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from locations
  where publish = true
  each evses as evse
  each evse.connectors as connector
  join tariffs on connector.tariff_ids
select
  id as location_id
  evse.evse_id as evse_id
  tariff.id as tariff_id
output json to "exports/tariffs.json"
'''


def test_a_connector_s_tariffs_join_as_an_auditor_writes_it(tmp_path: Path) -> None:
    """An auditor's tariffs per charger, 'join tariffs on connector.tariff_ids' under
    locations, got OCX102 '`locations` has no joins': the join a user expects was
    missing. It checks clean now (tests/test_connector_tariffs.py runs it)."""
    spec = tmp_path / "audit.ocx"
    spec.write_text(AUDIT)
    done = _check(spec)
    assert done.returncode == 0, done.stderr


IDLE = '''export idle_time_study
  consumer "University of Twente, Transport group"
  purpose "Study idle time after charging per connector type"
  legal basis legitimate interests "LIA-2026-11"
  retention 3 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from {module}
  previous month
  window on end_date_time
  join locations on {key}
group by
  {key_column} as connector_type
compute
  count() as sessions
  minimum group size 10
output parquet to "exports/idle.parquet"
'''


@pytest.mark.parametrize(("module", "key"), [("sessions", "location_id"),
                                             ("cdrs", "cdr_location.id")])
@pytest.mark.parametrize(("written", "fixed"), [
    ("location.evse.connectors.standard", "location.connector.standard"),
    ("location.evses.connectors.power_type", "location.connector.power_type"),
    ("location.evses.evse_id", "location.evse.evse_id"),
])
def test_a_list_of_the_site_s_parts_points_to_the_part_the_charge_used(
        tmp_path: Path, module: str, key: str, written: str, fixed: str) -> None:
    """A university's idle time per connector type, grouped by the joined site's
    `location.evse.connectors.standard`, got OCX209 with 'join its values into one
    text': pasted, every session counted under the standards of all the EVSE's
    connectors ('CHADEMO,IEC_62196_T2_COMBO'), not the one it used. The help names the
    connector (or EVSE) the charge used first, which checks."""
    spec = tmp_path / "idle.ocx"
    spec.write_text(IDLE.format(module=module, key=key, key_column=written))
    done = _check(spec)
    assert "error[OCX209]" in done.stderr, done.stderr
    spec.write_text(_pasted(spec.read_text(), done.stderr))
    assert f"  {fixed} as connector_type\n" in spec.read_text()
    again = _check(spec)
    assert again.returncode == 0, again.stderr


SITES = '''export sites_csv
  consumer "Provincie Utrecht"
  purpose "List of public chargers for the provincial charging map"
  legal basis public task
  retention 1 year

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from locations
  where publish = true
  each evses as evse
select
  id as location_id
  name
  city
  evse.evse_id as evse_id
  evse.status as status
output csv to "{out}"
'''


def test_a_list_of_chargers_is_not_measured_as_drivers_at_risk(run_cli, tmp_path: Path,
                                                               snapshot) -> None:
    """A province's list of public chargers, one row per EVSE with its `evse_id`, was
    measured like sessions: 'risk classes 901 classes of equal `evse_id` ..., the
    smallest holds 1', 'k=1: 347 classes', and `--assess` read 'a driver in a class of
    k=1 can be singled out'. A site's place and name describe no driver: an export of a
    module without drivers has no quasi-identifiers to class its rows by."""
    spec = tmp_path / "sites.ocx"
    spec.write_text(SITES.replace("{out}", str(tmp_path / "sites.csv")))
    done = run_cli("run", str(spec), "--demo", "--assess")
    assert done.exit_code == 0, done.stderr
    shown = [line.strip() for line in (done.stdout + done.stderr).splitlines()
             if line.startswith(("    risk", "    class"))]
    assert shown == snapshot
    assert shown == ["risk classes     none measured: a row describes a site, a charger or a "
                     "tariff, no driver, so no row can single one out"]
    assert "How to read it" not in done.stdout + done.stderr


TARIFFS = '''export tariff_prices
  consumer "Consumentenbond, research desk"
  purpose "Compare the public charging prices"
  legal basis legitimate interests
  retention 3 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from tariffs
  each elements as element
  each element.price_components as component
select
  id as tariff_id
  currency
  component.type as component_type
  component.price as price_excl_vat
output csv to "{out}"
'''


def test_a_run_of_tariffs_says_why_it_has_no_risk_figure(run_cli, tmp_path: Path,
                                                        snapshot) -> None:
    """The run summary of a tariff study printed 'risk classes: no quasi-identifier is
    released: one class of 2,214 rows, counted in rows' and 'class sizes ... k≥10: 1
    class': figures of drivers for rows that hold no driver."""
    spec = tmp_path / "tariffs.ocx"
    spec.write_text(TARIFFS.replace("{out}", str(tmp_path / "tariffs.csv")))
    done = run_cli("run", str(spec), "--demo")
    assert done.exit_code == 0, done.stderr
    shown = [line.strip() for line in done.stderr.splitlines()
             if line.startswith(("    risk", "    class", "    unicity"))]
    assert shown == snapshot
    assert len(shown) == 1 and "no driver" in shown[0], shown


GRID = '''export grid_per_charger
  consumer "Enexis Netbeheer"
  purpose "Monthly energy per charger to plan grid capacity"
  legal basis legitimate interests
  retention 2 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from cdrs
  previous month
  window on start_date_time
group by
  {key} as place
  truncate(start_date_time, month) as month
compute
  round(sum(total_energy)) as kwh
  minimum group size 10
output csv to "exports/grid.csv"
'''


@pytest.mark.parametrize(("key", "coarser"), [
    ("cdr_location.evse_uid", "prefix(cdr_location.postal_code, 4)"),
    ("cdr_location.city", "prefix(cdr_location.postal_code, 2)"),
])
def test_a_site_key_is_offered_a_coarser_place_the_dataset_has(
        tmp_path: Path, key: str, coarser: str) -> None:
    """A grid operator's energy per charger from CDRs alone (no join) got OCX303 'or
    group by a coarser place, e.g. `prefix(location.postal_code, 4)`': pasted, an
    unknown `location` (the dataset has no join). And a table per town was offered the
    4-digit postal area, which is finer than a town. The place offered is read from the
    record the key's field is in (the CDR's own `cdr_location`, the joined site), and
    for a town it is the postal district; pasted, it checks without the warning."""
    spec = tmp_path / "grid.ocx"
    spec.write_text(GRID.replace("{key}", key))
    done = _check(spec)
    offered = re.search(r"coarser place, e\.g\. `(.+?)`", done.stderr)
    assert offered is not None and offered.group(1) == coarser, done.stderr
    spec.write_text(GRID.replace("{key}", coarser))
    again = _check(spec)
    assert again.returncode == 0 and "OCX303" not in again.stderr, again.stderr


COSTS_211 = '''export legacy_costs
  consumer "Gemeente Zwolle"
  purpose "Charging costs per postal area for the municipal charging plan"
  legal basis public task
  retention 2 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version {version}

from cdrs
  last 30 days
  join locations on cdr_location.id
group by
  prefix(location.postal_code, 4) as pc4
  currency
compute
  round(sum(total_cost), 0) as cost
  minimum group size 10
output csv to "exports/zwolle.csv"
'''


@pytest.mark.parametrize(("version", "offered"), [
    ("2.1.1", "pass one of its fields: `total_cost.excl_vat`\n"),
    ("2.2.1", "pass one of its fields: `total_cost.excl_vat` or `total_cost.incl_vat`\n"),
])
def test_the_fields_offered_for_an_object_are_the_pinned_version_s(
        tmp_path: Path, version: str, offered: str) -> None:
    """A 2.1.1 platform's 'sum(total_cost)' (a number on 2.1.1) got OCX201 'pass one of
    its fields: `total_cost.excl_vat` or `total_cost.incl_vat`'; the second, pasted, is
    OCX106 'always null on OCPI 2.1.1': an empty cost column. A pinned version is offered
    only the fields it has."""
    spec = tmp_path / "costs.ocx"
    spec.write_text(COSTS_211.replace("{version}", version))
    done = _check(spec)
    assert "error[OCX201]" in done.stderr and f"help: {offered}" in done.stderr, done.stderr


DUTCH = '''export dutch_sessions
  consumer "Gemeente Zwolle"
  purpose "Sessions per postal area for the municipal charging plan"
  legal basis public task
  retention 2 years
  pseudonym key env ZWOLLE_KEY

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from {module}
  previous month
  where {where}
  join locations on {key}
select
  pseudonymize(cdr_token.contract_id) as driver
  truncate(start_date_time, hour) as started
  prefix(location.postal_code, 4) as pc4
output csv excel-nl to "exports/zwolle.csv"
'''


@pytest.mark.parametrize(("module", "key", "where", "warned"), [
    ("sessions", "location_id", 'status = "COMPLETED" and location.country = "NLD"', False),
    ("cdrs", "cdr_location.id", 'cdr_location.country in ["NLD", "BEL"]', False),
    ("sessions", "location_id", 'location.country in ["NLD", "DEU"]', True),
    ("sessions", "location_id", 'status = "COMPLETED"', True),
    ("sessions", "location_id", 'status = "COMPLETED" or location.country = "NLD"', True),
], ids=["dutch", "benelux-cdrs", "with-germany", "any-country", "or"])
def test_postal_codes_of_countries_without_a_leading_zero_are_not_warned_for_excel(
        tmp_path: Path, module: str, key: str, where: str, warned: bool) -> None:
    """A Dutch municipality's sessions, kept to Dutch sites (`location.country =
    "NLD"`), in the CSV its Excel opens (`excel-nl`) got OCX428 'postal codes lose their
    leading zeros' with 'write `output xlsx`': no Dutch postal code starts with 0
    (1000-9999). A filter that keeps only sites of countries whose codes never do is
    not warned; a site in Germany (`01067`) still is."""
    spec = tmp_path / "dutch.ocx"
    spec.write_text(DUTCH.format(module=module, key=key, where=where))
    done = _check(spec)
    assert done.returncode == 0, done.stderr
    assert ("warning[OCX428]" in done.stderr) is warned, done.stderr


TWO_FILES = '''export tariff_audit
  consumer "Autoriteit Consument en Markt"
  purpose "Audit the prices shown at the public chargers"
  legal basis legal obligation
  retention 5 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from locations as chargers
  where publish = true
  each evses as evse
select
  id as location_id
  evse.evse_id as evse_id
output json to "{out}/{export}-{dataset}.json"

from tariffs
select
  id as tariff_id
  currency
output json to "{out}/{export}-{dataset}.json"
'''


def test_the_dataset_s_name_fills_a_destination(run_cli, tmp_path: Path) -> None:
    """An auditor's chargers and tariffs, each to `{export}-{dataset}.json`, got OCX407
    'the destination contains `{dataset}`' (the run fills it in, the check refused
    it). `{dataset}` is a placeholder: each dataset writes its own file, and OCX408
    compares destinations with it filled in."""
    spec = tmp_path / "audit.ocx"
    spec.write_text(TWO_FILES.replace("{out}", str(tmp_path)))
    checked = _check(spec)
    assert checked.returncode == 0, checked.stderr
    done = run_cli("run", str(spec), "--demo")
    assert done.exit_code == 0, done.stderr

    chargers = json.loads((tmp_path / "tariff_audit-chargers.json").read_text())
    tariffs = json.loads((tmp_path / "tariff_audit-tariffs.json").read_text())
    assert set(chargers[0]) == {"location_id", "evse_id"}
    assert set(tariffs[0]) == {"tariff_id", "currency"}
    spec.write_text(TWO_FILES.replace("{out}", str(tmp_path)).replace("from tariffs",
                                                                       "from tariffs as chargers"))
    clash = _check(spec).stderr
    assert "OCX407" not in clash and "error[OCX408]" in clash


def test_the_review_tells_a_group_withheld_for_its_sum_from_a_small_one(
        run_cli, tmp_path: Path) -> None:
    """The review of the same report, after `run --assess` kept its figures, read '0
    groups released, 2 suppressed as smaller than 10 distinct drivers' of groups of
    hundreds: the privacy officer asked why a table of the whole month was all small
    groups. The groups withheld because too few of their drivers gave the sum a value
    are named as such."""
    spec, ledger = tmp_path / "esg.ocx", tmp_path / "ledger.sqlite"
    spec.write_text(ESG.replace("{green}", GREEN.replace(".percentage)",
                                                         ".percentage || `[]`)"))
                    .replace("{out}", str(tmp_path / "esg.json")))
    assessed = run_cli("run", str(spec), "--demo", "--assess", "--state", str(ledger), "-q")
    assert assessed.exit_code == 0, assessed.stderr
    review = run_cli("review", str(spec), "--ledger", str(ledger), "--format", "markdown")
    assert review.exit_code == 0, review.stderr
    risk = review.stdout[review.stdout.index("### Measured risk"):]
    assert risk.split("\n")[2].startswith(
        "**0 groups released, 0 suppressed as smaller than 10 distinct drivers, 2 withheld "
        "as fewer than 10 of their drivers gave a sum or average a value other than 0."), risk


def test_an_aggregate_s_assessment_shows_its_groups(run_cli, tmp_path: Path,
                                                    snapshot) -> None:
    """A statistics office's table assessed before the first delivery ('run --assess',
    as the review asks) said only 'risk: an aggregate: protected by its minimum group
    size (not measured here)', then explained classes and unicity, which an aggregate
    has none of, though the review shows the groups the same run kept. The assessment
    shows the groups released and withheld, as a run's summary does."""
    spec = tmp_path / "cbs.ocx"
    spec.write_text(ESG.replace("{green}", GREEN.replace(".percentage)",
                                                         ".percentage || `[]`)"))
                    .replace("{out}", str(tmp_path / "esg.json"))
                    .replace("  round(sum(kwh * jmespath", "  # round(sum(kwh * jmespath"))
    done = run_cli("run", str(spec), "--demo", "--assess")
    assert done.exit_code == 0, done.stderr
    report = done.stdout + done.stderr
    assert "not measured here" not in report and "How to read it" not in report
    assert report[report.index("  sessions ("):report.index("Nothing was written")] == snapshot


BUSY = '''export busy_hours
  consumer "NOS, data desk"
  purpose "Article on when people charge in public"
  legal basis legitimate interests
  retention 1 year

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from sessions
  previous year in "Europe/Amsterdam"
  window on start_date_time
  where status = "COMPLETED"
  join locations on location_id
group by
  weekday(start_date_time, "Europe/Amsterdam") as day
  hour_of_day(start_date_time, "Europe/Amsterdam") as hour
compute
  count() as sessions
  minimum group size 10
order by day hour
output {format} to "{out}"
'''


@pytest.mark.parametrize(("format", "row"), [("html", "<tr><td>sunday</td><td>23</td>"),
                                             ("markdown", "| sunday | 23 |")])
def test_a_journalist_s_table_for_people_holds_every_row(run_cli, tmp_path: Path,
                                                         format: str, row: str) -> None:
    """A journalist's sessions per weekday and hour (168 rows) as `output html` arrived
    with the first 50 rows and '… and 118 more rows (first 50 shown)', while the run
    said '168 rows written' and the manifest `"rows": 168` beside the file's sha256:
    the data desk had no Thursday to Sunday. Every row is in the table."""
    out = tmp_path / f"busy.{'md' if format == 'markdown' else 'html'}"
    spec = tmp_path / "busy.ocx"
    spec.write_text(BUSY.replace("{format}", format).replace("{out}", str(out)))
    # a quarter of the demo's default 20,000 sessions still gives each of the 168 hours
    # of the week ten drivers
    done = run_cli("run", str(spec), "--demo", "--demo-size", "5000")
    assert done.exit_code == 0, done.stderr
    text = out.read_text()
    manifest = json.loads(Path(f"{out}.manifest.json").read_text())
    assert manifest["output"]["rows"] == 168
    assert row in text and "more rows" not in text
    assert text.count("<tr><td>" if format == "html" else "\n| ") >= 168


MONTHLY = '''export cbs_monthly
  consumer "CBS"
  purpose "Monthly statistics of charging sessions per municipality"
  legal basis legal obligation
  retention 10 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from sessions
  previous month{zone}
  window on start_date_time
  where status = "COMPLETED"
  join locations on location_id
group by
  location.city as municipality because "municipalities plan public charging"
compute
  count() as sessions
  minimum group size 10
output csv to "{out}/cbs-{window.start}-{window.end}.csv"
'''


@pytest.mark.parametrize(("zone", "name"), [
    (' in "Europe/Amsterdam"', "cbs-20251201T000000+0100-20260101T000000+0100.csv"),
    (' in "America/New_York"', "cbs-20251101T000000-0400-20251201T000000-0500.csv"),
    ("", "cbs-20251201T000000Z-20260101T000000Z.csv"),
], ids=["amsterdam", "new-york", "utc"])
def test_a_local_month_s_file_is_named_by_its_local_bounds(run_cli, tmp_path: Path,
                                                           zone: str, name: str) -> None:
    """A statistics office's December (`previous month in "Europe/Amsterdam"`) named by
    `{window.start}-{window.end}` arrived as `cbs-20251130T230000Z-20251231T230000Z.csv`:
    the consumer filed December's figures under 30 November. A calendar window in a
    time zone names its bounds on that zone's clock, with the offset."""
    spec = tmp_path / "cbs.ocx"
    spec.write_text(MONTHLY.replace("{zone}", zone).replace("{out}", str(tmp_path)))
    done = run_cli("run", str(spec), "--demo")
    assert done.exit_code == 0, done.stderr
    assert (tmp_path / name).exists(), sorted(p.name for p in tmp_path.iterdir())


PER_TARIFF = '''export energy_per_tariff
  consumer "Enexis Netbeheer"
  purpose "Energy charged per tariff and postal district for grid planning"
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
  period.tariff_id as tariff because "grid planning per tariff"
compute
  round({measure}, 0) as energy_kwh
  minimum group size 10
output csv to "{out}"
'''


def test_a_record_s_value_summed_per_element_is_warned(run_cli, tmp_path: Path) -> None:
    """A grid operator's energy per tariff, read per charging period (`each
    charging_periods as period`, to group by the period's `tariff_id`), added
    `sum(kwh)`: each session's whole energy once per period, a total well above what was
    charged, without a word. It is OCX243 with the period's own energy, whose total is
    the sessions' energy."""
    spec, out = tmp_path / "tariff.ocx", tmp_path / "tariff.csv"
    spec.write_text(PER_TARIFF.replace("{measure}", "sum(kwh)").replace("{out}", str(out)))
    done = _check(spec)
    assert "warning[OCX243]" in done.stderr, done.stderr
    pasted = _pasted(spec.read_text(), done.stderr)
    assert "round(sum(period.energy_kwh), 0) as energy_kwh" in pasted
    assert run_cli("run", str(spec), "--demo").exit_code == 0
    inflated = sum(float(line.split(",")[1]) for line in out.read_text().splitlines()[1:])
    spec.write_text(pasted)
    again = _check(spec)
    assert again.returncode == 0 and "OCX243" not in again.stderr, again.stderr
    assert run_cli("run", str(spec), "--demo").exit_code == 0
    charged = sum(float(line.split(",")[1]) for line in out.read_text().splitlines()[1:])
    assert inflated > 1.2 * charged  # many demo sessions have several periods


IDLE_PERIODS = '''export idle_periods
  consumer "University of Twente, Transport group"
  purpose "Study idle time after charging per connector type"
  legal basis legitimate interests "LIA-2026-11"
  retention 3 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from sessions
  previous month
  window on end_date_time
  where status = "COMPLETED"{condition}
  join locations on location_id
  each charging_periods as period
group by
  location.connector.standard as connector_type{key}
compute
  round(sum(period.duration) / 60, 1) as hours
  minimum group size 10
output csv to "{out}"
'''


@pytest.mark.parametrize(("condition", "key"), [
    ("period.energy_kwh = 0", "bucket(period.energy_kwh, [0.001]) as energy_kwh_band"),
    ('period.tariff_id = "AC-STD"', "period.tariff_id as tariff_id"),
    ("period.duration >= 60", "bucket(period.duration, [60]) as duration_band"),
], ids=["parking-periods", "tariff", "long-periods"])
def test_a_filter_on_an_element_offers_the_group_key_that_holds_it_apart(
        run_cli, tmp_path: Path, condition: str, key: str) -> None:
    """A university's idle time per connector type kept the charging periods without
    energy (`where ... and period.energy_kwh = 0`) and got OCX221 'to leave elements out
    of a total, aggregate only what you need', which says nothing they could write. The
    help names the group key that holds those elements apart; added to `group by` (the
    condition left out), the spec checks and runs, the parking periods in `<0.001`."""
    spec, out = tmp_path / "idle.ocx", tmp_path / "idle.csv"
    spec.write_text(IDLE_PERIODS.replace("{condition}", f" and {condition}")
                    .replace("{key}", "").replace("{out}", str(out)))
    done = _check(spec)
    assert f"add `{key}` to `group by`" in done.stderr, done.stderr
    spec.write_text(IDLE_PERIODS.replace("{condition}", "")
                    .replace("{key}", f"\n  {key}").replace("{out}", str(out)))
    again = _check(spec)
    assert again.returncode == 0, again.stderr
    assert run_cli("run", str(spec), "--demo").exit_code == 0
    if "energy_kwh" in key:
        assert "\nIEC_62196_T2,<0.001," in "\n" + out.read_text().replace("\r\n", "\n")


HISTORY = '''export availability_history
  consumer "Gemeente Amsterdam, GIS team"
  purpose "Map of the planned availability of public chargers"
  legal basis public task
  retention 12 months

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from locations
  where publish = true
  each evses as evse
  each evse.status_schedule as planned
select
  evse.uid as evse_uid
  planned.status as status
  planned.period_begin as begins
  coordinates
output geojson to "{out}"
'''


def test_elements_without_an_inner_list_are_not_counted_as_records(run_cli,
                                                                    tmp_path: Path) -> None:
    """A city's map of planned availability (`each evses as evse`, `each
    evse.status_schedule as planned`) read 400 locations and said '901 records without
    `evse.status_schedule`: no rows': the EVSEs were counted as records. They are
    counted as the `evse` elements they are."""
    spec = tmp_path / "history.ocx"
    spec.write_text(HISTORY.replace("{out}", str(tmp_path / "history.geojson")))
    done = run_cli("run", str(spec), "--demo")
    assert done.exit_code == 0, done.stderr
    assert "records read     400" in done.stderr
    assert "each/spread      901 `evse` elements without `evse.status_schedule`: no rows" \
        in done.stderr, done.stderr


CO2 = '''export co2_report
  consumer "Example Charging B.V., sustainability team"
  purpose "Annual ESG report: CO2 of the energy delivered"
  legal basis legitimate interests
  retention 10 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from sessions
  previous year
  window on start_date_time
  where status = "COMPLETED"
  join locations on location_id
group by
  location.connector.power_type as power_type
compute
  round(sum(kwh * jmespath("location.energy_mix.environ_impact[?{field}=='CARBON_DIOXIDE'] | [0].amount || `0`")) / 1000, 1) as co2_kg
  minimum group size 10
output json to "exports/co2.json"
'''


def test_an_old_name_inside_jmespath_gets_a_help_that_pastes(tmp_path: Path) -> None:
    """A 2.1.1 platform's ESG report filtered the site's environmental impact by
    `source` (2.1.1's name of `category`) inside `jmespath("...")` and got OCX105 'use
    `location.energy_mix.environ_impact.category`' with the caret over the whole
    expression: pasted, the filter and the `| [0].amount` were gone. The caret is on the
    old name in the expression and the help writes the new one there, which checks."""
    spec = tmp_path / "co2.ocx"
    spec.write_text(CO2.replace("{field}", "source"))
    done = _check(spec)
    assert "error[OCX105]" in done.stderr, done.stderr
    spec.write_text(_pasted(spec.read_text(), done.stderr))
    assert spec.read_text() == CO2.replace("{field}", "category")
    again = _check(spec)
    assert again.returncode == 0 and "OCX105" not in again.stderr, again.stderr


BILLED = '''export billed_energy
  consumer "Gemeente Utrecht"
  purpose "Energy billed per power type, without the corrections of credit CDRs"
  legal basis public task
  retention 2 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from cdrs
  previous month
  window on end_date_time
  where credit = false
group by
  cdr_location.connector_power_type as power_type
compute
  count() as cdrs
  minimum group size 10
output csv to "{out}"
'''


@pytest.mark.parametrize("version", ["2.1.1", "2.2.1", "2.3.0"])
def test_a_filter_on_credit_false_keeps_the_ordinary_cdrs(run_cli, tmp_path: Path,
                                                          version: str) -> None:
    """A municipality's billed energy left credit CDRs out with `where credit = false`
    and received an empty file: OCPI sends `credit` only on a credit CDR, so on every
    other CDR it was null, and null is not false (on 2.1.1, which has no credit CDRs,
    the field was always null). A CDR that does not say `credit` true is not a credit:
    the filter keeps the ordinary CDRs and leaves out the credits only."""
    out = tmp_path / "billed.csv"
    spec = tmp_path / "billed.ocx"
    spec.write_text(BILLED.replace("{out}", str(out)))
    done = run_cli("run", str(spec), "--demo", "--demo-version", version, "--demo-size", "5000")
    assert done.exit_code == 0, done.stderr
    kept = sum(int(line.split(",")[1]) for line in out.read_text().splitlines()[1:])
    spec.write_text(BILLED.replace("{out}", str(out)).replace("  where credit = false\n", ""))
    assert run_cli("run", str(spec), "--demo", "--demo-version", version, "--demo-size", "5000").exit_code == 0
    every = sum(int(line.split(",")[1]) for line in out.read_text().splitlines()[1:])
    assert 0.9 * every < kept <= every, (kept, every)
