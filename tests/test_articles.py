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
    # names read letter by letter: no vowel, a digit, or a start no word has
    ("`xlsx`", "an `xlsx`"), ("`ndjson`", "an `ndjson`"), ("`html`", "an `html`"),
    ("SFTP", "an SFTP"), ("`sftp`", "an `sftp`"), ("`s3`", "an `s3`"), ("RFID", "an RFID"),
    ("`csv`", "a `csv`"), ("`json`", "a `json`"), ("`geojson`", "a `geojson`"),
    ("`parquet`", "a `parquet`"), ("`url`", "a `url`"), ("uuid", "a uuid"), ("CPO", "a CPO"),
    ("user", "a user"), ("update", "an update"), ("string", "a string"),
    ("schedule", "a schedule"), ("`.xlsx`", "a `.xlsx`"), ("x", "an x"),
])
def test_with_article(word: str, said: str) -> None:
    assert with_article(word) == said


def test_a_format_read_letter_by_letter_takes_an(run_cli, tmp_path: Path, snapshot) -> None:
    """`output xlsx to "....csv"` was "a `xlsx` output cannot be named `.csv`"."""
    spec = tmp_path / "fleet_cards.ocx"
    spec.write_text(SPEC.format(where='status = "COMPLETED"', schedule="")
                    .replace('output csv to "exports/fleet-{run.date}.csv"',
                             'output xlsx to "exports/fleet-{run.date}.csv"'))
    shown = run_cli("check", str(spec)).output
    assert "error[OCX416]: an `xlsx` output cannot be named `.csv`" in shown, shown
    spec.write_text(SPEC.format(where='status = "COMPLETED"', schedule="")
                    .replace("{run.date}.csv", "{run.date}.xlsx"))
    shown = run_cli("check", str(spec)).output
    assert "`.xlsx` is an `xlsx` file" in shown, shown
    assert shown.replace(str(tmp_path), "<tmp>") == snapshot
