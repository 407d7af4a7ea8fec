"""A versions URL written into the spec: accepted as documented (it is not a secret),
never with credentials in it.

`run` refused the literal URL that `check` accepted (OCX552, "secrets never live in
specs"), and its error printed the spec's source line: `user:password@` and an API key
in the query went to stderr as written.
"""

from __future__ import annotations

import json
from pathlib import Path

from ocpispec.demo import DemoServer

SPEC = '''export literal_url
  consumer "Nationaal Open Data Portaal"
  purpose "Publish the public charging locations for the region"
  legal basis public task "test"
  retention 1 months
source ocpi "URL" token env OCPI_TOKEN
from locations
  where publish = true
select
  id as site
output ndjson to "OUT/sites.ndjson"
'''


def _spec(tmp_path: Path, url: str) -> Path:
    spec = tmp_path / "literal.ocx"
    spec.write_text(SPEC.replace("URL", url).replace("OUT", str(tmp_path)))
    return spec


def test_a_literal_versions_url_runs(run_cli, demo_server: DemoServer, tmp_path: Path) -> None:
    spec = _spec(tmp_path, demo_server.versions_url)
    plan = run_cli("plan", str(spec))
    assert plan.exit_code == 0, plan.stderr
    assert f"versions URL `{demo_server.versions_url}`" in plan.stdout
    result = run_cli("run", str(spec), "--quiet", "--state", str(tmp_path / "state"),
                     env={"OCPI_TOKEN": demo_server.token})
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in (tmp_path / "sites.ndjson").read_text().splitlines()]
    assert len(rows) > 5


def test_credentials_in_a_literal_versions_url_are_refused_and_masked(run_cli,
                                                                      tmp_path: Path) -> None:
    spec = _spec(tmp_path, "https://bob:pw-4711-secret@cpo.example.com/ocpi/versions")
    for command in ("check", "plan", "run"):
        result = run_cli(command, str(spec), env={"OCPI_TOKEN": "t"})
        assert result.exit_code == 1
        assert "error[OCX305]" in result.stderr
        assert "pw-4711" not in result.stdout + result.stderr
        assert "bob" not in result.stdout + result.stderr
