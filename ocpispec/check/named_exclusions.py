"""Two aggregates of one export, one of them leaving out a few people by name (OCX349).

`where cdr_token.uid != "04A2B3C4" because "..."` in one aggregate and the same
aggregate without it: subtracting one table from the other leaves, group by group,
the records of that one card. Where two aggregates differ by a filter the checker
cannot tell how many records the difference holds, and warns (OCX332); here it can:
the clauses one adds to the other's filter leave out records by naming personal values
(`!=`, `not in`), so the difference holds the records of at most that many cards,
contracts, sessions or CDRs, each one person's. Fewer of them than the minimum group
size is a group the minimum would withhold, released by subtraction: an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ocpispec.check.checked import CheckedDataset
from ocpispec.check.context import Context
from ocpispec.diagnostics import Diagnostic, Label, Severity
from ocpispec.diagnostics.source import SourceFile
from ocpispec.language import syntax
from ocpispec.schema.model import PrivacyClass

# the minimum group size of an aggregate that states none (`plan/dataset_output.py`)
_DEFAULT_MINIMUM = 10


def check_named_exclusion(first: CheckedDataset, second: CheckedDataset,
                          ctx: Context) -> bool:
    """OCX349 for two aggregates (of one module, window and shape: `differencing`
    found them differing by their filter alone) when the filter of one is the other's
    plus clauses naming fewer personal values than the minimum group size; True when
    emitted."""
    if bool(first.dataset.source.includes) != bool(second.dataset.source.includes):
        return False  # the difference holds the private sites' records too
    for narrow, wide in ((first, second), (second, first)):
        extra = _extra_clauses(narrow, wide, ctx.source)
        if not extra:
            continue
        named = [_named(clause, narrow) for clause in extra]
        if any(count is None for count in named):
            continue
        count = sum(c for c in named if c is not None)
        minimum = max(_minimum(narrow), _minimum(wide))
        if count < minimum:
            _emit(narrow, wide, extra, count, minimum, ctx)
            return True
    return False


def _extra_clauses(narrow: CheckedDataset, wide: CheckedDataset,
                   source: SourceFile) -> list[syntax.Condition]:
    """The clauses of `narrow`'s filter that `wide`'s lacks, when `wide`'s are all among
    them; [] otherwise."""
    mine, theirs = list(_clauses(narrow)), {_text(c, source) for c in _clauses(wide)}
    if not theirs <= {_text(c, source) for c in mine}:
        return []
    return [clause for clause in mine if _text(clause, source) not in theirs]


def _clauses(checked: CheckedDataset) -> Iterator[syntax.Condition]:
    for where in checked.dataset.source.wheres:
        yield from _conjuncts(where.condition)


def _conjuncts(condition: syntax.Condition) -> Iterator[syntax.Condition]:
    if isinstance(condition, syntax.And):
        for operand in condition.operands:
            yield from _conjuncts(operand)
    else:
        yield condition


def _named(clause: syntax.Condition, checked: CheckedDataset) -> int | None:
    """How many personal values `clause` leaves out by naming them, or None when it is
    no such clause."""
    match clause:
        case syntax.Compare(op="!=", left=syntax.FieldRef() as field, right=syntax.Literal()) \
                | syntax.Compare(op="!=", left=syntax.Literal(), right=syntax.FieldRef() as field):
            return 1 if _personal(field, checked) else None
        case syntax.InList(value=syntax.FieldRef() as field, negated=True, options=options):
            return len(options.items) if _personal(field, checked) else None
        case syntax.Not(operand=syntax.Compare(op="=") as kept):
            return _named(syntax.Compare("!=", kept.left, kept.right, kept.span), checked)
        case syntax.Not(operand=syntax.InList(negated=False) as kept):
            return _named(syntax.InList(kept.value, kept.options, True, kept.span), checked)
    return None


def _personal(field: syntax.FieldRef, checked: CheckedDataset) -> bool:
    reads = checked.filter.reads if checked.filter is not None else ()
    return any(read.field == ".".join(field.path) and read.privacy.rank >= PrivacyClass.PERSONAL.rank
               for read in reads)


def _minimum(checked: CheckedDataset) -> int:
    body = checked.dataset.body
    size = body.min_group_size if isinstance(body, syntax.Aggregate) else None
    return size if size is not None else _DEFAULT_MINIMUM


def _text(condition: syntax.Condition, source: SourceFile) -> str:
    return re.sub(r"\s+", " ", source.text[condition.span.start:condition.span.end]).strip()


def _emit(narrow: CheckedDataset, wide: CheckedDataset, extra: list[syntax.Condition],
          count: int, minimum: int, ctx: Context) -> None:
    people = "one person" if count == 1 else f"at most {count} people"
    where = "below" if narrow.dataset.span.start < wide.dataset.span.start else "above"
    ctx.emit(Diagnostic(
        "OCX349", Severity.ERROR,
        f"two aggregates of `{narrow.module}` differ by leaving out {people} by name",
        (Label(extra[0].span, f"left out here, not in the aggregate {where}"),
         Label(wide.dataset.source.module.span, "the same groups and measures with them",
               False)),
        notes=(f"subtracting one table from the other leaves, group by group, the records of "
               f"{people}, where the minimum group size withholds groups of fewer than "
               f"{minimum}",
               "the checker knows how many values a filter names, so this is an error; a "
               "difference it cannot count is a warning (OCX332)"),
        help="leave them out of both aggregates, or release only one of them"))
