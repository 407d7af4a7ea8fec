"""The steps that read records: the window and fetch, the normalizer, lookups
and joins, the privacy filter and the filters."""

from __future__ import annotations

import dataclasses

from ocpispec.diagnostics.source import Span
from ocpispec.frozen import frozen
from ocpispec.plan.ir.base import OMIT_DEFAULT


@frozen
class Window:
    """The time window of a fetch. `kind`: `all`, `since-last-run`, `since`,
    `between`, `last`, or the calendar windows `previous` (`amount` whole periods of
    `unit`, None: one) and `month-to-date`, aligned to `zone` (None: UTC).
    `start`/`end` are canonical UTC timestamps. `event_time` (`window on FIELD`): the
    window applies to that timestamp field; the fetch reads a superset by `last_updated`
    and the executor keeps the records whose field falls in the window."""

    kind: str
    start: str | None = None
    end: str | None = None
    amount: int | None = None
    unit: str | None = None
    zone: str | None = dataclasses.field(default=None, metadata=OMIT_DEFAULT)
    event_time: str | None = dataclasses.field(default=None, metadata=OMIT_DEFAULT)
    # per OCPI version, the JMESPath reading `event_time` from a wire record
    event_expressions: tuple[VersionExpression, ...] = dataclasses.field(
        default=(), metadata=OMIT_DEFAULT)

    @property
    def calendar(self) -> bool:
        return self.kind in ("previous", "month-to-date")

    @property
    def rule(self) -> str:
        """The window as the spec wrote it, for views (`previous month in UTC`)."""
        from ocpispec.calendar_windows import describe

        if self.calendar:
            return describe(self.kind, self.unit, self.amount, self.zone)
        return self.kind

    @property
    def incremental(self) -> bool:
        """`since last run`: the window starts at the state's watermark."""
        return self.kind == "since-last-run"

    @property
    def tracked(self) -> bool:
        """`since last run` and `previous ...`: the state keeps where the deliveries of
        the window have reached, and the next window never starts before it (a window
        rule changed between runs, a zone changed, would otherwise overlap)."""
        return self.kind in ("since-last-run", "previous")

    @property
    def date_from(self) -> str:
        match self.kind:
            case "since-last-run":
                return "state:since-last-run"
            case "since" | "between":
                return self.start or ""
            case "last":
                return f"now-{self.amount}{_UNIT_ABBREVIATIONS.get(self.unit or '', self.unit)}"
            case "previous":
                back = self.amount or 1
                before = "previous" if back == 1 else f"{back}th previous"
                return f"start of the {before} {self.unit} ({self.zone or 'UTC'})"
            case "month-to-date":
                return f"start of this month ({self.zone or 'UTC'})"
        return "(none)"

    @property
    def date_to(self) -> str:
        if self.kind == "previous":
            return f"start of this {self.unit} ({self.zone or 'UTC'})"
        return self.end if self.kind == "between" and self.end else "now"


_UNIT_ABBREVIATIONS = {"minute": "min", "minutes": "min", "hour": "h", "hours": "h",
                       "day": "d", "days": "d", "week": "w", "weeks": "w",
                       "month": "mo", "months": "mo", "year": "y", "years": "y"}


@frozen
class VersionExpression:
    """A JMESPath expression for one OCPI version (normalizers differ per version)."""

    version: str
    expression: str


@frozen
class Fetch:
    """`mode` `pages`: `GET {module endpoint}?date_from=..&date_to=..&limit=..`, every
    page; `per-id`: `GET {module endpoint}/{id}` for each key a lookup needs, cached.
    `purpose` says why: the dataset's records, a join's dimension, publish flags."""

    id: str
    module: str
    purpose: str
    mode: str
    window: Window
    page_size: int
    concurrency: int
    origin: Span


@frozen
class Normalize:
    """Wire record -> neutral record with exactly `fields`, per OCPI version. This is
    the default-deny projection: a field not listed here never reaches a later step."""

    id: str
    module: str
    fields: tuple[str, ...]
    expressions: tuple[VersionExpression, ...]
    origin: Span


