"""The README tells the truth: its test command is CI's, its spec checks, its command
table matches the CLI."""

from __future__ import annotations

import re

import pytest

from fixtures_cli import REPO

from ocpispec.cli import COMMANDS
from ocpispec.check.compiler import compile_source
from ocpispec.diagnostics.source import SourceFile

README = (REPO / "README.md").read_text(encoding="utf-8")


def shell_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", README, flags=re.S)


def test_ci_runs_the_readme_test_command() -> None:
    test_command = next(line for block in shell_blocks() for line in block.splitlines()
                        if line.endswith("pytest"))
    ci_lines = (REPO / ".ci" / "run").read_text().splitlines()
    assert test_command in ci_lines


def test_the_main_job_uses_an_example_spec() -> None:
    main_job = next(line for block in shell_blocks() for line in block.splitlines()
                    if "run specs/" in line and "--demo" in line)
    spec = re.search(r"run (specs/\S+\.ocx)", main_job).group(1)
    assert (REPO / spec).is_file()


def test_the_readme_spec_checks_clean() -> None:
    spec = README.split("## A spec", 1)[1].split("```")[1]
    checked = compile_source(SourceFile("README.md", spec))
    assert checked.warnings == ()
    assert [c.name for c in checked.datasets[0].columns] == [
        "driver", "started", "duration_min", "energy_kwh", "area"]


def test_the_command_table_lists_every_command() -> None:
    table = re.findall(r"^\| `ocpispec ([a-z-]+)", README, flags=re.M)
    assert sorted(table) == sorted(COMMANDS)


def test_every_example_spec_is_listed() -> None:
    listed = set(re.findall(r"^\| `(\w+\.ocx)`", README, flags=re.M))
    assert listed == {path.name for path in (REPO / "specs").glob("*.ocx")}


def test_every_table_row_is_inside_its_table() -> None:
    """A row after a paragraph is no row: `monthly_report.ocx` stood after the text
    below the spec table, so it rendered as a line of pipes, not in the table."""
    lines = [*README.splitlines(), ""]
    starts = [index for index in range(1, len(lines) - 1)
              if lines[index].startswith("| ") and not lines[index - 1].startswith("|")]
    assert [lines[index] for index in starts if not lines[index + 1].startswith("|---")] == []


def complete_specs_in_docs() -> list[tuple[str, str]]:
    """Every fenced block in the README and docs/ that is a whole spec."""
    found = []
    for path in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        for block in re.findall(r"```[a-z]*\n(.*?)```", path.read_text(encoding="utf-8"), re.S):
            if re.search(r"^export \w+", block, re.M) and re.search(r"^output ", block, re.M):
                found.append((path.name, block))
    return found


def test_every_whole_spec_in_the_docs_checks() -> None:
    specs = complete_specs_in_docs()
    assert len(specs) >= 2
    for name, text in specs:
        compile_source(SourceFile(name, text))


def test_the_completion_line_works(run_cli) -> None:
    """The README's completion line: click prints a shell function for each shell."""
    assert "_OCPISPEC_COMPLETE=bash_source ocpispec" in README
    for shell in ("bash", "zsh", "fish"):
        result = run_cli(env={"_OCPISPEC_COMPLETE": f"{shell}_source"})
        assert "_OCPISPEC_COMPLETE" in result.stdout, shell


def test_the_plan_example_in_the_docs_is_the_real_plan(run_cli) -> None:
    """docs/plan-and-run.md ends its plan example with the summary and fingerprint that
    `ocpispec plan specs/municipality_sessions.ocx` prints."""
    doc = (REPO / "docs" / "plan-and-run.md").read_text(encoding="utf-8")
    shown = doc.split("It ends with a summary line", 1)[1]
    shown = shown.split("```")[1].strip().splitlines()
    printed = run_cli("plan", "specs/municipality_sessions.ocx").stdout.strip().splitlines()
    assert shown == printed[-len(shown):]


def _shown_commands() -> list[tuple[str, str]]:
    """Every `ocpispec ...` line in a shell block of the README and docs/, as written
    (up to a pipe, a redirection or a comment)."""
    import shlex

    found = []
    for path in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        for block in re.findall(r"```(?:sh|bash|console|shell)\n(.*?)```", text, flags=re.S):
            block = re.sub(r"\\\n\s*", " ", block)  # continuation lines
            for line in block.splitlines():
                line = line.strip().removeprefix("$ ")
                command = re.sub(r"^(\.venv/bin/|python3 -m venv .*&& )", "", line)
                if not command.startswith("ocpispec "):
                    continue
                command = re.sub(r"<[^<>\n]+>", "PLACEHOLDER", command)  # `<printed token>`
                words = shlex.split(command.split(" #")[0], posix=True)
                for stop in ("|", ">", ">>", "&&", "2>"):
                    if stop in words:
                        words = words[:words.index(stop)]
                found.append((f"{path.name}: {line}", words[1:]))
    return found


@pytest.mark.parametrize(("where", "args"), _shown_commands(), ids=lambda v: v if isinstance(v, str) else None)
def test_every_command_in_the_docs_parses_as_shown(where: str, args: list[str]) -> None:
    """The command, its options and its arguments exist as written (values are checked by
    click as a run would, without running it)."""
    import click

    from ocpispec.cli import main

    import warnings

    with main.make_context("ocpispec", list(args), resilient_parsing=False) as context:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # click 8.2 `protected_args`
            pending = [*context.protected_args, *context.args]
        name, command, rest = main.resolve_command(context, pending)
        assert command is not None, where
        try:
            command.make_context(name, rest, parent=context)
        except click.exceptions.Exit:
            pass  # --help and --version
