"""Dominance, secondary suppression and rounding of counts: no suppressed cell can be
recomputed from the released cells and the released totals of another dataset."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocpispec.plan import ir
from ocpispec.execute.aggregate import Aggregator
from ocpispec.execute.pipeline import Counts
from test_aggregate_engine import SPAN, compile
from test_run_e2e import HEADER, read_csv, run_spec  # noqa: F401 - fixture

MEASURES = (ir.Measure("sessions", "count", None, (), "public", SPAN),
            ir.Measure("energy", "sum", "kwh", (), "public", SPAN))


def _step(keys, minimum=2, dominance=None, margins=(), round_counts=None) -> ir.Aggregate:
    columns = tuple(ir.Column(k, k, (), "generalised", "", "public", "public", None, SPAN)
                    for k in keys)
    return ir.Aggregate("aggregate.sessions", columns, MEASURES, minimum, True,
                        "distinct drivers", "driver", SPAN, dominance=dominance,
                        round_counts=round_counts, margins=margins)


def _run(step, records):
    counts = Counts()
    aggregator = Aggregator(step, compile, counts)
    aggregator.add_all(records)
    return list(aggregator.rows()), counts


def test_a_group_one_driver_dominates_is_suppressed() -> None:
    records = [{"x": "a", "driver": "big", "kwh": 90.0}]
    records += [{"x": "a", "driver": f"d{i}", "kwh": 1.0} for i in range(5)]
    records += [{"x": "b", "driver": f"d{i}", "kwh": 10.0} for i in range(5)]
    rows, counts = _run(_step(("x",), dominance=ir.Dominance(1, 85)), records)
    assert [row["x"] for row in rows] == ["b"]
    assert (counts.groups, counts.groups_suppressed, counts.groups_dominated) == (2, 0, 1)
    rows, _ = _run(_step(("x",), dominance=ir.Dominance(2, 95)), records)
    assert [row["x"] for row in rows] == ["b"]
    rows, _ = _run(_step(("x",)), records)
    assert [row["x"] for row in rows] == ["a", "b"]


def test_one_driver_counts_once_however_many_sessions() -> None:
    """Contributions are per driver, told apart as the minimum group size tells them."""
    records = [{"x": "a", "driver": "NL-TNM-C0001", "kwh": 30.0},
               {"x": "a", "driver": "nltnmc0001", "kwh": 30.0},
               {"x": "a", "driver": "c2", "kwh": 5.0}, {"x": "a", "driver": "c3", "kwh": 5.0}]
    rows, counts = _run(_step(("x",), dominance=ir.Dominance(1, 85)), records)
    assert rows == [] and counts.groups_dominated == 1


def test_counts_are_rounded_to_the_base() -> None:
    records = [{"x": "a", "driver": f"d{i}", "kwh": 1.0} for i in range(7)]
    records += [{"x": "b", "driver": f"d{i}", "kwh": 1.0} for i in range(13)]
    rows, _ = _run(_step(("x",), round_counts=5), records)
    assert [(row["sessions"], row["energy"]) for row in rows] == [(5, 7.0), (15, 13.0)]


cells = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 5),
                           st.integers(1, 40)), min_size=1, max_size=60)


@settings(max_examples=150, deadline=None)
@given(cells, st.booleans(), st.sampled_from([None, ir.Dominance(1, 85), ir.Dominance(2, 90)]))
def test_no_suppressed_cell_can_be_recomputed(rows, both, dominance) -> None:
    """The finer table by (x, y) and the totals by x (and by y), each released under the
    same rules, as one export with two or three datasets releases them."""
    records = [{"x": x, "y": y, "driver": f"d{driver}", "kwh": float(kwh)}
               for x, y, driver, kwh in rows]
    axes = [0, 1] if both else [0]
    margins = tuple(ir.Margin(f"by_{'xy'[axis]}", ("xy"[axis],), dominance) for axis in axes)
    fine = _step(("x", "y"), dominance=dominance, margins=margins)
    released, counts = _run(fine, records)
    known = {(row["x"], row["y"]): [row["sessions"], row["energy"]] for row in released}
    truth = {(r["x"], r["y"]) for r in records}
    hidden = truth - set(known)
    assert counts.groups == len(truth)
    assert len(hidden) == counts.groups_suppressed + counts.groups_dominated + \
        counts.groups_secondary
    totals = {}
    for axis in axes:
        name = f"by_{'xy'[axis]}"
        step = _step(("xy"[axis],), dominance=dominance)
        aggregator = Aggregator(step, compile, Counts(), dataset=name,
                                export={"fine": fine, name: step})
        aggregator.add_all(records)
        totals[axis] = {row["xy"[axis]]: [row["sessions"], row["energy"]]
                        for row in aggregator.rows()}
    # the attacker solves any released total with one unknown cell, again and again
    # with what was found (chains of subtraction across both margins)
    found: dict[tuple, list[float]] = {}
    progress = True
    while progress:
        progress = False
        for axis in axes:
            for value, total in totals[axis].items():
                line = [cell for cell in truth if cell[axis] == value]
                unknown = [cell for cell in line if cell in hidden and cell not in found]
                if len(unknown) != 1:
                    continue
                rest = [sum((known.get(cell) or found[cell])[i] for cell in line
                            if cell != unknown[0]) for i in (0, 1)]
                found[unknown[0]] = [total[0] - rest[0], total[1] - rest[1]]
                progress = True
    assert found == {}, f"recomputed {sorted(found)} of {sorted(hidden)}"
    # nor a withheld total from the released cells of its line
    for axis in axes:
        for value in {cell[axis] for cell in truth} - set(totals[axis]):
            line = [cell for cell in truth if cell[axis] == value]
            assert any(cell in hidden for cell in line)


def test_a_total_that_would_give_one_cell_away_is_withheld() -> None:
    records = [{"x": 0, "y": y, "driver": f"d{y}{i}", "kwh": 1.0} for y in range(3)
               for i in range(3 if y else 1)]
    records += [{"x": 1, "y": y, "driver": f"e{y}{i}", "kwh": 1.0} for y in range(2)
                for i in range(3)]
    fine = _step(("x", "y"), margins=(ir.Margin("by_x", ("x",)),))
    rows, counts = _run(fine, records)
    assert [(row["x"], row["y"]) for row in rows] == [(0, 1), (0, 2), (1, 0), (1, 1)]
    assert counts.groups_suppressed == 1 and counts.groups_secondary == 0
    coarse = _step(("x",))
    assert [row["x"] for row in _run(coarse, records)[0]] == [0, 1]
    counts = Counts()
    aggregator = Aggregator(coarse, compile, counts, dataset="by_x",
                            export={"fine": fine, "by_x": coarse})
    aggregator.add_all(records)
    assert [row["x"] for row in aggregator.rows()] == [1]
    assert counts.groups_secondary == 1


def test_a_dominated_total_costs_one_more_cell() -> None:
    """The totals' own rule withholds x=0; with every cell of its line released, the
    smallest is suppressed so the total cannot be added up."""
    records = [{"x": 0, "y": 0, "driver": "big", "kwh": 500.0}]
    records += [{"x": 0, "y": y, "driver": f"d{y}{i}", "kwh": 1.0} for y in range(3)
                for i in range(3 + y)]
    rule = ir.Dominance(1, 85)
    rows, counts = _run(_step(("x", "y"), margins=(ir.Margin("by_x", ("x",), rule),)), records)
    assert [(row["x"], row["y"]) for row in rows] == [(0, 1), (0, 2)]
    assert counts.groups_secondary == 1


# ---- end to end against the demo CPO --------------------------------------------------------

TWO_TABLES = '''from sessions
  where status = "COMPLETED"
  join locations on location_id
group by
  location.city as city
  truncate(start_date_time, month) as month
compute
  count() as sessions
  sum(kwh) as energy_kwh
  minimum group size 3
  dominance 1 85%
output csv to "monthly.csv"

from sessions
  where status = "COMPLETED"
  join locations on location_id
group by
  location.city as city
compute
  count() as sessions
  sum(kwh) as energy_kwh
  minimum group size 3
  dominance 1 85%
  round counts to 5
output csv to "cities.csv"
'''


def test_an_export_with_totals_gives_no_suppressed_cell_away(run_spec, demo_server,
                                                               tmp_path) -> None:
    spec = HEADER + TWO_TABLES
    out = tmp_path / "out"
    out.mkdir()
    result = run_spec(spec, demo_server, out="out/")
    assert result.exit_code == 0, result.stderr
    assert "to protect released totals" in result.stderr
    monthly, cities = read_csv(out / "monthly.csv"), read_csv(out / "cities.csv")
    assert all(int(row["sessions"]) % 5 == 0 for row in cities)
    assert monthly and cities
    full = HEADER + TWO_TABLES.replace("  minimum group size 3\n  dominance 1 85%\n", "  minimum group size 1\n").replace("  round counts to 5\n", "")
    (tmp_path / "full").mkdir()
    assert run_spec(full, demo_server, out="full/").exit_code == 0
    truth = {(row["city"], row["month"]): float(row["energy_kwh"])
             for row in read_csv(tmp_path / "full" / "monthly.csv")}
    released = {(row["city"], row["month"]) for row in monthly}
    totals = {row["city"] for row in cities}
    for city in totals:
        hidden = [cell for cell in truth if cell[0] == city and cell not in released]
        assert len(hidden) != 1, f"{hidden} follows from the total of {city}"
    for city in {cell[0] for cell in truth} - totals:  # a withheld total hides 2+ cells
        assert sum(cell[0] == city and cell not in released for cell in truth) >= 1
    manifest = json.loads((out / "monthly.csv.manifest.json").read_text())
    assert "dominance" in manifest["disclosure_control"]
    assert "groups_secondary" not in json.dumps(manifest)  # counts stay with the CPO
    records = list((tmp_path / "state-out" / "runs").rglob("*.json"))
    counts = json.loads(records[0].read_text())["datasets"]
    assert any(dataset["counts"].get("groups_secondary") for dataset in counts)


def _leaks(fine: list[dict], truth: list[dict], totals: list[dict], keys: tuple[str, ...],
           line: str) -> list[tuple]:
    """The withheld cells of `fine` that a released total of `totals` (along `line`)
    gives away: the only cell of its line missing from `fine`."""
    released = {tuple(row[k] for k in keys) for row in fine}
    cells = [tuple(row[k] for k in keys) for row in truth]
    at = keys.index(line)
    leaks = []
    for total in totals:
        hidden = [cell for cell in cells if cell[at] == total[line] and cell not in released]
        if len(hidden) == 1:
            leaks.append(hidden[0])
    return leaks


BY_CONNECTOR = '''from sessions as fine
  where status = "COMPLETED"
  join locations on location_id
group by
  location.city as city
  location.connector.power_type as power_type
compute
  count() as sessions
  sum(kwh) as energy_kwh
  minimum group size 8
output csv to "fine.csv"

from sessions as by_city
  where status = "COMPLETED"
  join locations on location_id
group by
  location.city as city
compute
  count() as sessions
  sum(kwh) as energy_kwh
  minimum group size 8
output csv to "by_city.csv"
'''


def _protected_and_full(run_spec, server, tmp_path, spec: str, minimum: int):
    """The spec run into `out/` as written, and into `full/` with every group released
    (the truth a leak is measured against); the protected run's result."""
    (tmp_path / "out").mkdir()
    result = run_spec(spec, server, out="out/")
    assert result.exit_code == 0, result.stderr
    (tmp_path / "full").mkdir()
    full = spec.replace(f"minimum group size {minimum}", "minimum group size 1")
    assert run_spec(full, server, out="full/").exit_code == 0
    return result


