"""Composed aggregates end to end against the demo CPO: every released figure equals one
computed here from the same sessions released row by row."""

from __future__ import annotations

import statistics
from pathlib import Path

from test_run_e2e import HEADER, read_csv, run_spec  # noqa: F401 - fixture

ROWS = HEADER + '''from sessions
  where status = "COMPLETED"
  join locations on location_id
select
  location.city as city
  pseudonymize(cdr_token.uid) as driver
  kwh
  minutes(start_date_time, end_date_time) as minutes because "test reference for averages"
output csv to "x"
'''

COMPOSED = HEADER + '''from sessions
  where status = "COMPLETED"
  join locations on location_id
group by
  location.city as city
compute
  count() as sessions
  round(sum(kwh), 1) as energy_kwh
  sum(kwh) * 1000 as energy_wh
  count() / 7 as sessions_per_day
  round(avg(minutes(start_date_time, end_date_time)), 0) as mean_minutes
  count(distinct pseudonymize(cdr_token.uid)) as drivers
  median(kwh) as median_kwh
  percentile(kwh, 0.9) as p90_kwh
  minimum group size 3
output csv to "x"
'''


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])


def test_composed_measures_match_a_reference(run_spec, demo_server, tmp_path: Path) -> None:
    assert run_spec(ROWS, demo_server, out="rows").exit_code == 0
    by_city: dict[str, list[dict[str, str]]] = {}
    for row in read_csv(tmp_path / "rows"):
        by_city.setdefault(row["city"], []).append(row)
    result = run_spec(COMPOSED, demo_server)
    assert result.exit_code == 0, result.stderr
    released = read_csv(tmp_path / "out")
    assert released
    for row in released:
        records = by_city[row["city"]]
        kwh = [float(r["kwh"]) for r in records if r["kwh"]]
        minutes = [float(r["minutes"]) for r in records if r["minutes"]]
        drivers = {r["driver"] for r in records}
        assert int(row["sessions"]) == len(records)
        assert float(row["energy_kwh"]) == round(sum(kwh), 1)
        assert abs(float(row["energy_wh"]) - sum(kwh) * 1000) < 1e-3
        assert abs(float(row["sessions_per_day"]) - len(records) / 7) < 1e-6
        assert float(row["mean_minutes"]) == round(statistics.fmean(minutes))
        assert int(row["drivers"]) == len(drivers) >= 3
        assert abs(float(row["median_kwh"]) - statistics.median(kwh)) < 1e-6
        assert abs(float(row["p90_kwh"]) - _percentile(kwh, 0.9)) < 1e-6
    assert {row["city"] for row in released} == \
        {city for city, rows in by_city.items() if len({r["driver"] for r in rows}) >= 3}
