"""Ids are unique per party only (OCPI 2.2+): a platform serving two CPOs may list two
sites as `LOC1`. A session or CDR joins the site of its own party, never the other
party's, against the independent OCPI server with its `two parties` quirk."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from independent_cpo import IndependentCpo

KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
SPEC = """export party_{module}
  consumer "Test consumer"
  purpose "Sites of two CPOs served by one platform"
  legal basis public task "test"
  retention 1 months
  pseudonym key env PARTY_KEY
source profile independent
from {module}
join locations on {key}
select
  pseudonymize(id) as record
  party_id as cpo
  location.postal_code as postal_code
  location.city as city
output csv to "{module}.csv"
"""
# each party's own site: the first party's is the official example's
SITES = {"BEC": ("9000", "Gent"), "XYZ": ("10115", "Berlin")}


@pytest.mark.parametrize("version", ["2.2.1", "2.3.0"])
@pytest.mark.parametrize("module", ["sessions", "cdrs"])
def test_a_record_joins_the_site_of_its_own_party(version: str, module: str, run_cli,
                                                  tmp_path: Path) -> None:
    with IndependentCpo(version, records=12, quirks=("two parties",)) as cpo:
        done = run_cli("login", cpo.versions_url, "--token", cpo.token, "--party", "NL-ABC",
                       "--profile", "independent")
        assert done.exit_code == 0, done.output
        spec = tmp_path / "party.ocx"
        key = "location_id" if module == "sessions" else "cdr_location.id"
        spec.write_text(SPEC.format(module=module, key=key))
        out = tmp_path / "out.csv"
        done = run_cli("run", str(spec), "--out", str(out), "--state",
                       str(tmp_path / "state.sqlite"), env={"PARTY_KEY": KEY})
    assert done.exit_code == 0, done.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 12
    assert sorted(row["cpo"] for row in rows) == ["BEC"] * 6 + ["XYZ"] * 6
    assert {(row["cpo"], row["postal_code"], row["city"]) for row in rows} == \
        {(cpo, *site) for cpo, site in SITES.items()}