def test_totals_of_a_dataset_reading_less_of_the_join_give_no_cell_away(
        run_spec, demo_server, tmp_path) -> None:
    """The finer table reads the session's connector (`location.connector`), the totals
    only the location: the two read the same records all the same, so the totals per
    city are withheld where they would give a small city/power-type cell away."""
    result = _protected_and_full(run_spec, demo_server, tmp_path, HEADER + BY_CONNECTOR, 8)
    fine, totals = read_csv(tmp_path / "out" / "fine.csv"), \
        read_csv(tmp_path / "out" / "by_city.csv")
    truth = read_csv(tmp_path / "full" / "fine.csv")
    assert fine and totals and len(fine) < len(truth)
    assert _leaks(fine, truth, totals, ("city", "power_type"), "city") == []


MONTHLY_SPREAD = '''from sessions as monthly
  where status = "COMPLETED"
  join locations on location_id
  each charging_periods as period
  spread period.energy_kwh over day in utc as slot
group by
  location.city as city
  truncate(slot, month) as month
compute
  sum(period.energy_kwh) as energy_kwh
  minimum group size 3
output csv to "monthly.csv"

from sessions as by_city
  where status = "COMPLETED"
  join locations on location_id
group by
  location.city as city
compute
  sum(kwh) as energy_kwh
  minimum group size 3
output csv to "by_city.csv"
'''


