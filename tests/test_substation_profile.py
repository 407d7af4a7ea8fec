"""A grid operator relates the daily profile of charging load to its substation areas
(tests/specs/consumers/substation_hourly_profile.ocx): the energy of the previous
quarter's charging periods spread over the hours they cover, per hour of the day and
0.1-degree grid cell, as a GeoJSON layer. The layer is read as a GIS reads it (points of
two numbers, longitude first, in range) and checked by hand against `ocpispec get` of the
same demo CPO; the three OCPI versions give the same file. What the data engineer met
on the way: a first try by quarter hour and 0.05-degree cell released nothing, and the
warning named keys the spec did not have."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from consumer_runs import AS_OF, driver, dump, published, run_spec
from fixtures_cli import REPO
from ocpispec.demo import DemoServer

SPEC = REPO / "tests" / "specs" / "consumers" / "substation_hourly_profile.ocx"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
QUARTER = (datetime(2025, 10, 1, tzinfo=AMSTERDAM), datetime(2026, 1, 1, tzinfo=AMSTERDAM))


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _cell(coordinates: dict) -> tuple[float, float]:
    def centre(value: str) -> float:
        return round((math.floor(float(value) / 0.1) + 0.5) * 0.1, 6)
    return centre(coordinates["longitude"]), centre(coordinates["latitude"])


def _hours(start: datetime, end: datetime, energy: float):
    """The energy's part in each UTC hour the interval covers, pro rata to its seconds."""
    if end <= start:
        yield start.replace(minute=0, second=0, microsecond=0), energy
        return
    slot = start.replace(minute=0, second=0, microsecond=0)
    total = (end - start).total_seconds()
    while slot < end:
        nxt = slot + timedelta(hours=1)
        covered = (min(end, nxt) - max(start, slot)).total_seconds()
        if covered > 0:
            yield slot, energy * covered / total
        slot = nxt


def _expected(sessions: list[dict], sites: dict[str, dict]):
    groups: dict[tuple, list] = defaultdict(lambda: [0.0, set(), set(), 0])
    for session in sessions:
        site = sites.get(session["location_id"])
        started = _instant(session["start_date_time"])
        if site is None or session["status"] != "COMPLETED" or \
                not QUARTER[0] <= started < QUARTER[1]:
            continue
        periods = sorted(session["charging_periods"], key=lambda p: p["start_date_time"])
        for index, period in enumerate(periods):
            energy = sum(d["volume"] for d in period["dimensions"] if d["type"] == "ENERGY")
            if not energy:
                continue
            end = periods[index + 1]["start_date_time"] if index + 1 < len(periods) \
                else session["end_date_time"]
            for slot, part in _hours(_instant(period["start_date_time"]), _instant(end),
                                     energy):
                group = groups[(_cell(site["coordinates"]), slot.astimezone(AMSTERDAM).hour)]
                group[0] += part
                group[1].add(driver(session))
                group[2].add(session["id"])
                group[3] += 1
    return {key: (energy, len(ids), parts) for key, (energy, drivers, ids, parts)
            in groups.items() if len(drivers - {None}) >= 10}


