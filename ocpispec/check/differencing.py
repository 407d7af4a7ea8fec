"""Differencing: datasets of one export that tell more together than each alone.

Two aggregates that differ only by a filter or a window (OCX332), and row datasets that
share a pseudonym but differ by a filter on non-public fields (OCX333).

`group by ... compute sum(kwh)` over all sessions and the same over `where kwh < 55`
look harmless one by one (every group above the minimum size), but subtracting one
table from the other leaves the sessions the filter kept out, often a single one. The
check compares the aggregates of one spec pairwise, by their written text
(`check/dataset_differences.py` says what tells two datasets apart).
"""

from __future__ import annotations

from collections.abc import Iterable

from ocpispec.language import syntax
from ocpispec.check.checked import CheckedDataset
from ocpispec.check.context import Context
from ocpispec.check.dataset_differences import (
    differ_by_filter,
    difference_of,
    is_totals,
    left_out_by_rows,
)
from ocpispec.check.named_exclusions import check_named_exclusion
from ocpispec.check.quantities import pseudonym_of
from ocpispec.diagnostics import Diagnostic, Label, Severity
from ocpispec.language.functions import Effect


def check_differencing(datasets: Iterable[CheckedDataset | None], ctx: Context) -> None:
    found = [d for d in datasets if d is not None]
    aggregates = [d for d in found if d.is_aggregate]
    for index, later in enumerate(aggregates):
        for earlier in aggregates[:index]:
            difference = difference_of(earlier, later, ctx.source, ctx.source)
            if difference == "filter" and check_named_exclusion(earlier, later, ctx):
                break
            if difference is not None:
                _warn(earlier, later, difference, ctx,
                      is_totals(earlier, later, ctx.source, ctx.source))
                break  # one warning per dataset is enough to send the reviewer to it
    rows = [d for d in found if not d.is_aggregate]
    for aggregate in aggregates:
        for row_dataset in rows:
            left_out = left_out_by_rows(aggregate, row_dataset, ctx.source, ctx.source)
            if left_out is not None:
                _warn_rows(aggregate, row_dataset, left_out, ctx)
                break
    for index, later in enumerate(rows):
        for earlier in rows[:index]:
            linked = _linked_by_filter(earlier, later, ctx)
            if linked is not None:
                _warn_linked(earlier, later, linked, ctx)
                break


def linked_directly(first: CheckedDataset, second: CheckedDataset, ctx: Context) -> bool:
    """Whether `check_differencing` compares two row datasets and warns of them (OCX333)."""
    return _linked_by_filter(first, second, ctx) is not None


def _linked_by_filter(first: CheckedDataset, second: CheckedDataset,
                      ctx: Context) -> str | None:
    """The pseudonymised field two row datasets share when they differ by a filter that
    reads non-public fields: each record's presence in each dataset then tells the
    consumer which filters its hidden values pass."""
    if not differ_by_filter(first, second, ctx):
        return None
    theirs = _pseudonymised(second)
    shared = sorted(shown for key, shown in _pseudonymised(first).items() if key in theirs)
    return shared[0] if shared else None


def _warn_rows(aggregate: CheckedDataset, rows: CheckedDataset, left_out: str,
               ctx: Context) -> None:
    what = ("the rows its k rule suppresses" if left_out == "k rule" else
            f"the records the rows' {left_out} leaves out")
    ctx.emit(Diagnostic(
        "OCX348", Severity.WARNING,
        f"an aggregate of `{_modules(aggregate, rows)}` counts records a row dataset beside "
        "it leaves out",
        (Label(anchor(aggregate), f"its groups minus the rows in them are {what}"),
         Label(anchor(rows), "the rows here", False)),
        notes=["the consumer counts (or sums) the released rows of each group and subtracts "
               "them from the aggregate's figure: what is left is the records the rows do "
               "not hold, often a single one, whatever the minimum group size",
               "secondary suppression protects totals of groups, not of rows"],
        help="give both the same filter and window (the aggregate then adds nothing the rows "
             "do not show), group the aggregate by keys the rows do not release, or release "
             "only one of them"))


def _pseudonymised(checked: CheckedDataset) -> dict[str, str]:
    """What each pseudonym stands for (`pseudonym_of`) -> the field as written."""
    return {pseudonym_of(column.sources[0]): column.sources[0].qualified
            for column in checked.columns
            if column.effect is Effect.PSEUDONYMISE and len(column.sources) == 1}


def _warn_linked(first: CheckedDataset, second: CheckedDataset, field: str,
                 ctx: Context) -> None:
    ctx.emit(Diagnostic(
        "OCX333", Severity.WARNING,
        f"two datasets of `{_modules(first, second)}` release the pseudonym of `{field}` under "
        "different filters",
        (Label(anchor(second), "a different filter on non-public fields"),
         Label(anchor(first), "the same pseudonyms here", False)),
        notes=["the pseudonym links a record or driver across both files, so whether it "
               "appears in each one tells the consumer which filters its hidden values pass",
               "many such datasets narrow a value down past its generaliser: ranges of `kwh` "
               "give the exact energy behind `round(kwh, 0)`"],
        help="release the rows once, with the filtered field generalised as a column, or "
             "drop the pseudonym from all but one dataset"))


