"""The measured risk a review shows for each dataset: the figures of the last run or
`run --assess` logged in the ledger's history, the k rule in force and its effect, or
"not yet measured" with the command that measures it. A run on the built-in demo CPO
(`--demo --state`) measured synthetic data: its figures are shown only where the
platform's were never measured, and say so."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ocpispec.plan import ir
from ocpispec.disclosure.words import headline, risk_lines
from ocpispec.review.model import RiskReview
from ocpispec.text import with_article, code_span

MEASURING = ("assessed", "committed", "sample")
DRIVER_WORDS = ("drivers are counted as people: a contract id and a card uid named on one "
                "charge are one person's, and so is every id another charge links to them, so a "
                "card sent with its contract id on some charges and without it on others is one "
                "driver, and so are a contract's cards; ids are compared the way pseudonyms "
                "compare them; a charge paid with a one-time token (`AD_HOC_USER`, a new id each "
                "time) adds no driver")


def risk_review(plan: ir.Plan, dataset: ir.Dataset, runs: list[dict[str, Any]]
                ) -> RiskReview:
    rule = dataset.step(ir.KAnonymity)
    rule_text = _rule_words(rule) if rule is not None else None
    command = f"ocpispec run {Path(plan.spec).as_posix()} --assess"
    # the newest measurement of the platform's data; a demo run's only where none is
    real = [run for run in runs if run.get("source") != "demo"]
    demo = [run for run in runs if run.get("source") == "demo"]
    found = next((found for run in [*reversed(real), *reversed(demo)]
                  if (found := _measured(plan, dataset, run, rule_text, command)) is not None),
                 RiskReview("not yet measured", None, None, (), rule_text, command, None))
    return dataclasses.replace(found, coverage=_coverage(dataset, rule))


def _coverage(dataset: ir.Dataset, rule: ir.KAnonymity | None) -> str | None:
    """The released quasi-identifiers of a row export of drivers' charges that no k rule
    covers: a rule's `Rule in force` alone reads as if every row were k-anonymous."""
    from ocpispec.disclosure.quasi import quasi_columns
    from ocpispec.plan.datasets import DRIVERS

    if dataset.module not in DRIVERS or dataset.step(ir.Aggregate) is not None:
        return None
    outside = [name for name in quasi_columns(dataset) if rule is None or name not in rule.over]
    if not outside:
        return None
    names = ", ".join(code_span(name) for name in outside)
    if rule is None:
        return (f"every row is released, however few drivers share its {names} "
                "(the released quasi-identifiers); someone who knows when, where or how one "
                "driver charged may find that driver's row")
    return (f"{names} (released quasi-identifiers): a row's class of {rule.k} drivers is "
            "counted without them, so someone who also knows one of them about a driver "
            "may tell that driver's row apart from the others of its class")


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
    how = "`run --assess`" if run["outcome"] == "assessed" else \
        f"{with_article(run['outcome'])} run"
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
    told = counts.get("groups_told", 0)  # of `dropped`: an order statistic, one's value
    released = groups - dropped - dominated - secondary
    drivers = aggregate.counted_by.split(' (')[0]
    figure = (f"{released:,} groups released, {dropped - sparse - told:,} suppressed as "
              f"smaller than {aggregate.min_group_size} {drivers}")
    if sparse:
        figure += (f", {sparse:,} withheld as fewer than {aggregate.min_group_size} "
                   f"of their {drivers.removeprefix('distinct ')} gave a sum or "
                   "average a value other than 0")
    if told:
        figure += (f", {told:,} withheld as a minimum, maximum, median or percentile would "
                   "be one driver's value (too few gave it values, or one most of them)")
    if dominated:
        figure += f", {dominated:,} withheld as dominated by a few drivers"
    if secondary:
        figure += f", {secondary:,} withheld to protect released totals"
    return RiskReview("measured", measured, figure, (), rule_text, command, caution)


def _rule_words(rule: ir.KAnonymity) -> str:
    from ocpispec.render.plan_text import k_rule_text

    # the officer reads how a driver is counted, not the JMESPath expression counting it
    return k_rule_text(rule, f"distinct drivers ({DRIVER_WORDS}; never released)"
                       if rule.entity else None)
