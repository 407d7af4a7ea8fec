"""Every example spec plans cleanly: the plan a reviewer reads, and the IR."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fixtures_cli import SPECS, cli_block
from ocpispec.check.compiler import compile_file
from ocpispec.plan.ir import Plan, fingerprint
from ocpispec.plan.planner import plan

CORPUS = sorted(SPECS.glob("*.ocx"))


def _relative(path: Path) -> str:
    return f"specs/{path.name}"


@pytest.mark.parametrize("spec", CORPUS, ids=lambda p: p.stem)
def test_plan_text(run_cli, snapshot, spec: Path) -> None:
    result = run_cli("plan", _relative(spec))
    assert result.exit_code == 0, result.stderr
    assert cli_block(result) == snapshot


@pytest.mark.parametrize("spec", CORPUS, ids=lambda p: p.stem)
def test_plan_json(run_cli, snapshot, spec: Path) -> None:
    result = run_cli("plan", _relative(spec), "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["fingerprint"] == Plan.from_dict(data).fingerprint
    assert result.stdout == snapshot


@pytest.mark.parametrize("spec", CORPUS, ids=lambda p: p.stem)
def test_plan_is_deterministic_and_round_trips(spec: Path) -> None:
    first, second = plan(compile_file(spec)), plan(compile_file(spec))
    assert first == second
    assert first.fingerprint == fingerprint(first) and len(first.fingerprint) == 64
    assert Plan.from_dict(json.loads(first.to_json())) == first


def test_fingerprint_ignores_spans_but_not_columns(tmp_path: Path) -> None:
    text = (SPECS / "municipality_sessions.ocx").read_text()
    moved = tmp_path / "moved.ocx"
    moved.write_text("# a comment moves every span\n" + text)
    assert plan(compile_file(moved)).fingerprint == plan(
        compile_file(SPECS / "municipality_sessions.ocx")).fingerprint
    changed = tmp_path / "changed.ocx"
    changed.write_text(text.replace("round(kwh, 1)", "round(kwh, 0)"))
    assert plan(compile_file(changed)).fingerprint != plan(compile_file(moved)).fingerprint


def test_a_sample_run_plans_per_id_location_lookups(run_cli, snapshot) -> None:
    result = run_cli("plan", "specs/municipality_sessions.ocx", "--limit", "20")
    assert result.exit_code == 0
    assert "per-id GET, cached" in result.stdout
    assert "GET {locations endpoint}/{id}" in result.stdout
    full = run_cli("plan", "specs/municipality_sessions.ocx")
    assert "lookup table (bulk fetch)" in full.stdout
    assert cli_block(result) == snapshot


def test_plan_of_a_broken_spec_shows_diagnostics(run_cli, snapshot, tmp_path: Path) -> None:
    broken = tmp_path / "broken.ocx"
    broken.write_text((SPECS / "municipality_sessions.ocx").read_text().replace(
        "round(kwh, 1)", "round(kwhh, 1)"))
    result = run_cli("plan", str(broken))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "kwhh" in result.stderr
    assert cli_block(result, tmp=tmp_path) == snapshot


def test_plan_of_a_missing_file(run_cli, snapshot) -> None:
    result = run_cli("plan", "specs/does_not_exist.ocx")
    assert result.exit_code == 1
    assert cli_block(result) == snapshot
