"""A platform answering `GET {locations}/{id}` with another location than the one the id
names (its route finds objects by a key of its own, a database number, or ignores the
id) must not decide whether a charge is at a public site.

A run with `--limit` reads each session's location by its id. The answer was trusted
whatever its `id`: on the demo CPO answering every such request with its first, public
site, the sessions of its three home chargers were released, joined to that site's
postal code (and every other session carried it too). The run now fails with OCX504
before anything is written; a run without `--limit` reads the list instead."""

from __future__ import annotations

import csv
from pathlib import Path

from ocpispec.demo import DemoServer
from ocpispec.demo import handler as demo_handler

SPEC = '''export object_by_id
  consumer "Gemeente Test"
  purpose "Sessions for planning"
  legal basis public task
  retention 12 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
  join locations on location_id
select
  location_id as site because "the municipality plans per charging site"
  prefix(location.postal_code, 4) as area
output csv to "{out}"
'''


def test_another_object_for_an_id_fails_the_sample(run_cli, tmp_path: Path, monkeypatch) -> None:
    real = demo_handler.DemoHandler._object
    monkeypatch.setattr(demo_handler.DemoHandler, "_object",
                        lambda self, version, module, object_id: real(self, version, module, "LOC00000"))
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(out=tmp_path / "sites.csv"))
    with DemoServer(version="2.2.1", size=300, max_page_size=100) as server:
        env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token}
        sample = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", "--limit", "200",
                         "--out", str(tmp_path / "sample.csv"), env=env)
        whole = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", env=env)
        private = server._private_site_ids
    assert sample.exit_code == 1, sample.output
    assert "error[OCX504]: the platform answered a request for one of its locations with another object" \
        in sample.output
    assert "/locations/(id)" in sample.output and "LOC0" not in sample.output
    assert not (tmp_path / "sample.csv").exists()
    # the whole list holds each site as it is: the home chargers' sessions stay out
    assert whole.exit_code == 0, whole.output
    with open(tmp_path / "sites.csv", newline="") as rows:
        sites = {row["site"] for row in csv.DictReader(rows)}
    assert sites and not sites & set(private)