def test_totals_of_sessions_give_no_cell_of_their_spread_away(run_spec, demo_server,
                                                             tmp_path) -> None:
    """The energy per city adds up the energy the finer table spreads over days: the
    totals dataset counts the finer cells over the finer rows (periods, slots), not
    over its own sessions, and withholds the totals that would give one away."""
    result = _protected_and_full(run_spec, demo_server, tmp_path, HEADER + MONTHLY_SPREAD, 3)
    fine, totals = read_csv(tmp_path / "out" / "monthly.csv"), \
        read_csv(tmp_path / "out" / "by_city.csv")
    truth = read_csv(tmp_path / "full" / "monthly.csv")
    assert fine and totals and len(fine) < len(truth)
    assert _leaks(fine, truth, totals, ("city", "month"), "city") == []
    assert "to protect released totals" in result.stderr


COUNTS_IN_ARITHMETIC = '''from sessions
  where status = "COMPLETED"
  join locations on location_id
group by
  location.city as city
compute
  count() as sessions
  count() * 1 as sessions_again
  count() / 7 as sessions_per_day
  count(distinct location_id) + 0 as sites
  minimum group size 3
  round counts to 5
output csv to "cities.csv"
'''


def test_a_count_in_arithmetic_is_rounded_too(run_spec, demo_server, tmp_path) -> None:
    """`round counts to 5` must not be undone by writing the count another way:
    `count() * 1` and `count() / 7` are computed from the rounded count."""
    (tmp_path / "out").mkdir()
    result = run_spec(HEADER + COUNTS_IN_ARITHMETIC, demo_server, out="out/")
    assert result.exit_code == 0, result.stderr
    rows = read_csv(tmp_path / "out" / "cities.csv")
    assert rows
    for row in rows:
        assert int(row["sessions"]) % 5 == 0
        assert row["sessions_again"] == row["sessions"]
        assert round(float(row["sessions_per_day"]) * 7, 3) == int(row["sessions"])
        assert int(row["sites"]) % 5 == 0


def test_a_sum_beside_its_average_is_warned_of_under_rounding(run_spec, demo_server,
                                                               tmp_path) -> None:
    """The warning is true: the released sum over the released average is the exact
    count the rounding was meant to hide."""
    spec = HEADER + COUNTS_IN_ARITHMETIC.replace(
        "  minimum group size 3\n", "  sum(kwh) as energy_kwh\n  avg(kwh) as avg_kwh\n"
        "  minimum group size 3\n")
    (tmp_path / "out").mkdir()
    result = run_spec(spec, demo_server, out="out/")
    assert result.exit_code == 0, result.stderr
    assert "warning[OCX337]: counts are rounded, but this measure gives the exact count" \
        in result.stderr
    rows = read_csv(tmp_path / "out" / "cities.csv")
    exact = [round(float(row["energy_kwh"]) / float(row["avg_kwh"])) for row in rows]
    assert any(count % 5 for count in exact)


