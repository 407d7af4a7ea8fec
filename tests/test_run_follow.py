"""`ocpispec run --follow`: run now, then on the spec's schedule, until Ctrl-C."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pytest
from ledger_helpers import has_state, pending, runs, state_dict
from fixtures_cli import REPO, WITHOUT_K, cli_block

import ocpispec.cli.run_control as run_command

KEY = {"UTRECHT_PSEUDONYM_KEY": "1d6f3b9e0a47c25e8d1b6f0a3c9e74d2b5f8a16c0e3d97b4a2f5c81e6d0b3a9f"}
NO_SCHEDULE = """export quick consumer "Gemeente Utrecht" purpose "Tariff overview for residents"
  legal basis public task retention 12 months
source profile demo
from tariffs select id as tariff output csv to stdout
"""


def scrub_times(text: str) -> str:
    return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "<time>", re.sub(r"\d+\.\ds", "<s>", text))


def test_follow_needs_a_schedule(run_cli, tmp_path: Path, snapshot) -> None:
    spec = tmp_path / "quick.ocx"
    spec.write_text(NO_SCHEDULE)
    result = run_cli("run", str(spec), "--follow")
    assert result.exit_code == 2
    assert cli_block(result, tmp=tmp_path) == snapshot


@pytest.mark.parametrize("flag", ["--demo", "--dry-run"])
def test_follow_runs_for_real(run_cli, flag: str, snapshot) -> None:
    result = run_cli("run", "specs/municipality_sessions.ocx", "--follow", flag)
    assert result.exit_code == 2
    assert cli_block(result) == snapshot


def test_follow_runs_again_at_each_scheduled_time(run_cli, demo_server_factory, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  snapshot) -> None:
    server = demo_server_factory(version="2.2.1", size=300)
    waits = _interrupt_after(2, monkeypatch)
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token, **KEY}
    state = tmp_path / "state.json"
    # the spec without its k rule: this test is about scheduling, on a 300-session demo
    # where k 5 would suppress every row; each window gets its own file (a run never
    # replaces the file of another window: tests/test_replacing.py)
    spec = tmp_path / "spec.ocx"
    written = (REPO / WITHOUT_K).read_text()
    spec.write_text(re.sub(r'output csv to "[^"]*"',
                           f'output csv to "{tmp_path}/out-{{window.start}}.csv"', written))
    result = run_cli("run", str(spec), "--follow", "--state", str(state), env=env)

    assert result.exit_code == 0, result.stderr
    assert len(waits) == 2 and all(moment.weekday() == 0 and moment.hour == 6 for moment in waits)
    assert result.stderr.count("Ran `utrecht_sessions`") == 2
    # the second run starts where the first ended, so it finds nothing new in the demo year
    records = sorted((tmp_path / "runs").glob("*/*.json"), key=lambda p: p.stat().st_mtime_ns)
    assert len(records) == 2
    assert json.loads(records[-1].read_text())["datasets"][0]["counts"]["read"] == 0
    assert state_dict(state)
    assert len(list(tmp_path.glob("out-*.csv"))) == 2
    tail = result.stderr[result.stderr.rindex("next run at"):]
    assert scrub_times(tail) == snapshot


def test_follow_stops_at_start_when_a_run_could_never_work(run_cli, demo_server_factory,
                                                           monkeypatch, snapshot) -> None:
    server = demo_server_factory(version="2.2.1", size=300)
    monkeypatch.setattr(run_command, "sleep_until", lambda moment: pytest.fail("looped"))
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token}  # no key
    result = run_cli("run", "specs/municipality_sessions.ocx", "--follow", env=env)
    assert result.exit_code == 1
    assert server.request_log == []
    assert cli_block(result) == snapshot


def test_follow_counts_repeated_failures_and_exits_with_the_last_outcome(
        run_cli, demo_server_factory, tmp_path: Path, monkeypatch, snapshot) -> None:
    from ocpispec.demo import Faults

    server = demo_server_factory(version="2.2.1", size=300, faults=Faults(envelope_error=3000))
    _interrupt_after(3, monkeypatch)
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token, **KEY}
    result = run_cli("run", "specs/municipality_sessions.ocx", "--follow", "--state",
                     str(tmp_path / "state.json"), "--out", str(tmp_path / "out.csv"), env=env)
    assert result.exit_code == 1
    assert result.stderr.count("error[") == 3
    assert "warning: 2 runs in a row failed" in result.stderr
    assert "warning: 3 runs in a row failed" in result.stderr
    tail = result.stderr[result.stderr.index("warning: 3 runs"):]
    assert scrub_times(tail) == snapshot


def test_a_warning_appears_once_not_at_every_scheduled_run(
        run_cli, demo_server_factory, tmp_path: Path, monkeypatch) -> None:
    """The platform deviates the same way at every run (no pagination headers): the
    warning is shown at the first run and not repeated by the later ones."""
    from ocpispec.demo import Faults

    server = demo_server_factory(version="2.2.1", size=300, max_page_size=10,
                                 faults=Faults(no_pagination_headers=True))
    spec = tmp_path / "fixed.ocx"  # a fixed window: every run reads the same pages
    spec.write_text(NO_SCHEDULE.replace("source profile demo", "source ocpi env "
                                        "OCPI_VERSIONS_URL token env OCPI_TOKEN")
                    .replace("from tariffs select id as tariff output csv to stdout",
                             "from sessions between 2025-01-01 and 2025-04-01\n"
                             "select round(kwh, 1) as energy_kwh\n"
                             f'output csv to "{tmp_path / "out.csv"}"\n'
                             "schedule weekly on monday at 06:00"))
    _interrupt_after(3, monkeypatch)
    env = {"OCPI_VERSIONS_URL": server.versions_url, "OCPI_TOKEN": server.token, **KEY}
    result = run_cli("run", str(spec), "--follow", "--state", str(tmp_path / "state.json"),
                     env=env)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.count("Ran `quick`") == 3
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings and len(warnings) == len(set(warnings)), result.stderr


def _interrupt_after(count: int, monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """`--follow` sleeps until each next run: record the moments, and stop it with
    Ctrl-C at the `count`-th wait."""
    waits: list[datetime] = []

    def sleep_until(moment: datetime) -> None:
        waits.append(moment)
        if len(waits) == count:
            raise KeyboardInterrupt

    monkeypatch.setattr(run_command, "sleep_until", sleep_until)
    return waits
