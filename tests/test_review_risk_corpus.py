"""Issue 14: the review of every shipped spec shows a risk figure. Before a measurement it
says "not yet measured" with the command; after `run --assess` (here on a small demo, with
a ledger) it shows the measured figure: class sizes and unicity for row exports, groups
released and suppressed for aggregates, and the k rule in force where the spec has one."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures_cli import SPECS

KEY = "6e1b9d4a2f7c05e83b6d1a9f4c2e70b58d3a6f1c9e4b27d05a8c3f6e1b9d4a27"
CORPUS = sorted(SPECS.glob("*.ocx"))


@pytest.mark.parametrize("spec", CORPUS, ids=lambda p: p.stem)
def test_the_review_of_every_shipped_spec_shows_a_measured_risk(run_cli, tmp_path: Path,
                                                                  spec: Path) -> None:
    ledger = tmp_path / "ledger.sqlite"
    relative = f"specs/{spec.name}"
    before = run_cli("review", relative, "--ledger", str(ledger), "--format", "markdown")
    assert before.exit_code == 0, before.stderr
    assert "**Not yet measured.**" in before.stdout
    assessed = run_cli("run", relative, "--demo", "--demo-size", "300", "--assess", "--state",
                       str(ledger), "-q", env={"UTRECHT_PSEUDONYM_KEY": KEY,
                                               "RESEARCH_PSEUDONYM_KEY": KEY})
    assert assessed.exit_code == 0, assessed.stderr
    after = run_cli("review", relative, "--ledger", str(ledger), "--format", "markdown")
    assert after.exit_code == 0, after.stderr
    risk = after.stdout[after.stdout.index("### Measured risk"):]
    risk = risk[:risk.index("### Withheld")]
    assert "Not yet measured" not in risk
    assert "Measured by `run --assess` recorded at" in risk
    assert any(figure in risk for figure in ("% of rows in classes of fewer than",
                                             "groups released"))
    if "\n  require k " in spec.read_text():
        assert "**Rule in force:** every class of equal" in risk
        assert "k 5:" in risk and "suppressed" in risk
