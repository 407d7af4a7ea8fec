"""`each` (one row per list element) and `spread` (a value apportioned over time slots):
exact apportioning, the edge cases and their counts, privacy, the plan, and the shipped
DSO load profile against the demo CPO."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixtures_cli import SPECS
from ocpispec.plan import ir
from ocpispec.language import syntax
from ocpispec.check.compiler import compile_source
from ocpispec.plan.drivers import DRIVERS
from ocpispec.execute import series as runtime
from ocpispec.language.parser import parse
from ocpispec.plan.planner import plan
from ocpispec.series.apportion import local_slots, split, units_of, value_of, zone_of
from ocpispec.diagnostics.source import SourceFile

HEADER = '''export series_test
  consumer "Test consumer"
  purpose "Exercise unnesting and spreading"
  legal basis legitimate interests
  retention 1 year
source profile demo
'''
PROFILE = HEADER + '''from sessions
  join locations on location_id
  each charging_periods as period
  spread period.energy_kwh over {unit} in {zone} as slot
group by
  slot{because}
  prefix(location.postal_code, 4) as postal_area
compute sum(period.energy_kwh) as energy_kwh
  minimum group size 10
output csv to stdout
'''
AS_OF = "2026-01-01T00:00:00Z"


def checked(text: str):
    return compile_source(SourceFile("t.ocx", text))


def dataset_of(text: str) -> ir.Dataset:
    return plan(checked(text)).datasets[0]


def profile(unit: str = "quarter_hour", zone: str = "utc") -> str:
    because = ' because "grid load per quarter hour, cells of ten drivers"' \
        if unit == "quarter_hour" else ""
    return PROFILE.format(unit=unit, zone=zone, because=because)


def session(periods: list[dict], end: str | None = "2026-01-05T12:00:00Z", **extra) -> dict:
    return {"start_date_time": periods[0]["start_date_time"] if periods else None,
            "end_date_time": end, "charging_periods": periods,
            "cdr_token": {"uid": "U1", "contract_id": "C1"}, **extra}


def period(start: str, *dimensions: tuple[str, float]) -> dict:
    return {"start_date_time": start,
            "dimensions": [{"type": kind, "volume": volume} for kind, volume in dimensions]}


# ---- syntax ---------------------------------------------------------------------------


def test_each_and_spread_parse_into_the_from_block() -> None:
    spec = parse(SourceFile("t.ocx", profile("day", "location time zone")))
    source = spec.datasets[0].source
    assert [e.alias.name for e in source.eaches] == ["period"]
    assert source.eaches[0].path.path == ("charging_periods",)
    spread = source.spreads[0]
    assert isinstance(spread, syntax.Spread)
    assert (spread.value.dotted, spread.unit.name, spread.zone_phrase, spread.alias.name) == \
        ("period.energy_kwh", "day", "location time zone", "slot")


def test_words_of_the_new_clauses_stay_usable_as_names() -> None:
    text = HEADER + "from sessions\nselect constant(1) as each\noutput csv to stdout\n"
    assert parse(SourceFile("t.ocx", text)).datasets[0].body.columns[0].alias.name == "each"


# ---- exact apportioning ------------------------------------------------------------------


def test_split_gives_the_remainder_to_the_largest_remainders() -> None:
    assert split(10, [1, 1, 1]) == [4, 3, 3]
    assert split(-10, [1, 1, 1]) == [-4, -3, -3]
    assert split(7, [900, 300]) == [5, 2]
    assert split(0, [5, 5]) == [0, 0]


def test_units_keep_every_decimal_and_at_least_watt_hours() -> None:
    assert units_of(12.5) == (12500, -3)
    assert units_of(0.12345) == (12345, -5)
    assert units_of(3) == (3000, -3)
    assert repr(value_of(12345, -5)) == "0.12345"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5000), st.integers(0, 95_000)), min_size=1, max_size=6),
       st.integers(0, 86_400 * 3), st.integers(0, 3 * 3600),
       st.sampled_from(["quarter_hour", "hour", "day"]))
def test_spreading_conserves_each_sessions_energy_exactly(periods, offset, tail, unit) -> None:
    """Per session: the slot parts add up, in decimal, to exactly the session's `kwh`
    (the sum of its periods' ENERGY volumes, in Wh)."""
    start = 1_767_600_000 + offset
    built, at = [], start
    for minutes, wh in periods:
        built.append(period(_iso(at), ("ENERGY", wh / 1000), ("TIME", 0.5)))
        at += minutes * 60
    kwh = sum(Decimal(wh) / 1000 for _, wh in periods)
    record = session(built, end=_iso(at + tail), kwh=float(kwh))
    counts: Counter[str] = Counter()
    expand = runtime.expander(dataset_of(profile(unit)), counts)
    rows = expand(record)
    parts = sum((Decimal(repr(row["period"]["energy_kwh"])) for row in rows), Decimal(0))
    assert parts == Decimal(repr(record["kwh"]))
    assert all(row["slot"].endswith("Z") for row in rows)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 10**9), st.lists(st.integers(1, 10**7), min_size=1, max_size=30))
