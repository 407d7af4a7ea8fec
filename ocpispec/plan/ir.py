"""The plan IR: what a run will fetch, transform, withhold and write.

A plan is closed (it needs nothing but itself and a pseudonym key to run),
deterministic (the same spec gives the same plan, byte for byte) and serialisable
(`to_dict`/`from_dict`, JSON-safe). Every step has a stable id (`fetch.sessions`,
`join.location`, `project.sessions`) and the `origin` span of the spec text that
produced it. Expressions are JMESPath text; the executor compiles them.

The fingerprint is a sha256 over the canonical JSON of the plan without spans, the
spec path and the fingerprint itself: it changes exactly when what a run does changes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import types
import typing
from typing import Any

from ocpispec.diagnostics.source import Span
from ocpispec.frozen import frozen

FORMAT_VERSION = 1
# A field added to the IR later, left out of the JSON (and so of the fingerprint) while it
# holds its default: plans that do not use it keep their fingerprint.
_OMIT_DEFAULT = {"omit_default": True}


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
    zone: str | None = dataclasses.field(default=None, metadata=_OMIT_DEFAULT)
    event_time: str | None = dataclasses.field(default=None, metadata=_OMIT_DEFAULT)
    # per OCPI version, the JMESPath reading `event_time` from a wire record
    event_expressions: tuple[VersionExpression, ...] = dataclasses.field(
        default=(), metadata=_OMIT_DEFAULT)

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
    the one of the party at the record's `party` paths (none: no match)."""

    id: str
    module: str
    alias: str
    lookup: str
    local_key: tuple[str, ...]
    remote_key: tuple[str, ...]
    sub_bindings: tuple[SubBinding, ...]
    origin: Span
    party: tuple[tuple[str, ...], ...] = ()


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
    reads: tuple[FilterRead, ...] = dataclasses.field(default=(), metadata=_OMIT_DEFAULT)
    justification: str | None = dataclasses.field(default=None, metadata=_OMIT_DEFAULT)
    redacted: str | None = dataclasses.field(default=None, metadata=_OMIT_DEFAULT)

    @property
    def shown(self) -> str:
        """What views print: the condition with personal values blanked out when it
        compares personal fields, else the JMESPath expression."""
        return f"where {self.redacted}" if self.redacted else self.expression

    @property
    def is_privacy_step(self) -> bool:
        return any(read.privacy != "public" for read in self.reads)


@frozen
class Column:
    """One released column: its JMESPath, where it comes from and what was done.
    `treatment` is the .ocx Effect value (`pseudonymised`, `generalised`, ...)."""

    name: str
    expression: str
    sources: tuple[str, ...]
    treatment: str
    detail: str
    privacy: str
    released_as: str
    justification: str | None
    origin: Span
    # what a value is, as typed outputs (Parquet, the data package) declare it:
    # `string`, `number`, `integer`, `boolean`, `datetime` (UTC), `geopoint` or `any`
    type: str | None = dataclasses.field(default=None, metadata=_OMIT_DEFAULT)
    # the column in words: the source field (catalogue) and what was done to it
    description: str | None = dataclasses.field(default=None, metadata=_OMIT_DEFAULT)
    # `detail` has the values a `jmespath(...)` compares personal fields with blanked
    # out: the privacy summary then holds the expression only in that form
    redacted: bool = dataclasses.field(default=False, metadata=_OMIT_DEFAULT)


@frozen
class Project:
    """The released columns as one JMESPath multiselect hash (column order kept)."""

    id: str
    columns: tuple[Column, ...]
    expression: str
    origin: Span


@frozen
class Part:
    """One aggregate inside a composed measure: `function` (`count`, `count_distinct`,
    `sum`, `avg`, `min`, `max`, `median`, `percentile`) over `argument` (JMESPath of the
    record, None for `count()`); `fraction` is a percentile's 0..1 parameter."""

    function: str
    argument: str | None
    fraction: float | None = dataclasses.field(default=None, metadata=_OMIT_DEFAULT)

    @property
    def shown(self) -> str:
        if self.function == "count_distinct":
            return f"count(distinct {self.argument})"
        if self.function == "percentile":
            return f"percentile({self.argument}, {self.fraction})"
        return f"{self.function}({self.argument or ''})"


