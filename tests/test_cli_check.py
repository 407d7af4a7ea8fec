"""`ocpispec check` and the help texts of `check` and `explain`, as a user sees them."""

from __future__ import annotations

import json

import pytest
from fixtures_cli import REPO, cli_block

from ocpispec.check.compiler import MOST_SPEC_BYTES

CLEAN = "specs/municipality_sessions.ocx"
BROKEN = "tests/cases/OCX104_unknown_field.ocx"
WARNS = "tests/cases/OCX303_quasi_identifier_released.ocx"


def test_clean_spec(run_cli, snapshot) -> None:
    result = run_cli("check", CLEAN)
    assert result.exit_code == 0
    assert cli_block(result) == snapshot


def test_every_example_spec_is_clean(run_cli) -> None:
    result = run_cli("check", "specs/municipality_sessions.ocx", "specs/research_cdrs.ocx",
                     "specs/open_data_locations.ocx", "specs/utilisation_by_area.ocx",
                     "specs/monthly_report.ocx")
    assert result.exit_code == 0, result.stderr
    assert "Checked 5 specs: 5 valid, 0 with errors." in result.stderr


def test_spec_with_errors(run_cli, snapshot) -> None:
    result = run_cli("check", BROKEN)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert cli_block(result) == snapshot


def test_warnings_do_not_fail(run_cli, snapshot) -> None:
    result = run_cli("check", WARNS)
    assert result.exit_code == 0
    assert cli_block(result) == snapshot


def test_concise(run_cli, snapshot) -> None:
    result = run_cli("check", "--format", "concise", BROKEN, WARNS, CLEAN)
    assert result.exit_code == 1
    assert cli_block(result) == snapshot


def test_json_goes_to_stdout(run_cli, snapshot) -> None:
    result = run_cli("check", "--format", "json", BROKEN, WARNS)
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert (document["valid"], document["error_count"], document["warning_count"]) == \
        (False, 1, 1)
    assert [d["file"] for d in document["diagnostics"]] == [BROKEN, WARNS]
    assert result.stderr == ""
    assert cli_block(result) == snapshot


def test_json_when_valid(run_cli) -> None:
    result = run_cli("check", "--format", "json", CLEAN)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "format_version": "1", "valid": True, "error_count": 0, "warning_count": 0,
        "diagnostics": [],
        "files": [{"file": CLEAN, "valid": True, "error_count": 0, "warning_count": 0}]}


def test_missing_file_is_a_diagnostic(run_cli, snapshot) -> None:
    result = run_cli("check", "specs/no_such_spec.ocx", CLEAN)
    assert result.exit_code == 1
    assert cli_block(result) == snapshot


def test_usage_errors_exit_2(run_cli) -> None:
    assert run_cli("check").exit_code == 2
    assert run_cli("check", "--format", "xml", CLEAN).exit_code == 2
    assert run_cli("check", "--max-errors", "0", CLEAN).exit_code == 2


def test_color_never_and_no_color(run_cli) -> None:
    """NO_COLOR (no-color.org) turns the automatic colour off; an explicit `--color
    always` overrides it, as the convention says a command-line flag should."""
    assert "\x1b[" not in run_cli("check", "--color", "never", BROKEN).stderr
    assert "\x1b[" not in run_cli("check", BROKEN, env={"NO_COLOR": "1"}).stderr


@pytest.mark.parametrize("command", ["check", "explain"])
def test_help(run_cli, snapshot, command) -> None:
    result = run_cli(command, "--help")
    assert result.exit_code == 0
    assert cli_block(result) == snapshot


def test_a_byte_order_mark_is_not_part_of_the_spec(run_cli, tmp_path) -> None:
    """Editors on Windows save UTF-8 with a byte-order mark; it was an invisible
    `unexpected character` at 1:1."""
    original = open("specs/research_cdrs.ocx", encoding="utf-8").read()
    marked = tmp_path / "research_cdrs.ocx"
    marked.write_bytes(b"\xef\xbb\xbf" + original.encode("utf-8"))
    result = run_cli("check", str(marked))
    assert result.exit_code == 0, result.stderr
    assert "is valid" in result.stderr + result.stdout


def test_a_folder_checks_every_spec_below_it(run_cli, tmp_path) -> None:
    (tmp_path / "nested").mkdir()
    (tmp_path / ".hidden").mkdir()
    spec = open("specs/research_cdrs.ocx", encoding="utf-8").read()
    for place in ("a.ocx", "nested/b.ocx", ".hidden/c.ocx"):
        (tmp_path / place).write_text(spec, encoding="utf-8")
    (tmp_path / "nested" / "broken.ocx").write_text("export", encoding="utf-8")
    result = run_cli("check", "--format", "json", str(tmp_path))
    assert result.exit_code == 1
    files = json.loads(result.stdout)["files"]
    assert [(f["file"].replace(str(tmp_path), "<dir>"), f["valid"]) for f in files] == [
        ("<dir>/a.ocx", True), ("<dir>/nested/b.ocx", True), ("<dir>/nested/broken.ocx", False)]
    assert files[2]["error_count"] >= 1 and files[0]["error_count"] == 0


def test_a_folder_without_specs_is_reported(run_cli, tmp_path) -> None:
    result = run_cli("check", str(tmp_path))
    assert result.exit_code == 1 and "OCX010" in result.stderr


