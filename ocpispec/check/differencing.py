"""Differencing: datasets of one export that tell more together than each alone.

Two aggregates that differ only by a filter or a window (OCX332), and row datasets that
share a pseudonym but differ by a filter on non-public fields (OCX333).

`group by ... compute sum(kwh)` over all sessions and the same over `where kwh < 55`
look harmless one by one (every group above the minimum size), but subtracting one
table from the other leaves the sessions the filter kept out, often a single one. The
check compares the aggregates of one spec pairwise, by their written text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from ocpispec.frozen import frozen
from ocpispec.language import syntax
from ocpispec.check.checked import CheckedDataset
from ocpispec.check.context import Context
from ocpispec.check.named_exclusions import check_named_exclusion
from ocpispec.check.quantities import EVENT_MODULES, pseudonym_of
from ocpispec.diagnostics import Diagnostic, Label, Severity
from ocpispec.diagnostics.source import SourceFile
from ocpispec.language.functions import Effect
from ocpispec.timestamps import TIME_PARTS_MADE_OF

_OPEN = (None, None)
_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


@frozen
class _Shape:
    """What an aggregate computes, apart from its filter and window. Two aggregates
    are comparable when everything but the measures is equal and one measure is shared,
    or when the keys of one are totals of the other's (`_totals`)."""

    module: str
    keys: frozenset[str]
    measures: frozenset[str]
    include_private: bool
    forms: tuple[tuple[str, str, object], ...] = ()


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


def differ_by_filter(first: CheckedDataset, second: CheckedDataset, ctx: Context) -> bool:
    """Whether two row datasets hold records of one kind (a module, or sessions and
    CDRs) in windows that overlap, kept by different filters of which one reads
    non-public fields (or one includes private locations): linked by a pseudonym,
    whether a record is in each tells which filters its hidden values pass."""
    includes = first.include_private != second.include_private
    same_filter = _where(first, ctx.source) == _where(second, ctx.source)
    # a session's and a CDR's pseudonyms of one charge or driver are one pseudonym
    related = first.module == second.module or {first.module, second.module} <= EVENT_MODULES
    if not related or (same_filter and not includes):
        return False
    if not _overlap(first.dataset.source.window, second.dataset.source.window):
        return False
    return includes or any(f is not None and f.reads for f in (first.filter, second.filter))


def left_out_by_rows(aggregate: CheckedDataset, rows: CheckedDataset,
                     source_a: SourceFile, source_b: SourceFile) -> str | None:
    """What makes a row dataset leave out records an aggregate of the same export counts
    (a filter, a window, the other module, a k rule's suppression), when the aggregate's
    groups can be told from the rows' columns; None otherwise. The aggregate's group
    minus the rows in it is then what the rows left out, often one record. Each is read
    in its own spec's text (`check/across.py`)."""
    if not _related(aggregate.module, rows.module) or \
            not _overlap(aggregate.dataset.source.window, rows.dataset.source.window):
        return None
    body = rows.dataset.body
    assert isinstance(body, syntax.Select)
    keys = _shape(aggregate, source_a).forms
    shown = tuple((_as_sessions(form[0], rows.module), *form[1:])
                  for form in (_form(column.expr, source_b) for column in body.columns))
    if not _totals(keys, shown):
        return None
    difference = difference_of_records(aggregate, rows, source_a, source_b)
    if difference is None and body.k_rule is not None:
        return "k rule"
    return difference


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


def difference_of(first: CheckedDataset, second: CheckedDataset, source_a: SourceFile,
                  source_b: SourceFile) -> str | None:
    """What alone tells two aggregates apart (`filter`, `window`), or None when they do
    not overlap, compute different things, or are the same. Each is read in its own
    spec's text (`check/across.py` compares aggregates of two specs)."""
    shape_a, shape_b = _shape(first, source_a), _shape(second, source_b)
    if shape_a.keys != shape_b.keys and not _totals(shape_a.forms, shape_b.forms) \
            and not _totals(shape_b.forms, shape_a.forms):
        return None
    if not related_aggregates(first, second, source_a, source_b):
        return None
    return difference_of_records(first, second, source_a, source_b)


