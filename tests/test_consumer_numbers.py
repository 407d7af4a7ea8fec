"""Numbers as the consumer loads them: a value computed from the platform's decimals
(`total_cost.incl_vat - total_cost.excl_vat`, `round(kwh, 1) * 3`) is that decimal in
the file, not its binary approximation (`0.4499999999999993`, `14.399999999999999`), and
rounding it rounds the decimal (0.45 half up to 0.5, not down to 0.4). Runs go over real
HTTP against the demo CPO on 127.0.0.1; the files are read with pandas."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest

from ocpispec.demo import DemoServer

AS_OF = "2026-01-01T00:00:00Z"
HEADER = '''export consumer_numbers
  consumer "Test consumer"
  purpose "Figures consumers compute with"
  legal basis public task "test"
  retention 1 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
'''
ROWS = HEADER + '''from sessions
  where currency = "EUR" and total_cost.incl_vat is not null
select
  total_cost.excl_vat as excl
  total_cost.incl_vat as incl
  total_cost.incl_vat - total_cost.excl_vat as vat
  round(total_cost.incl_vat - total_cost.excl_vat, 1) as vat_rounded
  round(kwh, 1) as energy_kwh
  round(kwh, 1) * 3 as tripled
output {output}
'''


@pytest.fixture(scope="module")
def server():
    with DemoServer(version="2.2.1", size=300, max_page_size=100) as demo:
        yield demo


@pytest.fixture
def run(run_cli, tmp_path: Path, server):
    def invoke(spec: str) -> Path:
        path = tmp_path / "spec.ocx"
        path.write_text(spec.replace("OUT/", f"{tmp_path}/out/"))
        env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token}
        result = run_cli("run", str(path), "--state", str(tmp_path / "state.json"),
                         "--as-of", AS_OF, env=env)
        assert result.exit_code == 0, result.output
        return tmp_path / "out"

    return invoke


def decimal(value: float) -> Decimal:
    return Decimal(repr(float(value)))


@pytest.mark.parametrize("output", ['csv to "OUT/x.csv"', 'ndjson to "OUT/x.ndjson"',
                                    'parquet to "OUT/x.parquet"', 'xlsx to "OUT/x.xlsx"'])
def test_arithmetic_on_the_platforms_decimals_is_decimal(run, output) -> None:
    """Every difference and product in the file is the decimal one (before, 242 of the
    demo's 283 sessions had a VAT like 0.21999999999999997, and a VAT of 0.45 was
    rounded to 0.4)."""
    out = run(ROWS.format(output=output))
    name = output.split('"')[1].removeprefix("OUT/")
    path = out / name
    match path.suffix:
        case ".csv":
            frame = pd.read_csv(path, dtype="string", keep_default_na=False)
            texts = [cell for column in ("vat", "tripled") for cell in frame[column]]
            assert texts and all(len(text.replace("-", "").replace(".", "")) < 15
                                 for text in texts), "a value with binary noise"
            frame = frame.replace("", None).astype("Float64")
        case ".ndjson":
            frame = pd.read_json(path, lines=True, precise_float=True)
        case ".parquet":
            frame = pd.read_parquet(path)
        case _:
            frame = pd.read_excel(path, sheet_name=0)
    assert len(frame) > 100
    half_up = 0
    for excl, incl, vat, rounded, energy, tripled in frame[
            ["excl", "incl", "vat", "vat_rounded", "energy_kwh", "tripled"]].itertuples(index=False):
        exact = decimal(incl) - decimal(excl)
        assert vat == float(exact)
        assert rounded == float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
        half_up += exact * 10 % 1 == Decimal("0.5")
        assert tripled == float(decimal(energy) * 3)
    assert half_up, "the demo data has no VAT on a tie; the rounding goes untested"


TOTALS = HEADER + '''from sessions
  where currency = "EUR"
group by
  status
compute
  sum(kwh) as energy_kwh
  sum(kwh) / 1000000 as energy_gwh
  sum(kwh) / 1000000000 as energy_twh
  avg(kwh) / 1000 as mwh_per_session
  avg(kwh) as kwh_per_session
minimum group size 10
output csv to "OUT/totals.csv"
'''


def test_a_small_figure_keeps_its_significant_digits(run) -> None:
    """A total in GWh was cut to 6 decimals like any other, 0.000975 for 974.818 kWh, and
    in TWh 0.000001 or 0.0: the consumer's figures were off by up to half their value, or
    nothing. Now each keeps 6 significant digits."""
    frame = pd.read_csv(run(TOTALS) / "totals.csv")
    assert len(frame) >= 2
    for column, unit in (("energy_gwh", 1e6), ("energy_twh", 1e9)):
        assert (frame[column] > 0).all()
        assert ((frame[column] * unit / frame.energy_kwh - 1).abs() < 1e-5).all()
    assert ((frame.mwh_per_session * 1000 / frame.kwh_per_session - 1).abs() < 1e-5).all()


@pytest.mark.parametrize("name", ["x.ndjson", "x.json"])
def test_the_documented_json_loader_reads_each_number_as_written(run, tmp_path, name) -> None:
    """docs/outputs.md's `read_package_json` read the file with pandas' fast float
    parser, which reads a VAT of 0.35 or 0.6 as 0.35000000000000003 or
    0.6000000000000001; it now gives exactly the Parquet file's numbers."""
    from test_datapackage import docs_json_loader

    out = run(ROWS.format(output=f'{name.split(".")[1]} to "OUT/{name}"'))
    run(ROWS.format(output='parquet to "OUT/x.parquet"'))
    frame = docs_json_loader()(str(out / f"{name}.datapackage.json"))
    typed = pd.read_parquet(out / "x.parquet", dtype_backend="numpy_nullable")
    assert len(frame) > 100
    pd.testing.assert_frame_equal(frame, typed, check_dtype=False)
    # to the last digit (`check_exact` does not reach into pandas' Float64 arrays)
    assert frame.astype(str).equals(typed.astype(str))


BANDS = HEADER + '''from sessions
select
  round(kwh) as energy_kwh
  bucket(round(kwh), [0, 5, 10, 20, 50]) as band
output csv to "OUT/bands.csv"
'''


def test_the_data_package_says_which_band_a_bound_is_in(run) -> None:
    """A label `5-10` beside `10-20` does not say where 10 goes; the data package said
    only "the range it falls in, with bounds [...]". It now says that `a-b` runs from a
    up to but not including b, and the file agrees: every session of 10 kWh is in
    `10-20`."""
    import json

    out = run(BANDS)
    fields = json.loads((out / "bands.csv.datapackage.json").read_text())["resources"][0][
        "schema"]["fields"]
    assert fields[1]["description"].endswith(
        "the range it falls in, with bounds [0, 5, 10, 20, 50]: `a-b` from a up to but "
        "not including b, `<0` below 0, `50+` 50 and above")
    frame = pd.read_csv(out / "bands.csv", dtype={"band": "string"})
    on_bounds = frame[frame.energy_kwh.isin([5, 10, 20, 50])]
    assert len(on_bounds) > 5
    for energy, band in on_bounds.itertuples(index=False):
        low = band.removesuffix("+").split("-")[0]
        assert float(low) == energy, (energy, band)
