"""A national statistics office publishes monthly counts of public charging sessions per
connector standard and power class, small cells suppressed and counts rounded to 5, as
CSV for English Excel (tests/specs/consumers/statistics_connector_power.ocx). OCPI 2.1.1
gives a connector's voltage and amperage, not its power: the power class read empty there,
in every row. The file is checked by hand against `ocpispec get` of the same demo CPO on
2.1.1, 2.2.1 and 2.3.0."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from consumer_runs import driver, dump, published, run_spec
from fixtures_cli import REPO
from ocpispec.demo import DemoServer

SPEC = REPO / "tests" / "specs" / "consumers" / "statistics_connector_power.ocx"
AS_OF = "2026-01-03T06:00:00Z"  # the schedule's run for December
BRUSSELS = ZoneInfo("Europe/Brussels")


def _power(connector: dict) -> float | None:
    if "max_electric_power" in connector:
        return connector["max_electric_power"]
    phases = 3 if connector["power_type"] == "AC_3_PHASE" else 1
    return connector["voltage"] * connector["amperage"] * phases  # OCPI 2.1.1


def _class(power: float | None) -> str:
    edges = [11000, 22000, 50000, 150000]
    if power is None:
        return ""
    if power < edges[0]:
        return f"<{edges[0]}"
    for low, high in zip(edges, edges[1:]):
        if low <= power < high:
            return f"{low}-{high}"
    return f"{edges[-1]}+"


def _fives(count: int) -> int:
    return int((Decimal(count) / 5).quantize(Decimal(1), ROUND_HALF_UP) * 5)


def _connector(session: dict, sites: dict[str, dict]) -> dict | None:
    embedded = session.get("location")
    site = sites.get(session["location_id"] if embedded is None else embedded["id"])
    if site is None:
        return None
    evse_uid = session.get("evse_uid") or embedded["evses"][0]["uid"]
    connector_id = session.get("connector_id") or embedded["evses"][0]["connectors"][0]["id"]
    return next(c for evse in site["evses"] if evse["uid"] == evse_uid
                for c in evse["connectors"] if c["id"] == connector_id)


@pytest.mark.parametrize("version", ["2.1.1", "2.2.1", "2.3.0"])
def test_the_cells_are_the_month_s_sessions_per_standard_and_power(
        version: str, run_cli, tmp_path: Path) -> None:
    with DemoServer(version=version, size=5000) as server:
        out = tmp_path / "statistics.csv"
        done = run_spec(run_cli, SPEC, server, out, as_of=AS_OF)
        assert "is empty in every row" not in done.stderr
        sites = published(run_cli, server)
        sessions = dump(run_cli, server, "sessions")
    cells: dict[tuple[str, str], list] = defaultdict(lambda: [0, set(), Decimal(0)])
    for session in sessions:
        started = session.get("start_date_time") or session["start_datetime"]
        local = datetime.fromisoformat(started.replace("Z", "+00:00")).astimezone(BRUSSELS)
        connector = _connector(session, sites)
        if session["status"] != "COMPLETED" or connector is None or \
                (local.year, local.month) != (2025, 12):
            continue
        cell = cells[(connector["standard"], _class(_power(connector)))]
        cell[0] += 1
        cell[1].add(driver(session) or session.get("auth_id"))
        cell[2] += Decimal(str(session["kwh"]))
    expected = sorted(
        ("2025-12-01T00:00:00+01:00", standard, power, str(_fives(count)),
         str(_fives(len(drivers - {None}))), str(energy.quantize(Decimal(1), ROUND_HALF_UP)))
        for (standard, power), (count, drivers, energy) in cells.items()
        if len(drivers - {None}) >= 10)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # English Excel's dialect
    with out.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["month", "connector_standard", "power_class", "sessions", "drivers",
                       "energy_kwh"]
    assert len(expected) >= 3 and all(power for _, _, power, *_ in expected)
    assert sorted(tuple(row) for row in rows[1:]) == expected


def test_a_2_1_1_connector_s_power_is_its_voltage_times_its_amperage(run_cli) -> None:
    shown = run_cli("schema", "locations").stdout
    line = next(line for line in shown.splitlines() if "max_electric_power" in line)
    assert " all " in line and "2.1.1: voltage * amperage, times 3 for AC_3_PHASE" in line


@pytest.mark.parametrize("zone", ["Europe/Brussels", "Europe/Brusels", "UTC"],
                         ids=["zone", "misspelt zone", "utc"])
def test_a_time_zone_written_without_quotes_is_told_to_be_quoted(zone: str, tmp_path: Path,
                                                                  snapshot) -> None:
    """`truncate(start_date_time, month, Europe/Brussels)`, the zone unquoted (read as a
    division of two fields), was told to write it like `..., "Europe/Amsterdam")`: the
    help now quotes the zone written (or the one meant); pasted over the caret, it checks."""
    from test_newcomer_specs import assert_help_fixes

    assert_help_fixes(SPEC.read_text(), '"Europe/Brussels") as month',
                      f"{zone}) as month", tmp_path / "statistics_connector_power.ocx",
                      snapshot)


@pytest.mark.parametrize("rule", ["suppress below 10", "suppress cells with fewer than 10 drivers",
                                  "suppression of cells below 10", "threshold 10"],
                         ids=["suppress below", "suppress cells", "suppression of", "threshold"])
def test_small_cell_suppression_in_a_statistician_s_words_above_another_rule(
        rule: str, tmp_path: Path, snapshot) -> None:
    """`suppress below 10` above `round counts to 5` was read as columns until the
    parser stopped at `to`, and the error said a destination follows `output FORMAT`,
    pointing at the rounding rule; the habit that knows these words looked at the line
    of the error and the one before only. Every line since `compute` is now looked at,
    and 'suppress cells with fewer than 10 drivers' is known too."""
    from test_newcomer_specs import assert_help_fixes

    assert_help_fixes(SPEC.read_text(), "  minimum group size 10\n", f"  {rule}\n",
                      tmp_path / "statistics_connector_power.ocx", snapshot)
