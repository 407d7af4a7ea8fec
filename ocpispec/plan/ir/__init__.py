"""The plan IR: what a run will fetch, transform, withhold and write.

A plan is closed (it needs nothing but itself and a pseudonym key to run),
deterministic (the same spec gives the same plan, byte for byte) and serialisable
(`to_dict`/`from_dict`, JSON-safe). Every step has a stable id (`fetch.sessions`,
`join.location`, `project.sessions`) and the `origin` span of the spec text that
produced it. Expressions are JMESPath text; the executor compiles them.

The fingerprint is a sha256 over the canonical JSON of the plan without spans, the
spec path and the fingerprint itself: it changes exactly when what a run does changes.

The parts: `reading` (window, fetch, normalize, lookups, joins, filters), `shaping`
(columns, aggregates, k-anonymity, unnest, spread), `output` (order, render),
`steps` (every kind of step), `plans` (dataset, export, source, plan, fingerprint),
`codec` (to and from JSON-safe data).
"""

from ocpispec.plan.ir.base import FORMAT_VERSION, OMIT_DEFAULT
from ocpispec.plan.ir.reading import (
    Fetch, Filter, FilterRead, Join, Lookup, Normalize, PrivacyFilter, SubBinding,
    VersionExpression, Window,
)
from ocpispec.plan.ir.shaping import (
    Aggregate, Column, Dominance, Hierarchy, KAnonymity, Margin, Measure, Part, Project,
    Spread, Unnest,
)
from ocpispec.plan.ir.output import CsvDialect, Order, Render, SortKey, TemplateDigest
from ocpispec.plan.ir.steps import STEP_KINDS, Step, step_expressions
from ocpispec.plan.ir.plans import (
    BLANKED, Dataset, Export, fingerprint, Plan, SecretReference, SourceSpec,
    with_fingerprint, Withheld,
)
from ocpispec.plan.ir.codec import encode

__all__ = [
    "Aggregate", "BLANKED", "Column", "CsvDialect", "Dataset", "Dominance", "Export",
    "FORMAT_VERSION", "Fetch", "Filter", "FilterRead", "Hierarchy", "Join", "KAnonymity",
    "Lookup", "Margin", "Measure", "Normalize", "OMIT_DEFAULT", "Order", "Part", "Plan",
    "PrivacyFilter", "Project", "Render", "SecretReference", "SortKey", "SourceSpec", "STEP_KINDS",
    "Spread", "Step", "SubBinding", "TemplateDigest", "Unnest", "VersionExpression",
    "Window", "Withheld", "encode", "fingerprint", "step_expressions", "with_fingerprint",
]