@frozen
class Measure:
    """`function` over `argument` (JMESPath, None for `count()`) in each group. A
    composed measure (`round(sum(kwh), 1)`, `count(distinct x)`, `median(x)`) has
    function `formula`: its aggregates are `parts`, and `formula` is JMESPath over the
    parts' results named `"#0"`, `"#1"`, ...; `written` is the spec's text of it."""

    name: str
    function: str
    argument: str | None
    sources: tuple[str, ...]
    privacy: str
    origin: Span
    justification: str | None = dataclasses.field(default=None, metadata=_OMIT_DEFAULT)
    type: str | None = dataclasses.field(default=None, metadata=_OMIT_DEFAULT)
    description: str | None = dataclasses.field(default=None, metadata=_OMIT_DEFAULT)
    parts: tuple[Part, ...] = dataclasses.field(default=(), metadata=_OMIT_DEFAULT)
    formula: str | None = dataclasses.field(default=None, metadata=_OMIT_DEFAULT)
    written: str | None = dataclasses.field(default=None, metadata=_OMIT_DEFAULT)
    # `written` has the values a `jmespath(...)` compares personal fields with blanked
    # out (and is set for a bare `sum(...)` too): summaries hold only that form
    redacted: bool = dataclasses.field(default=False, metadata=_OMIT_DEFAULT)

    @property
    def shown(self) -> str:
        """The measure as the plan shows it: the whole expression."""
        if self.written is not None:
            return self.written
        return f"{self.function}({self.argument or ''})"


@frozen
class Dominance:
    """The (n, k) rule: a group whose `contributors` largest drivers give more than
    `percent` of a sum (or an average's sum) is suppressed."""

    contributors: int
    percent: int


@frozen
class Margin:
    """Another dataset of the export, over the same records (module, window, joins,
    filters), that releases totals of this aggregate's groups along `keys` (names of
    this aggregate's keys); `dominance` is that dataset's rule, if any. `cuts`, one per
    key when any: the number of characters the totals keep of that key (a region,
    `prefix(postal_code, 1)`, over districts, `prefix(postal_code, 2)`), the part of
    the timestamp they keep (`week`, `month`, `weekday`, `hour_of_day`...: weeks over
    days), or None for the key as it is. `observed`: see the field."""

    dataset: str
    keys: tuple[str, ...]
    dominance: Dominance | None = None
    cuts: tuple[int | str | None, ...] = dataclasses.field(default=(), metadata=_OMIT_DEFAULT)
    # per key when any: the totals' own key expression where the totals group by a value
    # that is not a cut of this aggregate's keys (a country over cities): the line of a
    # group is the value its records show, when each group shows one (else no line)
    observed: tuple[str, ...] = dataclasses.field(default=(), metadata=_OMIT_DEFAULT)


@frozen
class Aggregate:
    """Group by the key columns, compute measures, drop groups smaller than
    `min_group_size` counted by `counted_by` (`entity` JMESPath when it counts people)."""

    id: str
    keys: tuple[Column, ...]
    measures: tuple[Measure, ...]
    min_group_size: int
    min_group_size_stated: bool
    counted_by: str
    entity: str | None
    origin: Span
    # statistical disclosure control (docs/privacy-model.md): the dominance rule, the
    # base counts are rounded to, and the datasets whose totals secondary suppression
    # protects against
    dominance: Dominance | None = dataclasses.field(default=None, metadata=_OMIT_DEFAULT)
    round_counts: int | None = dataclasses.field(default=None, metadata=_OMIT_DEFAULT)
    margins: tuple[Margin, ...] = dataclasses.field(default=(), metadata=_OMIT_DEFAULT)


