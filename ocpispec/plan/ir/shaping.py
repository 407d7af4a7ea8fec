"""The steps that make rows of records: projected columns, aggregates and their
measures, k-anonymity, unnesting and spreading."""

from __future__ import annotations

import dataclasses

from ocpispec.diagnostics.source import Span
from ocpispec.frozen import frozen
from ocpispec.plan.ir.base import OMIT_DEFAULT


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
    type: str | None = dataclasses.field(default=None, metadata=OMIT_DEFAULT)
    # the column in words: the source field (catalogue) and what was done to it
    description: str | None = dataclasses.field(default=None, metadata=OMIT_DEFAULT)
    # `detail` has the values a `jmespath(...)` compares personal fields with blanked
    # out: the privacy summary then holds the expression only in that form
    redacted: bool = dataclasses.field(default=False, metadata=OMIT_DEFAULT)


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
    fraction: float | None = dataclasses.field(default=None, metadata=OMIT_DEFAULT)

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
    justification: str | None = dataclasses.field(default=None, metadata=OMIT_DEFAULT)
    type: str | None = dataclasses.field(default=None, metadata=OMIT_DEFAULT)
    description: str | None = dataclasses.field(default=None, metadata=OMIT_DEFAULT)
    parts: tuple[Part, ...] = dataclasses.field(default=(), metadata=OMIT_DEFAULT)
    formula: str | None = dataclasses.field(default=None, metadata=OMIT_DEFAULT)
    written: str | None = dataclasses.field(default=None, metadata=OMIT_DEFAULT)
    # `written` has the values a `jmespath(...)` compares personal fields with blanked
    # out (and is set for a bare `sum(...)` too): summaries hold only that form
    redacted: bool = dataclasses.field(default=False, metadata=OMIT_DEFAULT)

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
    cuts: tuple[int | str | None, ...] = dataclasses.field(default=(), metadata=OMIT_DEFAULT)
    # per key when any: the totals' own key expression where the totals group by a value
    # that is not a cut of this aggregate's keys (a country over cities): the line of a
    # group is the value its records show, when each group shows one (else no line)
    observed: tuple[str, ...] = dataclasses.field(default=(), metadata=OMIT_DEFAULT)


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
    dominance: Dominance | None = dataclasses.field(default=None, metadata=OMIT_DEFAULT)
    round_counts: int | None = dataclasses.field(default=None, metadata=OMIT_DEFAULT)
    margins: tuple[Margin, ...] = dataclasses.field(default=(), metadata=OMIT_DEFAULT)


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