@frozen
class SubBinding:
    """A scope inside a joined record: `location.evse` is the element of the
    location's `evses` whose `uid` equals the record's `evse_uid` (case-insensitive)."""

    name: str
    parent: str
    items: tuple[str, ...]
    item_key: tuple[str, ...]
    local_key: tuple[str, ...]


@frozen
class Lookup:
    """Normalized records of a dimension module by folded `key` (ids compare
    case-insensitively). `strategy`: `table` (bulk fetch held in a lookup table) or
    `per-id` (GET per key, cached). Read by joins and the private-location check."""

    id: str
    module: str
    fetch: str
    normalize: str
    key: tuple[str, ...]
    strategy: str
    origin: Span
    # where a record names its party: an id two parties share is told apart by it
    party: tuple[tuple[str, ...], ...] = ()


@frozen
class Join:
    """Attach the record of `lookup` whose key equals the record's `local_key` under
    `alias`, and each sub-binding inside it. Where two parties' records share the key,
    the one of the party at the record's `party` paths (none: no match). With
    `element`, `local_key` is a path in that element."""

    id: str
    module: str
    alias: str
    lookup: str
    local_key: tuple[str, ...]
    remote_key: tuple[str, ...]
    sub_bindings: tuple[SubBinding, ...]
    origin: Span
    party: tuple[tuple[str, ...], ...] = ()
    # an `each` alias: the key is read from that element of each row (after the `each`),
    # one row per key, a row without one kept with the join null
    element: str = dataclasses.field(default="", metadata=OMIT_DEFAULT)


@frozen
class PrivacyFilter:
    """Runtime privacy rule. `rule`: `exclude-private-locations` (drop records whose
    location is not published, looked up by `location_key` in the `lookup` fetch, and
    records matching `exclude`), `public-locations-only` (locations: keep `publish`
    true), `public-tariffs-only` (tariffs: keep those a published location's connector
    names, looked up by tariff id in `lookup`), `not-location-bound` (tokens), or
    `included-by-spec` (the spec's `include private locations because`)."""

    id: str
    rule: str
    description: str
    location_key: tuple[str, ...] | None
    lookup: str | None
    exclude: str | None
    justification: str | None
    origin: Span
    # where a record names its party: its location is the one of that party (OCPI 2.2+)
    party: tuple[tuple[str, ...], ...] = ()


@frozen
class FilterRead:
    """A non-public field a filter reads, and its privacy class."""

    field: str
    privacy: str


@frozen
class Filter:
    """The `where` condition as one JMESPath boolean over the neutral record. `reads`
    lists the non-public fields it reads; a filter that reads quasi or personal fields
    is a privacy step (it decides whose records leave). `justification` is the
    `where ... because "..."` text; `redacted` the condition as written with the values
    compared to personal fields replaced, for views (plan text, manifest)."""

    id: str
    expression: str
    origin: Span
    reads: tuple[FilterRead, ...] = dataclasses.field(default=(), metadata=OMIT_DEFAULT)
    justification: str | None = dataclasses.field(default=None, metadata=OMIT_DEFAULT)
    redacted: str | None = dataclasses.field(default=None, metadata=OMIT_DEFAULT)
    # `sample 10%` in words (`keep a keyed 10% sample of the sessions`), its test the
    # expression's last `sampled(...)`
    sample: str | None = dataclasses.field(default=None, metadata=OMIT_DEFAULT)

    @property
    def shown(self) -> str:
        """What views print: the condition with personal values blanked out when it
        compares personal fields, else the JMESPath expression; a sample in words."""
        if self.redacted:
            return f"where {self.redacted}" + (f"; {self.sample}" if self.sample else "")
        return self.expression + (f" ({self.sample})" if self.sample else "")

    @property
    def is_privacy_step(self) -> bool:
        return any(read.privacy != "public" for read in self.reads)
