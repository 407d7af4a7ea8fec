"""k-anonymity and `run --assess` end to end, over real HTTP against the demo CPO: the
released classes, the manifest, the suppression limit, the assessment and the review."""

from __future__ import annotations

import csv
import json
import math
import re
from collections import defaultdict
from pathlib import Path

import pytest
from fixtures_demo import scrub

from ocpispec.ledger.query import logged_runs
from ledger_helpers import has_state

KEY = "7c2e9f41a08b6d53e1f7a92c4b60d8e35a1c9f07b2e4d68a3f5c1b90e7d24a6c"
SPEC = '''export k_test
  consumer "Test consumer"
  purpose "k-anonymity tests of ocpispec"
  legal basis public task "test"
  retention 1 months
  pseudonym key env TEST_PSEUDONYM_KEY
  pseudonym scope per run
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions since last run
  join locations on location_id
select
  pseudonymize(cdr_token.contract_id) as driver
  truncate(start_date_time, {unit}) as started
  prefix(location.postal_code, 4) as postal_area
  round(kwh, 1) as energy_kwh
  require k 3 over (started, postal_area) suppression limit 20%
output csv to "out.csv"
'''


@pytest.fixture(scope="module")
def server():
    from ocpispec.demo import DemoServer

    with DemoServer(version="2.2.1", size=600, max_page_size=200) as demo:
        yield demo


@pytest.fixture
def run(run_cli, tmp_path: Path, server):
    def invoke(unit: str, *args: str):
        spec = tmp_path / "spec.ocx"
        spec.write_text(SPEC.format(unit=unit))
        env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
               "TEST_PSEUDONYM_KEY": KEY}
        return run_cli("run", str(spec), "--out", str(tmp_path / "out.csv"), "--state",
                       str(tmp_path / "ledger.sqlite"), "--as-of", "2026-01-01T00:00:00Z",
                       *args, env=env)

    return invoke


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_released_class_holds_k_drivers(run, tmp_path: Path) -> None:
    result = run("day")
    assert result.exit_code == 0, result.output
    rows = _rows(tmp_path / "out.csv")
    classes: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in rows:
        classes[(row["started"], row["postal_area"])].add(row["driver"])
    assert rows and min(len(drivers) for drivers in classes.values()) >= 3
    assert "k-anonymity      k 3:" in result.output
    manifest = json.loads((tmp_path / "out.csv.manifest.json").read_text())
    assert manifest["k_anonymity"] == {"k": 3, "over": ["started", "postal_area"],
                                       "suppression_rate_percent": 0.0,
                                       "suppression_rate_band_percent": 2}
    assert "class" not in json.dumps(manifest["k_anonymity"])
    assert has_state(tmp_path / "ledger.sqlite")
    [logged] = logged_runs(tmp_path / "ledger.sqlite", "k_test")
    risk = logged["datasets"][0]["counts"]["risk"]
    assert risk["figures"]["smallest_class"] >= 3
    assert risk["k_anonymity"]["suppressed_rows"] == 0


def test_the_suppression_limit_fails_the_run_cleanly(run, tmp_path: Path) -> None:
    result = run("hour")
    assert result.exit_code == 1
    assert "error[OCX527]: k-anonymity would suppress" in result.output
    left = [path.name for path in tmp_path.iterdir() if not path.name.startswith("ledger")]
    assert left == ["spec.ocx"]  # no output, manifest or temporary file
    assert not has_state(tmp_path / "ledger.sqlite")
    [logged] = logged_runs(tmp_path / "ledger.sqlite", "k_test")
    assert (logged["outcome"], logged["code"]) == ("failed", "OCX527")


def test_the_manifest_s_suppression_rate_does_not_count_the_suppressed_rows(
        run_cli, tmp_path: Path, server) -> None:
    """To three decimals the rate times the rows released gave the number of rows
    suppressed exactly (2.93% of 15,172 rows: 458); the consumer gets whole percents."""
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(unit="hour").replace("limit 20%", "limit 100%"))
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "TEST_PSEUDONYM_KEY": KEY}
    result = run_cli("run", str(spec), "--out", str(tmp_path / "out.csv"), "--state",
                     str(tmp_path / "ledger.sqlite"), "--as-of", "2026-01-01T00:00:00Z",
                     env=env)
    assert result.exit_code == 0, result.output
    [logged] = logged_runs(tmp_path / "ledger.sqlite", "k_test")
    exact = logged["datasets"][0]["counts"]["risk"]["k_anonymity"]
    assert exact["suppressed_rows"] and exact["suppression_rate_percent"] % 1
    manifest = json.loads((tmp_path / "out.csv.manifest.json").read_text())
    shown = manifest["k_anonymity"]["suppression_rate_percent"]
    released = manifest["output"]["rows"]
    band = manifest["k_anonymity"]["suppression_rate_band_percent"]
    assert shown == band * math.ceil(exact["suppression_rate_percent"] / band)
    assert round(released * shown / (100 - shown)) != exact["suppressed_rows"]


