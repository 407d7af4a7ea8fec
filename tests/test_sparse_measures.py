"""A sum or average counts the drivers whose records carry its value, against the demo
CPO over HTTP: a group of five drivers where one gave a parking time released that
driver's own parking time as the group's `avg` (and `sum`)."""

from __future__ import annotations

import base64
import csv
from collections import defaultdict
from pathlib import Path

import httpx
import pytest

KEY = "3e9a1c7f5b2d08e64a0c9f3b7d1e52a8c6f4b09e2d7a31c5f8b0d64e9a3c7f12"
SPEC = '''export sparse
  consumer "Test consumer"
  purpose "Sparse measures"
  legal basis public task "test"
  retention 1 months
  pseudonym key env TEST_PSEUDONYM_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from cdrs between 2000-01-01 and 2026-01-01
group by
  truncate(start_date_time, week) as day
  prefix(cdr_location.postal_code, 2) as area
compute
  count() as cdrs
  {measure} as parking_h
  minimum group size 5
output csv to "out.csv"
'''


@pytest.fixture(scope="module")
def server():
    from ocpispec.demo import DemoServer

    with DemoServer(version="2.2.1", size=3000, max_page_size=500) as running:
        yield running


def _raw_cdrs(server) -> list[dict]:
    auth = {"Authorization": "Token " + base64.b64encode(server.token.encode()).decode()}
    details = httpx.get(server.details_url("2.2.1"), headers=auth).json()["data"]
    url = next(e["url"] for e in details["endpoints"] if e["identifier"] == "cdrs")
    found: list[dict] = []
    while True:
        page = httpx.get(url, params={"offset": len(found), "limit": 500}, headers=auth).json()["data"]
        found += page
        if len(page) < 500:
            return found


def _week(stamp: str) -> str:
    from datetime import datetime, timedelta

    day = datetime.fromisoformat(stamp[:10])
    return (day - timedelta(days=day.weekday())).strftime("%Y-%m-%dT00:00:00Z")


def _contributors(server) -> dict[tuple[str, str], set[str]]:
    """Per (week, area): the drivers whose CDRs carry a parking time (ground truth)."""
    drivers: dict[tuple[str, str], set[str]] = defaultdict(set)
    for cdr in _raw_cdrs(server):
        if cdr.get("total_parking_time") is not None:
            day = _week(cdr["start_date_time"])
            area = (cdr["cdr_location"].get("postal_code") or "")[:2]
            drivers[(day, area)].add(cdr["cdr_token"]["contract_id"])
    return drivers


@pytest.mark.parametrize("measure", ["sum(total_parking_time)", "avg(total_parking_time)",
                                     "round(avg(total_parking_time), 1)"])
def test_a_sum_or_average_rests_on_the_minimum_of_drivers(run_cli, server, tmp_path: Path,
                                                          measure: str) -> None:
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(measure=measure))
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "TEST_PSEUDONYM_KEY": KEY}
    result = run_cli("run", str(spec), "--out", str(tmp_path / "out.csv"), env=env)
    assert result.exit_code == 0, result.stderr
    with (tmp_path / "out.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    truth = _contributors(server)
    assert rows, "the demo data should release some groups"
    with_values = [row for row in rows if row["parking_h"] != ""]
    assert with_values
    for row in with_values:
        assert len(truth[(row["day"], row["area"])]) >= 5, row


def test_a_measure_every_record_carries_is_not_held_back(run_cli, server, tmp_path: Path) -> None:
    """`count()` and `sum(kwh)`-like measures count every driver of the group: nothing
    changes for them."""
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(measure="sum(total_energy)"))
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token,
           "TEST_PSEUDONYM_KEY": KEY}
    result = run_cli("run", str(spec), "--out", str(tmp_path / "out.csv"), env=env)
    assert result.exit_code == 0, result.stderr
    counted = spec.with_name("count.ocx")
    counted.write_text(SPEC.format(measure="count()"))
    # the same fixed window released again, by another measure (OCX546 without the option)
    other = run_cli("run", str(counted), "--out", str(tmp_path / "count.csv"),
                    "--release-again", env=env)
    assert other.exit_code == 0, other.stderr
    energy = [(r["day"], r["area"]) for r in csv.DictReader((tmp_path / "out.csv").open())]
    counts = [(r["day"], r["area"]) for r in csv.DictReader((tmp_path / "count.csv").open())]
    assert energy == counts and energy
