"""The measured risk a review shows for each dataset: the figures of the last run or
`run --assess` logged in the ledger's history, the k rule in force and its effect, or
"not yet measured" with the command that measures it. A run on the built-in demo CPO
(`--demo --state`) measured synthetic data: its figures are shown only where the
platform's were never measured, and say so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ocpispec.plan import ir
from ocpispec.disclosure.words import headline, risk_lines
from ocpispec.review.model import RiskReview
from ocpispec.text import code_span

MEASURING = ("assessed", "committed", "sample")


def risk_review(plan: ir.Plan, dataset: ir.Dataset, runs: list[dict[str, Any]]
                ) -> RiskReview:
    rule = dataset.step(ir.KAnonymity)
    rule_text = _rule_words(rule) if rule is not None else None
    command = f"ocpispec run {Path(plan.spec).as_posix()} --assess"
    # the newest measurement of the platform's data; a demo run's only where none is
    real = [run for run in runs if run.get("source") != "demo"]
    demo = [run for run in runs if run.get("source") == "demo"]
    return next((found for run in [*reversed(real), *reversed(demo)]
                 if (found := _measured(plan, dataset, run, rule_text, command)) is not None),
                RiskReview("not yet measured", None, None, (), rule_text, command, None))


def _measured(plan: ir.Plan, dataset: ir.Dataset, run: dict[str, Any], rule_text: str | None,
              command: str) -> RiskReview | None:
    """The figures `run` measured for `dataset`, or None when it measured none."""
    aggregate = dataset.step(ir.Aggregate)
    if run.get("outcome") not in MEASURING:
        return None
    found = next((d for d in run.get("datasets", []) if d["dataset"] == dataset.name), None)
    if found is None:
        return None
    counts = found.get("counts", {})
    risk = counts.get("risk")
    if aggregate is None and not risk:
        return None
    how = "`run --assess`" if run["outcome"] == "assessed" else f"a {run['outcome']} run"
    cautions = []
    if run.get("source") == "demo":
        how += " on the built-in demo CPO"
        cautions.append("these figures are of the demo CPO's synthetic data, not of the "
                        f"platform's: measure the platform's with {code_span(command)}")
    if run.get("plan_fingerprint") != plan.fingerprint:
        cautions.append(f"measured under plan {str(run.get('plan_fingerprint'))[:12]}; the "
                        f"plan has changed since: measure again with {code_span(command)}")
    caution = "; ".join(cautions) or None
    measured = f"by {how} recorded at {run.get('recorded_at')}, window " \
               f"{found.get('window_start') or 'the beginning'} to " \
               f"{found.get('window_end') or 'now'}"
    if aggregate is None:
        return RiskReview("measured", measured, headline(risk), tuple(risk_lines(risk)),
                          rule_text, command, caution)
    groups, dropped = counts.get("groups", 0), counts.get("groups_suppressed", 0)
    dominated = counts.get("groups_dominated", 0)
    secondary = counts.get("groups_secondary", 0)
    sparse = counts.get("groups_sparse", 0)  # of `dropped`: too few gave a sum
    released = groups - dropped - dominated - secondary
    drivers = aggregate.counted_by.split(' (')[0]
    figure = (f"{released:,} groups released, {dropped - sparse:,} suppressed as "
              f"smaller than {aggregate.min_group_size} {drivers}")
    if sparse:
        figure += (f", {sparse:,} withheld as fewer than {aggregate.min_group_size} "
                   f"of their {drivers.removeprefix('distinct ')} gave a sum or "
                   "average a value other than 0")
    if dominated:
        figure += f", {dominated:,} withheld as dominated by a few drivers"
    if secondary:
        figure += f", {secondary:,} withheld to protect released totals"
    return RiskReview("measured", measured, figure, (), rule_text, command, caution)


def _rule_words(rule: ir.KAnonymity) -> str:
    from ocpispec.render.plan_text import k_rule_text

    return k_rule_text(rule)
