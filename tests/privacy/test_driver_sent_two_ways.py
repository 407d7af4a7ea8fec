"""One driver's charges sent with the contract id on some, the card's uid on others.

The attack (adversarial review, round ten): a CPO that authorised a charge itself (a
whitelisted card, offline) knows the card's uid but not the contract behind it, and
many platforms then write the uid where OCPI asks for the contract id, or leave the
contract id empty; the same card's charges the eMSP authorised carry the contract. A
driver is counted by contract id, or by uid where there is none, so one person's
charges counted as two drivers, and a group of one driver passed a minimum group size
of 2 (or a k rule of 2).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from independent_cpo import IndependentCpo
from privacy.reference_runs import run_on

KEY = "7c1e9a4f2b8d6e03a5f7c9b1d3e5a7f9c2b4d6e8a0f2c4e6b8d0a2f4c6e8b0d2"
SPEC = """export one_driver
  consumer "Test consumer"
  purpose "Charges per area"
  legal basis public task "test"
  retention 1 months
  pseudonym key env DRIVER_KEY
source profile default
"""
UID, CONTRACT = "0A1B2C3D4E5F60", "NL-IND-C00000001-7"


class _OneCardTwoWays(IndependentCpo):
    """6 sessions of one card: the contract id on half of them, and on the others the
    card's uid in its place (`contract`) or nothing there (`blank`)."""

    def __init__(self, other: str) -> None:
        super().__init__("2.2.1", records=6, page_cap=5)
        for index, record in enumerate(self.lists["sessions"]):
            token = record["cdr_token"]
            token["uid"] = UID
            token["contract_id"] = CONTRACT if index % 2 == 0 else \
                (UID if other == "uid" else "")


@pytest.mark.parametrize("other", ["uid", "blank"])
def test_one_card_sent_two_ways_is_one_driver(run_cli, tmp_path: Path, monkeypatch,
                                              other: str) -> None:
    monkeypatch.setenv("DRIVER_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    spec = SPEC + ('\nfrom sessions\ngroup by\n  constant("all") as area\ncompute\n'
                   '  count() as charges\n  minimum group size 2\noutput csv to "groups.csv"\n')
    with _OneCardTwoWays(other) as cpo:
        ran = run_on(run_cli, cpo, tmp_path / "groups.ocx", spec)
    assert ran.exit_code == 0, ran.stdout + ran.stderr
    assert (tmp_path / "groups.csv").read_text().splitlines()[1:] == [], ran.stderr
    assert "0 released, 1 suppressed as too small" in ran.stderr


@pytest.mark.parametrize("other", ["uid", "blank"])
def test_nor_under_a_k_rule(run_cli, tmp_path: Path, monkeypatch, other: str) -> None:
    monkeypatch.setenv("DRIVER_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    spec = SPEC + ('\nfrom sessions\nselect\n  constant("all") as area\n  round(kwh, 1) as energy_kwh\n'
                   '  require k 2 over (area) suppression limit 100%\noutput csv to "rows.csv"\n')
    with _OneCardTwoWays(other) as cpo:
        ran = run_on(run_cli, cpo, tmp_path / "rows.ocx", spec)
    assert ran.exit_code == 0, ran.stdout + ran.stderr
    assert (tmp_path / "rows.csv").read_text().splitlines()[1:] == [], ran.stderr


_VALUE = st.one_of(st.none(), st.booleans(), st.sampled_from(["", "AD_HOC_USER", "ad_hoc_user",
                                                              "RFID", "0A1B2C3D", "NL-IND-C1"]),
                   st.integers(-1, 1), st.just([]), st.just({}), st.just(["x"]))
_TOKEN = st.dictionaries(st.sampled_from(["uid", "contract_id", "type"]), _VALUE)


@settings(max_examples=300, deadline=None)
@given(_TOKEN, st.sampled_from(["cdr_token.", ""]), st.booleans())
def test_the_plain_read_is_the_compiled_one(token: dict, prefix: str, nested_object: bool) -> None:
    """Aggregates read both ways in a few dict reads (`group_identity.plain_drivers`):
    the same values as the planner's expressions compiled."""
    from ocpispec.execute.group_identity import plain_drivers
    from ocpispec.execute.jmes_compile import compile_expression
    from ocpispec.language.functions import FUNCTIONS
    from ocpispec.plan.drivers import driver_expression, uid_first

    entity = driver_expression(prefix)
    record = ({"cdr_token": token} if nested_object else {"cdr_token": "x"}) if prefix else token
    both = plain_drivers(entity)
    assert both is not None
    expected = (compile_expression(entity, FUNCTIONS)(record),
                compile_expression(uid_first(entity), FUNCTIONS)(record))
    assert both(record) == expected
