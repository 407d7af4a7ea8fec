"""`source demo`: a newcomer who ran the README's `--demo` writes the demo CPO into the
spec's source, which got the generic 'expected one of `ocpi`, `party`, `profile` ...'.
It is named as not a source, with the source to write and `--demo` to run it."""

from __future__ import annotations

from pathlib import Path

import pytest

SPEC = '''export city_energy
  consumer "Gemeente Utrecht"
  purpose "Energy charged per hour"
  legal basis public task
  retention 1 year
source {source}
from sessions previous month
group by
  hour_of_day(start_date_time) as hour
compute
  sum(kwh) as energy_kwh
  minimum group size 10
output csv to "exports/energy.csv"
'''


@pytest.mark.parametrize("source", ["demo", "demo-server", "Demo"])
def test_the_demo_as_a_source_is_told_to_use_the_flag(source: str, run_cli, tmp_path: Path,
                                                      snapshot) -> None:
    spec = tmp_path / "energy.ocx"
    spec.write_text(SPEC.format(source=source))
    done = run_cli("check", str(spec))
    assert done.exit_code == 1
    assert "is not a source" in done.stderr and "--demo" in done.stderr
    assert done.stderr.replace(str(tmp_path), "<tmp>") == snapshot


def test_the_source_the_help_writes_runs_on_the_demo(run_cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    spec = tmp_path / "energy.ocx"
    spec.write_text(SPEC.format(source="ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN"))
    done = run_cli("run", str(spec), "--demo")
    assert done.exit_code == 0, done.stderr
    assert (tmp_path / "exports" / "energy.csv").exists()