def _consistent(released: int, shown: float, band: int) -> list[int]:
    """The numbers of suppressed rows a consumer holding the manifest cannot rule out."""
    return [suppressed for suppressed in range(1, 100 * released + 1)
            if shown - band < round(100 * suppressed / (released + suppressed), 3) <= shown]


def test_a_small_file_s_suppression_rate_does_not_count_the_suppressed_rows(
        run_cli, tmp_path: Path) -> None:
    """A whole percent of a file of 33 rows pinned the rows suppressed (9%: 3, since 2
    give 5.7% and 4 give 10.8%); the band now holds at least BAND_ROWS rows."""
    from ocpispec.demo import DemoServer
    from ocpispec.execute.disclosure import BAND_ROWS

    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(unit="month").replace("limit 20%", "limit 100%")
                    .replace("location.postal_code, 4", "location.postal_code, 2"))
    with DemoServer(version="2.2.1", size=40, max_page_size=200) as small:
        result = run_cli("run", str(spec), "--out", str(tmp_path / "out.csv"), "--state",
                         str(tmp_path / "ledger.sqlite"), "--as-of", "2026-01-01T00:00:00Z",
                         env={"OCPI_VERSIONS_URL": small.versions_url,
                              "OCPI_TOKEN": small.token, "TEST_PSEUDONYM_KEY": KEY})
    assert result.exit_code == 0, result.output
    [logged] = logged_runs(tmp_path / "ledger.sqlite", "k_test")
    exact = logged["datasets"][0]["counts"]["risk"]["k_anonymity"]
    manifest = json.loads((tmp_path / "out.csv.manifest.json").read_text())
    released, rule = manifest["output"]["rows"], manifest["k_anonymity"]
    assert exact["suppressed_rows"] and released < 100
    possible = _consistent(released, rule["suppression_rate_percent"],
                           rule["suppression_rate_band_percent"])
    assert exact["suppressed_rows"] in possible and len(possible) >= BAND_ROWS
    assert len(_consistent(released, math.ceil(exact["suppression_rate_percent"]), 1)) == 1


def test_assess_writes_nothing_and_keeps_the_state(run, tmp_path: Path, snapshot) -> None:
    assert run("day").exit_code == 0
    ledger = tmp_path / "ledger.sqlite"
    (tmp_path / "out.csv").unlink()
    for name in ("out.csv.manifest.json", "out.csv.datapackage.json"):
        (tmp_path / name).unlink()
    before = _state_rows(ledger)
    result = run("hour", "--assess", "--restart")
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "out.csv").exists()
    assert not list(tmp_path.glob("*.json"))
    assert _state_rows(ledger) == before
    outcomes = [entry["outcome"] for entry in logged_runs(ledger, "k_test")]
    assert outcomes == ["committed", "assessed"]
    text = re.sub(r"\(\d+\.\d+s, [\d,]+ requests\)", "(TIME, N requests)",
                  scrub(result.output, tmp_path=tmp_path))
    assert text == snapshot


