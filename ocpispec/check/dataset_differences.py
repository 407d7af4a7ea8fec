"""What tells two datasets of an export apart, read from their written text: a filter, a
window, the module, or the keys (one aggregate the totals of the other's groups), and
whether their records may overlap at all. `check/differencing.py` warns of the pairs, and
`check/across.py` of pairs from two specs (each read in its own spec's text).
"""

from __future__ import annotations

import datetime as dt
import re

from ocpispec.frozen import frozen
from ocpispec.language import syntax
from ocpispec.check.checked import CheckedDataset
from ocpispec.check.context import Context
from ocpispec.check.quantities import EVENT_MODULES
from ocpispec.diagnostics.source import SourceFile
from ocpispec.timestamps import TIME_PARTS_MADE_OF
from ocpispec.lazy_pattern import lazy

_OPEN = (None, None)
_PATH = lazy(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


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
    """What tells the records of two aggregates apart (`filter`, `window`, `sample`), or None."""
    source_b = source_b or source_a
    # `include private locations` on one side only is a filter too: the difference is
    # the sessions at home and company chargers
    filters = _as_sessions(_where(first, source_a), first.module) != \
        _as_sessions(_where(second, source_b), second.module) or \
        bool(first.dataset.source.includes) != bool(second.dataset.source.includes)
    windows = _window(first, source_a) != _window(second, source_b)
    # a sample selects records as a filter does: a total minus its 50% sample, or a 20%
    # sample minus the 10% inside it, is the totals of the drivers one left out
    if _sample(first, source_a) != _sample(second, source_b):
        if not (filters or windows):
            return "sample"
        filters = True
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
_CDR_NAME = lazy(r"(?<![\w.])(" + "|".join(re.escape(cdr) for cdr, _ in _CDR_AS_SESSION)
                 + r")(?![\w])")


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


def _sample(checked: CheckedDataset, source: SourceFile) -> str:
    samples = checked.dataset.source.samples
    return _text(samples[0].span, source) if samples else ""


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