NATIONAL_TOTAL = '''from sessions as by_country
  where status = "COMPLETED"
  join locations on location_id
group by
  location.country as country
compute
  sum(kwh) as energy_kwh
  minimum group size 40
output csv to "by_country.csv"

from sessions as national
  where status = "COMPLETED"
  join locations on location_id
group by
  constant("all") as area
compute
  sum(kwh) as energy_kwh
  minimum group size 40
output csv to "national.csv"
'''


def test_a_grand_total_by_a_constant_gives_no_cell_away(run_spec, demo_server,
                                                         tmp_path) -> None:
    """A total over every group (`group by constant("all")`) is a margin of the
    finer table too: with one country withheld, the grand total is withheld."""
    result = _protected_and_full(run_spec, demo_server, tmp_path, HEADER + NATIONAL_TOTAL, 40)
    released = {row["country"] for row in read_csv(tmp_path / "out" / "by_country.csv")}
    truth = {row["country"] for row in read_csv(tmp_path / "full" / "by_country.csv")}
    national = read_csv(tmp_path / "out" / "national.csv")
    assert len(truth - released) == 1  # the case: one country withheld
    assert national == []
    assert "to protect released totals" in result.stderr


REGIONS = '''from sessions as by_area
  where status = "COMPLETED"
  join locations on location_id
group by
  prefix(location.postal_code, 2) as area
compute
  sum(kwh) as energy_kwh
  minimum group size MIN
output csv to "by_area.csv"

from sessions as by_region
  where status = "COMPLETED"
  join locations on location_id
group by
  prefix(location.postal_code, 1) as region
compute
  sum(kwh) as energy_kwh
  minimum group size MIN
output csv to "by_region.csv"
'''


def test_totals_by_a_shorter_prefix_give_no_cell_away(run_spec, demo_server,
                                                        tmp_path) -> None:
    """Regions (the first digit of the postal code) are totals of areas (the first
    two): a region that would give its only withheld area away is withheld."""
    (tmp_path / "full").mkdir()
    assert run_spec(HEADER + REGIONS.replace("MIN", "1"), demo_server,
                    out="full/").exit_code == 0
    truth = read_csv(tmp_path / "full" / "by_area.csv")
    leaks_seen = 0
    for minimum in (5, 10, 15, 20):
        out = f"out{minimum}"
        (tmp_path / out).mkdir()
        result = run_spec(HEADER + REGIONS.replace("MIN", str(minimum)), demo_server,
                          out=f"{out}/")
        assert result.exit_code == 0, result.stderr
        areas = read_csv(tmp_path / out / "by_area.csv")
        regions = [{"region": row["region"]} for row in read_csv(tmp_path / out /
                                                                 "by_region.csv")]
        released = {row["area"] for row in areas}
        for region in regions:
            hidden = [row["area"] for row in truth
                      if row["area"][:1] == region["region"] and row["area"] not in released]
            assert len(hidden) != 1, f"area {hidden} follows from region {region}"
        leaks_seen += "to protect released totals" in result.stderr
    assert leaks_seen  # the case occurs: some region was withheld for its area


TIME_TABLES = '''from sessions as fine
  WINDOW
  window on start_date_time
  where status = "COMPLETED"
  join locations on location_id
group by
  location.country as country
  FINE as cell
compute
  count() as sessions
  sum(kwh) as energy_kwh
  minimum group size MIN
output csv to "fine.csv"

from sessions as totals
  WINDOW
  window on start_date_time
  where status = "COMPLETED"
  join locations on location_id
group by
  location.country as country
  COARSE as total
compute
  count() as sessions
  sum(kwh) as energy_kwh
  minimum group size MIN
output csv to "totals.csv"
'''


def _time_part(value: str, part: str):
    from ocpispec.execute import functions
    match part:
        case "weekday":
            return functions.weekday(value)
        case "hour_of_day":
            return str(functions.hour_of_day(value))
    return functions.truncator(part)(value)