def test_an_assessment_the_ledger_cannot_log_is_shown_and_says_so(
        run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk under the ledger: `run --assess` failed with 'the outputs were
    published but the run could not be logged' (OCX553), though it writes nothing, and
    printed no figures. The report is shown and says they are not in the ledger; the
    command still fails (exit 1), so a scheduled assessment feeding the review is seen
    to have failed."""
    import ocpispec.ledger as ledger
    from ocpispec.ledger import LedgerError

    def full(path, entry):
        raise LedgerError("the ledger is not usable: database or disk is full")

    monkeypatch.setattr(ledger, "record", full)
    result = run("day", "--assess")
    assert result.exit_code == 1, result.output
    assert "published" not in result.output
    assert "rows released" in result.output and "class sizes" in result.output
    assert "the figures could not be logged in the ledger" in result.output
    assert "database or disk is full" in result.output
    assert "The figures are not in the ledger (see the note above)." in " ".join(result.output.split())
    assert not (tmp_path / "out.csv").exists()


def test_review_shows_the_last_assessment(run, run_cli, tmp_path: Path) -> None:
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(unit="day"))
    ledger = str(tmp_path / "ledger.sqlite")
    before = run_cli("review", str(spec), "--ledger", ledger).output
    assert "**Not yet measured.** Run `ocpispec run" in before
    assert run("day", "--assess").exit_code == 0
    after = run_cli("review", str(spec), "--ledger", ledger).output
    assert "Measured by `run --assess` recorded at" in after
    assert "| class sizes | k=1: 0 classes (0 rows)" in after
    assert "**Rule in force:** every class of equal `started`, `postal_area`" in after
    html = run_cli("review", str(spec), "--ledger", ledger, "--format", "html").output
    assert "<h3>Measured risk</h3>" in html and "Rule in force" in html


def _state_rows(ledger: Path) -> list[tuple]:
    import sqlite3

    with sqlite3.connect(ledger) as conn:
        return conn.execute("SELECT * FROM state ORDER BY export").fetchall()


def test_a_column_beside_the_rule_that_undoes_its_recoding_is_refused(run_cli, tmp_path: Path,
                                                                        server) -> None:
    """`hour_of_day(start_date_time)` outside `over (started, postal_area)`: where a class
    was small the run recoded `started` to a 4-hour block, a day or a week, and the column
    beside it gave the hour back. On this demo CPO (before the check) all 115 classes of
    the 120 released rows, counted with that column, held fewer than 3 drivers."""
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(unit="hour").replace(
        "  round(kwh, 1) as energy_kwh\n", "  hour_of_day(start_date_time) as hour\n")
        .replace("limit 20%", "limit 100%"))
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "TEST_PSEUDONYM_KEY": KEY}
    result = run_cli("run", str(spec), "--out", str(tmp_path / "out.csv"), "--state",
                     str(tmp_path / "ledger.sqlite"), "--as-of", "2026-01-01T00:00:00Z", env=env)
    assert result.exit_code == 1, result.output
    assert "error[OCX347]: `hour` reads the start as `started` in the k rule does" in result.output
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize(("columns", "expected"), [
    (("hour_of_day(start_date_time) as hour",), ["OCX347"]),
    (("location.city as city",), ["OCX303", "OCX347"]),                  # a place beside one
    (("truncate(end_date_time, hour) as ended", "round(minutes(start_date_time, end_date_time), 0) "
      "as minutes"), ["OCX347", "OCX303"]),                            # the end and the duration
    (("round(minutes(start_date_time, end_date_time), 0) as minutes",), []),   # alone: no start
    (("truncate(end_date_time, hour) as ended",), ["OCX347"]),           # the other end
    (("round(kwh, 1) as energy",), []),
])
def test_columns_beside_the_rule(columns: tuple[str, ...], expected: list[str]) -> None:
    from frontend_helpers import diagnose_source

    from ocpispec.diagnostics.source import SourceFile

    text = SPEC.format(unit="hour").replace("  round(kwh, 1) as energy_kwh\n", "".join(
        f"  {column}\n" for column in columns))
    found = [d.code for d in diagnose_source(SourceFile("k.ocx", text))
             if d.code in ("OCX347", "OCX303")]
    assert found == expected


def test_a_site_s_pseudonym_is_a_place_the_rule_may_count() -> None:
    """`pseudonymize(location_id)` is a site, one per place, not an identity: beside
    `postal_area` it splits each class by site, so it belongs in `over` (it was refused
    there as a driver's pseudonym is, OCX342, and passed outside it)."""
    from frontend_helpers import diagnose_source

    from ocpispec.diagnostics.source import SourceFile

    site = SPEC.format(unit="hour").replace("  round(kwh, 1) as energy_kwh\n",
                                            "  pseudonymize(location_id) as site\n")
    beside = [d.code for d in diagnose_source(SourceFile("k.ocx", site))]
    counted = [d.code for d in diagnose_source(SourceFile("k.ocx", site.replace(
        "over (started, postal_area)", "over (started, postal_area, site)")))]
    driver = [d.code for d in diagnose_source(SourceFile("k.ocx", site.replace(
        "over (started, postal_area)", "over (started, postal_area, driver)")))]
    assert (beside, counted) == (["OCX347"], []) and "OCX342" in driver


def test_a_charge_s_end_beside_a_rule_over_its_start_is_refused(snapshot) -> None:
    """`truncate(end_date_time, hour)` outside `over (started, postal_area)`: where a
    class was small the run recoded `started` to a day or a week, and the end of the
    same charge, minutes to hours later, placed it back within that span (it passed)."""
    from frontend_helpers import diagnose_source

    from ocpispec.diagnostics.report import render
    from ocpispec.diagnostics.source import SourceFile

    source = SourceFile("k.ocx", SPEC.format(unit="hour").replace(
        "  round(kwh, 1) as energy_kwh\n", "  truncate(end_date_time, hour) as ended\n"))
    found = [d for d in diagnose_source(source) if d.code == "OCX347"]
    assert len(found) == 1
    assert render(found, {"k.ocx": source}, color=False) == snapshot


EMSP_SPEC = '''export emsp_hours
  consumer "Test consumer"
  purpose "which eMSPs' drivers charge when and where"
  legal basis public task "test"
  retention 1 months
  pseudonym key env TEST_PSEUDONYM_KEY
  pseudonym scope per run
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
select
  pseudonymize(cdr_token.contract_id) as driver
  truncate(start_date_time, day) as started
  pseudonymize(location_id) as site
  cdr_token.party_id as emsp
  require k 3 suppression limit 100%
output csv to "out.csv"
'''


def test_the_emsp_that_issued_the_card_is_a_quasi_identifier(
        run_cli, tmp_path: Path, server) -> None:
    """The eMSP of the card (a small fleet's or an employer's card issuer) singles out its
    drivers: a k rule without `over` counted classes of day and site alone, so the one
    foreign-card driver among three at a site and day was released under its eMSP, and
    the review did not list `emsp` among the quasi-identifiers."""
    spec = tmp_path / "spec.ocx"
    spec.write_text(EMSP_SPEC)
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "TEST_PSEUDONYM_KEY": KEY}
    ledger = str(tmp_path / "ledger.sqlite")
    result = run_cli("run", str(spec), "--out", str(tmp_path / "out.csv"), "--state", ledger,
                     "--as-of", "2026-01-01T00:00:00Z", env=env)
    assert result.exit_code == 0, result.output
    rows = _rows(tmp_path / "out.csv")
    classes: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for row in rows:
        classes[(row["started"], row["site"], row["emsp"])].add(row["driver"])
    assert {row["emsp"] for row in rows} == {"EMS", "EMP"}
    assert min(len(drivers) for drivers in classes.values()) >= 3
    manifest = json.loads((tmp_path / "out.csv.manifest.json").read_text())
    assert manifest["k_anonymity"]["over"] == ["started", "site", "emsp"]
    review = " ".join(run_cli("review", str(spec), "--ledger", ledger).output.split())
    assert "every class of equal `started`, `site`, `emsp`" in review
    assert "quasi-identifier `cdr_token.party_id` is released unchanged" in result.output


PLUG_SPEC = '''export plug_weeks
  consumer "Test consumer"
  purpose "which plugs are used where and when"
  legal basis public task "test"
  retention 1 months
  pseudonym key env TEST_PSEUDONYM_KEY
  pseudonym scope per run
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from cdrs
select
  pseudonymize(cdr_token.contract_id) as driver
  truncate(start_date_time, week) as started
  pseudonymize(cdr_location.id) as site
  cdr_location.connector_power_type as power_type
  cdr_location.connector_standard as standard
  require k 3 suppression limit 100%
output csv to "out.csv"
'''


def test_a_cdr_s_plug_and_power_type_are_quasi_identifiers(
        run_cli, tmp_path: Path, server) -> None:
    """A rare plug or power type at a site names the car's model (CHAdeMO): the reference
    counts connector standard and power type among the categoricals kept only if no
    rare combination. A session's `location.connector.power_type` counted; a CDR's own
    `cdr_location.connector_power_type` (another spelling) and the standard did not, so a
    k rule without `over` released classes of one driver per week, site and plug."""
    spec = tmp_path / "spec.ocx"
    spec.write_text(PLUG_SPEC)
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "TEST_PSEUDONYM_KEY": KEY}
    result = run_cli("run", str(spec), "--out", str(tmp_path / "out.csv"), "--state",
                     str(tmp_path / "ledger.sqlite"), "--as-of", "2026-01-01T00:00:00Z", env=env)
    assert result.exit_code == 0, result.output
    rows = _rows(tmp_path / "out.csv")
    classes: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for row in rows:
        classes[(row["started"], row["site"], row["power_type"], row["standard"])].add(
            row["driver"])
    assert len({row["power_type"] for row in rows}) > 1
    assert min(len(drivers) for drivers in classes.values()) >= 3
    manifest = json.loads((tmp_path / "out.csv.manifest.json").read_text())
    assert manifest["k_anonymity"]["over"] == ["started", "site", "power_type", "standard"]


