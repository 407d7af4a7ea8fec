"""Round twelve's consumers (tests/specs/consumers/, run by test_consumer_specs.py): a
grid operator's quarter-hour peaks, a tourism board, an insurer, a transport study, a
journalist's top ten, a tariff comparison site, a roaming hub's auditor and an energy
retailer, each first written as a new user writes it. The first try's diagnostics are
snapshot; SQL's window functions (`max(count()) over (partition by ...)`, `rank() over
w`), its ordered-set `percentile_cont(...) within group (...)`, its `fetch first 10 rows
only`, pandas' `.head(10)`, PostgreSQL's `::numeric` and a list of an unnested element
were told as the parser's 'expected ...', a column position or two columns: each help,
applied, now gives a spec that checks clean."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fixtures_cli import cli_block
from test_newcomer_round_eleven_consumers import CONSUMERS

_SITES_TOP_TEN = "busiest_sites_top_ten"
_DURATIONS = "transport_durations_weekday"

# spec -> (what the spec says, what the new user wrote first, the code it got)
FIRST_TRIES = {
    "substation_peak_quarter_hours": [
        ("count(distinct pseudonymize(id)) as concurrent_sessions",
         "max(count(distinct pseudonymize(id))) over (partition by substation_area) as "
         "concurrent_sessions", "OCX014"),
        ("in location time zone as slot", 'in "Europe/Amsterdam" as slot', "OCX225")],
    "tourism_card_countries": [
        ("  count() as charges", "  count(*) as charges", "OCX001"),
        ('card_country because "the tourism board counts charges per country of the card '
         'issuer; each row holds ten drivers"', "card_country", "OCX303")],
    "insurer_evse_status": [
        ("  each evse.connectors as connector\ngroup by\n  evse.status as status\n"
         "  connector.standard as standard",
         "group by\n  evse.status as status\n  evse.connectors.standard as standard",
         "OCX209"),
        ("  each evse.connectors as connector\n",
         '  each evse.connectors as connector\n  where evse.status = "OUTOFORDER"\n',
         "OCX221")],
    _DURATIONS: [
        ("round(percentile(total_time, 0.9), 1)",
         "percentile_cont(0.9) within group (order by total_time)", "OCX014"),
        ("previous quarter", "between 2025-10-01 and 2025-12-31", "OCX325"),
        ('jmespath("total_parking_time || `0`")', "coalesce(total_parking_time, 0)",
         "OCX107")],
    _SITES_TOP_TEN: [
        ("limit 10", "fetch first 10 rows only", "OCX014"),
        ("limit 10", ".head(10)", "OCX014"),
        ("order by sessions desc", "order by count() desc", "OCX001")],
    "tariff_comparison_components": [
        ("  component.price as", "  elements.price_components.price as", "OCX209")],
    "hub_audit_per_party": [
        ("  count() as cdrs", "  count(id) as cdrs", "OCX202"),
        ("round(sum(total_energy), 1) as energy_kwh",
         "sum(total_energy) over (partition by cpo) as energy_kwh", "OCX014")],
    "retailer_power_classes": [
        ("bucket(location.connector.max_electric_power, [11000, 22000, 50000, 150000])",
         "case when location.connector.max_electric_power >= 50000 then 'DC' else 'AC' end",
         "OCX001"),
        ("[11000, 22000, 50000, 150000]", "[11 kW, 22 kW, 50 kW, 150 kW]", "OCX001")],
}
CASES = [(name, index) for name, tries in FIRST_TRIES.items() for index in range(len(tries))]


def _first_try(run_cli, tmp_path: Path, name: str, good: str, first: str):
    text = (CONSUMERS / f"{name}.ocx").read_text()
    assert good in text, (name, good)
    spec = tmp_path / f"{name}.ocx"
    spec.write_text(text.replace(good, first, 1))
    return run_cli("check", str(spec)), spec, text


@pytest.mark.parametrize("name, index", CASES, ids=[f"{n}-{i}" for n, i in CASES])
def test_a_first_try_gets_a_diagnostic_that_leads_to_the_spec(
        run_cli, tmp_path: Path, name: str, index: int, snapshot) -> None:
    """The first try checks with the code snapshot beside it, never the parser's generic
    'expected ...'; the corpus's spec (the help applied) checks clean in
    test_consumer_specs.py."""
    good, first, code = FIRST_TRIES[name][index]
    done, _, _ = _first_try(run_cli, tmp_path, name, good, first)
    assert f"[{code}]" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and "expected one of" not in done.stderr
    assert cli_block(done, tmp=tmp_path) == snapshot


@pytest.mark.parametrize("name", sorted(FIRST_TRIES))
def test_the_plan_a_reviewer_reads(run_cli, name: str, snapshot) -> None:
    done = run_cli("plan", f"tests/specs/consumers/{name}.ocx")
    assert done.exit_code == 0, done.stderr
    assert cli_block(done) == snapshot


# (spec, what the spec says, the first try); the help's `write `...`` replaces what the
# caret covers, or says to leave the column out (the line goes)
_TOLD = [
    ("substation_peak_quarter_hours",
     "  count(distinct pseudonymize(id)) as concurrent_sessions\n",
     "  max(count(distinct pseudonymize(id))) over (partition by substation_area) as "
     "concurrent_sessions\n"),
    ("hub_audit_per_party", "  round(sum(total_energy), 1) as energy_kwh\n",
     "  sum(total_energy) over (partition by cpo) as energy_kwh\n"),
    (_SITES_TOP_TEN, "  round(sum(kwh), 0) as energy_kwh\n",
     "  round(sum(kwh), 0) as energy_kwh\n  rank() over (order by sessions desc) as rank\n"),
    (_SITES_TOP_TEN, "  round(sum(kwh), 0) as energy_kwh\n",
     "  round(sum(kwh), 0) as energy_kwh\n  percent_rank() over w as share\n"),
    (_SITES_TOP_TEN, "  round(sum(kwh), 0) as energy_kwh\n",
     "  round(sum(kwh), 0) as energy_kwh, lag(count()) over w as before\n"),
    (_SITES_TOP_TEN, "limit 10\n", "fetch first 10 rows only\n"),
    (_SITES_TOP_TEN, "limit 10\n", '.nlargest(10, "sessions")\n'),
    (_DURATIONS, "  round(percentile(total_time, 0.9), 1) as p90_connected_hours\n",
     "  percentile_cont(0.9) within group (order by total_time) as p90_connected_hours\n"),
    (_DURATIONS, "  count() as charges\n",
     "  count() as charges\n  round(avg(total_energy)::numeric, 1) as avg_kwh\n"),
    (_SITES_TOP_TEN, "  count() as sessions\n", "  size() as sessions\n"),
    (_SITES_TOP_TEN, "order by sessions desc\n", "order by sessions desc nulls last\n"),
    (_SITES_TOP_TEN, "order by sessions desc\n", "order by sessions desc nulls first\n"),
    (_SITES_TOP_TEN, "order by sessions desc\n", "sort_values('sessions', ascending=False)\n"),
    (_SITES_TOP_TEN, "order by sessions desc\n", "df.sort_values(by=['sessions'])\n"),
    ("accessibility_230", "from locations\n",
     'from locations\n  where "DISABLED" in evses.parking_restrictions\n'),
    ("insurer_evse_status", "  each evse.connectors as connector\ngroup by\n"
     "  evse.status as status\n  connector.standard as standard",
     "group by\n  evse.status as status\n  evse.connectors.standard as standard"),
]
_WRITE = re.compile(r"help: write `(jmespath\(.+\) = true)`|help: write `([^`]+)`")
_UNNEST = re.compile(r"help: for one row per element, add `(.+?)` under `from` and select "
                     r"`(.+?)`")


@pytest.mark.parametrize("name, good, first", _TOLD,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(_TOLD)])
def test_the_help_applied_checks_clean(run_cli, tmp_path: Path, name: str, good: str,
                                       first: str, snapshot) -> None:
    """Each help names what to write in place of what the caret covers (or to leave the
    column out); pasted in, the spec checks clean with no warning."""
    done, spec, text = _first_try(run_cli, tmp_path, name, good, first)
    said = done.stderr
    assert done.exit_code == 1 and "expected one of" not in said, said
    assert said.replace(str(spec), f"{name}.ocx") == snapshot
    written = spec.read_text()
    begin, end = _caret(said, written)
    before, after = written[:begin], written[end:]
    if "leave this column out" in said:
        fixed = re.sub(r",?\s*$", "", before) + re.sub(r"^\s+as\s+\w+", "", after)
    elif (unnest := _UNNEST.search(said)) is not None:
        fixed = before.replace("\ngroup by\n", f"\n  {unnest.group(1)}\ngroup by\n", 1) \
            + unnest.group(2) + after
    elif (removed := re.search(r"help: (?:remove|leave) `(.+?)`", said)) is not None:
        assert removed.group(1) == written[begin:end]
        fixed = before + after
    else:
        told = _WRITE.search(said)
        assert told is not None, said
        fixed = before + (told.group(1) or told.group(2)) + after
    spec.write_text(fixed)
    again = run_cli("check", str(spec))
    assert again.exit_code == 0 and "warning" not in again.stderr, (fixed, again.stderr)


def _caret(said: str, text: str) -> tuple[int, int]:
    """Where the first diagnostic's caret starts and ends in `text`."""
    where = re.search(r"--> .*?:(\d+):(\d+)", said)
    carets = re.search(r"\n *\d* *\| *( *)(\^+)", said)
    assert where is not None and carets is not None, said
    line_start = sum(len(line) + 1 for line in text.splitlines()[:int(where.group(1)) - 1])
    start = line_start + int(where.group(2)) - 1
    return start, start + len(carets.group(2))