@frozen
class Hierarchy:
    """The levels a quasi-identifier moves up when its class is too small (local
    recoding): `kind` `time`, `prefix`, `grid` or `round`; `levels` coarsest last
    (`4 hours`, `day`, `week`; `3`, `2` characters; grid cells; rounding steps)."""

    column: str
    kind: str
    levels: tuple[str, ...]


@frozen
class KAnonymity:
    """`require k K over (...) suppression limit P%` on a row dataset: every released
    class of equal values in `over` holds at least `k` distinct drivers (counted by
    `entity`, never released); failing classes are recoded up `hierarchies`, then
    suppressed; more than `suppression_limit` percent suppressed fails the run."""

    id: str
    k: int
    over: tuple[str, ...]
    over_stated: bool
    hierarchies: tuple[Hierarchy, ...]
    suppression_limit: float
    counted_by: str
    entity: str | None
    origin: Span


@frozen
class TemplateDigest:
    """A template file (path relative to the spec's folder) and its sha256."""

    path: str
    sha256: str


@frozen
class CsvDialect:
    """How CSV text is written (`ocpispec.formats.dialects`): `delimiter` between
    fields, `decimal` `point` or `comma`, a UTF-8 `bom` first, `quote` `minimal` (only
    fields that need it) or `all`, `lines` `crlf` or `lf`."""

    name: str
    delimiter: str = ","
    decimal: str = "point"
    bom: bool = False
    quote: str = "minimal"
    lines: str = "crlf"


@frozen
class Render:
    """Write the rows as `format` to `destination` (None: stdout), optionally with a
    custom jinja2 `template` (path as written, relative to the spec file).
    `geometry` names the coordinates column of a geojson output. `templates` pins
    every file the template loads (itself and its includes) to the content that was
    checked: the fingerprint changes with any of them, and the run loads nothing else."""

    id: str
    format: str
    destination: str | None
    template: str | None
    geometry: str | None
    origin: Span
    templates: tuple[TemplateDigest, ...] = ()
    # `gzip`/`zstd` from the destination's suffix; the CSV dialect when one is chosen
    compression: str | None = dataclasses.field(default=None, metadata=_OMIT_DEFAULT)
    dialect: CsvDialect | None = dataclasses.field(default=None, metadata=_OMIT_DEFAULT)


@frozen
class Unnest:
    """`each`: one row per element of the list at `items` inside `parent` (`""`: the
    record; else an earlier alias), bound as `alias`; the rest of the row is the
    parent's. `fields` are the element fields the row may hold (default deny: nothing
    else of the element was normalized). `derived` are fields computed per charging
    period (`energy_kwh` from the `energy_types` dimensions, `duration` in minutes,
    `end`: the next period's start, or the record's `parent_end`)."""

    id: str
    alias: str
    parent: str
    items: tuple[str, ...]
    fields: tuple[str, ...]
    origin: Span
    derived: tuple[str, ...] = ()
    energy_types: tuple[str, ...] = ()
    parent_end: tuple[str, ...] | None = None


@frozen
class Spread:
    """`spread`: each row becomes one row per `unit` slot that the interval from
    `start` to `end` covers (row paths), with the number at `value` replaced by its part
    and the slot's start under `alias`. Parts are pro rata to the seconds covered,
    exact in decimal (`scheme`); slots are in UTC or in the time zone at `zone_field`."""

    id: str
    value: tuple[str, ...]
    start: tuple[str, ...]
    end: tuple[str, ...]
    unit: str
    zone: str
    alias: str
    scheme: str
    origin: Span
    zone_field: tuple[str, ...] | None = None


@frozen
class SortKey:
    column: str
    descending: bool = False


@frozen
class Order:
    """`order by` released columns (nulls last, ties broken by the other columns in
    order, so the output is deterministic), then, for an aggregate, `limit` rows of
    the released groups. Row exports sort in bounded memory (runs spilled to temporary
    files and merged)."""

    id: str
    keys: tuple[SortKey, ...]
    limit: int | None
    origin: Span