def _modules(first: CheckedDataset, second: CheckedDataset) -> str:
    """`sessions`, or `sessions` and `cdrs` (inside the backticks of a message)."""
    if first.module == second.module:
        return first.module
    return f"{first.module}` and `{second.module}"


def _warn(first: CheckedDataset, second: CheckedDataset, difference: str,
          ctx: Context, totals: bool = False) -> None:
    here, there = anchor(second), anchor(first)
    if totals:  # one groups by coarser keys: its rows are totals of the other's
        message = (f"two aggregates of `{_modules(first, second)}`, one the totals of the other's "
                   f"groups, differ by their {difference}")
        labels = (Label(here, f"the {difference} differs from the aggregate above"),
                  Label(there, "groups or totals of the same measures here", False))
        extra = ["secondary suppression protects a total only over the same records: "
                 "over another filter or window it is not applied, and a total minus the "
                 "groups of its line leaves the records the two read differently"]
    else:
        message = f"two aggregates of `{_modules(first, second)}` differ only by their {difference}"
        labels = (Label(here, f"only the {difference} differs from the aggregate above"),
                  Label(there, "the same groups and measures here", False))
        extra = []
    ctx.emit(Diagnostic(
        "OCX332", Severity.WARNING, message, labels,
        notes=[explanation(difference), *extra,
               "the minimum group size protects each table alone, not their difference"],
        help="release the groups and their totals from one module (both `from sessions` or "
             "both `from cdrs`), so the run protects the totals" if difference == "module" else
             "release one of them, or take the same sample in both" if difference == "sample" else
             "release one of them; or make the filters split the records into parts that "
             "do not overlap, and windows that do not overlap"))


def anchor(checked: CheckedDataset):
    source = checked.dataset.source
    if source.wheres:
        return source.wheres[0].span
    if source.samples:
        return source.samples[0].span
    if source.includes:
        return source.includes[0].span
    if source.window is not None:
        return source.window.span
    return source.module.span


def explanation(difference: str) -> str:
    if difference == "module":
        return ("a session and its CDR are one charge, but the sessions still charging or "
                "without a CDR are not in the CDRs: subtracting one table from the other "
                "leaves them, group by group, and a total of one beside the groups of the "
                "other is no total secondary suppression protects (it protects totals of "
                "one module's records)")
    if difference == "sample":
        return ("subtracting one table from the other leaves, group by group, the records "
                "one sample keeps and the other does not: the drivers a 50% sample left out, "
                "or those between a 10% sample and the 20% one it lies inside (the samples "
                "of an export nest)")
    if difference == "window":
        return ("subtracting one table from the other leaves the records in one window and "
                "not the other, group by group: a day, an hour, often a single session")
    return ("subtracting one table from the other leaves, group by group, the records one "
            "filter keeps and the other drops; with `where kwh < 55` against no filter, "
            "that can be the one session above 55 kWh")


# ---- one aggregate, released again and again ---------------------------------------------------


def check_repeated_releases(datasets: Iterable[CheckedDataset | None],
                            rule: syntax.Schedule | None, ctx: Context) -> None:
    """OCX336 for each aggregate whose scheduled runs read overlapping windows: each file is
    safe alone, but one minus the one before is the records in between, often one driver's."""
    if rule is None or any(d.is_error for d in ctx.diagnostics):
        return                      # a schedule that does not parse cannot be played
    from ocpispec.check.calendar import overlapping_runs

    for checked in datasets:
        if checked is None or not checked.is_aggregate or checked.is_public_facts:
            continue                # a status feed of public facts: no driver to isolate
        window = checked.dataset.source.window
        found = overlapping_runs(window, rule)
        if found is not None:
            ctx.emit(_repeated(checked, window, rule, found))


def _repeated(checked: CheckedDataset, window: syntax.Window | None, rule: syntax.Schedule,
              found: str) -> Diagnostic:
    anchor = window.span if window is not None else checked.dataset.source.module.span
    return Diagnostic(
        "OCX336", Severity.WARNING,
        f"each scheduled run releases this aggregate of `{checked.module}` again over "
        "records an earlier run released",
        (Label(anchor, found),
         Label(rule.span, "runs here", False)),
        notes=["subtracting one file from the next leaves, group by group, the records that "
               "came or changed in between: an hour of a month-to-date report is often a "
               "single session, and a record updated out of a fixed window is alone in the "
               "difference",
               "the minimum group size protects each file alone, not the difference of two"],
        help="release each record once: a calendar window with its schedule (`previous "
             "month` with `schedule monthly on day 1 at 06:00`) or `since last run`")
