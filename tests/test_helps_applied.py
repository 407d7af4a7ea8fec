"""A new user pastes a diagnostic's help into the spec and checks again: the next check
must not raise the warning the help could have avoided (a `weekday(t)` without the
window's zone, OCX236; a per-eMSP key without its `because`, OCX303), and a help must not
ask for what the spec states already (`minimum group size N` beside `having`). Each case
starts from a spec of tests/specs/consumers/, mutated to the first try; the first try's
diagnostic is snapshot, the help's text is pasted in, and the second check is asserted."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from frontend_helpers import REPO

from fixtures_cli import cli_block

CONSUMERS = REPO / "tests" / "specs" / "consumers"
_PARKING = CONSUMERS / "parking_idle_by_weekday.ocx"
_ZONED_WEEKDAY = 'weekday(start_date_time, "Europe/Amsterdam") as weekday'

_EMSP = """export energy_per_emsp
  consumer "E-Mobility Services fleet desk"
  purpose "Energy per eMSP of the sessions at our sites"
  legal basis contract "fleet charging agreement FCA-2026-09"
  retention 1 year
  pseudonym key env OCPISPEC_KEY

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version 2.2.1

from cdrs
  previous month in "Europe/Amsterdam"
group by
  pseudonymize(cdr_token.contract_id) as emsp
compute
  count() as cdrs
  round(sum(total_energy), 0) as kwh
  minimum group size 10
output csv to "exports/emsp-{window.start}.csv"
"""

_TOKENS = """export cards_per_type
  consumer "E-Mobility Services fleet desk"
  purpose "Count of the cards per type for the fleet report"
  legal basis contract "fleet charging agreement FCA-2026-09"
  retention 1 year
  pseudonym key env OCPISPEC_KEY

source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version 2.2.1

from tokens
group by
  type because "the fleet report shows how many cards of each kind the drivers hold"
compute
  count(distinct uid) as cards
  minimum group size 10