Step = (Fetch | Normalize | Lookup | Join | PrivacyFilter | Filter | Project | Aggregate | Render
        | Unnest | Spread | KAnonymity | Order)
STEP_KINDS: dict[str, type] = {
    "fetch": Fetch, "normalize": Normalize, "lookup": Lookup, "join": Join,
    "privacy": PrivacyFilter, "filter": Filter, "project": Project, "aggregate": Aggregate,
    "render": Render,
    "unnest": Unnest, "spread": Spread,
    "k_anonymity": KAnonymity, "order": Order,
}


@frozen
class Withheld:
    """Catalogue fields of a module that the dataset does not release, by class."""

    privacy: str
    fields: tuple[str, ...]


@frozen
class Dataset:
    name: str
    module: str
    steps: tuple[Step, ...]
    withheld: tuple[Withheld, ...]
    origin: Span
    # a named dataset's id before it had a name (`sessions-2`): its state moves to `name`
    previous_name: str | None = dataclasses.field(default=None, metadata=_OMIT_DEFAULT)

    def step(self, kind: type) -> Any:
        """The first step of a kind, or None."""
        return next((step for step in self.steps if isinstance(step, kind)), None)

    def all(self, kind: type) -> tuple[Any, ...]:
        return tuple(step for step in self.steps if isinstance(step, kind))

    def get(self, step_id: str) -> Any:
        """The step with this id (KeyError when the plan has none)."""
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    @property
    def columns(self) -> tuple[Column, ...]:
        project, aggregate = self.step(Project), self.step(Aggregate)
        if aggregate is not None:
            return aggregate.keys
        return project.columns if project is not None else ()

    @property
    def column_names(self) -> tuple[str, ...]:
        aggregate = self.step(Aggregate)
        if aggregate is not None:
            return (*(key.name for key in aggregate.keys),
                    *(measure.name for measure in aggregate.measures))
        return tuple(column.name for column in self.columns)

    @property
    def released_columns(self) -> tuple[Column, ...]:
        """The released columns: an aggregate's keys, or the projected columns."""
        aggregate = self.step(Aggregate)
        return aggregate.keys if aggregate is not None else self.columns

    @property
    def withheld_count(self) -> int:
        return sum(len(group.fields) for group in self.withheld)


@frozen
class Export:
    name: str
    consumer: str | None
    purpose: str | None
    legal_basis: str | None
    legal_reference: str | None
    retention: str | None
    schedule: str | None = None
    cron: str | None = None
    pseudonym_scope: str = "export"  # ocpispec.language.pseudonym_scope.SCOPES
    # `licence "CC-BY-4.0"` (open data): the data package's licence
    licence: str | None = dataclasses.field(default=None, metadata=_OMIT_DEFAULT)
    # `requires approval` / `requires signed approval` in the header (ocpispec.approval)
    approval: str | None = dataclasses.field(default=None, metadata=_OMIT_DEFAULT)


@frozen
class SecretReference:
    """Where a secret comes from (`env` variable or stored `profile`); never the value."""

    kind: str
    name: str
    origin: Span | None = None


@frozen
class SourceSpec:
    """The OCPI interface: a stored `profile`, or env references for the versions URL
    and token plus party and version."""

    profile: str | None
    versions_url: SecretReference | None
    token: SecretReference | None
    party: str | None
    version: str | None
    origin: Span


