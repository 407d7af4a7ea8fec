"""Two aggregates of one export grouping one value on grids whose cells straddle each
other (adversarial review): every group of each holds the minimum number of drivers,
but a group of one minus the groups of the other it overlaps is a sliver of records,
often one driver's. Secondary suppression cannot protect it (no group is a total of
the other's), so check warns (OCX332)."""

from __future__ import annotations

import pytest
from frontend_helpers import codes_of
from test_run_e2e import HEADER, read_csv, run_spec  # noqa: F401 - fixture


def _aggregate(key: str, out: str, clauses: str = "") -> str:
    return (f"from sessions\n{clauses}group by\n  {key} as band\ncompute\n  count() as sessions\n"
            f'  minimum group size 10\noutput csv to "{out}"\n')


def test_shifted_energy_bands_give_a_sliver_away_and_are_warned(run_spec, demo_server,
                                                                 tmp_path) -> None:
    """Against the demo CPO: `<10.5` minus `<10` is the sessions of 10 to 10.5 kWh,
    fewer than the minimum group size of 10 drivers, from two files that each passed."""
    spec = HEADER + _aggregate("bucket(kwh, [10, 20, 30])", "a.csv") + \
        _aggregate("bucket(kwh, [10.5, 20, 30])", "b.csv")
    (tmp_path / "out").mkdir()
    result = run_spec(spec, demo_server, out="out/")
    assert result.exit_code == 0, result.stderr
    first = {row["band"]: int(row["sessions"]) for row in read_csv(tmp_path / "out" / "a.csv")}
    second = {row["band"]: int(row["sessions"]) for row in read_csv(tmp_path / "out" / "b.csv")}
    assert 0 < second["<10.5"] - first["<10"] < 10  # the attack works on the released files
    assert "warning[OCX332]" in result.stderr
    assert "group `kwh` on grids whose cells straddle each other" in result.stderr


@pytest.mark.parametrize(("first", "second"), [
    ("bucket(kwh, [10, 20, 30])", "bucket(kwh, [10.5, 20, 30])"),
    ("round(kwh, 0)", "round(kwh + 0.5, 0)"),
    ("round(kwh, 0)", "round(kwh, 1)"),          # 0.5 kWh splits a cell of 0.45-0.55
    ("truncate(start_date_time, day)", 'truncate(start_date_time, day, "Asia/Kathmandu")'),
    ("truncate(start_date_time, hour)", 'truncate(start_date_time, hour, "Asia/Kolkata")'),
    # a duration is one value, in whichever unit and direction it is read
    ("bucket(minutes(start_date_time, end_date_time), [60, 120])",
     "bucket(minutes(start_date_time, end_date_time), [61, 120])"),
    ("round(hours(start_date_time, end_date_time), 0)",
     "round(minutes(end_date_time, start_date_time), -2)"),
    ("round(hours(start_date_time, end_date_time), 0)",
     "round(minutes(start_date_time, end_date_time) / 60 + 0.25, 0)"),
])
def test_straddling_grids_are_warned(first: str, second: str) -> None:
    found = codes_of(_aggregate(first, "a.csv") + _aggregate(second, "b.csv"))
    assert found.count("OCX332") == 1, found


@pytest.mark.parametrize(("first", "second"), [
    ("bucket(kwh, [10, 20, 30])", "bucket(kwh, [10, 20, 30])"),
    ("bucket(kwh, [10, 20, 30])", "bucket(kwh, [10, 15, 20, 30])"),   # totals, protected
    ("truncate(start_date_time, hour)", "truncate(start_date_time, day)"),
    ("truncate(start_date_time, hour)", 'truncate(start_date_time, day, "Europe/Amsterdam")'),
    ("round(kwh, 0)", "round(total_cost.excl_vat, 0)"),                 # two values
    ("round(hours(start_date_time, end_date_time), 0)",
     "round(minutes(start_date_time, end_date_time) / 60, 0)"),
    ("round(hours(start_date_time, end_date_time), 0)", "truncate(start_date_time, day)"),
])
def test_grids_whose_cells_nest_over_the_same_records_pass(first: str, second: str) -> None:
    found = codes_of(_aggregate(first, "a.csv") + _aggregate(second, "b.csv"))
    assert "OCX332" not in found, found


def test_nested_grids_over_other_records_are_warned() -> None:
    """Totals over another filter are not protected by secondary suppression."""
    found = codes_of(_aggregate("bucket(kwh, [10, 20, 30])", "a.csv") +
                     _aggregate("bucket(kwh, [10, 15, 20, 30])", "b.csv",
                                '  where status = "COMPLETED"\n'))
    assert "OCX332" in found
