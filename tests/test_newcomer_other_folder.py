"""A newcomer's `since last run` export, run first from its own folder, then from
another one (cron starts jobs in the home folder): the default ledger is under the
current directory, so the second run found no state and delivered everything since
1970-01-01 again. It now stops before any request when the spec's folder holds a
ledger with the export's state, and says how to run it there (OCX601)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ocpispec.demo import DemoServer

SPEC = '''export parking_since
  consumer "A parking operator"
  purpose "Enforcing the charging-bay time limit"
  legal basis legitimate interests
  retention 6 months
source ocpi env OCPI_VERSIONS_URL token env OCPI_TOKEN
from sessions since last run
group by
  hour_of_day(start_date_time) as hour
compute
  count() as sessions
  minimum group size 10
output csv to "exports/parking-{run.timestamp}.csv"
'''


@pytest.fixture(scope="module")
def server():
    with DemoServer(version="2.2.1", size=300) as demo:
        yield demo


def _run(run_cli, spec: Path, server, *more: str):
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token}
    return run_cli("run", str(spec), "--as-of", "2026-01-01T00:00:00Z", *more, env=env)


def test_a_run_from_another_folder_does_not_deliver_everything_again(
        run_cli, tmp_path: Path, server, monkeypatch, snapshot) -> None:
    project, elsewhere = tmp_path / "project", tmp_path / "home"
    project.mkdir(), elsewhere.mkdir()
    spec = project / "parking.ocx"
    spec.write_text(SPEC)
    monkeypatch.delenv("OCPISPEC_LEDGER")
    monkeypatch.chdir(project)
    first = _run(run_cli, spec, server)
    assert first.exit_code == 0, first.stderr
    monkeypatch.chdir(elsewhere)
    again = _run(run_cli, Path("..") / "project" / "parking.ocx", server)
    assert again.exit_code == 1
    shown = re.sub(r"run \d{4}-\d\d-\d\dT[\d:]+Z\)", "run <time>)", again.stderr)
    assert shown.replace(str(tmp_path), "<tmp>") == snapshot
    assert not (elsewhere / "exports").exists()
    # as the help says: with the spec folder's ledger the run continues from its state
    told = _run(run_cli, Path("..") / "project" / "parking.ocx", server, "--state",
                str(project / ".ocpispec" / "ledger.sqlite"))
    assert told.exit_code == 0, told.stderr
    assert "first `since last run`" not in told.stderr


def test_a_first_run_from_another_folder_without_such_a_ledger_runs(
        run_cli, tmp_path: Path, server, monkeypatch) -> None:
    project, elsewhere = tmp_path / "project", tmp_path / "home"
    project.mkdir(), elsewhere.mkdir()
    spec = project / "parking.ocx"
    spec.write_text(SPEC)
    monkeypatch.delenv("OCPISPEC_LEDGER")
    monkeypatch.chdir(elsewhere)
    done = _run(run_cli, spec, server)
    assert done.exit_code == 0, done.stderr


CALENDAR = SPEC.replace("export parking_since", "export parking_weekly").replace(
    "from sessions since last run", "from sessions previous week")


def test_a_calendar_export_run_from_another_folder_does_not_deliver_its_window_again(
        run_cli, tmp_path: Path, server, monkeypatch, snapshot) -> None:
    project, elsewhere = tmp_path / "project", tmp_path / "home"
    project.mkdir(), elsewhere.mkdir()
    spec = project / "weekly.ocx"
    spec.write_text(CALENDAR)
    monkeypatch.delenv("OCPISPEC_LEDGER")
    monkeypatch.chdir(project)
    first = _run(run_cli, spec, server)
    assert first.exit_code == 0, first.stderr
    monkeypatch.chdir(elsewhere)
    again = _run(run_cli, Path("..") / "project" / "weekly.ocx", server)
    assert again.exit_code == 1, again.stderr
    shown = re.sub(r"run \d{4}-\d\d-\d\dT[\d:]+Z\)", "run <time>)", again.stderr)
    assert shown.replace(str(tmp_path), "<tmp>") == snapshot
    assert not (elsewhere / "exports").exists()
