"""Round eleven's consumers (tests/specs/consumers/, run by test_consumer_specs.py), each
first written as a new user writes it: SQL habits, another OCPI version's field names,
units and time zones. The first try's diagnostics are snapshot; each help, applied, gives
the spec in tests/specs/consumers/, whose plan is snapshot too. An insurer asking for the
drivers themselves is refused: what it sees is snapshot."""

from __future__ import annotations

from pathlib import Path

import pytest
from frontend_helpers import REPO

from fixtures_cli import cli_block

CONSUMERS = REPO / "tests" / "specs" / "consumers"

# spec -> (what the spec says, what the new user wrote first, the code it got)
FIRST_TRIES = {
    "dso_connection_point_quarter_hours": [
        ('schedule weekly on monday at 06:00', 'schedule every monday at 06:00', "OCX001")],
    "afir_evse_status_hourly": [
        ("  city\n", "  case when evse.status = 'AVAILABLE' then 1 else 0 end as up\n",
         "OCX001")],
    "idle_after_charging_parquet": [
        ("and total_energy >= 1 and total_energy <= 100",
         "and total_energy between 1 and 100", "OCX001"),
        ("pseudonymize(cdr_token.contract_id)", "pseudonymize(auth_id)", "OCX105"),
        ("round(total_parking_time, 1) as idle_hours",
         "total_time - total_charging_time as idle_hours", "OCX104"),
        ('schedule cron "0 6 2 1 *"', "schedule yearly on january 2 at 06:00", "OCX001")],
    "street_occupancy_weekday": [
        ('weekday(start_date_time, "Europe/Amsterdam") as weekday',
         "dayofweek(start_date_time) as weekday", "OCX107"),
        ('weekday(start_date_time, "Europe/Amsterdam") as weekday',
         "weekday(start_date_time) as weekday", "OCX236"),
        ('location.address as street because "the parking department plans chargers per '
         'street; each row holds ten drivers"', "location.address as street", "OCX303")],
    "fleet_emsp_sessions": [
        ('cdr_token.country_code = "NL" and cdr_token.party_id = "EMS"',
         "cdr_token.contract_id like 'NL-EMS%'", "OCX001"),
        ('cdr_token.country_code = "NL" and cdr_token.party_id = "EMS"',
         'cdr_token.contract_id matches "NL-EMS*"', "OCX330"),
        ("round(total_cost.excl_vat, 1) as cost_excl_vat", "total_cost", "OCX209")],
    "adhoc_price_top_ten": [
        ('where type in ["AD_HOC_PAYMENT", "REGULAR"]',
         "where type in ('AD_HOC_PAYMENT', 'REGULAR')", "OCX001"),
        ('jmespath("time_price || `0`") as time_price_per_hour',
         "coalesce(time_price, 0) as time_price_per_hour", "OCX107"),
        ("group by\n  id as tariff_id\n  currency\n  energy_price as energy_price_per_kwh\n"
         '  jmespath("time_price || `0`") as time_price_per_hour\ncompute\n  count() as '
         "tariffs\n  minimum group size 1\n",
         "select\n  id as tariff_id\n  currency\n  energy_price as energy_price_per_kwh\n"
         '  jmespath("time_price || `0`") as time_price_per_hour\n', "OCX232")],
    "cbs_municipal_energy_quarterly": [
        ("  count() as sessions", "  count(*) as sessions", "OCX001"),
        ("  round counts to 5\n", "  round counts to 5\nhaving count() >= 10\n", "OCX014"),
        ('schedule cron "0 6 5 1,4,7,10 *"', "schedule quarterly", "OCX001")],
    "open_data_every_format": [
        ('output ndjson to "exports/open/sites-{run.date}.ndjson"',
         'output jsonl to "exports/open/sites-{run.date}.jsonl"', "OCX401")],
    "emsp_settlement_211": [
        ("where total_cost.excl_vat > 0", "where total_cost > 0", "OCX204"),
        ("  currency\ncompute", "  auth_id\ncompute", "OCX105"),
        ("  count() as cdrs", "  count(distinct id) as cdrs", "OCX227")],
    "evening_peak_local_hours": [
        ('status in ["COMPLETED", "ACTIVE"]', "status in ('COMPLETED', 'ACTIVE')", "OCX001"),
        ('hour_of_day(start_date_time, "Europe/Amsterdam")',
         "hour_of_day(start_date_time at time zone 'Europe/Amsterdam')", "OCX001"),
        ("location.connector.standard", "location.evse.connector.standard", "OCX104"),
        ("count(distinct pseudonymize(cdr_token.uid))", "count(distinct cdr_token.uid)",
         "OCX227")],
    "card_issuer_token_audit": [
        ("  minimum group size 10\n", "  minimum group size 10\nhaving cards > 10\n",
         "OCX014")],
    "hub_planning_top_areas": [
        ("  between 2025-01-01 and 2026-01-01\n  window on start_date_time\n"
         '  where status = "COMPLETED"',
         "  where status = \"COMPLETED\" and start_date_time between '2025-01-01' and "
         "'2025-12-31'", "OCX001"),
        ("prefix(location.postal_code, 4) as area",
         "substr(location.postal_code, 1, 4) as area", "OCX107")],
}
CASES = [(name, index) for name, tries in FIRST_TRIES.items() for index in range(len(tries))]


