"""The plan stage: a `CheckedSpec` becomes a `Plan`, the contract a run executes.

- `ir`: the plan itself, a closed, JSON-serialisable IR of fetch, normalize, join, filter,
  project, aggregate and render steps with stable ids and a fingerprint. Its names are
  exported here.
- `planner.plan(checked)`: the planner, deterministic and offline; `lower` turns spec
  expressions into JMESPath text, `datasets` and `columns` build the steps, `describe` words
  them. `plan`, `Options` and `dataset_names` are exported here too, loaded on first use, so
  that the IR's many users (execute, render, the ledger) do not import the checker.
"""

from ocpispec.plan.ir import (Aggregate, Column, CsvDialect, Dataset, Dominance, Export, Fetch,
                              Filter, FilterRead, fingerprint, FORMAT_VERSION, Hierarchy, Join,
                              KAnonymity, Lookup, Margin, Measure, Normalize, Order, Part,
                              Plan, PrivacyFilter, Project, Render, SecretReference, SortKey,
                              SourceSpec, Spread, Step, step_expressions, STEP_KINDS,
                              SubBinding, TemplateDigest, Unnest, VersionExpression, Window,
                              with_fingerprint, Withheld)

_PLANNER = ("Options", "dataset_names", "plan")


def __getattr__(name: str):
    if name in _PLANNER:
        from ocpispec.plan import planner

        return getattr(planner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
