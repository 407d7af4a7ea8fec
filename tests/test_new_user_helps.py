"""Mistakes new users make in specs for consumers we do not ship: each help, applied
as written, gives a spec that checks (or a run that goes through)."""

from __future__ import annotations

from pathlib import Path

import pytest
from frontend_helpers import REPO, diagnose_source

from ocpispec.diagnostics.source import SourceFile

FINANCE = '''export finance_recon
  consumer "Finance department"
  purpose "Monthly reconciliation of CDR revenue per currency"
  legal basis legal obligation "Book 2 BW"
  retention 7 years
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from cdrs
  previous month
  window on {field}
group by
  currency
compute
  count() as cdrs
  round(sum(total_cost.excl_vat), 0) as revenue
  minimum group size 10
output csv to "exports/finance.csv"
'''


def _diagnostics(text: str):
    return diagnose_source(SourceFile("test.ocx", text))


@pytest.mark.parametrize(("written", "meant"), [
    ("stop_date_time", "end_date_time"),     # the OCPI 2.1.1 name
    ("end_date_tim", "end_date_time"),       # a typo
    ("start_datetime", "start_date_time"),
    ("last_updated", "start_date_time"),     # no event time: the start
])
def test_the_window_on_help_names_the_time_meant(written: str, meant: str) -> None:
    [found] = _diagnostics(FINANCE.format(field=written))
    assert found.code == "OCX235"
    assert found.help == f"write `window on {meant}`"
    assert _diagnostics(FINANCE.format(field=meant)) == []


def test_a_spec_pinned_to_an_older_version_runs_on_the_demo(run_cli, tmp_path: Path) -> None:
    """The demo CPO offers every version: a spec pinning 2.2.1 gets 2.2.1 from it, not
    the newest version its plan has no normalizer for (OCX557)."""
    spec = tmp_path / "pinned.ocx"
    spec.write_text(FINANCE.format(field="end_date_time").replace(
        "token env OCPI_TOKEN", "token env OCPI_TOKEN version 2.2.1"))
    done = run_cli("run", str(spec), "--demo", "--demo-size", "300",
                   "--out", str(tmp_path / "out.csv"))
    assert done.exit_code == 0, done.stderr
    assert "OCPI 2.2.1" in done.stderr


def test_a_version_the_plan_was_not_made_for_is_shown_where_it_is_pinned(
        run_cli, tmp_path: Path) -> None:
    spec = tmp_path / "pinned.ocx"
    spec.write_text(FINANCE.format(field="end_date_time").replace(
        "token env OCPI_TOKEN", "token env OCPI_TOKEN version 2.2.1").replace(
        "from cdrs", "from cdrs\n  join locations on cdr_location.id"))
    done = run_cli("run", str(spec), "--demo", "--demo-version", "2.3.0", "--demo-size",
                   "300", "--out", str(tmp_path / "out.csv"))
    assert done.exit_code == 1
    assert "error[OCX557]" in done.stderr
    assert f"{spec}:6:1" in done.stderr and "^^^" in done.stderr
    assert "help: pin the version the platform speaks (`version 2.3.0`)" in done.stderr
