"""A newcomer's k rule over a time cut written in `"UTC"` on purpose (as OCX236's help
writes it): the cut is UTC's, so it keeps UTC's coarser levels."""

from __future__ import annotations

from pathlib import Path

KEY = "0f4c2a9d7e1b3856a4c0d2e9f7b1a3c5d8e0f2a4b6c8d0e2f4a6b8c0d2e4f6a8"  # a test key

SPEC = '''export uva_repeat
  consumer "University of Amsterdam, transport economics"
  purpose "Repeat charging behaviour of drivers across weeks"
  legal basis legitimate interests "LIA-2026-03"
  retention 3 years
  pseudonym key env UVA_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
  previous 3 complete months
  window on start_date_time
  where status = "COMPLETED"
  join locations on location_id
select
  pseudonymize(cdr_token.contract_id) as driver
  {cut} as week
  prefix(location.postal_code, 4) as area
  round(kwh, 0) as kwh
  require k 5 over (week, area) suppression limit 30%
output csv to "exports/uva-{{run.date}}.csv"
'''


def _spec(tmp_path: Path, name: str, cut: str) -> Path:
    spec = tmp_path / f"{name}.ocx"
    spec.write_text(SPEC.format(cut=cut))
    return spec


def test_a_cut_in_utc_named_keeps_its_coarser_levels(run_cli, tmp_path: Path) -> None:
    """`truncate(start_date_time, week, "UTC")` had no levels (a zone argument was taken
    for a local clock): classes were suppressed instead of recoded to months, 66.6% of
    the demo's rows where the same cut without the zone suppressed 1.9%, and the run
    failed with OCX527. The plan gives it UTC's levels, and the run the same file."""
    named = _spec(tmp_path, "named", 'truncate(start_date_time, week, "UTC")')
    plain = _spec(tmp_path, "plain", "truncate(start_date_time, week)")
    plan = run_cli("plan", str(named))
    assert plan.exit_code == 0, plan.stderr
    assert "(`week` → month → year; `area` → 3 characters → 2 characters)" in \
        " ".join(plan.stdout.split())
    files = []
    for spec in (named, plain):
        out = tmp_path / f"{spec.stem}.csv"
        done = run_cli("run", str(spec), "--demo", "--demo-version", "2.2.1", "--demo-size",
                       "3000", "--out", str(out), env={"UVA_KEY": KEY})
        assert done.exit_code == 0, done.stderr
        files.append(out.read_text())
    assert files[0] == files[1]
    assert len(files[0].splitlines()) > 100


def test_a_cut_on_a_local_clock_still_has_no_levels(run_cli, tmp_path: Path) -> None:
    """A local week's levels would be local months: still none (suppressed, not recoded)."""
    local = _spec(tmp_path, "local", 'truncate(start_date_time, week, "Europe/Amsterdam")')
    plan = run_cli("plan", str(local))
    assert plan.exit_code == 0, plan.stderr
    assert "(`area` → 3 characters → 2 characters)" in " ".join(plan.stdout.split())