def test_split_always_sums_to_its_input(units, weights) -> None:
    parts = split(units, weights)
    assert sum(parts) == units and all(part >= 0 for part in parts)
    exact = [Decimal(units) * weight / sum(weights) for weight in weights]
    assert all(abs(part - share) < 1 for part, share in zip(parts, exact))


def _iso(seconds: int) -> str:
    from datetime import UTC, datetime
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---- slots ----------------------------------------------------------------------------------


def test_a_period_is_spread_pro_rata_over_utc_quarter_hours() -> None:
    record = session([period("2026-01-05T10:10:00Z", ("ENERGY", 3.0))],
                     end="2026-01-05T10:40:00Z")
    rows = runtime.expander(dataset_of(profile()), Counter())(record)
    assert [(row["slot"], row["period"]["energy_kwh"]) for row in rows] == [
        ("2026-01-05T10:00:00Z", 0.5), ("2026-01-05T10:15:00Z", 1.5),
        ("2026-01-05T10:30:00Z", 1.0)]
    assert record["charging_periods"][0]["dimensions"][0]["volume"] == 3.0  # not mutated


def test_local_days_follow_the_clock_change() -> None:
    """Europe/Amsterdam on 2026-10-25 has 25 hours: two 02:00 hours, one day slot."""
    zone = zone_of("Europe/Amsterdam")
    start = 1_792_879_200_000_000  # 2026-10-24T22:00:00Z = local midnight (+02:00)
    hours = local_slots("hour")(zone, start, start + 25 * 3600 * 1_000_000)
    assert len(hours) == 25
    assert [name for name, _ in hours[2:4]] == ["2026-10-25T02:00:00+02:00",
                                               "2026-10-25T02:00:00+01:00"]
    days = local_slots("day")(zone, start, start + 25 * 3600 * 1_000_000)
    assert days == [("2026-10-25T00:00:00+02:00", 25 * 3600 * 1_000_000)]


def test_an_unknown_time_zone_is_none() -> None:
    assert zone_of("Mars/Olympus_Mons") is None
    assert zone_of("../etc/passwd") is None
    assert zone_of(None) is None


# ---- edge cases, each counted ------------------------------------------------------------


def test_edge_cases_are_counted_and_never_lose_energy_silently() -> None:
    counts: Counter[str] = Counter()
    expand = runtime.expander(dataset_of(profile("hour")), counts)
    assert expand(session([])) == []
    shuffled = expand(session([period("2026-01-05T11:00:00Z", ("ENERGY", 1.0)),
                               period("2026-01-05T10:00:00Z", ("ENERGY", 2.0))]))
    assert [(r["slot"], r["period"]["energy_kwh"]) for r in shuffled] == [
        ("2026-01-05T10:00:00Z", 2.0), ("2026-01-05T11:00:00Z", 1.0)]
    parking = expand(session([period("2026-01-05T10:00:00Z", ("PARKING_TIME", 1.0))]))
    assert parking == []
    imported = expand(session([period("2026-01-05T10:00:00Z", ("ENERGY_IMPORT", 4.0),
                                      ("ENERGY_EXPORT", 9.0))]))
    assert sum(r["period"]["energy_kwh"] for r in imported) == 4.0
    active = expand(session([period("2026-01-05T10:20:00Z", ("ENERGY", 1.5))], end=None))
    assert [(r["slot"], r["period"]["energy_kwh"]) for r in active] == [
        ("2026-01-05T10:00:00Z", 1.5)]
    assert expand(session([period("not a time", ("ENERGY", 1.5))])) == []
    assert counts == Counter({
        runtime.NO_ELEMENTS.format(list="charging_periods"): 1, runtime.OUT_OF_ORDER: 1,
        runtime.NO_ENERGY: 1, runtime.NOTHING: 1, runtime.WHOLE: 1, runtime.NO_START: 1,
        runtime.NOT_PLACED: 1})


