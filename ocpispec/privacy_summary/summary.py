"""The privacy summary of a plan: everything a privacy officer signs off, nothing else.

A summary is plain JSON-safe data (dicts, lists, strings, numbers). It holds who receives
the data and why (consumer, purpose, legal basis, retention, schedule, where the pseudonym
key is read from and the pseudonym scope, the approval requirement) and, per dataset, the module, the window, joins, private-location
handling, filters, released columns with treatments and justifications, aggregate
protections and the output (format, destination, template and the sha256 of every
template file). It leaves out what does not change what is disclosed: comments and
layout (spans are dropped and every text is normalised), page size, concurrency, the
sample limit, the source and the spec's path.

A summary holds no null: an absent text is `""` and an absent aggregate `{}`, so it
round-trips through TOML (approval records) unchanged. No value compared to a personal
field enters a summary: such a filter, or a `jmespath(...)` column reading a personal
field, appears in its redacted form. Its exact expression goes into the fingerprint only (`exact_part`), so
an approval record, which stores the summary, holds no personal value.
"""

from __future__ import annotations

import json
from typing import Any

from ocpispec.plan import ir

SUMMARY_FORMAT = 1
# keys whose values are for people to read; comparing and fingerprinting ignore them
DISPLAY_KEYS = frozenset({"shown"})


def summarise(plan: ir.Plan) -> dict[str, Any]:
    """The privacy summary of a plan (see the module docstring)."""
    return ordered({"format": SUMMARY_FORMAT,
                    "export": _export(plan.export, plan.pseudonym_key),
                    "datasets": [_dataset(dataset) for dataset in plan.datasets]})


def ordered(summary: dict[str, Any]) -> dict[str, Any]:
    """`summary` with what a release has no order in sorted by name: its datasets, their
    joins (by the name a join's fields are read through), columns and measures. A
    `select` or joins written in another order release the same, and must keep their
    approval."""
    def dataset(item: dict[str, Any]) -> dict[str, Any]:
        aggregate = item.get("aggregate") or {}
        if "measures" in aggregate:
            aggregate = {**aggregate, "measures": _by_name(aggregate["measures"])}
        joins = sorted(item.get("joins", []), key=lambda join: str(join.get("alias", "")))
        return {**item, "joins": joins, "columns": _by_name(item.get("columns", [])),
                "aggregate": aggregate}

    return {**summary, "datasets": _by_name([dataset(d) for d in summary.get("datasets", [])])}


def _by_name(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda item: str(item.get("name", "")))


def exact_part(plan: ir.Plan) -> list[str]:
    """The exact expressions of filters and `jmespath(...)` columns that compare personal
    fields: fingerprinted, never stored or shown (sorted, as the summary's columns are)."""
    measures = [step.measures for dataset in plan.datasets
                for step in dataset.all(ir.Aggregate)]
    return sorted(exact_filters(plan) + [column.expression for dataset in plan.datasets
                                         for column in dataset.columns if column.redacted] + [
        json.dumps([m.argument, [[p.function, p.argument] for p in m.parts], m.formula])
        for group in measures for m in group if m.redacted])


def exact_filters(plan: ir.Plan) -> list[str]:
    return [step.expression for dataset in plan.datasets for step in dataset.all(ir.Filter)
            if step.redacted]


def comparable(value: Any) -> Any:
    """The summary without its display-only keys."""
    if isinstance(value, dict):
        return {key: comparable(item) for key, item in value.items() if key not in DISPLAY_KEYS}
    if isinstance(value, list):
        return [comparable(item) for item in value]
    return value


def _export(export: ir.Export, key: ir.SecretReference | None) -> dict[str, Any]:
    found = {"name": export.name, "consumer": _text(export.consumer),
             "purpose": _text(export.purpose), "legal_basis": _text(export.legal_basis),
             "legal_reference": _text(export.legal_reference),
             "retention": _text(export.retention), "schedule": _text(export.schedule),
             "pseudonym_scope": export.pseudonym_scope, "approval": _text(export.approval)}
    if export.licence:  # who may reuse open data; absent, specs keep their fingerprint
        found["licence"] = export.licence
    if key is not None:  # where the key is read (never the key): another variable may hold
        # a key the consumer knows, and its pseudonyms are then reversible by enumeration
        found["pseudonym_key"] = f"{key.kind} {key.name}"
    return found


def _text(value: str | None) -> str:
    return "" if value is None else value


def _dataset(dataset: ir.Dataset) -> dict[str, Any]:
    fetch = next(step for step in dataset.all(ir.Fetch) if step.purpose == "records")
    rule = dataset.step(ir.KAnonymity)
    return ({"k_anonymity": _k_rule(rule)} if rule is not None else {}) | {
        "name": dataset.name, "module": dataset.module, "window": window_text(fetch.window),
        "joins": [_join(step) for step in dataset.all(ir.Join)],
        "private_locations": [_private(step) for step in dataset.all(ir.PrivacyFilter)],
        "filters": [_filter(step) for step in dataset.all(ir.Filter)],
        "columns": [_column(column) for column in dataset.columns],
        "aggregate": _aggregate(dataset.step(ir.Aggregate)),
        "outputs": [_output(step) for step in dataset.all(ir.Render)],
    } | _rows(dataset) | _top(dataset.step(ir.Order))


