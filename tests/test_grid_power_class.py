"""A distribution grid operator wants the energy charged per quarter hour, postal area
and connector power class (tests/specs/consumers/grid_power_class_quarter_hours.ocx).
What its data engineer wrote first, and the numbers checked by hand against `ocpispec
get` of the same demo CPO."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

import pytest

from consumer_runs import demo_cpo, driver, dump, published, run_spec
from fixtures_cli import REPO, cli_block

SPEC = REPO / "tests" / "specs" / "consumers" / "grid_power_class_quarter_hours.ocx"
EDGES = "[11000, 22000, 50000, 150000]"


def _variant(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    text = SPEC.read_text()
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "grid.ocx"
    path.write_text(text)
    return path


@pytest.mark.parametrize("edges", ["[11 kW, 22 kW, 50 kW, 150 kW]", "[11kW, 22kW, 50kW, 150kW]"])
def test_power_classes_written_in_kilowatts_get_the_edges_in_watts(
        run_cli, tmp_path: Path, edges: str, snapshot) -> None:
    """`bucket(location.connector.max_electric_power, [11 kW, ...])` was a bare "expected
    `,` or `]`", and `[11kW, ...]` got the help `write 11`: eleven watts, a class every
    connector is above. The help now writes the list in the field's unit, under a caret
    over the list it replaces, and that list checks clean."""
    found = run_cli("check", str(_variant(tmp_path, (EDGES, edges))))
    text = cli_block(found, tmp=tmp_path)
    assert found.exit_code == 1 and f"write `{EDGES}`" in text
    assert text == snapshot
    assert run_cli("check", str(_variant(tmp_path))).exit_code == 0  # the list as written


def test_a_list_filter_in_kilowatts_gets_the_list_in_watts(run_cli, tmp_path: Path) -> None:
    path = _variant(tmp_path, ('where status = "COMPLETED"', 'where status = "COMPLETED" and '
                               'location.connector.max_electric_power in [11 kW, 22 kW]'))
    assert "write `[11000, 22000]`" in run_cli("check", str(path)).stderr


@pytest.mark.parametrize(("length", "slot"), [("15 min", "quarter_hour"),
                                              ("15min", "quarter_hour"),
                                              ("15 Minutes", "quarter_hour"),
                                              ("1h", "hour"), ("24 hrs", "day")])
def test_a_slot_written_as_a_short_length_gets_its_name(run_cli, tmp_path: Path, length: str,
                                                        slot: str) -> None:
    """`spread ... over 15 min` got "write `over quarter_hour`, `over hour` or `over
    day`" where `over 15 minutes` got the one slot it means."""
    path = _variant(tmp_path, ("over quarter_hour", f"over {length}"))
    assert f"help: write `over {slot}`\n" in run_cli("check", str(path)).stderr


server = demo_cpo("2.2.1", 20000)


def test_the_shipped_spec_releases_no_cell_of_fewer_than_ten_drivers(
        run_cli, tmp_path: Path, server) -> None:
    """A month of the demo holds no quarter hour with ten drivers in one postal area:
    the run says so and writes the header alone."""
    done = run_spec(run_cli, SPEC, server, tmp_path / "grid.csv")
    assert "released no row: every group was smaller than the minimum group size" in done.stderr
    assert (tmp_path / "grid.csv").read_text() == "slot,postal_area,power_class_w,energy_kwh\n"


def _label(power: float) -> str:
    edges = [11000, 22000, 50000, 150000]
    if power < edges[0]:
        return f"<{edges[0]}"
    for low, high in zip(edges, edges[1:]):
        if low <= power < high:
            return f"{low}-{high}"
    return f"{edges[-1]}+"


def _parse(stamp: str) -> dt.datetime:
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _spread_by_day(start: dt.datetime, end: dt.datetime, energy: float):
    """Each UTC day's part of `energy`, pro rata to the time of the interval in it."""
    if end <= start:
        yield start.date(), energy
        return
    at = start
    while at < end:
        midnight = dt.datetime.combine(at.date() + dt.timedelta(days=1), dt.time(),
                                       tzinfo=dt.timezone.utc)
        stop = min(midnight, end)
        yield at.date(), energy * (stop - at) / (end - start)
        at = stop


def test_daily_energy_per_power_class_is_the_periods_spread_by_hand(
        run_cli, tmp_path: Path, server) -> None:
    """The spec with day slots and no postal area (cells the demo fills): each released
    cell is the periods' energy spread pro rata over the UTC days they cover, summed per
    connector power class, from the sessions `get` lists; a cell of ten drivers or more
    is released, one of fewer is not."""
    import pandas as pd

    path = _variant(tmp_path, ("over quarter_hour", "over day"),
                    ("  prefix(location.postal_code, 4) as postal_area\n", ""),
                    ("order by slot postal_area power_class_w", "order by slot power_class_w"))
    run_spec(run_cli, path, server, tmp_path / "daily.csv")
    frame = pd.read_csv(tmp_path / "daily.csv")
    assert list(frame.columns) == ["slot", "power_class_w", "energy_kwh"]
    assert pd.api.types.is_float_dtype(frame["energy_kwh"]) and len(frame) > 30
    sites = published(run_cli, server)
    energy: dict[tuple, float] = defaultdict(float)
    drivers: dict[tuple, set] = defaultdict(set)
    for session in dump(run_cli, server, "sessions", since="2025-12-01"):
        site = sites.get(session["location_id"])
        if site is None or session["status"] != "COMPLETED" or \
                not "2025-12-01" <= session["start_date_time"] < "2026-01-01":
            continue
        evse = next(e for e in site["evses"] if e["uid"] == session["evse_uid"])
        connector = next(c for c in evse["connectors"] if c["id"] == session["connector_id"])
        power = _label(connector["max_electric_power"])
        periods = sorted(session["charging_periods"], key=lambda p: p["start_date_time"])
        ends = [p["start_date_time"] for p in periods[1:]] + [session["end_date_time"]]
        for period, end in zip(periods, ends):
            kwh = sum(d["volume"] for d in period["dimensions"] if d["type"] == "ENERGY")
            for day, part in _spread_by_day(_parse(period["start_date_time"]), _parse(end), kwh):
                if part:
                    energy[day, power] += part
                    drivers[day, power].add(driver(session))
    released = {(_parse(slot).date(), power): kwh for slot, power, kwh in
                zip(frame["slot"], frame["power_class_w"], frame["energy_kwh"])}
    assert set(released) == {cell for cell, who in drivers.items() if len(who - {None}) >= 10}
    for cell, kwh in released.items():
        assert kwh == pytest.approx(energy[cell], abs=0.01), cell
