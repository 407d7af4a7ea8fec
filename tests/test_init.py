"""`ocpispec init`: every starting spec checks clean (and runs against the demo CPO),
the questions on a terminal, no questions off one, no overwrite without --force."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures_cli import cli_block

from ocpispec.cli import init as init_command
from ocpispec.check.compiler import compile_file
from ocpispec.starter import KINDS, Answers, export_name, starting_spec


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_checks_clean(run_cli, here: Path, kind: str, snapshot) -> None:
    result = run_cli("init", "--for", kind, f"{kind}.ocx")
    assert result.exit_code == 0, result.output
    spec = here / f"{kind}.ocx"
    text = spec.read_text()
    assert text == snapshot
    assert "FILL IN" in text
    checked = run_cli("check", str(spec))
    assert checked.exit_code == 0 and "is valid." in checked.output, checked.output
    assert compile_file(spec).warnings == ()


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_runs_against_the_demo(run_cli, here: Path, kind: str) -> None:
    run_cli("init", "--for", kind, "spec.ocx")
    result = run_cli("run", "spec.ocx", "--demo", "--demo-size", "2000", "--out", "out/", "-q")
    assert result.exit_code == 0, result.output
    assert list((here / "out").iterdir())


def test_the_message_names_the_next_steps(run_cli, here: Path, snapshot) -> None:
    assert cli_block(run_cli("init", "--for", "aggregate", "area.ocx")) == snapshot


def test_an_existing_file_is_kept_without_force(run_cli, here: Path, snapshot) -> None:
    (here / "mine.ocx").write_text("# my own work\n")
    result = run_cli("init", "--for", "research", "mine.ocx")
    assert result.exit_code == 1
    assert (here / "mine.ocx").read_text() == "# my own work\n"
    assert cli_block(result) == snapshot
    forced = run_cli("init", "--for", "research", "mine.ocx", "--force")
    assert forced.exit_code == 0
    assert "export mine" in (here / "mine.ocx").read_text()
    assert [p.name for p in here.iterdir()] == ["mine.ocx"]


def test_off_a_terminal_without_for_is_a_usage_error(run_cli, here: Path, snapshot) -> None:
    result = run_cli("init", "new.ocx")
    assert result.exit_code == 2 and "--for" in result.stderr
    assert not (here / "new.ocx").exists()
    assert cli_block(result) == snapshot


def test_on_a_terminal_it_asks(run_cli, here: Path, monkeypatch: pytest.MonkeyPatch,
                               snapshot) -> None:
    monkeypatch.setattr(init_command, "on_terminal", lambda: True)
    answers = 'Gemeente "Test"\nplan chargers per area\nsessions\nload-profile\n'
    result = run_cli("init", "asked.ocx", input=answers)
    assert result.exit_code == 0, result.output
    text = (here / "asked.ocx").read_text()
    assert 'consumer "Gemeente \\"Test\\""' in text
    assert 'purpose "plan chargers per area"' in text
    assert "init --for load-profile" in text
    assert run_cli("check", "asked.ocx").exit_code == 0
    assert result.stdout == snapshot


def test_a_module_with_one_template_asks_no_more(run_cli, here: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(init_command, "on_terminal", lambda: True)
    result = run_cli("init", "loc.ocx", input="\n\nlocations\n")
    assert result.exit_code == 0, result.output
    assert "from locations" in (here / "loc.ocx").read_text()
    assert "Which template" not in result.stdout


@pytest.mark.parametrize(("name", "expected"), [
    ("utrecht.ocx", "utrecht"), ("dir/Utrecht Sessions.ocx", "utrecht_sessions"),
    ("2026-report.ocx", "export_2026_report"), ("---.ocx", "my_export"),
    ("Städte Überblick.ocx", "staedte_ueberblick"), ("Gemeente Súdwest.ocx", "gemeente_sudwest"),
    ("Łódź.ocx", "lodz")])
def test_export_names_come_from_the_file(name: str, expected: str) -> None:
    assert export_name(name) == expected


def test_the_next_steps_can_be_pasted_for_a_file_name_with_spaces(run_cli, here: Path) -> None:
    """`ocpispec check 2026 Städte.ocx`, as printed, is three arguments in a shell."""
    result = run_cli("init", "--for", "aggregate", "my areas.ocx")
    assert result.exit_code == 0
    assert "  ocpispec check 'my areas.ocx'\n" in result.stderr
    assert "  ocpispec run 'my areas.ocx' --demo" in result.stderr


def test_odd_answers_still_make_a_spec_that_checks(tmp_path: Path) -> None:
    spec = tmp_path / "odd.ocx"
    spec.write_text(starting_spec(Answers("municipality", "odd.ocx", 'a "b" \\ c\n d',
                                          "line\nbreak")))
    assert compile_file(spec).warnings == ()
