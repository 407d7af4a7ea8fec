"""The data dictionary of a k rule's columns says that they mix levels. The shipped
municipality spec's rule recodes small (hour, postal area) classes to 4 hours, a day or
a week and to 3 or 2 postal digits; a recoded period shows as its first instant. The
data package said only "cut to the hour" and "the first 4 characters", so a consumer
loading the file with it read almost every session as starting at midnight, and could
not know why. The description now names the recoding, in the data package, the
Parquet column metadata and the XLSX `columns` sheet alike. Runs go over HTTP to the
demo CPO."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
from openpyxl import load_workbook

from fixtures_cli import SPECS
from test_datapackage import docs_loader

RULE = "the k rule recodes the rows of a class (started_hour, postal_area) of fewer than 5 drivers"


def test_the_data_package_says_the_k_rule_mixes_levels(run_cli, tmp_path) -> None:
    out = tmp_path / "utrecht.csv"
    done = run_cli("run", "specs/municipality_sessions.ocx", "--demo", "--out", str(out))
    assert done.exit_code == 0, done.output
    sessions = docs_loader()(f"{out}.datapackage.json")
    midnight = (sessions["started_hour"].dt.hour == 0).mean()
    short = (sessions["postal_area"].str.len() < 4).mean()
    assert midnight > 0.9 and short > 0.9   # the demo's history: almost every row recoded
    fields = {f["name"]: f["description"] for f in json.loads(
        (tmp_path / "utrecht.csv.datapackage.json").read_text())["resources"][0]["schema"]["fields"]}
    assert fields["started_hour"].endswith(
        f"cut to the hour, UTC; {RULE} to a coarser level (4 hours → day → week; a period "
        "shows as its first instant), so the column mixes levels")
    assert fields["postal_area"].endswith(
        f"the first 4 characters; {RULE} to a coarser level (3 characters → 2 characters; "
        "fewer characters), so the column mixes levels")
    assert RULE not in fields["energy_kwh"] and RULE not in fields["driver"]


def test_parquet_and_xlsx_describe_the_recoding_too(run_cli, tmp_path) -> None:
    spec = tmp_path / "typed.ocx"
    base = (SPECS / "municipality_sessions.ocx").read_text()
    original = 'output csv to "exports/utrecht-sessions-{run.date}.csv"'
    limit = "suppression limit 5%"
    assert original in base and limit in base
    # the descriptions come from the spec's rule, not the data: a tenth of the demo's
    # sessions, whose thinner classes the rule suppresses more of than its 5% allow (the
    # test above runs the shipped spec on the whole demo)
    base = base.replace(limit, "suppression limit 90%")
    spec.write_text(base.replace(original, f'output parquet to "{tmp_path}/x.parquet"'))
    xlsx = tmp_path / "xlsx.ocx"
    xlsx.write_text(base.replace(original, f'output xlsx to "{tmp_path}/x.xlsx"'))
    for path in (spec, xlsx):
        done = run_cli("run", str(path), "--demo", "--demo-size", "2000")
        assert done.exit_code == 0, done.output
    started = pq.read_schema(tmp_path / "x.parquet").field("started_hour").metadata
    assert RULE in started[b"description"].decode()
    sheet = load_workbook(tmp_path / "x.xlsx", read_only=True)["columns"]
    rows = {row[0]: row for row in sheet.iter_rows(values_only=True)}
    assert any(RULE in str(cell) for cell in rows["postal_area"])
