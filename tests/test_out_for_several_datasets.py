"""`--out` on a spec of several datasets: a path that names no directory is refused
before any request (OCX556) with the `--out` that works, written out."""

from __future__ import annotations

from pathlib import Path

import pytest

SPEC = '''export public_sites
  consumer "Nationaal Open Data Portaal"
  purpose "Public charging locations and their cities"
  legal basis legal obligation "AFIR, Regulation (EU) 2023/1804, Art. 20"
  retention 12 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from locations as sites
  where publish = true
select
  id as site
  city
output csv to "exports/sites.csv"
from locations as cities
  where publish = true
select
  city
  country
output csv to "exports/cities.csv"
'''


@pytest.mark.parametrize("out", ["report.csv", "-"])
def test_out_that_names_no_directory_is_told_the_one_that_works(out: str, run_cli, tmp_path: Path,
                                                                monkeypatch, snapshot) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spec.ocx").write_text(SPEC)
    done = run_cli("run", "spec.ocx", "--demo", "--out", out)
    assert done.exit_code == 1, done.stderr
    assert "error[OCX556]" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "exports").exists() and not (tmp_path / "report.csv").exists()
    assert done.stderr == snapshot


def test_the_out_the_help_writes_delivers_each_dataset_in_its_own_file(run_cli, tmp_path: Path,
                                                                       monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spec.ocx").write_text(SPEC)
    done = run_cli("run", "spec.ocx", "--demo", "--out", "report/")
    assert done.exit_code == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "report").glob("*.csv")) == ["cities.csv", "sites.csv"]
