"""`ocpispec get` never prints a record's card unless the pass names the card's field.

The attack (adversarial review, round 36): `get sessions --privacy-pass id` printed the
contract id of a platform that numbers its charges by contract (`NL-IND-C0004-0001`):
the wire reader reads a required own id as null only when it is the card whole. And a
clean page (`ocpi.fast_pages`, read in C) skipped the wire reader: a card written as a
public id (`connector_id`) left through a plain `get sessions`. Every text `get`
releases of a session, CDR or token is now read against the record's card ids
(`ocpi/release_cards.py`): one that is or holds a card is null in the printed object,
which keeps its other fields, counted in the summary; a pass naming the card's own field
(`cdr_token`) prints it, as asked.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from privacy.test_card_inside_ids import HELD, _CardInsideId, _letters

from ocpispec.demo import DemoServer

DATE_TO = ("--date-to", "2030-01-01")


def _summary_line(stderr: str, start: str) -> str:
    return next((line.strip() for line in stderr.splitlines() if line.strip().startswith(start)), "")


@pytest.mark.parametrize("version", ["2.1.1", "2.2.1", "2.3.0"])
@pytest.mark.parametrize("module", ["sessions", "cdrs"])
def test_an_opened_id_holding_the_card_is_not_printed(run_cli, version: str, module: str,
                                                      snapshot) -> None:
    with _CardInsideId(version) as cpo:
        canaries = {_letters(value) for value in cpo.personal_values()}
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC").exit_code == 0
        got = run_cli("get", module, "--privacy-pass", "id", *DATE_TO)
    assert got.exit_code == 0, got.stderr
    lines = got.stdout.splitlines()
    assert len(lines) == 12   # every object printed: only its id is null
    assert sum('"id":null' in line for line in lines) == 6, lines
    assert sorted(canary for canary in canaries if canary in _letters(got.stdout + got.stderr)) == []
    assert _summary_line(got.stderr, "values ocpispec read as null") == snapshot


def test_a_pass_naming_the_card_prints_it(run_cli) -> None:
    """`--privacy-pass cdr_token,id` asks for the card: the id holding it is printed too."""
    with _CardInsideId("2.2.1") as cpo:
        contracts = [record["cdr_token"]["contract_id"] for record in cpo.lists["sessions"]]
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC").exit_code == 0
        got = run_cli("get", "sessions", "--privacy-pass", "cdr_token,id", *DATE_TO)
    assert got.exit_code == 0, got.stderr
    assert '"id":null' not in got.stdout and f"{contracts[0]}-0000" in got.stdout
    assert HELD not in got.stderr


class _CleanCardAsConnector(DemoServer):
    """The demo CPO, whose pages are clean (read in C by `get`'s fast path): every tenth
    session's connector id holds its card, every seventh's id its contract."""

    def render(self, version: str, module: str, index: int) -> dict:
        obj = super().render(version, module, index)
        if module == "sessions" and index % 10 == 3:
            obj["connector_id"] = f"C-{obj['cdr_token']['uid']}"
        if module == "sessions" and index % 7 == 2:
            obj["id"] = f"{obj['cdr_token']['contract_id']}-{index:05d}"
        return obj


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("opened", [(), ("--privacy-pass", "id")])
def test_nor_from_a_clean_page(run_cli, workers: str, opened: tuple[str, ...]) -> None:
    with _CleanCardAsConnector(version="2.2.1", size=300, max_page_size=100) as cpo:
        rendered = [cpo.render("2.2.1", "sessions", index) for index in range(300)]
        assert run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC").exit_code == 0
        got = run_cli("get", "sessions", *opened, "--workers", workers, *DATE_TO)
    assert got.exit_code == 0, got.stderr
    cards = {_letters(obj["cdr_token"][name]) for obj in rendered for name in ("uid", "contract_id")}
    assert sorted(card for card in cards if card in _letters(got.stdout + got.stderr)) == []
    assert "sessions.connector_id " + HELD in got.stderr
    assert ("sessions.id " + HELD in got.stderr) is bool(opened)
