"""Issue 14: the review of every shipped spec shows a risk figure. Before a measurement it
says "not yet measured" with the command; after `run --assess` (here on a small demo, with
a ledger) it shows the measured figure: class sizes and unicity for row exports, groups
released and suppressed for aggregates, and the k rule in force where the spec has one."""

from __future__ import annotations

import re
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
    # measured on the demo CPO, and said so: the officer must not take the demo's
    # figures for the platform's
    assert "Measured by `run --assess` on the built-in demo CPO recorded at" in risk
    assert "*These figures are of the demo CPO's synthetic data, not of the platform's: " \
        f"measure the platform's with `ocpispec run {relative} --assess`.*" in risk
    if re.search(r"^from (locations|tariffs)\b", spec.read_text(), re.MULTILINE):
        # a row describes a site or a tariff: there is no driver to count, and it says so
        assert "no driver, so no row can single one out" in risk
        assert "% of rows in classes of fewer than" not in risk
    else:
        assert any(figure in risk for figure in ("% of rows in classes of fewer than",
                                                 "groups released"))
    if "\n  require k " in spec.read_text():
        assert "**Rule in force:** every class of equal" in risk
        assert "k 5:" in risk and "suppressed" in risk


def test_an_aggregate_figure_counts_every_kind_of_withheld_group(snapshot) -> None:
    """Groups withheld by dominance and to protect released totals are named beside the
    small ones, so released + withheld adds up to every group the run saw."""
    from ocpispec.check import compile_file
    from ocpispec.plan import plan as make_plan
    from ocpispec.review.risk import risk_review

    plan = make_plan(compile_file(SPECS / "utilisation_by_area.ocx"))
    [dataset] = plan.datasets
    run = {"outcome": "committed", "plan_fingerprint": plan.fingerprint,
           "recorded_at": "2026-01-05T05:00:00Z",
           "datasets": [{"dataset": dataset.name, "window_start": "2025-12-01T00:00:00Z",
                         "window_end": "2025-12-29T00:00:00Z",
                         "counts": {"groups": 40, "groups_suppressed": 7,
                                    "groups_dominated": 2, "groups_secondary": 3}}]}
    review = risk_review(plan, dataset, [run])
    assert review.headline.startswith("28 groups released, 7 suppressed as smaller than 10")
    assert review.headline == snapshot