@frozen
class Plan:
    spec: str
    export: Export
    pseudonym_key: SecretReference | None
    source: SourceSpec
    datasets: tuple[Dataset, ...]
    fingerprint: str = ""
    format_version: int = FORMAT_VERSION
    # sha256 of what the plan discloses (ocpispec.privacy_summary); not part of `fingerprint`
    privacy_fingerprint: str = ""

    @property
    def short_fingerprint(self) -> str:
        return self.fingerprint[:12]

    @property
    def short_privacy_fingerprint(self) -> str:
        return self.privacy_fingerprint[:12]

    def to_dict(self) -> dict[str, Any]:
        return _encode(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        return _decode(cls, data)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def to_view_json(self) -> str:
        """`to_json` for people (`ocpispec plan --format json`): a filter that compares
        personal fields has the text literals of its expression blanked out, as its
        `redacted` form and the plan text have (the fingerprint is the plan's own)."""
        return json.dumps(_blank_personal(self.to_dict()), indent=2, ensure_ascii=False) + "\n"


# JMESPath text literals: raw strings `'...'`, and JSON literals in backticks that hold
# text (`"x"`, `["a", "b"]`)
_TEXT_LITERAL = re.compile(r"'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*\"(?:[^`\\]|\\.)*`")
BLANKED = "'(personal value)'"


def _blank_personal(data: Any) -> Any:
    if isinstance(data, list):
        return [_blank_personal(item) for item in data]
    if not isinstance(data, dict):
        return data
    blanked = {key: _blank_personal(value) for key, value in data.items()}
    if blanked.get("redacted") and isinstance(blanked.get("expression"), str):
        blanked["expression"] = _TEXT_LITERAL.sub(BLANKED, blanked["expression"])
    return blanked


def step_expressions(step: Step) -> tuple[str, ...]:
    """Every JMESPath text a step holds (all are compiled before a run starts)."""
    match step:
        case Normalize():
            return tuple(item.expression for item in step.expressions)
        case Filter() | Project():
            return (step.expression,)
        case PrivacyFilter(exclude=str() as exclude):
            return (exclude,)
        case Aggregate():
            return (*(key.expression for key in step.keys),
                    *(m.argument for m in step.measures if m.argument),
                    *(p.argument for m in step.measures for p in m.parts if p.argument),
                    *(m.formula for m in step.measures if m.formula),
                    *((step.entity,) if step.entity else ()))
    return ()


def fingerprint(plan: Plan) -> str:
    """sha256 over the canonical JSON of what the plan does."""
    data = _without_origins(_encode(plan))
    for key in ("fingerprint", "privacy_fingerprint", "spec"):
        data.pop(key, None)
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def with_fingerprint(plan: Plan) -> Plan:
    return dataclasses.replace(plan, fingerprint=fingerprint(plan))


# ---- codec --------------------------------------------------------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, Span):
        return {"start": value.start, "end": value.end}
    if dataclasses.is_dataclass(value):
        data: dict[str, Any] = {}
        kind = _kind_of(type(value))
        if kind:
            data["kind"] = kind
        for field in dataclasses.fields(value):
            item = getattr(value, field.name)
            if field.metadata.get("omit_default") and item == field.default:
                continue
            if item == () and field.default == ():
                continue  # an optional list left empty: plans without it keep their bytes
            data[field.name] = _encode(item)
        return data
    if isinstance(value, (tuple, list)):
        return [_encode(item) for item in value]
    return value


def _kind_of(cls: type) -> str | None:
    return next((kind for kind, step in STEP_KINDS.items() if step is cls), None)


def _decode(hint: Any, data: Any) -> Any:
    origin = typing.get_origin(hint)
    if hint is Span:
        return Span(data["start"], data["end"])
    if origin in (typing.Union, types.UnionType):
        return _decode_union(typing.get_args(hint), data)
    if origin is tuple:
        item = typing.get_args(hint)[0]
        return tuple(_decode(item, element) for element in data)
    if dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        return hint(**{field.name: _decode(hints[field.name], data[field.name])
                       for field in dataclasses.fields(hint) if field.name in data})
    return data


def _decode_union(options: tuple[Any, ...], data: Any) -> Any:
    if data is None:
        return None
    if isinstance(data, dict) and "kind" in data and data["kind"] in STEP_KINDS:
        return _decode(STEP_KINDS[data["kind"]], data)
    concrete = [option for option in options if option is not type(None)]
    return _decode(concrete[0], data)


def _without_origins(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_origins(item) for key, item in value.items() if key != "origin"}
    if isinstance(value, list):
        return [_without_origins(item) for item in value]
    return value