def test_derived_period_fields() -> None:
    text = HEADER + '''from sessions
  each charging_periods as period
group by truncate(period.end, hour) as ended
compute sum(period.duration) as minutes
  sum(period.energy_kwh) as energy_kwh
  minimum group size 10
output csv to stdout
'''
    rows = runtime.expander(dataset_of(text), Counter())(session(
        [period("2026-01-05T10:00:00Z", ("ENERGY", 2.0)),
         period("2026-01-05T10:30:00Z", ("PARKING_TIME", 0.5))], end="2026-01-05T11:00:00Z"))
    assert [(r["period"]["end"], r["period"]["duration"], r["period"]["energy_kwh"])
            for r in rows] == [("2026-01-05T10:30:00Z", 30.0, 2.0),
                               ("2026-01-05T11:00:00Z", 30.0, 0)]


def test_a_location_time_zone_that_is_unusable_falls_back_to_utc_and_is_counted() -> None:
    counts: Counter[str] = Counter()
    expand = runtime.expander(dataset_of(profile("day", "location time zone")), counts)
    record = session([period("2026-01-05T10:00:00Z", ("ENERGY", 1.0))],
                     location={"time_zone": "Nowhere/Land"})
    assert [r["slot"] for r in expand(record)] == ["2026-01-05T00:00:00Z"]
    record["location"] = {"time_zone": "America/New_York"}
    assert [r["slot"] for r in expand(record)] == ["2026-01-05T00:00:00-05:00"]
    assert counts[runtime.UTC_FALLBACK] == 1


# ---- checking and privacy -------------------------------------------------------------------


def test_only_the_named_element_fields_are_normalized() -> None:
    normalize = dataset_of(profile()).step(ir.Normalize)
    periods = [field for field in normalize.fields if field.startswith("charging_periods")]
    assert periods == ["charging_periods.start_date_time", "charging_periods.dimensions.type",
                       "charging_periods.dimensions.volume"]
    assert "charging_periods.tariff_id" not in normalize.expressions[0].expression


def test_an_unknown_element_field_never_leaves() -> None:
    text = HEADER + '''from cdrs
  each charging_periods as period
select period.tariff_id as tariff
output csv to stdout
'''
    dataset = dataset_of(text)
    assert dataset.step(ir.Unnest).fields == ("tariff_id",)
    assert dataset.step(ir.Project).expression == "{tariff: period.tariff_id}"


def test_element_values_follow_the_privacy_rules() -> None:
    text = HEADER + '''from sessions
  each charging_periods as period
select
  period.energy_kwh as energy
  round(period.energy_kwh, 1) as energy_rounded
  period.start_date_time as started
output csv to stdout
'''
    codes = [(d.code, d.labels[0].span) for d in checked(text).warnings]
    assert [code for code, _ in codes] == ["OCX303", "OCX303"]


def test_a_quarter_hour_slot_is_below_the_time_floor_an_hour_is_not() -> None:
    assert [d.code for d in checked(profile("quarter_hour").replace(
        ' because "grid load per quarter hour, cells of ten drivers"', "")).warnings] == \
        ["OCX303"]
    assert checked(profile("hour")).warnings == ()


def test_a_local_slot_is_not_described_as_utc(run_cli, demo_server, tmp_path: Path) -> None:
    """Slots in the location's time zone are written with the local offset: the data
    package says so (it said "UTC"); UTC slots still say UTC."""
    descriptions = {}
    for zone in ("location time zone", "utc"):
        spec = tmp_path / "local.ocx"
        spec.write_text(profile("hour", zone).replace(
            "source profile demo", "source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN")
            .replace("minimum group size 10", "minimum group size 1")
            .replace("output csv to stdout", f'output csv to "{tmp_path}/out.csv"'))
        result = _run(run_cli, demo_server, spec, tmp_path / "out.csv")
        assert result.exit_code == 0, result.output
        package = json.loads((tmp_path / "out.csv.datapackage.json").read_text())
        slot = package["resources"][0]["schema"]["fields"][0]
        descriptions[zone] = slot["description"]
        if zone != "utc":
            rows = (tmp_path / "out.csv").read_text().splitlines()[1:]
            assert rows and all(re.match(r"\S+T\S+[+-]\d\d:\d\d,", row) for row in rows)
    assert descriptions == {
        "location time zone": "slot: start of the hour slot in the location's local time, "
                              "with its UTC offset (Parquet: the UTC instant; XLSX: the "
                              "local time)",
        "utc": "slot: start of the hour slot; UTC"}


def test_the_group_size_still_counts_distinct_drivers() -> None:
    aggregate = dataset_of(profile()).step(ir.Aggregate)
    assert aggregate.entity == DRIVERS["sessions"]


