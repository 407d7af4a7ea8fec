"""A k rule counts the classes of its own file; a pseudonym joins it to the others.

`require k 5 over (started_hour, postal_area)` recodes a small class's hour to a day,
but a second row dataset of the export that releases the same driver's pseudonym (one
value has one pseudonym in every dataset of a delivery, whatever the scope) beside
`truncate(start_date_time, hour)` gives the hour back: the consumer joins the two files
on the pseudonym and the day. On the demo CPO 729 of 1,511 rows of such a k 5 file got
their hour back, in 658 classes of (hour, postal area) that all held fewer than 5
drivers. OCX347 finds such a column beside `over` in the rule's own dataset; this
finds it in another dataset linked by a pseudonym (OCX396, a warning: the other file
may release the detail on purpose, and the consumer may know it anyway).

So does a detail the rule does not count at all: two files each k-anonymous over what
it releases (postal areas in one, hours in the other) joined on a session's pseudonym
give classes of (hour, postal area) that neither rule counted, on the demo CPO most of
them of one driver. A quasi-identifier of the other file that the rule's own file
neither counts nor releases beside it is warned of too.

A consumer joins through other files as well: a file of (session, CDR) pairs joins the
k-anonymised sessions to a file of CDRs by hour, though neither of those two shares a
pseudonym with the rule's file. Every file reachable over shared pseudonyms is
compared, by the shortest way.
"""

from __future__ import annotations

from collections.abc import Sequence

from ocpispec.language import syntax
from ocpispec.check.checked import CheckedDataset
from ocpispec.check.context import Context
from ocpispec.check.k_rule import quasi_reads
from ocpispec.check.pseudonym_links import Link, linked_files, released_by, row_datasets
from ocpispec.diagnostics import Diagnostic, Label, Severity
from ocpispec.language.functions import Effect


def check_linked_k_rules(datasets: Sequence[CheckedDataset | None], names: Sequence[str],
                         ctx: Context) -> None:
    """`datasets` as the spec lists them (None for one that failed), `names` theirs."""
    rows = row_datasets(datasets, names)
    released = released_by(rows, ctx)
    for dataset, name in rows:
        rule = dataset.dataset.body.k_rule
        if rule is None:
            continue
        counted = _counted(dataset, rule, ctx)
        if not counted:
            continue
        for other, there, link in linked_files(dataset, rows, released):
            found = _beside(other, counted, ctx)
            if found is not None:
                column, what, over = found
                ctx.emit(_linked(rule, name, over, there, column, what, link))
                continue
            added = _uncounted(other, _released_reads(dataset, ctx), ctx)
            if added is not None:
                column, what = added
                ctx.emit(_widened(rule, name, there, column, what, link))


def _counted(dataset: CheckedDataset, rule: syntax.KRule,
             ctx: Context) -> dict[str, set[str]]:
    """What each column the rule counts reads (`place`, `charge start`...); without
    `over`, every released column but the pseudonyms."""
    over = {name.name for name in rule.over}
    pseudonyms = {c.name for c in dataset.columns if c.effect is Effect.PSEUDONYMISE}
    released = ctx.released.get(id(dataset.dataset.body), [])
    return {name: reads for _, name, uses in released
            if (name in over if over else name not in pseudonyms)
            and (reads := quasi_reads(uses))}


def _beside(other: CheckedDataset, counted: dict[str, set[str]],
            ctx: Context) -> tuple[syntax.Column, str, str] | None:
    """The first column of `other` that reads what a counted column reads."""
    pseudonyms = {c.name for c in other.columns if c.effect is Effect.PSEUDONYMISE}
    for column, name, uses in ctx.released.get(id(other.dataset.body), []):
        if name in pseudonyms:
            continue
        reads = quasi_reads(uses)
        for over, held in counted.items():
            if reads & held:
                return column, sorted(reads & held)[0], over
    return None


def _released_reads(dataset: CheckedDataset, ctx: Context) -> set[str]:
    """What the dataset's own columns but its pseudonyms hold, counted or not."""
    pseudonyms = {c.name for c in dataset.columns if c.effect is Effect.PSEUDONYMISE}
    return {read for _, name, uses in ctx.released.get(id(dataset.dataset.body), [])
            if name not in pseudonyms for read in quasi_reads(uses)}


def _uncounted(other: CheckedDataset, held: set[str],
               ctx: Context) -> tuple[syntax.Column, str] | None:
    """The first column of `other` holding a quasi-identifier the rule's file does not."""
    pseudonyms = {c.name for c in other.columns if c.effect is Effect.PSEUDONYMISE}
    for column, name, uses in ctx.released.get(id(other.dataset.body), []):
        if name in pseudonyms:
            continue
        if added := sorted(quasi_reads(uses) - held):
            return column, added[0]
    return None


def _widened(rule: syntax.KRule, name: str, there: str, column: syntax.Column, what: str,
             link: Link) -> Diagnostic:
    held = "a place" if what == "place" else f"the {what.removeprefix('charge ')}"
    return Diagnostic(
        "OCX396", Severity.WARNING,
        f"dataset `{there}` releases {held}, which the k rule of `{name}` does not count, "
        f"{link.beside()}",
        (Label(column.expr.span, f"a detail the classes of `{name}` never held"),
         Label(rule.span, "counts the classes of its own file only", False)),
        notes=[f"one value has one pseudonym in every dataset of a delivery: the consumer "
               f"{link.joined_on()}, and each row of `{name}` gains "
               f"{held}, in classes finer than those the rule counted",
               "each file holding k drivers per class says nothing of the classes the files "
               "form together"],
        help=f"release {held} in the k-anonymised dataset, where the rule counts it, or "
             f"{link.unlinked('the two datasets')} (two exports to the consumer never share pseudonyms)")


def _linked(rule: syntax.KRule, name: str, over: str, there: str, column: syntax.Column,
            what: str, link: Link) -> Diagnostic:
    held = "a place" if what == "place" else f"the {what.removeprefix('charge ')}"
    return Diagnostic(
        "OCX396", Severity.WARNING,
        f"dataset `{there}` releases {held} that `{over}` in the k rule of `{name}` reads, "
        f"{link.beside()}",
        (Label(column.expr.span, f"the detail the k rule of `{name}` may take away"),
         Label(rule.span, "counts the classes of its own file only", False)),
        notes=[f"one value has one pseudonym in every dataset of a delivery: the consumer "
               f"{link.joined_on()} (and the day), and a row of `{name}` "
               f"recoded to a coarser `{over}` gets it back from `{there}`",
               "the classes the consumer can form that way are never counted"],
        help=f"release {held} in one of the two datasets only, or {link.unlinked('them')} "
             "(two exports to the consumer never share pseudonyms)")
