"""Specs for consumers the repo does not ship (tests/specs/consumers/), as new users
wrote them from the README and docs/language.md: a grid operator, a statistics office,
a tariff study, a GIS status feed, idle time per site, an audit, a 2.1.1-only and a
2.3.0 platform, an incremental feed. Each checks clean and runs against the demo CPO
of the OCPI version it is written for."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from frontend_helpers import REPO

from ocpispec.check.compiler import compile_file

CONSUMERS = sorted((REPO / "tests" / "specs" / "consumers").glob("*.ocx"))
VERSIONS = {"legacy_211": "2.1.1", "price_components_230": "2.3.0"}


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def test_there_are_ten_consumers() -> None:
    assert len(CONSUMERS) >= 10


@pytest.mark.parametrize("path", CONSUMERS, ids=lambda p: p.stem)
def test_a_consumer_spec_checks_clean(path: Path) -> None:
    checked = compile_file(path.relative_to(REPO))
    assert [w.code for w in checked.warnings] == []


@pytest.mark.parametrize("path", CONSUMERS, ids=lambda p: p.stem)
def test_a_consumer_spec_runs_on_its_version(path: Path, run_cli, tmp_path: Path) -> None:
    extension = re.search(r'to "[^"]*?(\.[a-z]+)"', path.read_text()).group(1)
    out = tmp_path / f"out{extension}"
    args = ["run", str(path.relative_to(REPO)), "--demo", "--demo-size", "2000",
            "--out", str(out)]
    if path.stem in VERSIONS:
        args += ["--demo-version", VERSIONS[path.stem]]
    done = run_cli(*args)
    assert done.exit_code == 0, done.stderr
    assert out.exists() and (tmp_path / f"out{extension}.datapackage.json").exists()
    assert "Traceback" not in done.stderr and "Exception" not in done.stderr
