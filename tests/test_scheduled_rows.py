"""A row export of charges whose fixed window (`between`, `since DATE`, none) every
scheduled run reads again: each file repeats the charges of the files before it, and a
consumer loading them into one table counts each charge once a run. `check` warns
(OCX424); state (locations, tariffs, tokens) snapshot on a schedule is not warned of."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures_cli import cli_block

SPEC = '''export charges_daily
  consumer "Gemeente Utrecht"
  purpose "Charging sessions for the municipal charging plan"
  legal basis public task "Art. 6(1)(e) GDPR"
  retention 1 year
  pseudonym key env OCX_PSEUDONYM_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version 2.2.1
from {module}
{window}
select {columns}
output csv to "exports/{module}-{{run.date}}.csv"
schedule daily at 06:00
'''
CHARGES = "pseudonymize(id) as id, round(kwh, 1) as kwh"


def _check(run_cli, tmp_path: Path, module: str, window: str, columns: str = CHARGES):
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(module=module, window=window, columns=columns))
    return run_cli("check", str(spec))


@pytest.mark.parametrize("window", [
    "  between 2025-01-01 and 2026-01-01", "  since 2025-01-01", ""],
    ids=["between", "since", "none"])
def test_a_fixed_window_on_a_schedule_is_warned(run_cli, tmp_path: Path, window: str,
                                                snapshot) -> None:
    result = _check(run_cli, tmp_path, "sessions", window)
    assert result.exit_code == 0
    assert "OCX424" in result.stderr and "again" in result.stderr
    assert cli_block(result, tmp=tmp_path) == snapshot


@pytest.mark.parametrize("window", [
    "  since last run", '  previous day in "Europe/Amsterdam"'], ids=["since-last-run", "previous-day"])
def test_windows_that_tile_are_not_warned(run_cli, tmp_path: Path, window: str) -> None:
    result = _check(run_cli, tmp_path, "sessions", window)
    assert result.exit_code == 0
    assert "OCX424" not in result.stderr


def test_a_snapshot_of_state_is_not_warned(run_cli, tmp_path: Path) -> None:
    result = _check(run_cli, tmp_path, "locations", "", "id, city")
    assert result.exit_code == 0, result.stderr
    assert "OCX424" not in result.stderr
