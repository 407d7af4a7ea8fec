"""A lease company's fleet desk reconciles its eMSP invoices with the sessions of its own
fleet cards (tests/specs/consumers/fleet_own_cards.ocx): the contract ids it issued,
named in the filter and released with a reviewed allowance, the sessions' times, energy
and cost as they are, for Excel in Dutch. The file is checked by hand against `ocpispec
get sessions` of the same demo CPO on 2.1.1, 2.2.1 and 2.3.0."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from consumer_runs import dump, published, run_spec
from fixtures_cli import REPO
from ocpispec.demo import DemoServer

SPEC = REPO / "tests" / "specs" / "consumers" / "fleet_own_cards.ocx"
CARDS = {"DE-EMP-C63469772-B", "NL-EMS-C48688188-D", "NL-EMS-C87086042-6"}


def _nl(number: float) -> str:
    return str(Decimal(str(number))).replace(".", ",")


@pytest.mark.parametrize("version", ["2.1.1", "2.2.1", "2.3.0"])
def test_the_rows_are_the_fleet_cards_sessions_of_the_month(version: str, run_cli,
                                                             tmp_path: Path) -> None:
    with DemoServer(version=version, size=2000) as server:
        out = tmp_path / "fleet.csv"
        run_spec(run_cli, SPEC, server, out)
        sites = published(run_cli, server)
        sessions = dump(run_cli, server, "sessions")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # what Excel in Dutch opens
    with out.open(newline="", encoding="utf-8-sig") as handle:
        rows = [tuple(row) for row in csv.reader(handle, delimiter=";")]
    assert rows[0] == ("contract", "start_date_time", "end_date_time", "kwh", "cost_excl_vat",
                       "currency", "city", "address")

    def contract(session: dict) -> str:
        token = session.get("cdr_token") or {}
        return token.get("contract_id") or session.get("auth_id")

    def started(session: dict) -> str:
        return session.get("start_date_time") or session["start_datetime"]

    def ended(session: dict) -> str:
        return session.get("end_date_time") or session["end_datetime"]

    def cost(session: dict) -> float:
        value = session["total_cost"]
        return value if not isinstance(value, dict) else \
            value.get("excl_vat", value.get("before_taxes"))

    def site(session: dict) -> dict:
        return sites.get(session.get("location_id") or session["location"]["id"], {})

    expected = sorted(
        (contract(s), started(s), ended(s), _nl(s["kwh"]), _nl(cost(s)), s["currency"],
         site(s)["city"], site(s)["address"])
        for s in sessions
        if s["status"] == "COMPLETED" and contract(s) in CARDS and site(s)
        and "2025-12-01T00:00:00Z" <= s["last_updated"] < "2026-01-01T00:00:00Z")
    assert len(expected) >= 5
    assert sorted(rows[1:]) == expected


@pytest.mark.parametrize("written", [
    'auth_method = "WHITELIST" as whitelisted',
    'auth_method = "WHITELIST"',
    "kwh > 20 as long_charge",
    "energy = round(kwh, 1)",
], ids=["condition named", "condition unnamed", "greater than", "alias first"])
def test_a_condition_written_as_a_column_gets_the_column_to_write(written: str,
                                                                  tmp_path: Path,
                                                                  snapshot) -> None:
    """The fleet desk wrote SQL's `SELECT auth_method = 'WHITELIST' AS whitelisted`: it
    was told "`=` is written `as`" (giving `auth_method as "WHITELIST"`), `kwh > 20 as
    long_charge` got the parser's list of expected tokens, and T-SQL's `energy =
    round(kwh, 1)` was told to write `energy as round(kwh, 1)`. A condition is now told
    to be a JMESPath test (or a `where`), the alias to go after `as`; pasted, each help
    checks."""
    from test_newcomer_specs import assert_help_fixes

    text = SPEC.read_text()
    line = "  currency\n"
    assert_help_fixes(text, line, f"  {written}\n{line}", tmp_path / "fleet_own_cards.ocx",
                      snapshot)


def test_a_filter_on_the_card_issuer_is_not_told_to_use_a_range(run_cli, tmp_path: Path) -> None:
    """Keeping the fleet's cards by `token.issuer = "..."` (the employer on the card) is
    OCX303, a pin of a quasi-identifier; its help said to 'filter `token.issuer` on a range
    of at least the floor' beside a note that the issuer has no floor. A field without a
    coarser form is now told to be aggregated, left out of the filter or justified."""
    import re

    text = re.sub(r'cdr_token\.contract_id in \[[^]]*\] because "[^"]*"',
                  'token.issuer = "Elektro Mobil GmbH"', SPEC.read_text())
    text = text.replace("  join locations on location_id\n",
                        "  join locations on location_id\n  join tokens on cdr_token.uid\n")
    spec = tmp_path / "fleet_own_cards.ocx"
    spec.write_text(text)
    shown = run_cli("check", str(spec)).stderr
    assert "warning[OCX303]: the filter pins the quasi-identifier `token.issuer`" in shown
    assert "on a range" not in shown
    assert "help: `token.issuer` has no coarser form: aggregate the dataset, filter on another " \
           'field, or add `because "..."` after the condition with the reason' in shown
    postal = text.replace('token.issuer = "Elektro Mobil GmbH"',
                          'location.postal_code = "3511AB"')
    spec.write_text(postal)
    assert "filter `location.postal_code` on a range of at least the floor" in \
        run_cli("check", str(spec)).stderr
