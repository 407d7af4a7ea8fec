"""The figures in words: for the run summary, the `--assess` report and the review."""

from __future__ import annotations

from typing import Any

from ocpispec.disclosure.spill_figures import BUCKETS
from ocpispec.text import count

BUCKET_WORDS = {"1": "k=1", "2-4": "k=2–4", "5-9": "k=5–9", "10+": "k≥10"}


def risk_lines(risk: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(label, text) pairs; [] when nothing was measured (an aggregate)."""
    if not risk:
        return []
    lines = []
    figures = risk.get("figures")
    if figures and describes_no_driver(figures):
        lines.append(("risk classes", NO_DRIVER))
    elif figures:
        lines += [("risk classes", classes_text(figures)),
                  ("class sizes", sizes_text(figures))]
        if (unicity := unicity_text(figures)) is not None:
            lines.append(("unicity", unicity))
    if risk.get("k_anonymity"):
        lines.append(("k-anonymity", enforced_text(risk["k_anonymity"])))
    return lines


NO_DRIVER = ("none measured: a row describes a site, a charger or a tariff, no driver, so "
             "no row can single one out")


def describes_no_driver(figures: dict[str, Any]) -> bool:
    """A list of sites, chargers or tariffs measured without a k rule: one class of
    every row, counted in rows, which says nothing about anyone."""
    return figures["counted_in"] != "drivers" and not figures["quasi_identifiers"]


def measures_drivers(risk: dict[str, Any] | None) -> bool:
    """Whether `risk` holds classes of drivers (or of a k rule's columns) to read."""
    figures = (risk or {}).get("figures")
    return bool(figures) and not describes_no_driver(figures)


def classes_text(figures: dict[str, Any]) -> str:
    unit = "distinct drivers" if figures["counted_in"] == "drivers" else "rows"
    rows = count(figures["rows"], "row", grouped=True)
    smallest = figures["smallest_class"]
    if not figures["quasi_identifiers"]:
        return f"no quasi-identifier is released: one class of {rows}, counted in {unit}"
    over = ", ".join(f"`{name}`" for name in figures["quasi_identifiers"])
    low = "" if smallest is None else f"; the smallest holds {smallest:,}"
    return (f"{count(figures['classes'], 'class', 'classes', grouped=True)} of equal {over} "
            f"over {rows}, counted in {unit}{low}")


def sizes_text(figures: dict[str, Any]) -> str:
    classes, rows = figures["classes_by_size"], figures["rows_by_size"]
    return ", ".join(f"{BUCKET_WORDS[b]}: {count(classes.get(b, 0), 'class', 'classes', grouped=True)} "
                     f"({count(rows.get(b, 0), 'row', grouped=True)})" for b in BUCKETS)


def unicity_text(figures: dict[str, Any]) -> str | None:
    unicity = figures.get("unicity") or {}
    if unicity.get("one_point") is None:
        return None
    points = ", ".join(f"`{name}`" for name in unicity["points"])
    return (f"{_percent(unicity['one_point'])} of drivers are the only one at 1 known "
            f"(place, time) point, {_percent(unicity['two_points'])} at 2 (a point: {points})")


def enforced_text(enforced: dict[str, Any]) -> str:
    limit = enforced["suppression_limit_percent"]
    applied = ""
    if not enforced.get("limit_applied", True):
        over = enforced["suppression_rate_percent"] > limit
        applied = (" — over the limit: a run would fail (OCX527)" if over else
                   " (within the limit)")
    return (f"k {enforced['k']}: {enforced['generalised_rows']:,} rows recoded to a coarser "
            f"level, {enforced['suppressed_rows']:,} rows in "
            f"{enforced['suppressed_classes']:,} classes suppressed "
            f"({enforced['suppression_rate_percent']:g}%, limit {limit:g}%){applied}")


def headline(risk: dict[str, Any] | None) -> str | None:
    """One line for a review: the share of rows in classes of fewer than 5 drivers and
    the unicity on 2 points."""
    figures = (risk or {}).get("figures")
    if not figures:
        return None
    if describes_no_driver(figures):
        return "no driver in the rows: " + NO_DRIVER.removeprefix("none measured: ")
    rows = figures["rows_by_size"]
    small = rows.get("1", 0) + rows.get("2-4", 0)
    share = small / figures["rows"] if figures["rows"] else 0.0
    text = f"{_percent(share)} of rows in classes of fewer than 5 {figures['counted_in']}"
    unicity = (figures.get("unicity") or {}).get("two_points")
    if unicity is not None:
        text += f"; {_percent(unicity)} of drivers unique on 2 known (place, time) points"
    return text


def _percent(share: float) -> str:
    return f"{100 * share:.1f}%"
