"""The risk meter counts people as every other count does (adversarial review, round
fourteen).

Without a `require k` rule, the meter's figures (`review`, `plan`, the run summary and
record) counted a row's driver contract first: one person with two contracts sharing a
card, or with the contract on some charges and the bare card on others, was two drivers,
and a class of one person was measured as a class of two. A k rule, the minimum group size
and every aggregate counted them as one (`disclosure.people`). The meter now links the
ids a row names together too (`disclosure.links`), in one process and with workers.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

_SELECT = ('\nfrom sessions\nselect\n  round(kwh, 1) as energy_kwh\n'
           'output csv to "out.csv"\n')
ONE_PERSON = {
    "a contract and its bare card": [("NL-IND-CB0000002-2", "0B0B0B0B", 5.0), ("", "0B0B0B0B", 5.0)],
    "two contracts of one card": [("NL-IND-CB0000002-2", "0B0B0B0B", 5.0),
                                  ("NL-IND-CC0000003-3", "0B0B0B0B", 5.0)],
    "a chain": [("NL-IND-CC0000003-3", "0C0C0C01", 5.0), ("", "0C0C0C02", 5.0),
                ("NL-IND-CC0000003-3", "0C0C0C02", 5.0)],
}


def _figures(tmp_path: Path) -> dict:
    record = json.loads(next((tmp_path / "ledger" / "runs").rglob("*.json")).read_text())
    return record["datasets"][0]["risk"]["figures"]


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("case", list(ONE_PERSON))
def test_one_person_under_several_ids_is_one_driver_in_the_figures(
        run_cli, tmp_path: Path, monkeypatch, case: str, workers: str) -> None:
    tokens = ONE_PERSON[case] * 4
    _, ran = _run_with(run_cli, tmp_path, monkeypatch, tokens, workers)
    figures = _figures(tmp_path)
    assert (figures["drivers"], figures["smallest_class"]) == (1, 1), figures
    assert "the smallest holds 1" in ran.stderr


@pytest.mark.parametrize("workers", ["1", "2"])
def test_two_people_stay_two_in_the_figures(run_cli, tmp_path: Path, monkeypatch,
                                            workers: str) -> None:
    tokens = (ONE_PERSON["a chain"] + [("NL-IND-CD0000004-4", "0D0D0D0D", 5.0)]) * 4
    _run_with(run_cli, tmp_path, monkeypatch, tokens, workers)
    figures = _figures(tmp_path)
    assert (figures["drivers"], figures["smallest_class"]) == (2, 2), figures


def _run_with(run_cli, tmp_path: Path, monkeypatch, tokens, workers: str):
    from privacy.reference_runs import run_on
    from privacy.test_linked_identities import KEY, SPEC, _Tokens

    monkeypatch.setenv("DRIVER_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    with _Tokens(tokens) as cpo:
        ran = run_on(run_cli, cpo, tmp_path / "linked.ocx", SPEC + _SELECT, "--workers", workers)
    assert ran.exit_code == 0, ran.stdout + ran.stderr
    return None, ran