def test_new_plans_keep_old_fingerprints() -> None:
    """A dataset without each/spread has no new steps, so its plan bytes are unchanged."""
    spec = (SPECS / "utilisation_by_area.ocx").read_text()
    dataset = dataset_of(spec)
    assert not dataset.all(ir.Unnest) and not dataset.all(ir.Spread)
    assert "unnest" not in plan(checked(spec)).to_json()


def test_the_plan_round_trips_with_unnest_and_spread() -> None:
    made = plan(checked(profile("day", "location time zone")))
    again = ir.Plan.from_dict(made.to_dict())
    assert again == made and ir.fingerprint(again) == made.fingerprint
    assert again.datasets[0].step(ir.Spread).zone_field == ("location", "time_zone")


def test_the_plan_shows_unnest_and_spread(run_cli, snapshot) -> None:
    result = run_cli("plan", "specs/dso_load_profile.ocx")
    assert result.exit_code == 0
    assert "unnest.period" in result.output and "spread.slot" in result.output
    assert result.output == snapshot


# ---- the shipped DSO spec against the demo CPO ------------------------------------------------


def _run(run_cli, server, spec: Path, out: Path):
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token}
    return run_cli("run", str(spec), "--out", str(out), "--state", str(out) + ".state",
                   "--as-of", AS_OF, env=env)


TOTALS = HEADER.replace("source profile demo", "source ocpi env OCPI_VERSIONS_URL "
                        "token env OCPI_TOKEN") + '''from sessions
  previous week
  window on start_date_time
  where status = "COMPLETED"
  join locations on location_id
group by prefix(location.postal_code, 4) as postal_area
compute sum(kwh) as energy_kwh
  minimum group size 1
output csv to stdout
'''


def test_dso_load_profile_totals_equal_the_session_totals(run_cli, demo_server_factory,
                                                          tmp_path: Path) -> None:
    """Per postal area, the quarter-hour profile adds up to the sessions' `kwh` (the
    demo's periods carry it). With every cell released, nothing is lost between them."""
    demo_server = demo_server_factory(version="2.2.1", size=2000, max_page_size=500)
    shipped = (SPECS / "dso_load_profile.ocx").read_text()
    assert "minimum group size 10" in shipped
    everything = tmp_path / "profile.ocx"
    everything.write_text(shipped.replace("minimum group size 10", "minimum group size 1"))
    totals = tmp_path / "totals.ocx"
    totals.write_text(TOTALS)
    assert _run(run_cli, demo_server, everything, tmp_path / "p.csv").exit_code == 0
    assert _run(run_cli, demo_server, totals, tmp_path / "t.csv").exit_code == 0
    profile_totals: dict[str, Decimal] = Counter()
    with open(tmp_path / "p.csv") as file:
        rows = list(csv.DictReader(file))
    for row in rows:
        profile_totals[row["postal_area"]] += Decimal(row["energy_kwh"])
    with open(tmp_path / "t.csv") as file:
        expected = {row["postal_area"]: Decimal(row["energy_kwh"]) for row in csv.DictReader(file)}
    assert len(rows) > 100 and len(expected) > 10
    assert set(profile_totals) == set(expected)
    assert all(abs(profile_totals[area] - expected[area]) < Decimal("0.000001")
               for area in expected)
    assert {row["slot"][14:] for row in rows} == {"00:00Z", "15:00Z", "30:00Z", "45:00Z"}


def test_the_shipped_spec_suppresses_small_cells_and_counts_them(run_cli, demo_server,
                                                                 tmp_path: Path) -> None:
    result = _run(run_cli, demo_server, SPECS / "dso_load_profile.ocx", tmp_path / "p.csv")
    assert result.exit_code == 0
    assert "suppressed as too small" in result.output
    assert "charging periods without an energy dimension: energy 0" in result.output
    with open(tmp_path / "p.csv") as file:
        header = file.readline().strip()
    assert header == "slot,postal_area,energy_kwh,periods"


OCCUPANCY = TOTALS.split("from sessions")[0] + '''from sessions
  where status = "COMPLETED"
  join locations on location_id
  each charging_periods as period
  spread period.duration over hour in location time zone as slot
group by slot
  location.city as city
compute sum(period.duration) as occupied_minutes
  minimum group size 10
output csv to stdout
'''


