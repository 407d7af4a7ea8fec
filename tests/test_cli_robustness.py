"""A new user's mistakes and accidents: every one gets a diagnostic (code, what, where,
what to do) and the documented exit code, never a traceback or a secret."""

from __future__ import annotations

from pathlib import Path

import pytest
from ledger_helpers import has_state, pending, runs, state_dict
from fixtures_cli import cli_block
from fixtures_demo import scrub

from ocpispec.ocpi.release import Release

KEY = "e7a3c9f1b05d28e64a1c7f9b3d0e52a8c6f4b19d2e7a30c5f8b1d64e9a2c7f03"


@pytest.fixture
def interrupt_after(monkeypatch: pytest.MonkeyPatch):
    """Ctrl-C after `count` objects went through `get`'s privacy filter."""

    def arm(count: int) -> None:
        original = Release.apply
        seen = [0]

        def apply(self: Release, obj: dict) -> dict:
            seen[0] += 1
            if seen[0] > count:
                raise KeyboardInterrupt
            return original(self, obj)

        monkeypatch.setattr(Release, "apply", apply)
        # a clean page's objects are released whole in C (`fast_pages`), not one by one
        monkeypatch.setattr("ocpispec.cli.get._fast_path", lambda release, limit: None)

    return arm


def test_get_interrupted_writes_nothing(run_cli, demo_profile, interrupt_after,
                                        snapshot) -> None:
    """The sessions wait for the list's end (`cli.held_lines`)."""
    interrupt_after(5)  # in this process: worker processes would release the objects
    result = run_cli("get", "sessions", "--date-to", "2026-01-01", "--workers", "1")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr == snapshot


def test_run_interrupted_leaves_nothing(run_cli, demo_server, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch, snapshot) -> None:
    from ocpispec.ocpi import OcpiClient

    original = OcpiClient.fetch_pages

    def fetch_pages(self, module, **kwargs):  # the executor reads whole pages
        for number, page in enumerate(original(self, module, **kwargs)):
            if module == "sessions" and number == 1:
                raise KeyboardInterrupt
            yield page

    monkeypatch.setattr(OcpiClient, "fetch_pages", fetch_pages)
    env = {"OCPI_VERSIONS_URL": demo_server.versions_url, "OCPI_TOKEN": demo_server.token,
           "UTRECHT_PSEUDONYM_KEY": KEY}
    result = run_cli("run", "specs/municipality_sessions.ocx", "--out", str(tmp_path / "out.csv"),
                     "--state", str(tmp_path / "state.json"), env=env)
    assert result.exit_code == 1
    assert sorted(p.name for p in tmp_path.iterdir() if p.name not in ("config", "ledger")) \
        == ["state.json", "state.json.utrecht_sessions.lock"]
    assert not has_state(tmp_path / "state.json")
    assert [(r["outcome"], r["code"]) for r in runs(tmp_path / "state.json")] == \
        [("interrupted", "KeyboardInterrupt")]
    assert demo_server.token not in result.stderr and KEY not in result.stderr
    assert cli_block(result) == snapshot


def test_get_empty_window_is_a_usage_error(run_cli, demo_profile, snapshot) -> None:
    result = run_cli("get", "sessions", "--date-from", "2025-06-01", "--date-to", "2025-01-01")
    assert result.exit_code == 2
    assert cli_block(result) == snapshot


def test_login_to_a_wrong_url_says_to_check_it(run_cli, demo_server, snapshot) -> None:
    wrong = demo_server.versions_url.replace("/versions", "/nothing-here")
    result = run_cli("login", wrong, "--token", demo_server.token, "--party", "NL-ABC")
    assert result.exit_code == 1
    assert demo_server.token not in result.stderr
    assert scrub(cli_block(result)) == snapshot


@pytest.mark.parametrize("text", ["", "# only a comment\n\n"], ids=["empty", "comment-only"])
def test_empty_spec_says_how_to_start(run_cli, tmp_path: Path, text: str, snapshot) -> None:
    (tmp_path / "new.ocx").write_text(text)
    result = run_cli("check", str(tmp_path / "new.ocx"))
    assert result.exit_code == 1
    assert "the spec is empty" in result.stderr
    assert scrub(cli_block(result), tmp_path=tmp_path) == snapshot


def test_demo_options_without_demo_are_a_usage_error(run_cli, snapshot) -> None:
    result = run_cli("run", "specs/municipality_sessions.ocx", "--demo-version", "2.1.1")
    assert result.exit_code == 2
    assert cli_block(result) == snapshot


def test_profiles_reports_a_damaged_file(run_cli, demo_profile, tmp_path: Path, snapshot) -> None:
    folder = tmp_path / "config" / "profiles"
    (folder / "broken.json").write_text("{ not json")
    (folder / "broken.json").chmod(0o600)
    result = run_cli("profiles")
    assert result.exit_code == 1
    assert "default" in result.stdout and demo_profile.token not in result.stdout + result.stderr
    assert scrub(cli_block(result), tmp_path=tmp_path) == snapshot