output csv to "exports/tokens.csv"
"""


def _check(run_cli, tmp_path: Path, text: str, name: str = "first.ocx"):
    spec = tmp_path / name
    spec.write_text(text, encoding="utf-8")
    return run_cli("check", str(spec))


def _help(output: str) -> str:
    helps = re.findall(r"^help: (.*)$", output, re.MULTILINE)
    assert len(helps) == 1, output
    return helps[0]


def _written(help_text: str) -> str:
    """The code a `write `...`` help writes."""
    found = re.match(r"write `([^`]+)`", help_text)
    assert found is not None, help_text
    return found.group(1)


@pytest.mark.parametrize("first", ["dayofweek(start_date_time)", "hour(start_date_time)",
                                   "month(start_date_time)", "day_of_week(start_date_time)"])
def test_a_local_cut_help_writes_the_windows_zone(run_cli, tmp_path: Path, first: str,
                                                  snapshot) -> None:
    """`dayofweek(t)` in a window in Europe/Amsterdam: the help wrote `weekday(t)`, and
    pasted in, the next check warned OCX236 (the UTC weekday in a local window)."""
    text = _PARKING.read_text(encoding="utf-8")
    tried = text.replace(_ZONED_WEEKDAY, f"{first} as weekday")
    done = _check(run_cli, tmp_path, tried)
    assert done.exit_code != 0 and "OCX107" in done.output
    assert cli_block(done, tmp=tmp_path) == snapshot
    written = _written(_help(done.output))
    assert '"Europe/Amsterdam"' in written
    again = _check(run_cli, tmp_path, tried.replace(first, written), "second.ocx")
    assert again.exit_code == 0, again.output
    assert "OCX236" not in again.output


def test_the_hour_of_week_help_writes_the_windows_zone(run_cli, tmp_path: Path) -> None:
    text = _PARKING.read_text(encoding="utf-8")
    tried = text.replace(_ZONED_WEEKDAY, "hour_of_week(start_date_time) as hour")
    done = _check(run_cli, tmp_path, tried)
    assert "OCX107" in done.output
    written = _written(_help(done.output))
    again = _check(run_cli, tmp_path,
                   tried.replace("hour_of_week(start_date_time)", written), "second.ocx")
    assert again.exit_code == 0, again.output
    assert "OCX236" not in again.output


def test_a_cut_in_a_utc_window_stays_without_a_zone(run_cli, tmp_path: Path) -> None:
    """No zone anywhere in the dataset: the help writes none (UTC is what it reads)."""
    text = _PARKING.read_text(encoding="utf-8").replace(' in "Europe/Amsterdam"', "")
    done = _check(run_cli, tmp_path, text.replace(_ZONED_WEEKDAY,
                                                  "dayofweek(start_date_time) as weekday"))
    assert _help(done.output) == "write `weekday(start_date_time)`"


@pytest.mark.parametrize("where", ["after", "before"])
def test_having_beside_a_stated_group_size_is_told_to_go(run_cli, tmp_path: Path, where: str,
                                                         snapshot) -> None:
    """`having count() > 20` in a dataset that states `minimum group size 10`: the help
    said "state `minimum group size N`", which the spec does already."""
    text = _PARKING.read_text(encoding="utf-8")
    rule = "  minimum group size 10\n"
    having = "  having count() > 20\n"
    tried = text.replace(rule, rule + having if where == "after" else having + rule)
    done = _check(run_cli, tmp_path, tried)
    assert "OCX014" in done.output
    assert cli_block(done, tmp=tmp_path) == snapshot
    help_text = _help(done.output)
    assert "state `minimum group size" not in help_text
    assert "`minimum group size 10` already" in help_text
    again = _check(run_cli, tmp_path, tried.replace(having, ""), "second.ocx")
    assert again.exit_code == 0, again.output


def test_having_without_a_group_size_is_told_to_state_one(run_cli, tmp_path: Path) -> None:
    text = _PARKING.read_text(encoding="utf-8").replace(
        "  minimum group size 10\n", "  having count() > 20\n")
    done = _check(run_cli, tmp_path, text)
    assert "state `minimum group size N` under `compute`" in _help(done.output)


def test_a_group_per_contract_id_is_told_the_emsp_fields(run_cli, tmp_path: Path,
                                                          snapshot) -> None:
    """Per card for figures per eMSP: OCX321's help names `cdr_token.party_id`, and
    with the `because` it asks for, the grouping checks clean."""
    done = _check(run_cli, tmp_path, _EMSP)
    assert "OCX321" in done.output
    assert cli_block(done, tmp=tmp_path) == snapshot
    help_text = _help(done.output)
    assert "`cdr_token.country_code` and `cdr_token.party_id`" in help_text
    assert 'because "..."' in help_text
    reason = ' because "the fleet desk settles the energy with each eMSP that issued cards"'
    applied = _EMSP.replace("  pseudonymize(cdr_token.contract_id) as emsp\n",
                            f"  cdr_token.country_code{reason}\n"
                            f"  cdr_token.party_id as emsp{reason}\n")
    again = _check(run_cli, tmp_path, applied, "second.ocx")
    assert again.exit_code == 0, again.output
    assert "warning" not in again.output


def test_a_group_per_contract_id_in_211_names_no_party_id(run_cli, tmp_path: Path) -> None:
    text = _EMSP.replace("version 2.2.1", "version 2.1.1")  # no token fields of the eMSP
    done = _check(run_cli, tmp_path, text)
    assert "OCX321" in done.output
    assert "party_id" not in _help(done.output)


def test_upper_is_told_the_field_leaves_as_sent(run_cli, tmp_path: Path, snapshot) -> None:
    text = _EMSP.replace("pseudonymize(cdr_token.contract_id) as emsp",
                         "upper(country_code) as country")
    done = _check(run_cli, tmp_path, text)
    assert "OCX107" in done.output
    assert cli_block(done, tmp=tmp_path) == snapshot
    help_text = _help(done.output)
    assert "write `country_code` as it is" in help_text
    again = _check(run_cli, tmp_path, text.replace("upper(country_code)", "country_code"),
                   "second.ocx")
    assert again.exit_code == 0, again.output


def test_distinct_uids_of_tokens_are_told_count(run_cli, tmp_path: Path, snapshot) -> None:
    """On tokens every record is a card: `count()` counts them, no pseudonyms needed."""
    done = _check(run_cli, tmp_path, _TOKENS)
    assert "OCX227" in done.output
    assert cli_block(done, tmp=tmp_path) == snapshot
    assert _help(done.output).endswith("write `count()`")
    again = _check(run_cli, tmp_path, _TOKENS.replace("count(distinct uid)", "count()"),
                   "second.ocx")
    assert again.exit_code == 0 and "warning" not in again.output, again.output


# a zoned cut of the corpus -> the habits a new user writes for it (a function of SQL, a
# field named as the value)
_ZONED_CUT = re.compile(r'(?P<cut>weekday|hour_of_day|truncate)\(start_date_time'
                        r'(?:, (?P<unit>day|week|month|quarter|year))?, "[^"]+"\)')
_HABITS = {"weekday": ("dayofweek(start_date_time)", "weekday"),
           "hour_of_day": ("hour(start_date_time)", "hour"),
           "day": ("date(start_date_time)", "day"), "week": ("week(start_date_time)", "week"),
           "month": ("month(start_date_time)", "month"),
           "quarter": ("quarter(start_date_time)", "quarter"),
           "year": ("year(start_date_time)", "year")}


def _corpus_cuts() -> list[tuple[str, str, str]]:
    """(spec, the zoned cut as written, the habit written in its place), per cut."""
    cases = []
    for spec in sorted(CONSUMERS.glob("*.ocx")):
        for found in _ZONED_CUT.finditer(spec.read_text(encoding="utf-8")):
            for habit in _HABITS[found.group("unit") or found.group("cut")]:
                cases.append((spec.stem, found.group(0), habit))
    return cases


@pytest.mark.parametrize(("name", "cut", "habit"), _corpus_cuts())
def test_a_corpus_cut_written_as_a_habit_gets_a_help_that_checks_clean(
        run_cli, tmp_path: Path, name: str, cut: str, habit: str) -> None:
    """Each zoned cut of the consumers' specs, written as a new user writes it: the
    help's call, pasted in place of the habit, checks clean of OCX236 (and of errors)."""
    text = (CONSUMERS / f"{name}.ocx").read_text(encoding="utf-8")
    at = text.index(cut)
    tried = text[:at] + habit + text[at + len(cut):]
    done = _check(run_cli, tmp_path, tried)
    assert done.exit_code != 0, done.output
    helps = re.findall(r"^help: (?:it is computed: )?write `([^`]+)`", done.output,
                       re.MULTILINE)
    assert helps, done.output
    applied = tried[:at] + helps[0] + tried[at + len(habit):]
    again = _check(run_cli, tmp_path, applied, "second.ocx")
    assert again.exit_code == 0, again.output
    assert "OCX236" not in again.output, again.output


def test_a_day_of_week_field_is_told_weekday_not_the_day(run_cli, tmp_path: Path) -> None:
    """`day_of_week` named as a field: its word `day` gave `truncate(t, day)`."""
    text = _PARKING.read_text(encoding="utf-8").replace(_ZONED_WEEKDAY, "day_of_week")
    done = _check(run_cli, tmp_path, text)
    assert _help(done.output) == \
        'it is computed: write `weekday(start_date_time, "Europe/Amsterdam")`'
