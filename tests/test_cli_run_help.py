"""What `ocpispec plan --help` and `ocpispec run --help` tell a user."""

from __future__ import annotations

import pytest

from fixtures_cli import cli_block


@pytest.mark.parametrize("command", ["plan", "run"])
def test_help(run_cli, snapshot, command: str) -> None:
    result = run_cli(command, "--help")
    assert result.exit_code == 0
    assert cli_block(result) == snapshot


def test_run_usage_error_exits_2(run_cli) -> None:
    result = run_cli("run", "specs/municipality_sessions.ocx", "--limit", "0")
    assert result.exit_code == 2
