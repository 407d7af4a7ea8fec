"""Tariffs of private sites stay with the CPO (privacy reference: "Tariffs (public):
keep; risk: tariffs specific to private locations or individual contracts").

A tariff-transparency export (`from tariffs`) released every tariff the platform
lists, the demo's `HOME` tariff ("home charging compensation") of home chargers
included: the plan said "`tariffs` records are not tied to a location". A tariff
leaves only when a published location's connector names it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

SPEC = '''export tariff_transparency
  consumer "Stichting Laadprijzen Transparant"
  purpose "Publish the public charging tariffs of CPOs"
  legal basis legitimate interests
  retention 1 year
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from tariffs
select
  id
  currency
output csv to "x.csv"
'''


def _run(run_cli, server, tmp_path: Path, *extra: str):
    spec = tmp_path / "tariffs.ocx"
    spec.write_text(SPEC)
    out = tmp_path / "out.csv"
    result = run_cli("run", str(spec), "--out", str(out), "--as-of", "2026-01-01T00:00:00Z",
                     *extra, env={"OCPI_VERSIONS_URL": server.versions_url,
                                  "OCPI_TOKEN": server.token})
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(), newline="")))
    return result, rows, json.loads((tmp_path / "out.csv.manifest.json").read_text())


@pytest.mark.parametrize("version", ["2.1.1", "2.2.1", "2.3.0"])
def test_a_tariff_only_private_sites_use_is_left_out(run_cli, demo_server_factory,
                                                     tmp_path: Path, version: str) -> None:
    server = demo_server_factory(version=version, size=200)
    result, rows, manifest = _run(run_cli, server, tmp_path)
    ids = {row["id"] for row in rows}
    assert "HOME" not in ids
    # a 2.1.1 connector names one tariff (`tariff_id`): the demo's ad-hoc tariff, always
    # second, is named by none there
    named = {"AC-STD", "DC-FAST"} | ({"ADHOC"} if version != "2.1.1" else set())
    assert named <= ids and "ADHOC" not in ids - named
    left_out = "1 tariff" if version != "2.1.1" else "2 tariffs"
    assert f"excluded         {left_out} no published location names" in result.stderr
    assert manifest["private_locations"]["rule"] == "public-tariffs-only"


def test_a_sample_keeps_the_rule(run_cli, demo_server, tmp_path: Path) -> None:
    """`--limit` makes small lookups per-id GETs; a tariff id is no location id."""
    _, rows, _ = _run(run_cli, demo_server, tmp_path, "--limit", "50")
    assert rows and "HOME" not in {row["id"] for row in rows}


def test_the_plan_says_so(run_cli, tmp_path: Path) -> None:
    spec = tmp_path / "tariffs.ocx"
    spec.write_text(SPEC)
    planned = run_cli("plan", str(spec)).stdout
    assert "! privacy.public_locations  only tariffs a connector of a published location " \
           "names" in " ".join(planned.split()).replace(" only", "  only", 1)
    assert "not tied to a location" not in planned
