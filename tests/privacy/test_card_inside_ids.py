"""A driver's card never leaves inside the record's own id released as it is.

The attack (adversarial review, round nine): a platform that numbers its sessions by
contract (`NL-IND-C0004-0001`) or its CDRs by card (`AUTH-TOKUID0004-7`) released the
card through a column the officer approved as the platform's reference
(`id as session because "..."`): a required `id` is read as null only when it is the card
(`own_ids`, round eight), since a null `id` makes the record invalid and every record of
such a platform would be. A dataset that shows a record's required own id other than as
a pseudonym now reads it as null in its copy of the record where it holds the card
(`execute/shown_own_ids.py`): the record stays valid and keeps its rows, the id is
null in them, counted by path and reason; a spec releasing it only as a pseudonym keeps it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from independent_cpo import IndependentCpo
from privacy.reference_runs import KEY, reference_spec, run_on, run_writings

from ocpispec.demo import DemoServer

SPEC = reference_spec("card_inside_ids")
HELD = "(text with the record's own card or contract id in it)"


def _dataset(module: str, column: str) -> str:
    return (f"\nfrom {module}\nselect\n  {column}\n  kwh as energy\n"
            if module == "sessions" else
            f"\nfrom {module}\nselect\n  {column}\n  total_energy as energy\n") + \
        f'output ndjson to "{module}.ndjson"\n'


_RAW = 'id as reference because "the platform\'s reference, matched against the CPO\'s own records"'
_PSEUDONYM = "pseudonymize(id) as reference"


def _inside(record: dict, index: int) -> str:
    """The record's id with its card or contract id inside, in a platform's forms."""
    token = record.get("cdr_token") or {}
    card, contract = token.get("uid") or record["auth_id"], token.get("contract_id") or record["auth_id"]
    return [f"{contract}-{index:04d}", f"AUTH-{card}-7", f"{contract.lower().replace('-', '*')}{index:04d}",
            f"S {card.lower()} {index}"][index % 4]


class _CardInsideId(IndependentCpo):
    """Every other session's and CDR's id holds its card or contract id."""

    def __init__(self, version: str) -> None:
        super().__init__(version, records=12, page_cap=5)
        for module in ("sessions", "cdrs"):
            for index, record in enumerate(self.lists[module]):
                if index % 2 == 0:
                    record["id"] = _inside(record, index // 2)


def _letters(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


@pytest.mark.parametrize(("version", "workers", "column"), [
    ("2.1.1", "2", _RAW), ("2.2.1", "1", _RAW), ("2.3.0", "2", _RAW), ("2.2.1", "2", _PSEUDONYM)])
def test_a_card_inside_a_released_id_is_not_released(run_cli, tmp_path: Path, monkeypatch,
                                                     version: str, workers: str, column: str) -> None:
    monkeypatch.setenv("JOIN_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    spec = SPEC + "".join(_dataset(module, column) for module in ("sessions", "cdrs"))
    with _CardInsideId(version) as cpo:
        canaries = {_letters(value) for value in cpo.personal_values()}
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party",
                       "NL-ABC").exit_code == 0
        (tmp_path / "ids.ocx").write_text(spec)
        ran = run_cli("-v", "--log-file", str(tmp_path / "run.log"), "run",
                      str(tmp_path / "ids.ocx"), "--workers", workers)
    assert ran.exit_code == 0, ran.stdout + ran.stderr
    written = run_writings(tmp_path, ran)
    assert "card_inside_ids" in written   # (the run's files were read)
    for module in ("sessions", "cdrs"):
        rows = (tmp_path / f"{module}.ndjson").read_text().splitlines()
        assert len(rows) == 12   # every record kept: only its copy of the id is null
        nulled = sum('"reference":null' in row.replace(" ", "") for row in rows)
        if column == _RAW:
            assert nulled == 6, rows
            assert f"{module}.id {HELD} (6)" in ran.stderr, ran.stderr
        else:   # a pseudonym keys the id apart from the card's: nothing to withhold
            assert nulled == 0 and f"{module}.id {HELD}" not in ran.stderr
    assert sorted(canary for canary in canaries if canary in _letters(written)) == []


class _CleanCardInsideId(DemoServer):
    """The demo CPO, whose pages are clean (`run`'s workers skip the wire reader for a
    page that fits the strict types): every tenth session's id is its contract id and a
    counter."""

    def render(self, version: str, module: str, index: int) -> dict:
        obj = super().render(version, module, index)
        if module == "sessions" and index % 10 == 3:
            obj["id"] = f"{obj['cdr_token']['contract_id']}-{index:05d}"
        return obj


def test_nor_from_a_clean_page(run_cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("JOIN_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    with _CleanCardInsideId(version="2.2.1", size=200, max_page_size=100) as cpo:
        contracts = {_letters(cpo.render("2.2.1", "sessions", index)["cdr_token"]["contract_id"])
                     for index in range(3, 200, 10)}
        ran = run_on(run_cli, cpo, tmp_path / "ids.ocx", SPEC + _dataset("sessions", _RAW), "--workers", "2")
    assert ran.exit_code == 0, ran.stdout + ran.stderr
    written = _letters(run_writings(tmp_path, ran))
    assert sorted(contract for contract in contracts if contract in written) == []
    assert f"sessions.id {HELD} (20)" in ran.stderr, ran.stderr


class _CdrIdHoldsTheCard(IndependentCpo):
    """Each session's CDR (its `session_id`), numbered by the session's card."""

    def __init__(self) -> None:
        super().__init__("2.2.1", records=12, page_cap=5)
        for index, (session, cdr) in enumerate(zip(self.lists["sessions"], self.lists["cdrs"])):
            cdr["session_id"], cdr["cdr_token"] = session["id"], dict(session["cdr_token"])
            if index % 2 == 0:
                cdr["id"] = _inside(session, index // 2)


def test_nor_inside_the_id_of_a_joined_charge(run_cli, tmp_path: Path, monkeypatch) -> None:
    """`from sessions join cdrs on id`: the CDR's `id` is read against the session's card
    in the session's copy of it."""
    monkeypatch.setenv("JOIN_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    spec = SPEC + ("\nfrom sessions\njoin cdrs on id\nselect\n  kwh as energy\n"
                   f"  {_RAW.replace('id as reference', 'cdr.id as cdr_reference')}\n"
                   'output ndjson to "sessions.ndjson"\n')
    with _CdrIdHoldsTheCard() as cpo:
        canaries = {_letters(value) for value in cpo.personal_values()}
        ran = run_on(run_cli, cpo, tmp_path / "ids.ocx", spec)
    assert ran.exit_code == 0, ran.stdout + ran.stderr
    written = run_writings(tmp_path, ran)
    rows = (tmp_path / "sessions.ndjson").read_text().splitlines()
    assert len(rows) == 12 and sum('"cdr_reference":null' in row.replace(" ", "") for row in rows) == 6
    assert sorted(canary for canary in canaries if canary in _letters(written)) == []
    assert f"sessions.cdr.id {HELD} (6)" in ran.stderr, ran.stderr