def test_spreading_minutes_says_nothing_about_energy(run_cli, demo_server,
                                                     tmp_path: Path) -> None:
    """Occupancy per hour spreads `period.duration`: the periods' dimensions are not read,
    so not normalized (default deny), and every period was counted as `charging periods
    without an energy dimension: energy 0`, a false alarm about data the spec never used."""
    spec = tmp_path / "occupancy.ocx"
    spec.write_text(OCCUPANCY)
    result = _run(run_cli, demo_server, spec, tmp_path / "o.csv")
    assert result.exit_code == 0, result.output
    assert "energy dimension" not in result.output
    assert "rows written" in result.output
    counts: Counter[str] = Counter()
    rows = runtime.expander(dataset_of(OCCUPANCY), counts)(session(
        [{"start_date_time": "2026-01-05T10:00:00Z"}], end="2026-01-05T11:30:00Z",
        location={"time_zone": "Europe/Amsterdam"}))
    assert sum(row["period"]["duration"] for row in rows) == 90.0
    assert runtime.NO_ENERGY not in counts


def test_the_slot_and_the_unnesting_are_part_of_what_is_approved() -> None:
    """Changing quarter hours to hours, or dropping `spread`, changes the privacy
    fingerprint, and `diff` names the change."""
    from ocpispec.privacy_summary import compare, summarise

    quarter, hour = plan(checked(profile())), plan(checked(profile("hour")))
    assert quarter.privacy_fingerprint != hour.privacy_fingerprint
    changes = compare(summarise(hour), summarise(quarter))
    assert ("changed", "rows: spread `period.energy_kwh` over hour in utc as `slot` -> spread "
                       "`period.energy_kwh` over quarter_hour in utc as `slot`") in \
        [(c.kind, c.text) for c in changes]
    plain = summarise(plan(checked((SPECS / "utilisation_by_area.ocx").read_text())))
    assert "rows" not in plain["datasets"][0]


def test_locations_unnest_evses_then_connectors() -> None:
    text = HEADER + '''from locations
  each evses as evse
  each evse.connectors as connector
select
  id
  evse.uid as evse_uid
  connector.id as connector_id
  connector.max_electric_power as max_power_w
output csv to stdout
'''
    dataset = dataset_of(text)
    assert [(s.alias, s.parent, s.items) for s in dataset.all(ir.Unnest)] == [
        ("evse", "", ("evses",)), ("connector", "evse", ("connectors",))]
    assert "evses.connectors.max_electric_power" in dataset.step(ir.Normalize).fields
    counts: Counter[str] = Counter()
    expand = runtime.expander(dataset, counts)
    location = {"id": "L1", "evses": [
        {"uid": "E1", "connectors": [{"id": "1", "max_electric_power": 11000},
                                     {"id": "2", "max_electric_power": 22000}]},
        {"uid": "E2", "connectors": []}, "not an object"]}
    rows = expand(location)
    assert [(r["evse"]["uid"], r["connector"]["id"]) for r in rows] == [("E1", "1"), ("E1", "2")]
    # an EVSE without connectors, counted as one element (the location is one record)
    assert counts == Counter({"`evse` elements without `evse.connectors`: no rows": 1})


def test_a_group_keeps_no_more_drivers_than_its_minimum_needs() -> None:
    """Memory stays bounded by the groups: a group stops collecting drivers once it
    has enough to be released, and suppression still sees the difference."""
    from ocpispec.execute.aggregate import Aggregator
    from ocpispec.execute.pipeline import Counts

    aggregate = dataset_of(profile("hour")).step(ir.Aggregate)
    from ocpispec.execute.functions import custom_functions
    from ocpispec.execute.jmes_compile import compile_expression
    functions = custom_functions(b"\x5a" * 32, "series_test")
    aggregator = Aggregator(aggregate, lambda text: compile_expression(text, functions), Counts())
    for index in range(25):
        aggregator.add({"slot": "2026-01-05T10:00:00Z", "location": {"postal_code": "3511AB"},
                        "period": {"energy_kwh": 1.0},
                        "cdr_token": {"contract_id": f"NL-TNM-C{index:07d}"}})
    for index in range(9):
        aggregator.add({"slot": "2026-01-05T11:00:00Z", "location": {"postal_code": "3511AB"},
                        "period": {"energy_kwh": 1.0},
                        "cdr_token": {"contract_id": f"NL-TNM-C{index:07d}"}})
    from ocpispec.execute import accumulators as acc
    # each group counts its people (`disclosure.people`); one reaching the minimum keeps
    # that many and no more (`accumulators.Full`)
    drivers = sorted((state[acc.DRIVERS].__class__.__name__, acc.driver_count(state[acc.DRIVERS]))
                     for state in aggregator.groups.values())
    assert drivers == [("Full", 10), ("set", 9)]
    assert [row["slot"] for row in aggregator.rows()] == ["2026-01-05T10:00:00Z"]
