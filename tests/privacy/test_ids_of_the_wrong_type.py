"""A driver's id sent as a JSON number where OCPI says text (off-schema).

The attack (adversarial review, round fourteen): a platform wrote a card's uid as a
number on some charges (`904217358`, `904217358.0`, `9.04217358e8`) and as text on
others. The risk meter (`review`, `plan`, the run summary and record) reads the driver
from the record as sent, and read `904217358.0` as another driver than `"904217358"`: one
person was two, and a class of one driver was measured as two. The rule now: a number
where a driver's id belongs is the id its decimal digits spell, in every count and every
pseudonym, as the wire check reads it (`ids.number_text`: `904217358.0` was null, an
integer the card's text): one driver, one pseudonym. A number that is no integer spells
no id and is still read as null (`not a string`); no such value leaves raw, and `get`
prints none.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from independent_cpo import IndependentCpo
from privacy.reference_runs import run_on, run_writings
from privacy.test_linked_identities import KEY, SPEC

CARD = "904217358"
SPELLINGS = {"integer": CARD, "float": f"{CARD}.0", "exponent": "9.04217358e8"}


class _Numbers(IndependentCpo):
    """Sessions of one card, its uid as text on the first and written as JSON `number`
    on the others; every record in one class (same energy)."""

    def __init__(self, number: str, charges: int = 3) -> None:
        super().__init__("2.2.1", records=charges, page_cap=5)
        for index, record in enumerate(self.lists["sessions"]):
            uid = CARD if index == 0 else f"@number{index}"
            record["cdr_token"].update(contract_id="", uid=uid)
            record["kwh"] = 5.0
            if index:
                self.raw_json[json.dumps(uid)] = number


def _run(run_cli, tmp_path: Path, monkeypatch, number: str, body: str, *options: str):
    monkeypatch.setenv("DRIVER_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    with _Numbers(number) as cpo:
        ran = run_on(run_cli, cpo, tmp_path / "linked.ocx", SPEC + body, *options)
        got = run_cli("get", "sessions", "--date-to", "2030-01-01")
    assert ran.exit_code == 0, ran.stdout + ran.stderr
    assert got.exit_code == 0, got.stdout + got.stderr
    return ran, got


_SELECT = ('\nfrom sessions\nselect\n  round(kwh, 1) as energy_kwh\n'
           '  pseudonymize(cdr_token.uid) as driver\noutput csv to "out.csv"\n')


@pytest.mark.parametrize("spelling", list(SPELLINGS), ids=list(SPELLINGS))
def test_the_risk_meter_counts_a_card_sent_as_a_number_as_its_driver(
        run_cli, tmp_path: Path, monkeypatch, spelling: str) -> None:
    ran, _ = _run(run_cli, tmp_path, monkeypatch, SPELLINGS[spelling], _SELECT)
    record = json.loads(next((tmp_path / "ledger" / "runs").rglob("*.json")).read_text())
    figures = record["datasets"][0]["risk"]["figures"]
    assert (figures["rows"], figures["drivers"], figures["smallest_class"]) == (3, 1, 1), figures
    assert "the smallest holds 1" in ran.stderr


@pytest.mark.parametrize("spelling", list(SPELLINGS), ids=list(SPELLINGS))
def test_a_card_sent_as_a_number_leaves_only_as_its_pseudonym(
        run_cli, tmp_path: Path, monkeypatch, spelling: str) -> None:
    """Every spelling is the card: one pseudonym with its text, never the value."""
    ran, got = _run(run_cli, tmp_path, monkeypatch, SPELLINGS[spelling], _SELECT)
    lines = (tmp_path / "out.csv").read_text().splitlines()[1:]
    assert len(lines) == 3 and len({line.split(",")[1] for line in lines}) == 1, lines
    assert lines[0].split(",")[1], lines
    written = run_writings(tmp_path, ran, got)
    for text in (CARD, "9.04217358", "904,217,358"):
        assert text not in written


def test_a_number_that_is_no_integer_is_no_id(run_cli, tmp_path: Path, monkeypatch) -> None:
    """`9042173.58` spells no card: read as null (no pseudonym, counted by path)."""
    ran, got = _run(run_cli, tmp_path, monkeypatch, "9042173.58", _SELECT)
    lines = (tmp_path / "out.csv").read_text().splitlines()[1:]
    assert [line.split(",")[1] == "" for line in lines] == [False, True, True], lines
    assert "sessions.cdr_token.uid (not a string) (2)" in ran.stderr
    assert "9042173" not in run_writings(tmp_path, ran, got)


@pytest.mark.parametrize("spelling", list(SPELLINGS), ids=list(SPELLINGS))
def test_a_group_of_one_card_sent_as_a_number_is_one_driver(
        run_cli, tmp_path: Path, monkeypatch, spelling: str) -> None:
    _run(run_cli, tmp_path, monkeypatch, SPELLINGS[spelling],
         '\nfrom sessions\ngroup by\n  constant("all") as area\ncompute\n  count() as charges\n'
         '  minimum group size 2\noutput csv to "out.csv"\n')
    assert (tmp_path / "out.csv").read_text().splitlines()[1:] == []


@pytest.mark.parametrize("spelling", list(SPELLINGS), ids=list(SPELLINGS))
def test_a_k_rule_counts_a_card_sent_as_a_number_as_its_driver(
        run_cli, tmp_path: Path, monkeypatch, spelling: str) -> None:
    _run(run_cli, tmp_path, monkeypatch, SPELLINGS[spelling],
         '\nfrom sessions\nselect\n  round(kwh, 1) as energy_kwh\n'
         '  require k 2 over (energy_kwh) suppression limit 100%\noutput csv to "out.csv"\n')
    assert (tmp_path / "out.csv").read_text().splitlines()[1:] == []


def test_a_number_is_read_as_the_id_its_digits_spell() -> None:
    from ocpispec.execute.group_identity import driver_identity

    assert {driver_identity(value) for value in (CARD, 904217358, 904217358.0, 9.04217358e8)} \
        == {CARD.encode()}
    assert driver_identity(12.5) == driver_identity("12.5")
