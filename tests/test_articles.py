"""The article before a name in a diagnostic goes by its sound: `an `AuthMethod``, `an
hour`, `a unit`, `a URL`. A fleet desk's `auth_method = "whitelist"` was told that
`whitelist` "is not a `AuthMethod` value", and a cron line's bad hour "is not a hour"."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocpispec.text import with_article

SPEC = '''export fleet_cards
  consumer "Fleet desk"
  purpose "Reconcile the charging invoices of the fleet cards"
  legal basis contract
  retention 7 years
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
  where {where}
select
  auth_method
  status
output csv to "exports/fleet-{{run.date}}.csv"
{schedule}
'''


def _check(run_cli, tmp_path: Path, where: str, schedule: str = "") -> str:
    spec = tmp_path / "fleet_cards.ocx"
    spec.write_text(SPEC.format(where=where, schedule=schedule))
    return run_cli("check", str(spec)).output


def test_an_enum_named_with_a_vowel_takes_an(run_cli, tmp_path: Path) -> None:
    shown = _check(run_cli, tmp_path, 'auth_method = "whitelist"')
    assert "error[OCX205]: `whitelist` is not an `AuthMethod` value" in shown, shown
    shown = _check(run_cli, tmp_path, 'status = "done"')
    assert "error[OCX205]: `done` is not a `SessionStatus` value" in shown, shown


def test_a_cron_field_named_hour_takes_an(run_cli, tmp_path: Path) -> None:
    shown = _check(run_cli, tmp_path, 'status = "COMPLETED"', 'schedule cron "0 x * * *"')
    assert "`x` is not an hour" in shown, shown
    shown = _check(run_cli, tmp_path, 'status = "COMPLETED"', 'schedule cron "x 6 * * *"')
    assert "`x` is not a minute" in shown, shown


@pytest.mark.parametrize(("word", "said"), [
    ("`AuthMethod`", "an `AuthMethod`"), ("`EvseStatus`", "an `EvseStatus`"),
    ("`SessionStatus`", "a `SessionStatus`"), ("hour", "an hour"), ("hourly", "an hourly"),
    ("integer", "an integer"), ("int", "an int"), ("unit", "a unit"), ("URL", "a URL"),
    ("UTC", "a UTC"), ("one-time", "a one-time"), ("EVSE", "an EVSE"), ("list", "a list"),
])
def test_with_article(word: str, said: str) -> None:
    assert with_article(word) == said