SITE_SPEC = '''export k_site_test
  consumer "Test consumer"
  purpose "k-anonymity tests of ocpispec"
  legal basis public task "test"
  retention 1 months
  pseudonym key env TEST_PSEUDONYM_KEY
  pseudonym scope per run
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions since last run
  join locations on location_id
select
  pseudonymize(cdr_token.contract_id) as driver
  truncate(start_date_time, week) as started
  prefix(location.postal_code, 2) as postal_area
  location.parking_type as parking
  location.evse.floor_level as floor
  location.connector.max_electric_power as max_power
  location.connector.format as cable
  require k 3 suppression limit 100%
output csv to "out.csv"
'''


def test_a_k_rule_without_over_counts_what_the_rows_say_of_the_site(
        run_cli, tmp_path: Path, server) -> None:
    """A joined location's parking type, floor level, connector format and power are
    public, so they were no quasi-identifiers of the default `over`: the classes of 3
    drivers by week and postal area that the rule made were split by them into one
    driver each, which someone who knows the charger in a neighbour's garage reads
    off the file."""
    spec = tmp_path / "spec.ocx"
    spec.write_text(SITE_SPEC)
    result = run_cli("run", str(spec), "--out", str(tmp_path / "out.csv"), "--state",
                     str(tmp_path / "ledger.sqlite"), "--as-of", "2026-01-01T00:00:00Z",
                     env={"OCPI_VERSIONS_URL": server.versions_url,
                          "OCPI_TOKEN": server.token, "TEST_PSEUDONYM_KEY": KEY})
    assert result.exit_code == 0, result.output
    rows = _rows(tmp_path / "out.csv")
    classes: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for row in rows:
        classes[tuple(value for name, value in row.items() if name != "driver")] \
            .add(row["driver"])
    assert rows and min(len(drivers) for drivers in classes.values()) >= 3
    manifest = json.loads((tmp_path / "out.csv.manifest.json").read_text())
    assert manifest["k_anonymity"]["over"] == ["started", "postal_area", "parking", "floor",
                                               "max_power", "cable"]