@pytest.mark.parametrize(("fine", "coarse", "window"), [
    ("truncate(start_date_time, day)", "truncate(start_date_time, week)",
     "between 2025-06-01 and 2025-09-01"),
    ("truncate(start_date_time, day)", "truncate(start_date_time, month)",
     "between 2025-06-01 and 2025-09-01"),
    ("truncate(start_date_time, hour)", "truncate(start_date_time, day)",
     "between 2025-12-01 and 2025-12-08"),
    ("truncate(start_date_time, month)", "truncate(start_date_time, year)",
     "between 2025-11-27 and 2026-01-01"),
    ("truncate(start_date_time, day)", "weekday(start_date_time)",
     "between 2025-06-02 and 2025-06-23"),
    ("truncate(start_date_time, hour)", "hour_of_day(start_date_time)",
     "between 2025-12-01 and 2025-12-04"),
])
def test_totals_over_coarser_time_give_no_cell_away(run_spec, demo_server_factory, tmp_path,
                                                     fine, coarse, window) -> None:
    """Weeks are totals of days (months of days, days of hours, years of months,
    weekdays of days...): a week released beside its days, all but one released, gives
    that day back by subtraction. Checked cell by cell against the demo CPO's data:
    every released total hides none or at least two of the finer cells, and the case
    does occur."""
    spec = HEADER + TIME_TABLES.replace("FINE", fine).replace("COARSE", coarse) \
        .replace("WINDOW", window)
    part = coarse.split("(")[0] if "truncate" not in coarse else coarse[:-1].split(", ")[1]
    demo_server = demo_server_factory(version="2.2.1", size=3000, max_page_size=1000)
    (tmp_path / "full").mkdir()
    result = run_spec(spec.replace("MIN", "1"), demo_server, out="full/")
    assert result.exit_code == 0, result.stderr
    truth = read_csv(tmp_path / "full" / "fine.csv")
    assert {_time_part(row["cell"], part) for row in truth} == \
        {row["total"] for row in read_csv(tmp_path / "full" / "totals.csv")}
    protected = 0
    for minimum in (2, 3, 5, 8, 13, 21, 34, 55, 89):
        out = f"out{minimum}"
        (tmp_path / out).mkdir()
        result = run_spec(spec.replace("MIN", str(minimum)), demo_server, out=f"{out}/")
        assert result.exit_code == 0, result.stderr
        released = {(row["country"], row["cell"]) for row in read_csv(tmp_path / out /
                                                                     "fine.csv")}
        for total in read_csv(tmp_path / out / "totals.csv"):
            hidden = [row["cell"] for row in truth if row["country"] == total["country"]
                      and _time_part(row["cell"], part) == total["total"]
                      and (row["country"], row["cell"]) not in released]
            assert len(hidden) != 1, f"{hidden} follows from the total {total}"
        protected += "to protect released totals" in result.stderr
    assert protected  # some total was withheld for a cell it would give away


def _lowered(expression: str) -> str:
    name, _, rest = expression.partition("(")
    field, _, unit = rest.rstrip(")").partition(", ")
    return f"{name}({field}, '{unit}')" if unit else expression


@pytest.mark.parametrize(("fine", "coarse", "words"), [
    ("truncate(start_date_time, day)", "truncate(start_date_time, week)", "the week of cell"),
    ("truncate(start_date_time, quarter_hour)", "truncate(start_date_time, month)",
     "the month of cell"),
    ("start_date_time", "truncate(start_date_time, year)", "the year of cell"),
    ("truncate(start_date_time, hour)", "hour_of_day(start_date_time)",
     "the hour of the day of cell"),
    ("truncate(start_date_time, week)", "truncate(start_date_time, month)", None),
    ("truncate(start_date_time, week)", "truncate(start_date_time, year)", None),
    ("truncate(start_date_time, day)", "hour_of_day(start_date_time)", None),
    ("truncate(start_date_time, day)", "truncate(end_date_time, week)", None),
    ("truncate(start_date_time, week)", "truncate(start_date_time, day)", None),
])
def test_which_coarser_times_are_totals(tmp_path, fine, coarse, words) -> None:
    """A coarser part of the same timestamp is a total of the finer cells when each
    finer cell lies in one coarser one: weeks of days. Months of weeks are not known to
    be: the run looks at the values each week's records show (`observed`)."""
    from ocpispec.check.compiler import compile_file
    from ocpispec.plan.margins import margin_keys
    from ocpispec.plan.planner import plan

    spec = HEADER + TIME_TABLES.replace("FINE", fine).replace("COARSE", coarse) \
        .replace("WINDOW", "previous month").replace("MIN", "5")
    (tmp_path / "spec.ocx").write_text(spec)
    planned = plan(compile_file(tmp_path / "spec.ocx"))
    margins = planned.datasets[0].step(ir.Aggregate).margins
    assert [margin_keys(m.keys, m.cuts) for m in margins] == \
        [f"country, {words}" if words else "country, total"]
    assert margins[0].observed == (() if words else ("", _lowered(coarse)))
    assert ir.Plan.from_dict(planned.to_dict()) == planned


@pytest.mark.parametrize("coarse", [
    'jmespath("location.city")', "keep(location.city)", "location.city",
    "prefix(location.city, 20)",
])
def test_a_total_is_recognised_however_its_key_is_written(tmp_path, coarse) -> None:
    """`jmespath("location.city")` and `keep(location.city)` group as `location.city`
    does: their rows are totals of the finer groups, and must be recognised as such."""
    from ocpispec.check.compiler import compile_file
    from ocpispec.plan.planner import plan

    spec = HEADER + TIME_TABLES.replace("location.country as country", "location.city as city") \
        .replace("FINE", "truncate(start_date_time, day)").replace("WINDOW", "previous month") \
        .replace("MIN", "5")
    spec = spec.replace("  location.city as city\n  COARSE as total\n", f"  {coarse} as city\n")
    (tmp_path / "spec.ocx").write_text(spec)
    margins = plan(compile_file(tmp_path / "spec.ocx")).datasets[0].step(ir.Aggregate).margins
    assert [(m.dataset, m.keys) for m in margins] == [("totals", ("city",))]