@pytest.mark.parametrize(("column", "said"), [(_RAW, True), (_PSEUDONYM, False)])
def test_the_review_says_so(run_cli, tmp_path: Path, monkeypatch, column: str, said: bool) -> None:
    """The officer who approves the platform's reference reads that it may be empty."""
    monkeypatch.setenv("JOIN_KEY", KEY)
    (tmp_path / "ids.ocx").write_text(SPEC + _dataset("sessions", column))
    review = run_cli("review", str(tmp_path / "ids.ocx"))
    assert review.exit_code == 0, review.stderr
    assert ("empty where it holds the record's own card or contract id" in review.stdout) is said


def test_nor_where_the_id_is_also_a_join_key(run_cli, tmp_path: Path, monkeypatch) -> None:
    """`join cdrs on id` reads the id as a key; a column releasing it still shows it."""
    monkeypatch.setenv("JOIN_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    spec = SPEC + ("\nfrom sessions\njoin cdrs on id\nselect\n"
                   f"  {_RAW}\n  kwh as energy\noutput ndjson to \"sessions.ndjson\"\n")
    with _CardInsideId("2.2.1") as cpo:
        for index, cdr in enumerate(cpo.lists["cdrs"]):
            cdr["session_id"] = f"S{index}"   # (a CDR's session id holding the card is null: no key)
        canaries = {_letters(value) for value in cpo.personal_values()}
        ran = run_on(run_cli, cpo, tmp_path / "ids.ocx", spec)
    assert ran.exit_code == 0, ran.stdout + ran.stderr
    written = run_writings(tmp_path, ran)
    assert len((tmp_path / "sessions.ndjson").read_text().splitlines()) == 12
    assert sorted(canary for canary in canaries if canary in _letters(written)) == []
    assert f"sessions.id {HELD} (6)" in ran.stderr, ran.stderr
