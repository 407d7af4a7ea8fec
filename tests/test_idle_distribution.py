"""A university studies idle time: how long cars stay plugged in after they stop
charging, as a distribution per connector power class
(tests/specs/consumers/idle_distribution.ocx). What its data engineer met, and the file
checked by hand against `ocpispec get cdrs` of the same demo CPO on 2.2.1 and 2.3.0
(2.1.1 gives the power its voltage and amperage make)."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from consumer_runs import driver, dump, half_up, published, run_spec
from fixtures_cli import REPO
from ocpispec.demo import DemoServer

SPEC = REPO / "tests" / "specs" / "consumers" / "idle_distribution.ocx"
IDLE_KEY = ('bucket(jmespath("total_parking_time || `0`") * 60, [15, 30, 60, 120, 240, 480])'
            " as idle_minutes")


def _band(value: float, edges: list[float]) -> str:
    if value < edges[0]:
        return f"<{edges[0]:g}"
    for low, high in zip(edges, edges[1:]):
        if low <= value < high:
            return f"{low:g}-{high:g}"
    return f"{edges[-1]:g}+"


@pytest.mark.parametrize("version", ["2.2.1", "2.3.0"])
def test_the_bands_count_the_cdrs_of_the_quarter(version: str, run_cli, tmp_path: Path) -> None:
    with DemoServer(version=version, size=5000) as server:
        out = tmp_path / "idle.csv"
        run_spec(run_cli, SPEC, server, out)
        sites = published(run_cli, server)
        cdrs = dump(run_cli, server, "cdrs")
    groups: dict[tuple[str, str], list] = defaultdict(lambda: [0, set(), 0.0, set()])
    for cdr in cdrs:
        site = sites.get(cdr["cdr_location"]["id"])
        if site is None or cdr.get("credit") or \
                not "2025-10-01T00:00:00Z" <= cdr["start_date_time"] < "2026-01-01T00:00:00Z":
            continue
        connector = next(c for evse in site["evses"] if evse["uid"] == cdr["cdr_location"]["evse_uid"]
                         for c in evse["connectors"] if c["id"] == cdr["cdr_location"]["connector_id"])
        idle = cdr.get("total_parking_time") or 0
        key = (_band(connector["max_electric_power"] / 1000, [11, 22, 50, 150]),
               _band(idle * 60, [15, 30, 60, 120, 240, 480]))
        group = groups[key]
        group[0] += 1
        group[1].add(driver(cdr))
        group[2] += idle
        if idle:
            group[3].add(driver(cdr))
    expected = sorted((power, band, str(count), str(len(drivers)), str(half_up(hours, 1)))
                      for (power, band), (count, drivers, hours, idlers) in groups.items()
                      if len(drivers - {None}) >= 10 and len(idlers - {None}) >= 10)
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["power_class_kw", "idle_minutes", "cdrs", "drivers", "idle_hours"]
    assert len(rows) > 5
    assert sorted(tuple(row) for row in rows[1:]) == expected


def _check(run_cli, tmp_path: Path, text: str):
    path = tmp_path / "idle_distribution.ocx"
    path.write_text(text)
    return run_cli("check", str(path))


def test_a_default_for_a_missing_parking_time_is_coarsened_by_the_bucket_around_it(
        run_cli, tmp_path: Path) -> None:
    """`bucket(jmespath("total_parking_time || \\`0\\`") * 60, [...])`, the default the
    docs give for a CDR without parking time, was OCX303 'read inside `jmespath(...)`,
    which no call around it can coarsen': the value is the field's own (or 0), so the
    bucket coarsens it as it coarsens the field. Edges finer than the floor still warn,
    as they do without the default."""
    assert run_cli("check", str(SPEC.relative_to(REPO))).stderr.startswith("Success")
    fine = SPEC.read_text().replace("[15, 30, 60, 120, 240, 480]", "[15, 15.5]")
    shown = _check(run_cli, tmp_path, fine).stderr
    assert "warning[OCX303]" in shown and "no call around it" not in shown
    tested = SPEC.read_text().replace('total_parking_time || `0`") * 60',
                                      'total_parking_time > `1` && `1` || `0`") * 60')
    assert "warning[OCX303]" in _check(run_cli, tmp_path, tested).stderr


@pytest.mark.parametrize(("module", "column"), [
    ("cdrs", "bucket(minutes(charging_end, end_date_time), [15, 30, 60, 120, 240, 480])"),
    ("cdrs", "bucket(minutes(end_of_charging, end_date_time), [15, 30, 60, 120, 240, 480])"),
    ("sessions", "bucket(idle_time, [0.25, 0.5, 1, 2, 4, 8])"),
    ("sessions joined", "bucket(idle_time, [0.25, 0.5, 1, 2, 4, 8])"),
], ids=["cdr charging_end", "cdr end_of_charging", "session idle_time", "session with cdr"])
def test_the_end_of_charging_is_told_to_be_the_parking_time(module: str, column: str, run_cli,
                                                            tmp_path: Path, snapshot) -> None:
    """`minutes(charging_end, end_date_time)` was offered `charging_periods` (a list),
    `end_of_charging` `end_date_time`, and a session's `idle_time` `end_date_time`: OCPI
    stamps no end of charging, and the time after it is a CDR's `total_parking_time`."""
    text = SPEC.read_text().replace(IDLE_KEY, f"{column} as idle_minutes")
    if module.startswith("sessions"):
        text = text.replace("from cdrs", "from sessions").replace(
            "  where credit = false\n", '  where status = "COMPLETED"\n').replace(
            "cdr_location.id", "location_id")
    if module == "sessions joined":
        text = text.replace("  join locations on location_id\n",
                            "  join locations on location_id\n  join cdrs on id\n")
    done = _check(run_cli, tmp_path, text)
    assert (done.exit_code, done.stderr.replace(str(tmp_path) + "/", "")) == snapshot
