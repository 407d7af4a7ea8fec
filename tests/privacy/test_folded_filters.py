"""A one-sided bound on a value folded around a point pins it (adversarial review,
round 3).

`where kwh >= 23.41 and kwh < 23.42` is OCX303 in a row dataset: every kept row's
energy to 0.01 kWh, whatever the columns round it to. `where (kwh - 40.13) * (kwh -
40.13) < 0.0001` (or `1 / (kwh - 40.13) > 100`) is the same band, written as one
bound on a value that is no monotonic function of the field, and checked clean: the
filter analysis measured ranges of affine values only. It is now OCX303 too
(`power_sums.folds`, used by `check/filter_pins.py`)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from frontend_helpers import HEADER, codes_of, diagnose_source

from ocpispec.diagnostics import report
from ocpispec.diagnostics.source import SourceFile

KEY = "9c4e1a7d2b8f5e0a3d6c9b2f5e8a1d4c7b0f3e6a9d2c5b8f1e4a7d0c3b6f9e2a"
RUN_HEADER = '''export energy_sample
  consumer "Mobility research institute"
  purpose "Study sessions of about forty kilowatt hours"
  legal basis legitimate interests "Art. 6(1)(f) GDPR; LIA-2026-3"
  retention 12 months
  pseudonym key env BAND_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
'''


def test_a_folded_bound_keeps_a_band_and_is_warned_of(run_cli, demo_server,
                                                      tmp_path: Path) -> None:
    out, truth = tmp_path / "exports" / "band.csv", tmp_path / "exports" / "truth.csv"
    spec = tmp_path / "band.ocx"
    spec.write_text(RUN_HEADER + f'''from sessions
  where (kwh - 40.13) * (kwh - 40.13) < 0.0001
select
  pseudonymize(id) as session
  round(kwh, 0) as energy_kwh
output csv to "{out}"

from sessions as truth
select
  pseudonymize(id) as session
  kwh because "the exact energy shows the test its truth and nothing else"
output csv to "{truth}"
''')
    checked = run_cli("check", str(spec), "--format", "json")
    found = [(d["code"], d["range"]["start"]["line"], d["message"])
             for d in json.loads(checked.stdout)["diagnostics"] if d["code"] == "OCX303"]
    assert found == [("OCX303", 9, "the filter pins the quasi-identifier `kwh` below its "
                                   "floor")], found

    result = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", "--quiet",
                     env={"OCPI_VERSIONS_URL": demo_server.versions_url,
                          "OCPI_TOKEN": demo_server.token, "BAND_KEY": KEY})
    assert result.exit_code == 0, result.stderr
    with truth.open() as file:
        energies = {row["session"]: float(row["kwh"]) for row in csv.DictReader(file)}
    with out.open() as file:
        rows = list(csv.DictReader(file))
    # released as 40 kWh, known to within 0.01
    assert rows and all(40.12 < energies[row["session"]] < 40.14 for row in rows)


@pytest.mark.parametrize("condition", [
    "(kwh - 23.4) * (kwh - 23.4) < 0.0001", "1 / (kwh - 23.4) > 1000",
    "kwh * kwh > 547.56 and kwh * kwh < 547.6", "not ((kwh - 23.4) * (kwh - 23.4) >= 0.0001)",
])
def test_a_band_written_as_one_bound_is_a_pin(condition: str) -> None:
    body = f"from sessions\n  where {condition}\nselect\n  round(kwh, 0) as k\noutput csv to stdout\n"
    assert codes_of(body) == ["OCX303"]


@pytest.mark.parametrize("condition", [
    "kwh / hours(start_date_time, end_date_time) > 11", "kwh * 2 > 30", "kwh > 10",
])
def test_a_threshold_is_no_pin(condition: str) -> None:
    body = f"from sessions\n  where {condition}\nselect\n  round(kwh, 0) as k\noutput csv to stdout\n"
    assert codes_of(body) == []


def test_the_warning_says_why(snapshot) -> None:
    body = ("from sessions\n  where 1 / (kwh - 23.4) > 1000\nselect\n  round(kwh, 0) as k\n"
            "output csv to stdout\n")
    source = SourceFile("band.ocx", HEADER + body)
    assert report.render(diagnose_source(source), {"band.ocx": source}) == snapshot


def test_a_division_by_zero_kept_by_is_null_names_one_value(run_cli, demo_server,
                                                            tmp_path: Path) -> None:
    """A division by 0 is empty, so `is null` of one keeps the records where its divisor
    is 0: on the demo CPO the one session of exactly 40.13 kWh, released as 40."""
    out, truth = tmp_path / "exports" / "zero.csv", tmp_path / "exports" / "truth.csv"
    spec = tmp_path / "zero.ocx"
    spec.write_text(RUN_HEADER + f'''from sessions
  where 1 / (kwh - 40.13) is null
select
  pseudonymize(id) as session
  round(kwh, 0) as energy_kwh
output csv to "{out}"

from sessions as truth
select
  pseudonymize(id) as session
  kwh because "the exact energy shows the test its truth and nothing else"
output csv to "{truth}"
''')
    checked = run_cli("check", str(spec), "--format", "json")
    found = [(d["code"], d["range"]["start"]["line"], d["labels"][0]["message"])
             for d in json.loads(checked.stdout)["diagnostics"] if d["code"] == "OCX303"]
    assert found == [("OCX303", 9, "every kept row has `kwh` equal to the value where the "
                                   "divisor computed from it is 0")], found

    result = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", "--quiet",
                     env={"OCPI_VERSIONS_URL": demo_server.versions_url,
                          "OCPI_TOKEN": demo_server.token, "BAND_KEY": KEY})
    assert result.exit_code == 0, result.stderr
    with truth.open() as file:
        energies = {row["session"]: float(row["kwh"]) for row in csv.DictReader(file)}
    with out.open() as file:
        rows = list(csv.DictReader(file))
    assert [row["energy_kwh"] for row in rows] == ["40"]
    assert [energies[row["session"]] for row in rows] == [40.13]


@pytest.mark.parametrize("condition, pinned", [
    ("1 / (kwh - 40.13) is null", True), ("total_cost.excl_vat / (40.13 - kwh) is null", True),
    ("1 / kwh is null", True), ("1 / (kwh - 40.13) is not null", False),
    ("kwh / hours(start_date_time, end_date_time) is null", False),
])
def test_is_null_of_a_division_pins_where_the_spec_puts_the_zero(condition: str,
                                                                 pinned: bool) -> None:
    body = f"from sessions\n  where {condition}\nselect\n  round(kwh, 0) as k\noutput csv to stdout\n"
    assert codes_of(body) == (["OCX303"] if pinned else [])


def test_the_is_null_warning_says_why(snapshot) -> None:
    body = ("from sessions\n  where 1 / (kwh - 40.13) is null\nselect\n  round(kwh, 0) as k\n"
            "output csv to stdout\n")
    source = SourceFile("zero.ocx", HEADER + body)
    assert report.render(diagnose_source(source), {"zero.ocx": source}) == snapshot