CITIES_IN_COUNTRIES = '''from sessions as by_city
  where status = "COMPLETED"
  join locations on location_id
group by
  location.city as city
compute
  sum(kwh) as energy_kwh
  minimum group size MIN
output csv to "by_city.csv"

from sessions as by_country
  where status = "COMPLETED"
  join locations on location_id
group by
  location.country as country
compute
  sum(kwh) as energy_kwh
  minimum group size MIN
output csv to "by_country.csv"
'''


def test_totals_by_a_value_each_group_lies_in_give_no_cell_away(run_spec, demo_server_factory,
                                                                tmp_path) -> None:
    """Countries are totals of cities although no key says so: each city's records lie
    in one country. The run sees it, and withholds a country that would give its only
    withheld city away (Berlin from Germany at 80 drivers, before)."""
    from ocpispec.demo.places import CITIES

    country = {city.name: city.country for city in CITIES}
    server = demo_server_factory(version="2.2.1", size=2000, max_page_size=1000)
    (tmp_path / "full").mkdir()
    assert run_spec(HEADER + CITIES_IN_COUNTRIES.replace("MIN", "1"), server,
                    out="full/").exit_code == 0
    truth = read_csv(tmp_path / "full" / "by_city.csv")
    protected = 0
    for minimum in (20, 40, 80, 120):
        out = f"out{minimum}"
        (tmp_path / out).mkdir()
        result = run_spec(HEADER + CITIES_IN_COUNTRIES.replace("MIN", str(minimum)), server,
                          out=f"{out}/")
        assert result.exit_code == 0, result.stderr
        released = {row["city"] for row in read_csv(tmp_path / out / "by_city.csv")}
        for total in read_csv(tmp_path / out / "by_country.csv"):
            hidden = [row["city"] for row in truth if country[row["city"]] == total["country"]
                      and row["city"] not in released]
            assert len(hidden) != 1, f"{hidden} follows from the total {total}"
        protected += "to protect released totals" in result.stderr
    assert protected


def test_totals_by_a_value_that_splits_groups_are_no_margin(tmp_path) -> None:
    """Totals by power type over cities: a city's sessions have several power types, so
    the cities are not parts of the power types' totals; no line is formed, and
    nothing is withheld for it."""
    records = [{"city": city, "power": power, "driver": f"d{i}{city}{power}", "kwh": 1.0}
               for city in "ab" for power in ("AC", "DC") for i in range(3)]
    margin = ir.Margin("by_power", ("power",), None, (), ("power",))
    rows, counts = _run(_step(("city",), minimum=2, margins=(margin,)), records)
    assert [row["city"] for row in rows] == ["a", "b"] and counts.groups_secondary == 0


ENERGY_BANDS = '''from sessions as bands
  where status = "COMPLETED"
group by
  bucket(kwh, [10, 20, 30]) as band
compute
  count() as sessions
  minimum group size MIN
output csv to "bands.csv"

from sessions as fine_bands
  where status = "COMPLETED"
group by
  bucket(kwh, [10, 10.3, 20, 30]) as band
compute
  count() as sessions
  minimum group size MIN
output csv to "fine_bands.csv"
'''


def test_totals_whose_key_is_named_like_the_finer_key_give_no_cell_away(
        run_spec, demo_server, tmp_path) -> None:
    """Both datasets call their key `band`. The run looked the totals' key up by name
    among the finer dataset's keys and found the finer one's own, so no line held a
    total: 10-20 kWh was released beside 10.3-20 kWh, and the withheld 10-10.3 kWh band
    was their difference."""
    result = _protected_and_full(run_spec, demo_server, tmp_path,
                                 HEADER + ENERGY_BANDS.replace("MIN", "10"), 10)
    truth = {row["band"]: int(row["sessions"])
             for row in read_csv(tmp_path / "full" / "fine_bands.csv")}
    fine = {row["band"] for row in read_csv(tmp_path / "out" / "fine_bands.csv")}
    totals = {row["band"] for row in read_csv(tmp_path / "out" / "bands.csv")}
    assert "10-10.3" in truth and "10-10.3" not in fine  # withheld as too small
    assert "10-20" not in totals or "10.3-20" not in fine, \
        "10-10.3 kWh is 10-20 minus 10.3-20"
    assert "to protect released totals" in result.stderr


def test_an_observed_key_may_share_its_name_with_a_finer_key(tmp_path) -> None:
    """Totals by (energy band, city) over cities named `band` and finer bands: the
    totals' `band` is observed, the finer `band` (the city) is their `city`; the names
    repeating made the plan drop the margin, and nothing was withheld for the totals."""
    from ocpispec.check.compiler import compile_file
    from ocpispec.plan.planner import plan

    spec = HEADER + '''from sessions as fine
  where status = "COMPLETED"
  join locations on location_id
group by
  bucket(kwh, [10, 10.3, 20, 30]) as kwh_band
  location.city as band
compute
  count() as sessions
  minimum group size 10
output csv to "fine.csv"

from sessions as totals
  where status = "COMPLETED"
  join locations on location_id
group by
  bucket(kwh, [10, 20, 30]) as band
  location.city as city
compute
  count() as sessions
  minimum group size 10
output csv to "totals.csv"
'''
    (tmp_path / "spec.ocx").write_text(spec)
    margins = plan(compile_file(tmp_path / "spec.ocx")).datasets[0].step(ir.Aggregate).margins
    assert [(m.dataset, m.keys, bool(m.observed[0])) for m in margins] == \
        [("totals", ("band", "band"), True)]


