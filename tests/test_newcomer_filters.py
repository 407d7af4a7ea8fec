"""Mistakes a newcomer makes in a filter of a spec for a consumer we do not ship: the
diagnostic names what was written, and its help, applied as written, checks clean."""

from __future__ import annotations

from pathlib import Path

import pytest

GRID = '''export grid_hourly
  consumer "Grid operator"
  purpose "Grid capacity planning per postal area"
  legal basis legitimate interests
  retention 2 years
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN version 2.2.1
from sessions
  previous month
  window on start_date_time
  where status = "COMPLETED" and start_date_time {op} {date}
  join locations on location_id
group by
  truncate(start_date_time, week) as week
  prefix(location.postal_code, 2) as postal_area
compute
  sum(kwh) as energy_kwh
  minimum group size 10
output csv to "exports/grid-{{run.date}}.csv"
'''


def _check(run_cli, tmp_path: Path, text: str):
    spec = tmp_path / "grid.ocx"
    spec.write_text(text)
    return run_cli("check", str(spec)), spec


@pytest.mark.parametrize(("op", "written", "iso"), [
    (">=", "01-06-2025", "2025-06-01"),     # day first, as Europe writes it
    ("<", "06/01/2025", "2025-01-06"),      # read day first, as a window reads it
    (">=", "2025-6-1", "2025-06-01"),       # month and day without their zeros
])
def test_a_date_in_a_filter_written_another_way_gets_its_iso_form(
        run_cli, tmp_path: Path, op: str, written: str, iso: str, snapshot) -> None:
    """`where start_date_time >= 01-06-2025` parsed as the arithmetic 1 - 6 - 2025 and
    got 'this is a whole number, but it is compared with a timestamp' with the help
    'compare values of the same kind', where a window (`since 01-06-2025`) says the
    date's ISO form. The filter now says it too."""
    done, spec = _check(run_cli, tmp_path, GRID.format(op=op, date=written))
    assert done.exit_code == 1
    assert done.stderr.replace(str(spec), "grid.ocx") == snapshot
    assert f"help: write `{iso}`" in done.stderr
    fixed, _ = _check(run_cli, tmp_path, GRID.format(op=op, date=iso))
    assert fixed.exit_code == 0, fixed.stderr


def test_arithmetic_that_is_no_date_keeps_its_help(run_cli, tmp_path: Path) -> None:
    """`13-14-2025` has no month 13 or 14: it is no date, and gets the general help."""
    done, _ = _check(run_cli, tmp_path, GRID.format(op=">=", date="13-14-2025"))
    assert done.exit_code == 1
    assert "OCX204" in done.stderr and "compare values of the same kind" in done.stderr
