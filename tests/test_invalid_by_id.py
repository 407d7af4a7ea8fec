"""An object that `GET {locations}/{id}` answers invalid (no `last_updated`, no id) is
counted as invalid, as one of a list is: a `--limit` run read each session's site by
its id, the client noted the invalid answer in its statistics, and the run's counts
never had it, so the sessions there showed only as 'excluded at non-public
locations' and the run exited 0."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ocpispec.demo import DemoServer

SPEC = '''export invalid_by_id
  consumer "Gemeente Test"
  purpose "Sessions for planning"
  legal basis public task
  retention 12 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions
select
  kwh as energy
output csv to "{out}"
'''


def test_an_invalid_site_read_by_its_id_is_an_invalid_record(run_cli, tmp_path: Path,
                                                              monkeypatch) -> None:
    real = DemoServer.render

    def render(self: DemoServer, version: str, module: str, index: int) -> dict[str, Any]:
        found = real(self, version, module, index)
        if module == "locations" and found.get("id") == "LOC00001":
            del found["last_updated"]
        return found

    monkeypatch.setattr(DemoServer, "render", render)
    spec = tmp_path / "spec.ocx"
    spec.write_text(SPEC.format(out=tmp_path / "s.csv"))
    with DemoServer(version="2.2.1", size=300, max_page_size=100) as server:
        env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token}
        refused = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", "--limit", "200",
                          env=env)
        accepted = run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", "--limit", "200",
                           "--allow-invalid", "1", env=env)
    told = " ".join(refused.output.split())
    assert refused.exit_code == 1, refused.output
    assert "error[OCX570]: 1 record of `sessions` is invalid and would be lost" in told
    assert "why: 1 locations: missing required field `last_updated`" in told
    assert accepted.exit_code == 0, accepted.output