def test_a_group_on_two_lines_leaves_the_other_lines_protected() -> None:
    """Totals by region over cities, observed: city `c` lies in regions 1 and 2 (a postal
    area across a border), so those two lines are no sums of their cities. Region 0 is
    cities `a` (released) and `b` (withheld) alone, and its total gave `b` away: the one
    straddling city dropped every line of the margin, region 0's too."""
    records = [{"city": "a", "region": 0, "driver": f"a{i}", "kwh": 1.0} for i in range(3)]
    records += [{"city": "b", "region": 0, "driver": "b0", "kwh": 1.0}]
    records += [{"city": "c", "region": region, "driver": f"c{region}{i}", "kwh": 1.0}
                for region in (1, 2) for i in range(3)]
    records += [{"city": "d", "region": 2, "driver": f"d{i}", "kwh": 1.0} for i in range(3)]
    fine = _step(("city",), margins=(ir.Margin("by_region", ("region",), None, (),
                                               ("region",)),))
    coarse = _step(("region",))
    assert [row["region"] for row in _run(coarse, records)[0]] == [0, 1, 2]
    counts = Counts()
    aggregator = Aggregator(coarse, compile, counts, dataset="by_region",
                            export={"fine": fine, "by_region": coarse})
    aggregator.add_all(records)
    assert [row["region"] for row in aggregator.rows()] == [1, 2]  # 0 would give b away
    assert counts.groups_secondary == 1


AREAS_IN_CITIES = '''from sessions as by_area
  where status = "COMPLETED"
  join locations on location_id
group by
  prefix(location.postal_code, 4) as area
compute
  count() as sessions
  minimum group size MIN
output csv to "by_area.csv"

from sessions as by_city
  where status = "COMPLETED"
  join locations on location_id
group by
  location.city as city
compute
  count() as sessions
  minimum group size MIN
output csv to "by_city.csv"
'''


def test_totals_of_lines_no_area_straddles_give_no_cell_away(run_spec, demo_server_factory,
                                                             tmp_path) -> None:
    """Cities are totals of postal areas, but four digits of a Dutch and a German code
    can be one area (Amsterdam's 1011 and Berlin's 10115): such an area lies in two
    cities. Against the demo CPO, one such area dropped secondary suppression for every
    city, and a city whose only withheld area was the one missing from its total gave
    that area away (Amsterdam's 1107)."""
    server = demo_server_factory(version="2.2.1", size=2000, max_page_size=1000)
    truth_spec = HEADER + AREAS_IN_CITIES.replace("  location.city as city\n",
                                                  "  location.city as city\n"
                                                  "  prefix(location.postal_code, 4) as area\n")
    truth_spec = truth_spec.replace("count() as sessions", "count(distinct "
                                    "pseudonymize(cdr_token.contract_id)) as drivers")
    (tmp_path / "full").mkdir()
    assert run_spec(truth_spec.replace("MIN", "1"), server, out="full/").exit_code == 0
    truth = read_csv(tmp_path / "full" / "by_city.csv")
    cities_of: dict[str, set[str]] = {}
    for row in truth:
        cities_of.setdefault(row["area"], set()).add(row["city"])
    assert any(len(cities) > 1 for cities in cities_of.values())  # an area on two lines
    tried = 0
    for city in sorted({row["city"] for row in truth}):
        mine = sorted((int(row["drivers"]), row["area"]) for row in truth if row["city"] == city)
        if any(len(cities_of[area]) > 1 for _, area in mine) or len(mine) < 3 or \
                mine[0][0] == mine[1][0]:
            continue
        minimum = mine[1][0]  # the city's smallest area alone is withheld
        out = f"out-{tried}"
        (tmp_path / out).mkdir()
        result = run_spec(HEADER + AREAS_IN_CITIES.replace("MIN", str(minimum)), server,
                          out=f"{out}/")
        assert result.exit_code == 0, result.stderr
        released = {row["area"] for row in read_csv(tmp_path / out / "by_area.csv")}
        totals = {row["city"] for row in read_csv(tmp_path / out / "by_city.csv")}
        assert mine[0][1] not in released
        assert city not in totals, f"{city}'s total gives {mine[0][1]} away"
        tried += 1
        if tried == 2:
            break
    assert tried


TOTAL_WITHOUT_JOIN = '''from sessions as by_area
  where status = "COMPLETED"
  join locations on location_id
group by
  prefix(location.postal_code, 4) as area
compute
  COUNT
  minimum group size MIN
output csv to "by_area.csv"

from sessions as total
  where status = "COMPLETED"
group by
  constant("all") as everything
compute
  COUNT
  minimum group size MIN
output csv to "total.csv"
'''


