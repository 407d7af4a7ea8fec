"""A number computed from the platform's values beyond what an output holds: a `sum`
over sessions whose `kwh` is the largest double (1.7e308, what some systems send for
"unknown") overflowed to infinity, which stopped an NDJSON export with an internal error
(exit 70: JSON has no infinity), was `inf` in a CSV and an empty cell in XLSX; a formula
over it (`sum(kwh) * 1000`) was released as null without a word; `round(kwh)` of 1e20
failed a Parquet export with OCX592, "a bug in ocpispec's column types", and was a
number beyond 2^53 in NDJSON. Each stops the run with OCX568 naming the column and
nothing written; with the outsized records left out by `where`, as the help says, the
file loads in pandas. Runs go over HTTP to the independent CPO."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from independent_cpo import IndependentCpo
from test_outputs import KEY

HEADER = '''export energy
  consumer "Test consumer"
  purpose "Energy for grid planning"
  legal basis public task
  retention 1 year
  pseudonym key env ENERGY_TEST_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN

from sessions
{where}'''
TOTALS = '''group by
  currency
compute
  count() as sessions
  {measure}
minimum group size 1
output {output}
'''
ROUNDED = '''select
  pseudonymize(id) as session
  round(kwh) as energy_kwh
output {output}
'''
LARGEST_DOUBLE = 1.7e308


def _run(run_cli, tmp_path: Path, body: str, kwh: float, where: str = "") -> object:
    spec = tmp_path / "energy.ocx"
    spec.write_text(HEADER.format(where=where) + body.replace("OUT/", f"{tmp_path}/out/"))
    with IndependentCpo("2.2.1", records=6) as cpo:
        for n, session in enumerate(cpo.lists["sessions"]):
            session["kwh"] = kwh if n % 2 else 12.5
        return run_cli("run", str(spec), "--as-of", "2026-02-01T00:00:00Z", env={
            "OCPI_VERSIONS_URL": cpo.versions_url, "OCPI_TOKEN": cpo.token,
            "ENERGY_TEST_KEY": KEY})


@pytest.mark.parametrize(("measure", "output"), [
    ("sum(kwh) as energy_kwh", 'ndjson to "OUT/x.ndjson"'),
    ("avg(kwh) as energy_kwh", 'csv to "OUT/x.csv"'),
    ("sum(kwh) * 1000 as energy_kwh", 'xlsx to "OUT/x.xlsx"'),
], ids=["sum-ndjson", "avg-csv", "formula-xlsx"])
def test_an_overflowing_total_stops_the_run(run_cli, tmp_path, measure, output) -> None:
    result = _run(run_cli, tmp_path, TOTALS.format(measure=measure, output=output),
                  LARGEST_DOUBLE)
    assert result.exit_code == 1, result.output
    assert "error[OCX568]: column `energy_kwh` computed a number beyond what an output " \
           "can hold" in result.stderr
    assert "internal error" not in result.stderr and "e+308" not in result.stderr
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_a_rounded_whole_number_beyond_2_53_stops_the_run(run_cli, tmp_path) -> None:
    result = _run(run_cli, tmp_path, ROUNDED.format(output='parquet to "OUT/x.parquet"'),
                  1e20)
    assert result.exit_code == 1, result.output
    assert "OCX568" in result.stderr and "column `energy_kwh`" in result.stderr
    assert "OCX592" not in result.stderr
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_with_the_outsized_records_left_out_the_file_loads(run_cli, tmp_path) -> None:
    result = _run(run_cli, tmp_path, TOTALS.format(measure="sum(kwh) as energy_kwh",
                                                   output='ndjson to "OUT/x.ndjson"'),
                  LARGEST_DOUBLE, where="  where kwh < 100000\n")
    assert result.exit_code == 0, result.output
    frame = pd.read_json(tmp_path / "out" / "x.ndjson", lines=True)
    assert frame["energy_kwh"].tolist() == [37.5] and frame["sessions"].tolist() == [3]