LINKED_SPEC = SPEC.format(unit="hour").replace(
    "  require k 3 over (started, postal_area) suppression limit 20%",
    "  require k 3 over (started, postal_area) suppression limit 100%") + '''
from sessions as energy since last run
select
  pseudonymize(cdr_token.contract_id) as driver
  truncate(start_date_time, hour) as started
output csv to "energy.csv"
'''


def test_a_dataset_beside_a_k_rule_that_gives_its_detail_back_is_warned(
        run_cli, tmp_path: Path, server) -> None:
    """The k rule recodes small classes' hours; a second dataset of the same drivers'
    sessions at the hour, joined on the driver's pseudonym and the day, gives them
    back: classes of (hour, postal area) the rule never counted, of fewer than k
    drivers. `check` said nothing."""
    spec = tmp_path / "spec.ocx"
    spec.write_text(LINKED_SPEC)
    checked = run_cli("check", str(spec), "--format", "concise")
    assert "warning[OCX396]: dataset `energy` releases the start that `started` in the k " \
        "rule of `sessions` reads, beside the same `driver`" in checked.output
    result = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", "--state",
                     str(tmp_path / "ledger.sqlite"),
                     env={"OCPI_VERSIONS_URL": server.versions_url,
                          "OCPI_TOKEN": server.token, "TEST_PSEUDONYM_KEY": KEY,
                          "OCPISPEC_OUTPUT_ROOT": str(tmp_path)})
    assert result.exit_code == 0, result.output
    rows = _rows(tmp_path / "out.csv")
    hours: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in _rows(tmp_path / "energy.csv"):
        hours[(row["driver"], row["started"][:10])].append(row["started"])
    classes: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in rows:
        found = hours.get((row["driver"], row["started"][:10]), [])
        if len(found) == 1:
            classes[(found[0], row["postal_area"])].add(row["driver"])
    assert classes and min(len(drivers) for drivers in classes.values()) < 3


