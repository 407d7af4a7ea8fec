"""A car-sharing study wants sessions by how they were started
(tests/specs/consumers/carsharing_auth_methods.ocx): `auth_method` says who authorised
the charge, the token's `cdr_token.type` whether a card, an app or an ad hoc payment did.
What its data engineer wrote first, and the file's numbers checked by hand against
`ocpispec get` of the same demo CPO."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from consumer_runs import demo_cpo, driver, dump, half_up, published, run_spec
from fixtures_cli import REPO, cli_block

SPEC = REPO / "tests" / "specs" / "consumers" / "carsharing_auth_methods.ocx"
FILTER = 'where status = "COMPLETED"'


def _with_filter(tmp_path: Path, condition: str) -> Path:
    path = tmp_path / "carsharing.ocx"
    path.write_text(SPEC.read_text().replace(FILTER, f"{FILTER} and {condition}"))
    return path


@pytest.mark.parametrize(("condition", "fix"), [
    ('auth_method = "RFID"', 'cdr_token.type = "RFID"'),
    ('auth_method in ["APP"]', 'cdr_token.type = "APP_USER"'),
    ('auth_method != "AD_HOC_USER"', 'cdr_token.type = "AD_HOC_USER"'),
    ('cdr_token.type = "WHITELIST"', 'auth_method = "WHITELIST"'),
    ('cdr_token.type = "command"', 'auth_method = "COMMAND"'),
])
def test_a_value_of_the_other_start_field_names_the_field_it_belongs_to(
        run_cli, tmp_path: Path, condition: str, fix: str) -> None:
    """`auth_method = "RFID"` was OCX205 "compare with one of the values above" (the
    three AuthMethod values, none of them a card): RFID, APP_USER and AD_HOC_USER are
    the token's type, and WHITELIST or COMMAND say how the charge was authorised. The
    help names the field the value belongs to, and that filter checks."""
    found = run_cli("check", str(_with_filter(tmp_path, condition)))
    assert found.exit_code == 1 and "OCX205" in found.stderr
    assert f"with it: `{fix}`" in found.stderr
    fixed = run_cli("check", str(_with_filter(tmp_path, fix)))
    assert fixed.exit_code == 0, fixed.stderr


def test_the_help_for_a_token_type_as_auth_method(run_cli, tmp_path: Path, snapshot) -> None:
    found = run_cli("check", str(_with_filter(tmp_path, 'auth_method = "RFID"')))
    assert cli_block(found, tmp=tmp_path) == snapshot


def test_a_tokens_own_type_gets_no_auth_method(run_cli, tmp_path: Path) -> None:
    """A token (the tokens module) has a type but no `auth_method` beside it."""
    path = tmp_path / "tokens.ocx"
    path.write_text(SPEC.read_text().split("from sessions")[0] + (
        'from tokens\n  where type = "WHITELIST"\nselect\n  type\noutput csv to "x.csv"\n'))
    found = run_cli("check", str(path))
    assert "OCX205" in found.stderr and "auth_method" not in found.stderr


server = demo_cpo("2.2.1", 5000)


def test_sessions_per_start_are_counted_as_get_shows_them(run_cli, tmp_path: Path,
                                                          server) -> None:
    """Each row: the completed sessions at published sites that started in December,
    Amsterdam time, with that `auth_method` and token type; a group of fewer than ten
    drivers (ad hoc payers count as none) is left out."""
    import pandas as pd

    run_spec(run_cli, SPEC, server, tmp_path / "starts.csv")
    frame = pd.read_csv(tmp_path / "starts.csv")
    assert frame["sessions"].dtype == "int64" and frame["energy_kwh"].dtype == "float64"
    sites = published(run_cli, server)
    groups: dict[tuple, list] = defaultdict(list)
    for session in dump(run_cli, server, "sessions", since="2025-11-30T23:00:00Z"):
        if session["location_id"] not in sites or session["status"] != "COMPLETED" or \
                not "2025-11-30T23:00:00Z" <= session["start_date_time"] < "2025-12-31T23:00:00Z":
            continue
        groups[session["auth_method"], session["cdr_token"]["type"]].append(session)
    expected = {}
    for key, sessions in groups.items():
        if len({driver(s) for s in sessions} - {None}) < 10:
            continue
        hours = [(datetime.fromisoformat(s["end_date_time"]) -
                  datetime.fromisoformat(s["start_date_time"])).total_seconds() / 3600
                 for s in sessions]
        energy = sum(Decimal(str(s["kwh"])) for s in sessions)
        expected[key] = (len(sessions), half_up(energy), sum(hours) / len(hours))
    written = {(method, kind): (count, energy, hours) for method, kind, count, energy, hours in
               zip(frame["auth_method"], frame["token_type"], frame["sessions"],
                   frame["energy_kwh"], frame["avg_hours"])}
    assert set(frame["month"]) == {"2025-12-01T00:00:00+01:00"}
    assert len(written) >= 4 and set(written) == set(expected)
    for key, (count, energy, hours) in written.items():
        assert (count, energy) == expected[key][:2], key
        assert hours == pytest.approx(expected[key][2], abs=0.005), key
