"""A pseudonym of a value computed to tell something tells it (adversarial review,
round 3).

`jmespath("kwh > \\`40.12\\` && kwh < \\`40.14\\`")` as a column is OCX303; wrapped in
`pseudonymize(...)` it checked clean and showed `quasi-identifier -> public`, yet it is
two pseudonyms, the rarer one on the sessions of 40.12 to 40.14 kWh. So was
`pseudonymize(1 / (kwh - 40.13))`, empty exactly on the sessions of 40.13 kWh. Both are
OCX303 now (`check/telling_pseudonyms.py`)."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from frontend_helpers import HEADER, codes_of, diagnose_source

from ocpispec.diagnostics import report
from ocpispec.diagnostics.source import SourceFile

KEY = "2f8b5e1a4d7c0b3e6f9a2d5c8b1e4f7a0d3c6b9e2f5a8d1c4b7e0a3d6c9f2b5e"
RUN_HEADER = '''export energy_markers
  consumer "Mobility research institute"
  purpose "Study sessions by their energy in whole kilowatt hours"
  legal basis legitimate interests "Art. 6(1)(f) GDPR; LIA-2026-3"
  retention 12 months
  pseudonym key env MARK_KEY
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
'''
BAND = 'pseudonymize(jmespath("kwh > `40.12` && kwh < `40.14`"))'
ZERO = "pseudonymize(1 / (kwh - 40.13))"


@pytest.mark.parametrize("marker", [BAND, ZERO], ids=["test", "division by zero"])
def test_a_telling_pseudonym_names_the_sessions_and_is_warned_of(
        run_cli, demo_server, tmp_path: Path, marker: str) -> None:
    out, truth = tmp_path / "exports" / "marked.csv", tmp_path / "exports" / "truth.csv"
    spec = tmp_path / "marked.ocx"
    spec.write_text(RUN_HEADER + f'''from sessions
select
  pseudonymize(id) as session
  round(kwh, 0) as energy_kwh
  {marker} as marker
output csv to "{out}"

from sessions as truth
select
  pseudonymize(id) as session
  kwh because "the exact energy shows the test its truth and nothing else"
output csv to "{truth}"
''')
    checked = run_cli("check", str(spec), "--format", "json")
    found = [(d["code"], d["range"]["start"]["line"])
             for d in json.loads(checked.stdout)["diagnostics"] if d["code"] == "OCX303"]
    assert found == [("OCX303", 12)], found
    plan = run_cli("plan", str(spec))
    assert re.search(r"marker +<- kwh +quasi-identifier -> quasi-identifier", plan.stdout), \
        plan.stdout

    result = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", "--quiet",
                     env={"OCPI_VERSIONS_URL": demo_server.versions_url,
                          "OCPI_TOKEN": demo_server.token, "MARK_KEY": KEY})
    assert result.exit_code == 0, result.stderr
    with truth.open() as file:
        energies = {row["session"]: float(row["kwh"]) for row in csv.DictReader(file)}
    with out.open() as file:
        rows = list(csv.DictReader(file))
    # the consumer's reading: the rarest marker (or an empty one) among the rows of 40 kWh
    markers = Counter(row["marker"] for row in rows)
    rare = "" if marker == ZERO else min(markers, key=markers.__getitem__)
    named = [energies[row["session"]] for row in rows if row["marker"] == rare]
    assert named == [40.13]


@pytest.mark.parametrize("column", [
    "pseudonymize(kwh) as k", 'pseudonymize(jmespath("location_id")) as site',
    "pseudonymize(prefix(cdr_location.postal_code, 4)) as area",
    "pseudonymize(bucket(kwh, [10, 20, 30])) as band", "pseudonymize(round(kwh, 3)) as k",
    'pseudonymize(jmespath("charging_periods[0].dimensions[?type == \'ENERGY\'].volume"))'
    " as first",
])
def test_a_pseudonym_of_a_value_passes(column: str) -> None:
    module = "cdrs" if "cdr_location" in column else "sessions"
    body = f"from {module}\nselect\n  {column}\noutput csv to stdout\n"
    assert codes_of(body) == []


def test_the_warning_says_why(snapshot) -> None:
    body = (f"from sessions\nselect\n  round(kwh, 0) as k\n  {BAND} as band\n  {ZERO} as zero\n"
            "output csv to stdout\n")
    source = SourceFile("marked.ocx", HEADER + body)
    assert report.render(diagnose_source(source), {"marked.ocx": source}) == snapshot


def test_a_pseudonym_of_a_narrow_bucket_is_its_label(snapshot) -> None:
    body = ("from sessions\nselect\n  round(kwh, 0) as k\n"
            "  pseudonymize(bucket(kwh, [40.12, 40.14])) as band\noutput csv to stdout\n")
    found = diagnose_source(SourceFile("band.ocx", HEADER + body))
    assert [d.code for d in found] == ["OCX303"]
    assert report.render(found, {"band.ocx": SourceFile("band.ocx", HEADER + body)}) \
        == snapshot