def test_totals_without_the_finer_dataset_s_join_give_no_cell_away(
        run_spec, demo_server_factory, tmp_path) -> None:
    """A grand total of the sessions beside their counts per area of the joined
    location: the join selects no records, but the plan compared joins as if it did,
    found no margin, and against the demo CPO the total minus the released areas was
    the one area withheld."""
    server = demo_server_factory(version="2.2.1", size=2000, max_page_size=1000)
    drivers = "count(distinct pseudonymize(cdr_token.contract_id)) as drivers"
    (tmp_path / "full").mkdir()
    spec = HEADER + TOTAL_WITHOUT_JOIN.replace("COUNT", drivers).replace("MIN", "1")
    assert run_spec(spec, server, out="full/").exit_code == 0
    sizes = sorted((int(row["drivers"]), row["area"])
                   for row in read_csv(tmp_path / "full" / "by_area.csv"))
    assert sizes[0][0] < sizes[1][0]
    (tmp_path / "out").mkdir()
    spec = HEADER + TOTAL_WITHOUT_JOIN.replace("COUNT", "count() as sessions") \
        .replace("MIN", str(sizes[1][0]))  # the smallest area alone is withheld
    result = run_spec(spec, server, out="out/")
    assert result.exit_code == 0, result.stderr
    released = {row["area"] for row in read_csv(tmp_path / "out" / "by_area.csv")}
    assert sizes[0][1] not in released and len(released) == len(sizes) - 1
    assert read_csv(tmp_path / "out" / "total.csv") == [], \
        f"the total minus the released areas gives {sizes[0][1]} away"
    assert "to protect released totals" in result.stderr


IDLE_BY_CITY = '''from sessions as idle
  join locations on location_id
group by
  location.city as city
compute
  count() as sessions
  sum(jmespath("sum(charging_periods[].dimensions[] | [?type=='PARKING_TIME'].volume)")) as idle_h
  minimum group size MIN
output csv to "idle.csv"

from sessions as parkers
  join locations on location_id
  where jmespath("sum(charging_periods[].dimensions[] | [?type=='PARKING_TIME'].volume)") > 0
group by
  location.city as city
compute
  count(distinct pseudonymize(cdr_token.contract_id)) as drivers
  minimum group size 1
output csv to "parkers.csv"
'''


def test_a_sum_counts_only_the_drivers_who_add_to_it(run_spec, demo_server, tmp_path) -> None:
    """The parking time of a session's periods is 0 where it did not park, not missing:
    each city's sum of it counted every driver as a contributor, and against the demo
    CPO a city where fewer than the minimum group size of drivers parked released their
    parking time."""
    (tmp_path / "out").mkdir()
    minimum = 6
    result = run_spec(HEADER + IDLE_BY_CITY.replace("MIN", str(minimum)), demo_server,
                      out="out/")
    assert result.exit_code == 0, result.stderr
    parkers = {row["city"]: int(row["drivers"])
               for row in read_csv(tmp_path / "out" / "parkers.csv")}
    idle = read_csv(tmp_path / "out" / "idle.csv")
    assert any(count < minimum for count in parkers.values())  # the case arises
    for row in idle:
        assert parkers.get(row["city"], 0) >= minimum, \
            f"{row['city']}: {row['idle_h']} h of {parkers.get(row['city'])} drivers"


@pytest.mark.parametrize("measure", ["sum(kwh * 0 + 1)", 'sum(jmespath("`1`"))',
                                     "sum(kwh + 1)", "sum(round(1 - kwh * 0, 0))",
                                     "sum(kwh / kwh)"])
def test_a_sum_with_a_constant_part_gives_the_exact_count_and_is_warned(
        run_spec, demo_server, tmp_path, measure: str) -> None:
    """`round counts to 5` rounded `count()`, while a sum adding 1 per record released
    the exact count beside it (against the demo CPO; `sum(kwh + 1)` beside `sum(kwh)`)."""
    spec = HEADER + COUNTS_IN_ARITHMETIC.replace(
        "  count() * 1 as sessions_again\n  count() / 7 as sessions_per_day\n"
        "  count(distinct location_id) + 0 as sites\n",
        f"  {measure} as counted\n  sum(kwh) as energy_kwh\n")
    (tmp_path / "out").mkdir()
    result = run_spec(spec, demo_server, out="out/")
    assert result.exit_code == 0, result.stderr
    assert "warning[OCX337]: counts are rounded, but this measure gives the exact count" \
        in result.stderr
    rows = read_csv(tmp_path / "out" / "cities.csv")
    plain = measure != "sum(kwh + 1)"  # the others are the count alone
    exact = [round(float(row["counted"]) - (0 if plain else float(row["energy_kwh"])))
             for row in rows]
    assert any(count % 5 for count in exact)
    assert all(int(row["sessions"]) % 5 == 0 for row in rows)


@pytest.mark.parametrize("measure", ["sum(kwh)", "sum(kwh * 1000)", "sum(kwh * 0)",
                                     'sum(jmespath("length(charging_periods)"))',
                                     "sum(minutes(start_date_time, end_date_time))"])
def test_a_sum_without_a_constant_part_is_not_warned(measure: str) -> None:
    from frontend_helpers import codes_of

    body = COUNTS_IN_ARITHMETIC.replace(
        "  count() * 1 as sessions_again\n  count() / 7 as sessions_per_day\n"
        "  count(distinct location_id) + 0 as sites\n", f"  {measure} as value\n")
    assert "OCX337" not in codes_of(body)