def _rows(dataset: ir.Dataset) -> dict[str, Any]:
    """`each` and `spread`: which rows are made and over which slots (a dataset without
    them has no `rows` key, so its summary and fingerprint stay as they were)."""
    rows = [{"each": f"{step.parent + '.' if step.parent else ''}{'.'.join(step.items)}",
             "as": step.alias, "fields": list(step.fields), "derived": list(step.derived)}
            for step in dataset.all(ir.Unnest)]
    rows += [{"spread": ".".join(step.value), "over": step.unit,
              "in": "utc" if step.zone == "utc" else ".".join(step.zone_field or ()),
              "as": step.alias} for step in dataset.all(ir.Spread)]
    return {"rows": rows} if rows else {}


def _top(step: ir.Order | None) -> dict[str, Any]:
    """`order by ... limit N`: which groups leave (a top N). Without a limit, an order
    only sorts the released rows: no key, so such specs keep their fingerprint."""
    if step is None or step.limit is None:
        return {}
    return {"top": {"limit": step.limit,
                    "order": [f"{key.column} {'desc' if key.descending else 'asc'}"
                              for key in step.keys]}}


def window_text(window: ir.Window) -> str:
    text = _window_kind_text(window)
    return f"{text}, on {window.event_time}" if window.event_time else text


def _window_kind_text(window: ir.Window) -> str:
    match window.kind:
        case "all":
            return "all records"
        case "since-last-run":
            return "since last run"
        case "since":
            return f"since {window.start}"
        case "between":
            return f"between {window.start} and {window.end}"
        case "last":
            return f"last {window.amount} {window.unit}"
        case "previous" | "month-to-date":
            return window.rule
    return window.kind


def _join(step: ir.Join) -> dict[str, Any]:
    return {"module": step.module, "alias": step.alias,
            "on": f"{'.'.join(step.local_key)} = {step.module}.{'.'.join(step.remote_key)}"}


def _private(step: ir.PrivacyFilter) -> dict[str, Any]:
    return {"rule": step.rule, "excludes": _text(step.exclude),
            "justification": _text(step.justification)}


def _filter(step: ir.Filter) -> dict[str, Any]:
    reads = [{"field": read.field, "privacy": read.privacy}
             for read in step.reads if read.privacy != "public"]
    if step.redacted:  # the values are personal: the condition only in its redacted form
        return {"condition": "", "shown": f"where {step.redacted}", "reads": reads,
                "justification": _text(step.justification)}
    return {"condition": step.expression, "shown": step.expression, "reads": reads,
            "justification": _text(step.justification)}


def _column(column: ir.Column) -> dict[str, Any]:
    # a `jmespath(...)` comparing personal fields: the expression only as `shown` blanks it
    return {"name": column.name, "expression": "" if column.redacted else column.expression,
            "shown": " ".join(column.detail.split()), "sources": list(column.sources),
            "treatment": column.treatment, "privacy": column.privacy,
            "released_as": column.released_as, "justification": _text(column.justification)}


def _aggregate(step: ir.Aggregate | None) -> dict[str, Any]:
    if step is None:
        return {}
    measures = [{"name": m.name, "function": m.function,
                 "argument": "" if m.redacted else _text(m.argument),
                 "sources": list(m.sources), "released_as": m.privacy,
                 "justification": _text(m.justification),
                 **({"expression": m.written} if m.written else {})} for m in step.measures]
    controls: dict[str, Any] = {}
    if step.dominance is not None:
        controls["dominance"] = {"contributors": step.dominance.contributors,
                                 "percent": step.dominance.percent}
    if step.margins:
        controls["margins"] = [{"dataset": m.dataset, "keys": list(m.keys),
                                **({"cuts": list(m.cuts)} if m.cuts else {}),
                                **({"observed": [bool(e) for e in m.observed]}
                                   if m.observed else {})}
                               for m in step.margins]
    if step.round_counts:
        controls["round_counts"] = step.round_counts
    return {"measures": measures, "min_group_size": step.min_group_size,
            "counted_by": step.counted_by, "entity": _text(step.entity), **controls}


def _k_rule(step: ir.KAnonymity) -> dict[str, Any]:
    """A k rule (absent without one, so other specs keep their privacy fingerprint)."""
    return {"k": step.k, "over": list(step.over), "suppression_limit": step.suppression_limit,
            "hierarchies": [{"column": h.column, "kind": h.kind, "levels": list(h.levels)}
                            for h in step.hierarchies], "counted_by": step.counted_by}


def _output(step: ir.Render) -> dict[str, Any]:
    return {"format": step.format, "destination": _text(step.destination),
            "template": _text(step.template), "geometry": _text(step.geometry),
            "templates": [{"path": item.path, "sha256": item.sha256} for item in step.templates]}