def related_aggregates(first: CheckedDataset, second: CheckedDataset, source_a: SourceFile,
                       source_b: SourceFile | None = None) -> bool:
    """Whether two aggregates share a measure over records that may overlap: one module's
    (or a session's and its CDR's) in windows that overlap; joined alike or not, as a
    join selects no records."""
    shape_a, shape_b = _shape(first, source_a), _shape(second, source_b or source_a)
    return _related(shape_a.module, shape_b.module) \
        and bool(shape_a.measures & shape_b.measures) \
        and _overlap(first.dataset.source.window, second.dataset.source.window)


def difference_of_records(first: CheckedDataset, second: CheckedDataset,
                          source_a: SourceFile, source_b: SourceFile | None = None
                          ) -> str | None:
    """What tells the records of two aggregates apart (`filter`, `window`), or None."""
    source_b = source_b or source_a
    # `include private locations` on one side only is a filter too: the difference is
    # the sessions at home and company chargers
    filters = _as_sessions(_where(first, source_a), first.module) != \
        _as_sessions(_where(second, source_b), second.module) or \
        bool(first.dataset.source.includes) != bool(second.dataset.source.includes)
    windows = _window(first, source_a) != _window(second, source_b)
    if filters and windows:
        return "filter and window"
    if filters or windows:
        return "filter" if filters else "window"
    # a session and its CDR are one charge, but not every session has a CDR, and
    # secondary suppression runs over one module's records (`plan/margins.py`)
    return "module" if first.module != second.module else None


def totals_of_the_same_records(first: CheckedDataset, second: CheckedDataset,
                               source_a: SourceFile, source_b: SourceFile) -> bool:
    """Whether one of two aggregates over the same records is the totals of the other's
    groups: protected by secondary suppression within one spec only."""
    shape_a, shape_b = _shape(first, source_a), _shape(second, source_b)
    return shape_a.keys != shape_b.keys \
        and (_totals(shape_a.forms, shape_b.forms) or _totals(shape_b.forms, shape_a.forms)) \
        and related_aggregates(first, second, source_a, source_b) \
        and difference_of_records(first, second, source_a, source_b) is None


def is_totals(first: CheckedDataset, second: CheckedDataset, source_a: SourceFile,
              source_b: SourceFile) -> bool:
    """Whether two comparable aggregates group by different keys (one the totals of the
    other's groups)."""
    return _shape(first, source_a).keys != _shape(second, source_b).keys


def _shape(checked: CheckedDataset, source: SourceFile) -> _Shape:
    body = checked.dataset.body
    assert isinstance(body, syntax.Aggregate)
    text, source = source, checked.dataset.source

    def written(span) -> str:
        return _as_sessions(_text(span, text), checked.module)

    return _Shape(checked.module,
                  frozenset(written(c.expr.span) for c in body.keys),
                  frozenset(written(c.expr.span) for c in body.measures),
                  bool(source.includes),
                  tuple((_as_sessions(form[0], checked.module),
                         *form[1:]) for form in (_form(c.expr, text) for c in body.keys)))


# a CDR's names of what its session names otherwise: a sessions and a CDR aggregate of
# one charge's values compare as one module's (`sum(total_energy)` is `sum(kwh)`)
_CDR_AS_SESSION = (("cdr_location.connector_id", "connector_id"),
                   ("cdr_location.evse_uid", "evse_uid"), ("cdr_location.id", "location_id"),
                   ("total_energy", "kwh"))
_CDR_NAME = re.compile(r"(?<![\w.])(" + "|".join(re.escape(cdr) for cdr, _ in _CDR_AS_SESSION)
                       + r")(?![\w])")


def _modules(first: CheckedDataset, second: CheckedDataset) -> str:
    """`sessions`, or `sessions` and `cdrs` (inside the backticks of a message)."""
    if first.module == second.module:
        return first.module
    return f"{first.module}` and `{second.module}"


def _as_sessions(text: str, module: str) -> str:
    if module != "cdrs":
        return text
    names = dict(_CDR_AS_SESSION)
    return _CDR_NAME.sub(lambda found: names[found.group(1)], text)