SPLIT_SPEC = '''export k_split
  consumer "Test consumer"
  purpose "k-anonymity tests of ocpispec"
  legal basis public task "test"
  retention 1 months
  pseudonym key env TEST_PSEUDONYM_KEY
  pseudonym scope per run
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions as places since last run
  join locations on location_id
select
  pseudonymize(id) as session
  pseudonymize(cdr_token.contract_id) as driver
  prefix(location.postal_code, 4) as postal_area
  require k 3 suppression limit 100%
output csv to "places.csv"

from sessions as times since last run
select
  pseudonymize(id) as session
  truncate(start_date_time, hour) as started
  require k 3 suppression limit 100%
output csv to "times.csv"
'''


def test_two_k_rules_over_different_details_joined_on_a_pseudonym_are_warned(
        run_cli, tmp_path: Path, server) -> None:
    """Each file holds k drivers in every class of what it releases (postal areas in
    one, hours in the other), but the session's pseudonym joins them: classes of
    (hour, postal area) neither rule counted, most of one driver. The linked-rule check
    looked for the detail a rule counts in the other file, not for a detail it does
    not count, so `check` said nothing."""
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPLIT_SPEC)
    checked = run_cli("check", str(spec), "--format", "concise")
    result = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", "--state",
                     str(tmp_path / "ledger.sqlite"),
                     env={"OCPI_VERSIONS_URL": server.versions_url,
                          "OCPI_TOKEN": server.token, "TEST_PSEUDONYM_KEY": KEY,
                          "OCPISPEC_OUTPUT_ROOT": str(tmp_path)})
    assert result.exit_code == 0, result.output
    started = {row["session"]: row["started"] for row in _rows(tmp_path / "times.csv")}
    classes: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in _rows(tmp_path / "places.csv"):
        if row["session"] in started:
            classes[(started[row["session"]], row["postal_area"])].add(row["driver"])
    alone = sum(1 for drivers in classes.values() if len(drivers) < 3)
    assert classes and alone > len(classes) / 2
    assert checked.output.count("warning[OCX396]") == 2, checked.output


CHAINED_SPEC = SPLIT_SPEC.split("from sessions as times")[0] + '''from cdrs as billing since last run
select
  pseudonymize(session_id) as session
  pseudonymize(id) as cdr
output csv to "billing.csv"

from cdrs as charges since last run
select
  pseudonymize(id) as cdr
  truncate(start_date_time, hour) as started
output csv to "charges.csv"
'''


def test_a_k_rule_linked_to_a_detail_through_a_third_file_is_warned(
        run_cli, tmp_path: Path, server) -> None:
    """The k 3 file of postal areas shares the session's pseudonym with a file of
    (session, CDR) pairs, which shares the CDR's pseudonym with a file of CDRs by hour:
    joined twice, each session gets its hour, in classes of (hour, postal area) no rule
    counted. Only datasets sharing a pseudonym with the rule's own were compared."""
    spec = tmp_path / "spec.ocx"
    spec.write_text(CHAINED_SPEC)
    checked = run_cli("check", str(spec), "--format", "concise")
    result = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", "--state",
                     str(tmp_path / "ledger.sqlite"),
                     env={"OCPI_VERSIONS_URL": server.versions_url,
                          "OCPI_TOKEN": server.token, "TEST_PSEUDONYM_KEY": KEY,
                          "OCPISPEC_OUTPUT_ROOT": str(tmp_path)})
    assert result.exit_code == 0, result.output
    started = {row["cdr"]: row["started"] for row in _rows(tmp_path / "charges.csv")}
    cdr_of = {row["session"]: row["cdr"] for row in _rows(tmp_path / "billing.csv")}
    classes: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in _rows(tmp_path / "places.csv"):
        if (cdr := cdr_of.get(row["session"])) in started:
            classes[(started[cdr], row["postal_area"])].add(row["driver"])
    alone = sum(1 for drivers in classes.values() if len(drivers) < 3)
    assert classes and alone > len(classes) / 2
    assert "warning[OCX396]: dataset `charges` releases the start, which the k rule of " \
        "`places` does not count, linked to it through `billing`" in checked.output, \
        checked.output
