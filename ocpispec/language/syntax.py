"""The typed syntax tree of an .ocx spec.

Produced by `ocpispec.language.parser.parse`; every node is a frozen dataclass carrying the span
of the text it came from. The lark parse tree never leaves the parser. Node names match
the grammar rules in grammar/ocx.lark.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs a cold `check` 3 ms; annotations only need it for mypy
if TYPE_CHECKING:
    from typing import Literal as Lit

from ocpispec.diagnostics.source import Span
from ocpispec.frozen import frozen

# ---- leaves -------------------------------------------------------------------------


@frozen
class Ident:
    """A name written in the spec (export name, module, alias, unit, format...)."""

    name: str
    span: Span


@frozen
class Text:
    """A quoted string, already unescaped."""

    value: str
    span: Span


# ---- value expressions --------------------------------------------------------------


@frozen
class FieldRef:
    """A dotted path: `kwh`, `cdr_token.uid`, `location.postal_code`."""

    path: tuple[str, ...]
    span: Span

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


if TYPE_CHECKING:
    LiteralKind = Lit["string", "number", "date", "boolean", "null"]


@frozen
class Literal:
    """A constant. Dates keep their text (`2026-01-01` or `2026-01-01T06:00:00Z`)."""

    value: str | int | float | bool | None
    kind: LiteralKind
    span: Span


@frozen
class ListLiteral:
    items: tuple[Literal, ...]
    span: Span


@frozen
class Call:
    """A function: a transformation (`round(kwh, 1)`), an aggregate (`count()`) or
    the raw escape hatch (`jmespath("...")`). A bare unit argument such as `hour`
    arrives as a one-segment FieldRef; the checker reads it as a unit."""

    name: Ident
    args: tuple[Expr, ...]
    span: Span
    # `count(distinct x)`: the aggregate counts different values, not records
    distinct: bool = False


@frozen
class BinaryOp:
    op: Lit["+", "-", "*", "/"]
    left: Expr
    right: Expr
    span: Span


Expr = FieldRef | Literal | ListLiteral | Call | BinaryOp


# ---- conditions (where) ---------------------------------------------------------------


@frozen
class Compare:
    op: Lit["=", "!=", "<", "<=", ">", ">="]
    left: Expr
    right: Expr
    span: Span


@frozen
class InList:
    value: Expr
    options: ListLiteral
    negated: bool
    span: Span


@frozen
class IsNull:
    value: Expr
    negated: bool
    span: Span


@frozen
class Matches:
    """A glob pattern match: `*` any run of characters, `?` one character."""

    value: Expr
    pattern: Text
    span: Span


@frozen
class And:
    operands: tuple[Condition, ...]
    span: Span


@frozen
class Or:
    operands: tuple[Condition, ...]
    span: Span


@frozen
class Not:
    operand: Condition
    span: Span


Condition = Compare | InList | IsNull | Matches | And | Or | Not


# ---- header ---------------------------------------------------------------------------


@frozen
class SecretRef:
    """Where a secret comes from. `literal` is never accepted by the checker."""

    kind: Lit["env", "profile", "literal"]
    value: str
    span: Span


@frozen
class LegalBasis:
    words: tuple[Ident, ...]
    reference: Text | None
    span: Span

    @property
    def phrase(self) -> str:
        return " ".join(word.name for word in self.words)


@frozen
class Retention:
    amount: int
    unit: Ident
    span: Span


@frozen
class Header:
    """`export NAME` and its items. Repeated items are kept so the checker can
    report them; `None` means the item is missing."""

    name: Ident
    consumers: tuple[Text, ...]
    purposes: tuple[Text, ...]
    legal_bases: tuple[LegalBasis, ...]
    retentions: tuple[Retention, ...]
    pseudonym_keys: tuple[SecretRef, ...]
    span: Span
    pseudonym_scopes: tuple[PseudonymScope, ...] = ()
    licences: tuple[Text, ...] = ()  # `licence "CC-BY-4.0"`: for open data
    approval_requirements: tuple[ApprovalRequirement, ...] = ()

    @property
    def consumer(self) -> Text | None:
        return self.consumers[0] if self.consumers else None

    @property
    def purpose(self) -> Text | None:
        return self.purposes[0] if self.purposes else None

    @property
    def legal_basis(self) -> LegalBasis | None:
        return self.legal_bases[0] if self.legal_bases else None

    @property
    def retention(self) -> Retention | None:
        return self.retentions[0] if self.retentions else None

    @property
    def pseudonym_key(self) -> SecretRef | None:
        return self.pseudonym_keys[0] if self.pseudonym_keys else None

    @property
    def pseudonym_scope(self) -> PseudonymScope | None:
        return self.pseudonym_scopes[0] if self.pseudonym_scopes else None

    @property
    def approval_requirement(self) -> ApprovalRequirement | None:
        return self.approval_requirements[0] if self.approval_requirements else None


@frozen
class PseudonymScope:
    """`pseudonym scope export` or `pseudonym scope per month` (checked words)."""

    words: tuple[Ident, ...]
    span: Span

    @property
    def phrase(self) -> str:
        return " ".join(word.name.lower() for word in self.words)


@frozen
class ApprovalRequirement:
    """`requires approval` or `requires signed approval` (checked words)."""

    words: tuple[Ident, ...]
    span: Span

    @property
    def phrase(self) -> str:
        return " ".join(word.name.lower() for word in self.words)


# ---- source ---------------------------------------------------------------------------


@frozen
class Source:
    """`source ocpi <ref> token <ref> party XX-YYY version V` or `source profile NAME`."""

    versions_url: SecretRef | None
    token: SecretRef | None
    party: Ident | None
    version: Ident | None
    profile: Ident | None
    span: Span


# ---- from block -----------------------------------------------------------------------


@frozen
class SinceLastRun:
    span: Span


@frozen
class SinceDate:
    start: Literal
    span: Span


@frozen
class Between:
    start: Literal
    end: Literal
    span: Span


@frozen
class LastPeriod:
    amount: int
    unit: Ident
    span: Span


@frozen
class PreviousPeriod:
    """`previous month` (amount None) or `previous 4 complete weeks`: whole calendar
    periods before the run, aligned to UTC or to `zone` (`in "Europe/Amsterdam"`)."""

    unit: Ident
    amount: int | None
    zone: Text | None
    span: Span


@frozen
class MonthToDate:
    """`month to date`: from the start of the run's calendar month to the run."""

    zone: Text | None
    span: Span