def _related(first: str, second: str) -> bool:
    """One module, or sessions and CDRs: the same charges, so their aggregates differ."""
    return first == second or {first, second} <= EVENT_MODULES


def _form(expr: syntax.Expr, source: SourceFile) -> tuple[str, str, object]:
    """A group key as (what it reads, how it cuts it, how far): `prefix(x, 2)` is
    (x, prefix, 2), `truncate(t, day)` (t, time, day), `weekday(t)` (t, time, weekday),
    a field as it is (x, raw, None), a constant ("", constant, None); anything else is
    its text."""
    match expr:
        case syntax.FieldRef():
            return expr.dotted, "raw", None
        case syntax.Call(name=syntax.Ident(name="keep"), args=(syntax.FieldRef() as field,)):
            return field.dotted, "raw", None
        case syntax.Call(name=syntax.Ident(name="jmespath"),
                         args=(syntax.Literal(value=str() as text),)) \
                if _PATH.fullmatch(text.strip()):
            return text.strip(), "raw", None
        case syntax.Call(name=syntax.Ident(name="constant")):
            return "", "constant", None
        case syntax.Call(name=syntax.Ident(name="prefix"),
                         args=(syntax.FieldRef() as field, syntax.Literal(value=int() as n))):
            return field.dotted, "prefix", n
        case syntax.Call(name=syntax.Ident(name="truncate"),
                         args=(syntax.FieldRef() as field, syntax.FieldRef(path=(unit,)))):
            return field.dotted, "time", unit
        case syntax.Call(name=syntax.Ident(name="weekday" | "hour_of_day" as part),
                         args=(syntax.FieldRef() as field,)):
            return field.dotted, "time", part
    return _text(expr.span, source), "other", None


def _totals(coarse: tuple[tuple[str, str, object], ...],
            fine: tuple[tuple[str, str, object], ...]) -> bool:
    """Whether every key of `coarse` is a constant, a key of `fine`, or a coarser cut of
    one (a shorter prefix, a coarser part of the same timestamp): each of its rows is
    then a total of rows of `fine`, as `plan/margins.py` finds them over equal records."""
    return all(key[1] == "constant" or key in fine or
               any(_coarser(key, other) for other in fine) for key in coarse)


def _coarser(key: tuple[str, str, object], other: tuple[str, str, object]) -> bool:
    read, cut, level = key
    if read != other[0] or cut not in ("prefix", "time"):
        return False
    if other[1] == "raw":
        return True
    if other[1] != cut:
        return False
    if cut == "prefix":
        return isinstance(level, int) and isinstance(other[2], int) and level < other[2]
    return other[2] in TIME_PARTS_MADE_OF.get(str(level), ())


def _where(checked: CheckedDataset, source: SourceFile) -> str:
    wheres = checked.dataset.source.wheres
    return _text(wheres[0].condition.span, source) if wheres else ""


def _window(checked: CheckedDataset, source: SourceFile) -> str:
    window = checked.dataset.source.window
    return _text(window.span, source) if window is not None else ""


def _text(span, source: SourceFile) -> str:
    return re.sub(r"\s+", " ", source.text[span.start:span.end]).strip()


def _overlap(first: syntax.Window | None, second: syntax.Window | None) -> bool:
    (start_a, end_a), (start_b, end_b) = _bounds(first), _bounds(second)
    return _before(start_a, end_b) and _before(start_b, end_a)


def _before(start: dt.datetime | None, end: dt.datetime | None) -> bool:
    return start is None or end is None or start < end


def _bounds(window: syntax.Window | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Known bounds of a window; None is open (relative windows end at the run's time)."""
    match window:
        case syntax.SinceDate(start=start):
            return _date(start), None
        case syntax.Between(start=start, end=end):
            return _date(start), _date(end)
    return _OPEN


def _date(literal: syntax.Literal) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(str(literal.value).replace("Z", "+00:00"))
    except ValueError:
        return None  # reported as OCX213 elsewhere
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


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
             "release one of them; or make the filters split the records into parts that "
             "do not overlap, and windows that do not overlap"))


def anchor(checked: CheckedDataset):
    source = checked.dataset.source
    if source.wheres:
        return source.wheres[0].span
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