@pytest.mark.parametrize(("flag", "env", "coloured"), [
    ("always", {}, True), ("always", {"NO_COLOR": "1"}, True),
    ("auto", {}, False), ("never", {}, False)])
def test_color_always_colours_even_when_piped(run_cli, flag, env, coloured) -> None:
    result = run_cli("check", "--color", flag, "tests/cases/OCX301_personal_field_exposed.ocx",
                     env=env)
    assert ("\x1b[" in result.stderr) is coloured


def test_sarif_for_code_scanning(run_cli, snapshot) -> None:
    result = run_cli("check", "--format", "sarif", "tests/cases/OCX301_personal_field_exposed.ocx",
                     "tests/cases/OCX303_quasi_identifier_released.ocx", "specs/research_cdrs.ocx")
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    run = log["runs"][0]
    assert log["version"] == "2.1.0" and run["tool"]["driver"]["name"] == "ocpispec"
    rules = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    for result_entry in run["results"]:
        assert rules[result_entry["ruleIndex"]] == result_entry["ruleId"]
        region = result_entry["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
    assert {r["level"] for r in run["results"]} <= {"error", "warning"}
    assert result.stdout == snapshot


@pytest.mark.parametrize("command", ["check", "plan", "review"])
def test_a_device_is_refused_as_a_spec_without_being_read(run_cli, command, snapshot) -> None:
    """`/dev/zero` used to be read until memory ran out."""
    result = run_cli(command, "/dev/zero")
    assert result.exit_code == 1
    assert "error[OCX010]: cannot read `/dev/zero`: it is a device, not a file" in result.stderr
    if command == "check":
        assert result.stderr == snapshot


def test_a_file_far_larger_than_a_spec_is_refused(run_cli, tmp_path) -> None:
    spec = tmp_path / "huge.ocx"
    spec.write_text(open("specs/research_cdrs.ocx", encoding="utf-8").read() * 1000)
    assert spec.stat().st_size > MOST_SPEC_BYTES
    result = run_cli("check", str(spec))
    assert result.exit_code == 1
    assert "it is larger than 1 MiB, far more than any spec" in result.stderr


def test_a_spec_from_a_named_pipe_is_read(run_cli, tmp_path) -> None:
    """`ocpispec check <(generate-spec)`: the shell hands over a pipe."""
    import os
    import threading

    pipe = tmp_path / "spec.ocx"
    os.mkfifo(pipe)
    text = open("specs/research_cdrs.ocx", encoding="utf-8").read()
    writer = threading.Thread(target=lambda: pipe.write_text(text, encoding="utf-8"))
    writer.start()
    result = run_cli("check", str(pipe))
    writer.join(5)
    assert result.exit_code == 0, result.output


def test_a_second_spec_under_a_taken_export_name_is_warned(run_cli, tmp_path, snapshot) -> None:
    """A spec copied to start a second export to the same consumer, its `export` line
    left as it was: both reviews say the pseudonyms are separate for their export, but
    they are derived from the export name and consumer, so the two files join on them
    (and the two specs share one `since last run` state). OCX346 on the later spec."""
    spec = open("specs/research_cdrs.ocx", encoding="utf-8").read()
    second = spec.replace("  round(total_cost.incl_vat, 0) as cost_incl_vat_eur\n", "")
    assert second != spec
    (tmp_path / "a.ocx").write_text(spec, encoding="utf-8")
    (tmp_path / "b.ocx").write_text(second, encoding="utf-8")
    result = run_cli("check", "--format", "concise", str(tmp_path))
    assert result.exit_code == 0
    assert cli_block(result).replace(str(tmp_path), "<dir>") == snapshot
    renamed = second.replace("export tue_charging_research", "export tue_cost_research", 1)
    assert renamed != second
    (tmp_path / "b.ocx").write_text(renamed, encoding="utf-8")
    assert "OCX346" not in run_cli("check", str(tmp_path)).stderr


@pytest.mark.parametrize("variable", ["OCPI_TOKEN", "OCPI_VERSIONS_URL", "PATH", "LC_ALL"])
def test_a_pseudonym_key_read_from_a_known_variable_is_refused(run_cli, snapshot, tmp_path,
                                                               variable: str) -> None:
    """`pseudonym key env OCPI_TOKEN` keys every pseudonym with the platform's token
    (the platform knows it); `env PATH` with what every account reads. check said the
    spec was valid, and the review called it "a key the CPO keeps": the officer
    approved a spec whose run would refuse the key (or, where the run could not see the
    value, release reversible pseudonyms). It is OCX551 at check time."""
    spec = tmp_path / "keyed.ocx"
    spec.write_text((REPO / "specs" / "municipality_sessions.ocx").read_text().replace(
        "pseudonym key env UTRECHT_PSEUDONYM_KEY", f"pseudonym key env {variable}"))
    result = run_cli("check", str(spec), "--format", "concise")
    assert result.exit_code == 1
    assert "error[OCX551]" in result.output or "OCX551" in result.output
    review = run_cli("review", str(spec))
    assert review.exit_code == 1 and "a key the CPO keeps" not in review.stdout
    if variable == "OCPI_TOKEN":
        assert cli_block(result, tmp=tmp_path) == snapshot
