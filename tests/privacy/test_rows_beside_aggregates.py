"""A row dataset beside an aggregate of the same export (adversarial review): the
consumer counts the rows of each group and subtracts them from the aggregate's count;
what is left is the records the rows left out (a filter, a window, a k rule's
suppression), often one. Warning OCX348."""

from __future__ import annotations

from collections import Counter

import pytest
from frontend_helpers import codes_of
from test_run_e2e import HEADER, read_csv, run_spec  # noqa: F401 - fixture

AREAS = ('from sessions\n  join locations on location_id\ngroup by\n'
         '  prefix(location.postal_code, 2) as area\ncompute\n  count() as sessions\n'
         '  minimum group size 10\noutput csv to "areas.csv"\n')


def _rows(clauses: str = "", rule: str = "", columns: str = "") -> str:
    return (f"from sessions\n{clauses}  join locations on location_id\nselect\n"
            f"  prefix(location.postal_code, 2) as area\n  round(kwh, 0) as energy_kwh\n"
            f'{columns}{rule}output csv to "rows.csv"\n')


def test_the_aggregate_minus_the_filtered_rows_gives_the_left_out_sessions(
        run_spec, demo_server, tmp_path) -> None:
    """Against the demo CPO: the sessions under 40 kWh, row by row, beside the sessions
    per district: a district's count minus its rows is its sessions of 40 kWh or more,
    fewer than the minimum group size of 10 drivers in some districts."""
    (tmp_path / "out").mkdir()
    result = run_spec(HEADER + _rows("  where kwh < 40\n") + AREAS, demo_server, out="out/")
    assert result.exit_code == 0, result.stderr
    rows = Counter(row["area"] for row in read_csv(tmp_path / "out" / "rows.csv"))
    areas = {row["area"]: int(row["sessions"]) for row in read_csv(tmp_path / "out" / "areas.csv")}
    left_out = {area: n - rows[area] for area, n in areas.items()}
    assert any(0 < n < 10 for n in left_out.values()), left_out
    assert "warning[OCX348]: an aggregate of `sessions` counts records a row dataset beside " \
        "it leaves out" in result.stderr


@pytest.mark.parametrize("rows", [
    _rows("  where kwh < 40\n"),
    _rows("  last 7 days\n"),
    _rows(rule="  require k 5 over (area, energy_kwh) suppression limit 5%\n"),
    _rows("  where kwh < 40\n", columns="  truncate(start_date_time, day) as day\n"),
])
def test_rows_that_leave_out_what_an_aggregate_counts_are_warned(rows: str) -> None:
    assert codes_of(rows + AREAS).count("OCX348") == 1


@pytest.mark.parametrize("rows", [
    _rows(),                                        # every record: the rows show it all
    _rows("  where kwh < 40\n").replace("  prefix(location.postal_code, 2) as area\n", ""),
])
def test_rows_the_aggregate_cannot_be_lined_up_with_pass(rows: str) -> None:
    assert "OCX348" not in codes_of(rows + AREAS)