Window = SinceLastRun | SinceDate | Between | LastPeriod | PreviousPeriod | MonthToDate
CALENDAR_WINDOWS = (PreviousPeriod, MonthToDate)


@frozen
class EventTime:
    """`window on start_date_time`: the window applies to this timestamp field of the
    record, not to `last_updated` (what OCPI filters on)."""

    field: FieldRef
    span: Span


@frozen
class Where:
    """`where CONDITION [because "..."]`: the justification is required when the
    condition reads a personal field (a filter on a card picks out a person)."""

    condition: Condition
    span: Span
    justification: Text | None = None


@frozen
class IncludePrivate:
    """`include private locations because "..."`: the reviewed allowance to keep
    records at non-public (publish=false) locations."""

    justification: Text
    span: Span


@frozen
class Join:
    module: Ident
    key: FieldRef
    alias: Ident | None
    span: Span


@frozen
class Each:
    """`each charging_periods as period`: one row per element of a list field; the
    element is reachable as `period.…`, the parent's fields stay reachable."""

    path: FieldRef
    alias: Ident
    span: Span


@frozen
class Spread:
    """`spread period.energy_kwh over quarter_hour in utc as slot`: the value is
    apportioned over the time slots its interval covers; `zone` holds the words after
    `in` (empty when the clause names no time zone, which the checker refuses)."""

    value: FieldRef
    unit: Ident
    zone: tuple[Ident, ...]
    alias: Ident
    span: Span

    @property
    def zone_phrase(self) -> str:
        return " ".join(word.name.lower() for word in self.zone)


@frozen
class From:
    module: Ident
    windows: tuple[Window, ...]
    wheres: tuple[Where, ...]
    includes: tuple[IncludePrivate, ...]
    joins: tuple[Join, ...]
    span: Span
    eaches: tuple[Each, ...] = ()
    spreads: tuple[Spread, ...] = ()
    name: Ident | None = None  # `from sessions as weekly_sessions`
    event_times: tuple[EventTime, ...] = ()

    @property
    def event_time(self) -> EventTime | None:
        return self.event_times[0] if self.event_times else None

    @property
    def window(self) -> Window | None:
        return self.windows[0] if self.windows else None

    @property
    def include_private(self) -> IncludePrivate | None:
        return self.includes[0] if self.includes else None


# ---- select / aggregate ---------------------------------------------------------------


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


def field_refs(node: Expr | Condition) -> list[FieldRef]:
    """Every FieldRef under a condition or expression, in source order."""
    match node:
        case FieldRef():
            return [node]
        case Call():
            return [ref for arg in node.args for ref in field_refs(arg)]
        case BinaryOp() | Compare():
            return field_refs(node.left) + field_refs(node.right)
        case InList() | IsNull() | Matches():
            return field_refs(node.value)
        case And() | Or():
            return [ref for part in node.operands for ref in field_refs(part)]
        case Not():
            return field_refs(node.operand)
    return []