def test_the_layer_is_the_quarter_s_energy_per_cell_and_hour(run_cli, tmp_path: Path) -> None:
    files = {}
    for version in ("2.1.1", "2.2.1", "2.3.0"):
        with DemoServer(version=version, size=5000) as server:
            files[version] = tmp_path / f"profile-{version}.geojson"
            # each platform a ledger of its own: a ledger's watermark is one platform's
            run_spec(run_cli, SPEC, server, files[version], "--state",
                     str(tmp_path / f"state-{version}.sqlite"), as_of="2026-01-02T06:00:00Z")
            if version == "2.3.0":
                sites = published(run_cli, server)
                sessions = dump(run_cli, server, "sessions")
    assert files["2.1.1"].read_bytes() == files["2.2.1"].read_bytes() == \
        files["2.3.0"].read_bytes()
    layer = json.loads(files["2.3.0"].read_text(encoding="utf-8"))
    assert layer["type"] == "FeatureCollection" and len(layer["features"]) > 20
    written = {}
    for feature in layer["features"]:
        longitude, latitude = feature["geometry"]["coordinates"]
        assert feature["geometry"]["type"] == "Point"
        assert isinstance(longitude, float) and isinstance(latitude, float)
        assert 3 < longitude < 15 and 47 < latitude < 55  # the demo's sites, longitude first
        properties = feature["properties"]
        assert isinstance(properties["hour"], int) and isinstance(properties["sessions"], int)
        written[((longitude, latitude), properties["hour"])] = (properties["energy_kwh"],
                                                                properties["sessions"])
    expected = _expected(sessions, sites)
    assert written.keys() == expected.keys()
    for key, (energy, count, parts) in expected.items():
        assert written[key][1] == count
        assert abs(written[key][0] - energy) <= 0.05 + 0.001 * parts, key


def test_a_layer_that_releases_nothing_names_the_keys_to_coarsen(run_cli,
                                                                 tmp_path: Path) -> None:
    """The first try (quarter hours of the previous week, 0.05-degree cells) released no
    row, and the warning said to use 'a shorter `prefix`' and 'no site or EVSE id', keys
    the spec did not have. It now names the spec's own: the slot and the grid cell."""
    text = SPEC.read_text().replace("over hour in", "over quarter_hour in").replace(
        "previous quarter in", "previous week in").replace(
        '  hour_of_day(slot, "Europe/Amsterdam") as hour\n',
        '  slot because "substation load is planned per quarter hour; each cell holds ten '
        'drivers"\n').replace("order by cell, hour", "order by cell, slot").replace(
        "grid(location.coordinates, 0.1)", "grid(location.coordinates, 0.05)").replace(
        'schedule cron "0 6 2 1,4,7,10 *"', "schedule weekly on monday at 06:00")
    spec = tmp_path / "substation_hourly_profile.ocx"
    spec.write_text(text)
    assert run_cli("check", str(spec)).exit_code == 0
    with DemoServer(version="2.3.0", size=2000) as server:
        done = run_spec(run_cli, spec, server, tmp_path / "layer.geojson",
                        as_of="2026-01-02T06:00:00Z")
    assert "group by fewer or coarser keys (a larger `grid` cell for `cell`, hours or days " \
           "for the quarter hours of `slot`) or read a longer window" in done.stderr
    assert "a shorter `prefix`" not in done.stderr, done.stderr


@pytest.mark.parametrize(("size", "fixed"), [
    ("grid(location.coordinates, 10 km)", "grid(location.coordinates, 0.09)"),
    ("grid(location.coordinates, 10km)", "grid(location.coordinates, 0.09)"),
    ("round_coords(location.coordinates, 1 km)", "round_coords(location.coordinates, 2)"),
], ids=["grid km", "grid km glued", "round_coords km"])
def test_a_cell_size_in_kilometres_is_told_in_degrees(size: str, fixed: str, run_cli,
                                                      tmp_path: Path, snapshot) -> None:
    """`grid(location.coordinates, 10 km)`, the cell as the grid operator thinks of it,
    was told 'arguments are separated by `,`: write `10, km`' (and `10km` 'write `10`',
    cells of ten degrees). A grid's cell and `round_coords`' digits are in degrees: the
    help writes the degrees the distance is about, and the spec with it checks."""
    text = SPEC.read_text()
    spec = tmp_path / "substation_hourly_profile.ocx"
    spec.write_text(text.replace("grid(location.coordinates, 0.1)", size))
    done = run_cli("check", str(spec))
    assert (done.exit_code, done.stderr.replace(str(tmp_path) + "/", "")) == snapshot
    spec.write_text(text.replace("grid(location.coordinates, 0.1)", fixed))
    assert run_cli("check", str(spec)).exit_code == 0
