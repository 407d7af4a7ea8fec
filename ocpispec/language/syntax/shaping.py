"""What a dataset releases and how: select, aggregate and its rules, output, schedule,
order, limit; and the spec itself.
"""

from __future__ import annotations

from ocpispec.diagnostics.source import Span
from ocpispec.frozen import frozen
from ocpispec.language.syntax.leaves import Ident, Text
from ocpispec.language.syntax.expressions import Expr
from ocpispec.language.syntax.header import Header, Source
from ocpispec.language.syntax.blocks import From


@frozen
class Column:
    """One released column: an expression, its output name and, for a value that
    would otherwise be refused, the written justification (`because "..."`)."""

    expr: Expr
    alias: Ident | None
    justification: Text | None
    span: Span


@frozen
class Select:
    columns: tuple[Column, ...]
    span: Span
    k_rule: KRule | None = None


@frozen
class KRule:
    """`require k 5 over (a, b) suppression limit 2%` after a row dataset's columns.
    `over` empty: the released quasi-identifiers; `limit` None: the default."""

    k: int
    k_span: Span
    over: tuple[Ident, ...]
    limit: float | None
    limit_span: Span | None
    span: Span


@frozen
class Dominance:
    """`dominance 1 85%`: a group whose `contributors` largest drivers give more than
    `percent` of a sum is suppressed (the (n, k) rule)."""

    contributors: int
    percent: int
    span: Span


@frozen
class RoundCounts:
    """`round counts to 5`: counts are released as multiples of `base`. `word` is the
    first word as written (the checker insists on `round`)."""

    word: Ident
    base: int
    span: Span


@frozen
class Aggregate:
    keys: tuple[Column, ...]
    measures: tuple[Column, ...]
    min_group_size: int | None
    min_group_size_span: Span | None
    span: Span
    dominance: Dominance | None = None
    round_counts: RoundCounts | None = None


# ---- output / schedule ----------------------------------------------------------------


@frozen
class OutputOption:
    """A CSV dialect option of an output clause: `delimiter ";"` (value `;`),
    `decimal comma`, `bom` (True), `no bom` (False), `quote all`, `lines lf`."""

    name: str
    value: str | bool
    span: Span


@frozen
class Output:
    """`output FORMAT [DIALECT] ["template.j2"] [OPTION...] to "path-pattern"` or
    `to stdout` (destination None)."""

    format: Ident
    template: Text | None
    destination: Text | None
    span: Span
    dialect: Ident | None = None
    options: tuple[OutputOption, ...] = ()


@frozen
class Every:
    amount: int
    unit: Ident
    span: Span


@frozen
class Hourly:
    span: Span


@frozen
class Daily:
    at: Text
    span: Span


@frozen
class Weekly:
    day: Ident
    at: Text
    span: Span


@frozen
class Monthly:
    """`monthly on day 1 at 06:00` (UTC)."""

    day: int
    at: Text
    span: Span
    day_span: Span | None = None


@frozen
class Cron:
    """`cron "0 6 * * 1-5"`: five crontab time fields, UTC."""

    expression: Text
    span: Span


Schedule = Every | Hourly | Daily | Weekly | Monthly | Cron


# ---- order / limit --------------------------------------------------------------------


@frozen
class OrderKey:
    """A released column's name in `order by`, `desc` for descending."""

    name: Ident
    descending: bool
    span: Span


@frozen
class OrderBy:
    keys: tuple[OrderKey, ...]
    span: Span


@frozen
class Limit:
    """`limit N`: the first N rows after ordering (aggregates only)."""

    count: int
    span: Span


# ---- spec -----------------------------------------------------------------------------


@frozen
class Dataset:
    source: From
    body: Select | Aggregate
    output: Output
    span: Span
    order: OrderBy | None = None
    limit: Limit | None = None


@frozen
class Spec:
    header: Header
    source: Source
    datasets: tuple[Dataset, ...]
    schedule: Schedule | None
    span: Span
