"""What changed in a plan since the state was written: a summary without values.

The state keeps, per dataset, a small summary of the plan that advanced it: the
module, each column's name and treatment with a digest of its expression, a digest of
the `where` filter, the window and the joins. Digests, not text: a filter may compare
with a literal. When the fingerprint differs, `changes` says what differs in words
people can act on; the run goes on from the watermark (`--restart` starts over).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from ocpispec.plan import ir

SUMMARY_FORMAT = 1


def summarize(dataset: ir.Dataset) -> dict[str, Any]:
    where, aggregate = dataset.step(ir.Filter), dataset.step(ir.Aggregate)
    columns = {c.name: {"treatment": c.treatment, "expression": _digest(c.expression)}
               for c in dataset.columns}
    for measure in aggregate.measures if aggregate else ():
        columns[measure.name] = {"treatment": "aggregated",
                                 "expression": _digest(_measure_text(measure))}
    return {
        "format": SUMMARY_FORMAT,
        "module": dataset.module,
        "columns": columns,
        "filter": _digest(where.expression) if where else None,
        "window": dataset.step(ir.Fetch).window.date_from,
        "joins": sorted(join.alias for join in dataset.all(ir.Join)),
        "aggregated": aggregate is not None,
    }


def changes(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[str]:
    """What differs between two summaries, one phrase each (never empty)."""
    if not old or old.get("format") != SUMMARY_FORMAT:
        return ["the state does not say what the earlier plan was"]
    found = _column_changes(old.get("columns") or {}, new["columns"])
    if old.get("filter") != new["filter"]:
        found.append(_presence("the `where` filter", old.get("filter"), new["filter"]))
    if old.get("window") != new["window"]:
        found.append(f"the window changed (from `{old.get('window')}` to `{new['window']}`)")
    if old.get("joins") != new["joins"]:
        found.append("the joins changed")
    if old.get("aggregated") != new["aggregated"]:
        found.append("aggregation was added" if new["aggregated"] else "aggregation was removed")
    if old.get("module") != new["module"]:
        found.append(f"the module changed (from {old.get('module')} to {new['module']})")
    return found or ["details that do not change the columns, filter or window (request "
                     "shaping, output, privacy steps)"]


def _column_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    found = []
    added = [name for name in new if name not in old]
    removed = [name for name in old if name not in new]
    if added:
        found.append("columns added: " + ", ".join(f"`{name}`" for name in added))
    if removed:
        found.append("columns removed: " + ", ".join(f"`{name}`" for name in removed))
    for name in new:
        if name not in old or not isinstance(old[name], Mapping):
            continue
        before, after = old[name], new[name]
        if before.get("treatment") != after["treatment"]:
            found.append(f"column `{name}`: {before.get('treatment')} -> {after['treatment']}")
        elif before.get("expression") != after["expression"]:
            found.append(f"column `{name}`: its transformation changed")
    return found


def _presence(what: str, before: str | None, after: str | None) -> str:
    if before is None:
        return f"{what} was added"
    if after is None:
        return f"{what} was removed"
    return f"{what} changed"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _measure_text(measure) -> str:
    """What a measure computes; a composed one by its formula over its parts."""
    if not measure.parts:
        return f"{measure.function}({measure.argument})"
    return " ".join([measure.formula or "", *(part.shown for part in measure.parts)])