def test_every_consumer_of_the_round_is_in_the_corpus() -> None:
    for name in FIRST_TRIES:
        assert (CONSUMERS / f"{name}.ocx").exists(), name


@pytest.mark.parametrize("name, index", CASES, ids=[f"{n}-{i}" for n, i in CASES])
def test_a_first_try_gets_a_diagnostic_that_leads_to_the_spec(
        run_cli, tmp_path: Path, name: str, index: int, snapshot) -> None:
    """The first try checks with the code snapshot beside it; the spec as the help
    leads it (the corpus's) checks clean (test_consumer_specs.py runs it)."""
    good, first, code = FIRST_TRIES[name][index]
    text = (CONSUMERS / f"{name}.ocx").read_text()
    assert good in text, (name, good)
    spec = tmp_path / f"{name}.ocx"
    spec.write_text(text.replace(good, first, 1))
    done = run_cli("check", str(spec))
    assert f"[{code}]" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert cli_block(done, tmp=tmp_path) == snapshot


@pytest.mark.parametrize("name", sorted(FIRST_TRIES))
def test_the_plan_a_reviewer_reads(run_cli, name: str, snapshot) -> None:
    done = run_cli("plan", f"tests/specs/consumers/{name}.ocx")
    assert done.exit_code == 0, done.stderr
    assert cli_block(done) == snapshot


INSURER = '''export insurer_feed
  consumer "Schadeverzekeraar N.V., pricing department"
  purpose "Assess the charging behaviour of policy holders for premium pricing"
  legal basis legitimate interests "premium pricing"
  retention 5 years

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from cdrs
  since last run
select
  cdr_token.uid
  cdr_token.contract_id
  start_date_time
  cdr_location.address
  cdr_location.coordinates
  total_energy
output json to "exports/insurer.json"

schedule daily at 06:00
'''


def test_an_insurer_asking_for_drivers_is_refused(run_cli, tmp_path: Path, snapshot) -> None:
    """An insurer's feed of card ids, exact times and places: `check` refuses the card
    ids (OCX301, each with its pseudonym and the allowance a privacy officer would have
    to approve), warns on every quasi-identifier with its generaliser, and `run` refuses
    the spec before any request; nothing is written."""
    spec = tmp_path / "insurer.ocx"
    spec.write_text(INSURER)
    checked = run_cli("check", str(spec))
    assert checked.exit_code == 1
    assert checked.stderr.count("[OCX301]") == 2 and checked.stderr.count("[OCX303]") == 4
    ran = run_cli("run", str(spec), "--demo", "--out", str(tmp_path / "out.json"))
    assert ran.exit_code != 0 and not (tmp_path / "out.json").exists()
    assert "OCX301" in ran.stderr
    assert (cli_block(checked, tmp=tmp_path), cli_block(ran, tmp=tmp_path)) == snapshot
