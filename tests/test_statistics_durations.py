"""A national statistics office wants monthly sessions, energy and connected time per
municipality and province as an Excel workbook
(tests/specs/consumers/statistics_durations_xlsx.ocx). What its data engineer met, and
the workbook checked by hand against `ocpispec get` of the same demo CPO."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from consumer_runs import demo_cpo, driver, dump, half_up, published, run_spec
from fixtures_cli import REPO, cli_block

SPEC = REPO / "tests" / "specs" / "consumers" / "statistics_durations_xlsx.ocx"
SIZE = "  minimum group size 10\n"


@pytest.mark.parametrize(("average", "total"), [
    ("round(avg(minutes(start_date_time, end_date_time)), 0)",
     "round(sum(hours(start_date_time, end_date_time)), 1)"),
    ("round(avg(kwh * 1000), 0) as avg_wh", "round(sum(kwh), 1)"),
])
def test_an_average_beside_the_sum_in_another_unit_undoes_rounded_counts(
        run_cli, tmp_path: Path, average: str, total: str, snapshot) -> None:
    """With `round counts to 5`, the mean connected minutes beside the total connected
    hours give the exact count back (60 times the hours over the mean), as `avg(x)`
    beside `sum(x)` does; only the same text was warned (OCX337). A value scaled by a
    constant, or a duration in minutes against one in hours, is one value now."""
    text = SPEC.read_text().replace(SIZE, SIZE + "  round counts to 5\n")
    text = text.replace("round(avg(minutes(start_date_time, end_date_time)), 0)", average)
    text = text.replace("round(sum(hours(start_date_time, end_date_time)), 1)", total)
    path = tmp_path / "statistics.ocx"
    path.write_text(text.replace(" as avg_wh as avg_connected_min", " as avg_wh"))
    found = run_cli("check", str(path))
    assert "warning[OCX337]" in found.stderr
    if "minutes" in average:
        assert cli_block(found, tmp=tmp_path) == snapshot


server = demo_cpo("2.2.1", 5000)


def test_the_workbook_holds_the_months_sessions_as_get_shows_them(
        run_cli, tmp_path: Path, server) -> None:
    """Per municipality: the completed sessions at published sites that started in
    December, Amsterdam time, their energy, mean minutes and total hours connected;
    typed cells (a date, whole numbers, decimals) as Excel and pandas read them."""
    import pandas as pd

    pytest.importorskip("openpyxl")
    run_spec(run_cli, SPEC, server, tmp_path / "cbs.xlsx")
    frame = pd.read_excel(tmp_path / "cbs.xlsx", sheet_name=0)
    assert str(frame["month"].dtype).startswith("datetime64")
    assert set(frame["month"].astype(str)) == {"2025-12-01"}
    assert frame["sessions"].dtype == "int64" and frame["energy_kwh"].dtype == "float64"
    assert frame["province"].isna().all()  # the demo's sites give no `state`
    sites = published(run_cli, server)
    groups: dict[str, list] = defaultdict(list)
    for session in dump(run_cli, server, "sessions", since="2025-11-30T23:00:00Z"):
        site = sites.get(session["location_id"])
        if site is not None and session["status"] == "COMPLETED" and \
                "2025-11-30T23:00:00Z" <= session["start_date_time"] < "2025-12-31T23:00:00Z":
            groups[site["city"]].append(session)
    expected = {}
    for city, sessions in groups.items():
        if len({driver(s) for s in sessions} - {None}) < 10:
            continue
        minutes = [(datetime.fromisoformat(s["end_date_time"]) -
                    datetime.fromisoformat(s["start_date_time"])).total_seconds() / 60
                   for s in sessions]
        expected[city] = (len(sessions), half_up(sum(Decimal(str(s["kwh"])) for s in sessions)),
                          sum(minutes) / len(minutes), sum(minutes) / 60)
    assert len(expected) >= 8 and set(frame["municipality"]) == set(expected)
    for row in frame.itertuples():
        count, energy, mean, hours = expected[row.municipality]
        assert (row.sessions, row.energy_kwh) == (count, energy), row.municipality
        assert row.avg_connected_min == pytest.approx(mean, abs=0.51)
        assert row.connected_h == pytest.approx(hours, abs=0.051)


def test_a_duration_written_as_a_subtraction_gets_the_call_with_its_times(
        run_cli, tmp_path: Path) -> None:
    """`avg(end_date_time - start_date_time)`, as SQL and pandas write a duration, got
    "compute on numeric fields; for times use `minutes(...)` or `hours(...)`" under a
    caret on `end_date_time` alone. The help writes the call with the two times in
    their order, under a caret over the subtraction it replaces; pasted, it checks."""
    path = tmp_path / "statistics.ocx"
    written = "end_date_time - start_date_time"
    path.write_text(SPEC.read_text().replace("minutes(start_date_time, end_date_time)", written))
    found = run_cli("check", str(path)).stderr
    assert "help: a duration between two times is computed: write " \
           "`minutes(start_date_time, end_date_time)` (or `hours(...)`)" in found
    assert f"   |             {'^' * len(written)} timestamp" in found
