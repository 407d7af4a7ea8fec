"""`ocpispec run` with a hostile template, over HTTP against the demo CPO: nothing is
fetched, nothing is written, and the file the template points at never shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocpispec.demo import DemoServer

CANARY = "CANARY-run-77d2"
SPEC = '''export template_run
  consumer "Test consumer"
  purpose "End-to-end tests of template confinement"
  legal basis public task "test"
  retention 1 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from locations
select id as location_id
  city as city
output template "report.txt.j2" to "out.txt"
'''


def _run(run_cli, server: DemoServer, folder: Path):
    (folder / "spec.ocx").write_text(SPEC)
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token}
    return run_cli("run", str(folder / "spec.ocx"), "--out", str(folder / "out.txt"),
                   "--state", str(folder / "state.json"), env=env)


@pytest.mark.parametrize("attack", ["symlinked-include", "escape"])
def test_a_hostile_template_stops_the_run_before_anything_is_written(
        run_cli, demo_server: DemoServer, tmp_path: Path, attack: str) -> None:
    folder = tmp_path / "spec"
    folder.mkdir()
    secret = tmp_path / "profile.json"
    secret.write_text(f'{{"token": "{CANARY}"}}')
    if attack == "symlinked-include":
        (folder / "report.txt.j2").write_text("{% include 'footer.j2' %}")
        (folder / "footer.j2").symlink_to(secret)
    else:
        (folder / "report.txt.j2").write_text("{{ ''.__class__.__mro__ }}")
    result = _run(run_cli, demo_server, folder)
    assert result.exit_code == 1
    assert ("OCX413" if attack == "symlinked-include" else "OCX414") in result.stderr
    assert CANARY not in result.stdout + result.stderr
    assert not (folder / "out.txt").exists()


def test_a_confined_template_with_includes_runs(run_cli, demo_server: DemoServer,
                                                tmp_path: Path) -> None:
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "line.j2").write_text(
        "{% macro line(id, city) %}- {{ id }} in {{ city }}\n{% endmacro %}")
    (tmp_path / "report.txt.j2").write_text(
        "{% import 'parts/line.j2' as parts %}{% include 'parts/head.j2' %}\n"
        "{% for row in rows %}{{ parts.line(row.location_id, row.city) }}{% endfor %}")
    (tmp_path / "parts" / "head.j2").write_text("{{ export.name }}")
    result = _run(run_cli, demo_server, tmp_path)
    assert result.exit_code == 0, result.stderr
    lines = (tmp_path / "out.txt").read_text().splitlines()
    assert lines[0] == "template_run" and lines[1].startswith("- LOC")
