"""A newcomer's join on a spec pinned to OCPI 2.1.1, whose sessions and CDRs name the
card only by its `auth_id` and whose CDRs name no session: the diagnostics say the join
finds no record there, instead of sending the user from one key to the other."""

from __future__ import annotations

from pathlib import Path

import pytest

FLEET = '''export fleet_depot
  consumer "Fleet manager, DeliverCo depot"
  purpose "Energy charged by our fleet cards per depot"
  legal basis contract
  retention 2 years
  pseudonym key env FLEET_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version {version}
from {module}
  previous 4 complete weeks
  join {joined} on {key}
select
  pseudonymize(cdr_token.contract_id) as card
  {column} because "the fleet manager reconciles its own cards"
  truncate(start_date_time, day) as day
output csv to "exports/fleet-{{run.date}}.csv"
'''
KEY = "4986a9eaa5e11433e3a7ea0ba100dbf974c29159416722c09c33bbdd60a0a12f"  # a test key, random


def _check(run_cli, tmp_path: Path, **parts: str):
    spec = tmp_path / "fleet.ocx"
    spec.write_text(FLEET.format(**parts))
    done = run_cli("check", str(spec))
    return done, done.stderr.replace(str(spec), "fleet.ocx")


def test_the_key_the_join_asks_for_is_said_to_find_nothing_on_2_1_1(
        run_cli, tmp_path: Path, snapshot) -> None:
    """`join tokens on cdr_token.contract_id` got OCX206 'write `join tokens on
    cdr_token.uid`'; written, OCX106 said `cdr_token.uid` is always null on 2.1.1 and to
    'write `cdr_token.contract_id`', the key OCX206 refuses: a loop, and a run whose
    token columns are empty. The OCX206 help now says no join reaches tokens on 2.1.1."""
    done, text = _check(run_cli, tmp_path, version="2.1.1", module="sessions",
                        joined="tokens", key="cdr_token.contract_id", column="token.issuer")
    assert done.exit_code == 1
    assert text == snapshot
    assert "write `join tokens on cdr_token.uid`" not in text


@pytest.mark.parametrize(("module", "joined", "key", "column"), [
    ("sessions", "tokens", "cdr_token.uid", "token.issuer"),
    ("cdrs", "sessions", "session_id", "session.location_id"),
])
def test_a_join_on_a_key_2_1_1_lacks_is_said_to_find_nothing(
        run_cli, tmp_path: Path, module: str, joined: str, key: str, column: str,
        snapshot) -> None:
    """Its warning names the join, not a stand-in field that cannot join."""
    done, text = _check(run_cli, tmp_path, version="2.1.1", module=module, joined=joined,
                        key=key, column=column)
    assert done.exit_code == 0, text
    assert text == snapshot
    assert "write `cdr_token.contract_id`" not in text
    newer, _ = _check(run_cli, tmp_path, version="auto", module=module, joined=joined,
                      key=key, column=column)
    assert newer.exit_code == 0 and "OCX106" not in newer.stderr


def test_a_run_of_such_a_join_says_its_columns_are_empty(run_cli, tmp_path: Path) -> None:
    """Run as the warning says (on the demo CPO at OCPI 2.1.1): the rows come, the
    token's column is empty in every one, and the summary says why."""
    spec = tmp_path / "fleet.ocx"
    spec.write_text(FLEET.format(version="2.1.1", module="sessions", joined="tokens",
                                 key="cdr_token.uid", column="token.issuer"))
    out = tmp_path / "fleet.csv"
    done = run_cli("run", str(spec), "--demo", "--demo-version", "2.1.1", "--demo-size",
                   "300", "--out", str(out), env={"FLEET_KEY": KEY})
    assert done.exit_code == 0, done.stderr
    assert "joins to `tokens` find no record" in done.stderr
    import csv

    rows = list(csv.DictReader(out.open()))
    assert rows and all(row["issuer"] == "" for row in rows)
