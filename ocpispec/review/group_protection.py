"""An aggregate's protection in the review: the minimum group size, counted in drivers
or records, and the dominance rule, secondary suppression and rounding, in sentences an
officer reads."""

from __future__ import annotations

from ocpispec.plan import ir
from ocpispec.plan.margins import margin_keys
from ocpispec.review.model import Protection
from ocpispec.review.risk import DRIVER_WORDS


def group_protection(aggregate: ir.Aggregate | None) -> Protection | None:
    if aggregate is None:
        return None
    counted = "distinct drivers" if aggregate.entity else "records"
    how = DRIVER_WORDS if aggregate.entity else "each record counts once"
    default = "" if aggregate.min_group_size_stated else \
        " This is the default: the spec states no minimum group size."
    size = aggregate.min_group_size
    if size <= 1:  # the run then counts records: every group leaves (accumulators.reached)
        return Protection(size, aggregate.min_group_size_stated, counted,
                          _no_floor(aggregate) + _disclosure_sentences(aggregate),
                          f"No minimum group size ({size}): every group is released.")
    text = (f"A group (one row) with fewer than {size} {counted} is not "
            f"released at all; {how}.{default}{_disclosure_sentences(aggregate)}")
    return Protection(size, aggregate.min_group_size_stated, counted, text,
                      f"Minimum group size {size}, counted in {counted}.")


def _no_floor(aggregate: ir.Aggregate) -> str:
    """What `minimum group size 1` releases: it protects nobody."""
    if aggregate.entity:
        return ("A group of a single driver is released with that driver's own figures, and "
                "so is a group of records without a driver id; no group is held back for its "
                "size (the check warns of it, OCX320).")
    return "A group of a single record is released with that record's own figures."


def _disclosure_sentences(aggregate: ir.Aggregate) -> str:
    """The dominance rule, secondary suppression and rounding, for the officer."""
    text = ""
    if aggregate.entity and aggregate.min_group_size > 1 and _sums(aggregate):
        text += (f" Nor is a group where fewer than {aggregate.min_group_size} drivers gave "
                 "the value a sum or an average reads (the other records lack it): its "
                 "figure would be theirs.")
    if aggregate.dominance is not None:
        who = "the largest driver gives" if aggregate.dominance.contributors == 1 else \
            f"the {aggregate.dominance.contributors} largest drivers give"
        text += (f" Nor is a group where {who} more than {aggregate.dominance.percent}% of "
                 "a sum: such a row would mostly show one driver's figure.")
    for margin in aggregate.margins:
        by = f"by {margin_keys(margin.keys, margin.cuts, margin.observed)}" if margin.keys else \
            "over all groups"
        text += (f" The export also releases totals {by} "
                 f"(`{margin.dataset}`); more groups or totals are held back so that no "
                 "withheld group can be worked out by subtraction.")
    if aggregate.round_counts:
        text += f" Counts are released as multiples of {aggregate.round_counts}."
    return text


def _sums(aggregate: ir.Aggregate) -> bool:
    return any(part.function in ("sum", "avg") and part.argument
               for measure in aggregate.measures
               for part in (measure.parts or (ir.Part(measure.function, measure.argument),)))
