"""The privacy-relevant differences between two summaries (`ocpispec diff`, and what a
refused run says changed since the approved version).

Each difference is a `Change`: where (`export` or `dataset NAME`), what kind
(`added`, `removed`, `renamed`, `weakened`, `strengthened`, `changed`) and a sentence.
A column is weaker when it is released in a higher class (public < quasi-identifier <
personal < never-exportable) or, in the same class, with a weaker treatment (kept as is
< derived < generalised < pseudonymised < aggregated < constant), or by the same
generaliser over the same value cut finer (`coarseness.py`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ocpispec.plan.margins import margin_keys
from ocpispec.privacy_summary.coarseness import grain
from ocpispec.privacy_summary.summary import comparable, ordered
from ocpispec.text import code_span

_CLASS_RANK = {"public": 0, "quasi-identifier": 1, "personal": 2, "never-exportable": 3}
_TREATMENT_STRENGTH = {"kept as is": 0, "raw JMESPath": 0, "derived": 1, "generalised": 2,
                       "pseudonymised": 3, "aggregated": 4, "constant": 5}
_EXPORT_FIELDS = (("name", "export name (pseudonyms are derived per export)"),
                  ("consumer", "consumer"), ("purpose", "purpose"),
                  ("legal_basis", "legal basis"), ("legal_reference", "legal reference"),
                  ("retention", "retention"), ("schedule", "schedule"),
                  ("pseudonym_key", "pseudonym key (where it is read; never its value)"),
                  ("pseudonym_scope", "pseudonym scope"), ("approval", "approval requirement"),
                  ("licence", "licence (what others may do with the data)"))


@dataclass(frozen=True, slots=True)
class Change:
    area: str
    kind: str
    text: str

    def to_dict(self) -> dict[str, str]:
        return {"area": self.area, "kind": self.kind, "text": self.text}


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Every privacy-relevant difference from `old` to `new`, in a stable order."""
    changes = list(_export_changes(old["export"], new["export"]))
    old_sets = {d["name"]: d for d in old["datasets"]}
    new_sets = {d["name"]: d for d in new["datasets"]}
    for name in old_sets.keys() - new_sets.keys():
        changes.append(Change(f"dataset {name}", "removed", f"dataset `{name}` is no longer "
                              f"exported ({len(old_sets[name]['columns'])} columns)"))
    for name in new_sets:
        area = f"dataset {name}"
        if name not in old_sets:
            columns = ", ".join(f"`{c['name']}`" for c in new_sets[name]["columns"])
            changes.append(Change(area, "added", f"new dataset `{name}` from "
                                  f"`{new_sets[name]['module']}` releasing {columns}"))
        else:
            changes += [Change(area, kind, text)
                        for kind, text in _dataset_changes(old_sets[name], new_sets[name])]
    if not changes and comparable(ordered(old)) != comparable(ordered(new)):
        changes.append(Change("export", "changed", "other privacy-relevant details changed"))
    return changes


def _export_changes(old: dict[str, Any], new: dict[str, Any]):
    for key, label in _EXPORT_FIELDS:
        before, after = old.get(key), new.get(key)
        if before != after:
            kind = _approval_direction(before, after) if key == "approval" else "changed"
            yield Change("export", kind, f"{label}: {_quoted(before)} -> {_quoted(after)}")


def _approval_direction(before: str | None, after: str | None) -> str:
    return "weakened" if _approval_rank(after) < _approval_rank(before) else "strengthened"


def _approval_rank(value: str | None) -> int:
    return {"approval": 1, "signed approval": 2}.get(value or "", 0)


def _dataset_changes(old: dict[str, Any], new: dict[str, Any]):
    for key, label in (("module", "module"), ("window", "window")):
        if old[key] != new[key]:
            yield "changed", f"{label}: {_quoted(old[key])} -> {_quoted(new[key])}"
    yield from _listed(old["joins"], new["joins"], "join",
                       lambda j: f"join `{j['module']}` on `{j['on']}` as `{j['alias']}`")
    yield from _listed(old["private_locations"], new["private_locations"],
                       "private locations", _private_text, direction=_private_direction)
    yield from _listed(old["filters"], new["filters"], "filter", _filter_text)
    yield from _listed(old.get("rows", []), new.get("rows", []), "rows", _rows_text)
    yield from _column_changes(old["columns"], new["columns"])
    yield from _aggregate_changes(old["aggregate"], new["aggregate"])
    yield from _k_rule_changes(old.get("k_anonymity"), new.get("k_anonymity"))
    yield from _top_changes(old.get("top"), new.get("top"))
    yield from _listed(old["outputs"], new["outputs"], "output", _output_text,
                       key=lambda out: _key({**out, "templates": []}))
    yield from _template_changes(old["outputs"], new["outputs"])


def _rows_text(item: dict[str, Any]) -> str:
    if "spread" in item:
        return f"spread `{item['spread']}` over {item['over']} in {item['in']} as `{item['as']}`"
    return f"each `{item['each']}` as `{item['as']}` (fields {', '.join(item['fields']) or 'none'})"
def _k_rule_changes(old: dict[str, Any] | None, new: dict[str, Any] | None):
    """A k rule added or with a larger k is stronger; removed, a smaller k or a higher
    suppression limit weaker (a higher limit lets more of the data go missing, not leak,
    but the officer approved the limit)."""
    if old == new:
        return
    if old is None or new is None:
        kind = "strengthened" if old is None else "weakened"
        rule = new or old
        yield kind, (f"k-anonymity rule {'added' if old is None else 'removed'}: "
                     f"k {rule['k']} over {', '.join(rule['over'])}")
        return
    kind = "weakened" if new["k"] < old["k"] or set(new["over"]) < set(old["over"]) else \
        "strengthened" if new["k"] > old["k"] else "changed"
    recoding = old.get("hierarchies") != new.get("hierarchies")
    yield kind, (f"k-anonymity rule: {_k_text(old, recoding)} -> {_k_text(new, recoding)}")


def _k_text(rule: dict[str, Any], recoding: bool) -> str:
    """The rule; with `recoding`, also the levels its columns are recoded up (a changed
    generaliser changes them while k, columns and limit stay)."""
    text = (f"k {rule['k']} over {', '.join(rule['over'])}, limit "
            f"{rule['suppression_limit']:g}%")
    if not recoding:
        return text
    levels = "; ".join(f"{h['column']} to {', '.join(h['levels'])}"
                       f"{' characters' if h['kind'] == 'prefix' else ''}"
                       for h in rule.get("hierarchies", ()))
    return f"{text}, recoding {levels or 'nothing'}"


def _top_changes(old: dict[str, Any] | None, new: dict[str, Any] | None):
    """A top N (`order by ... limit N`) releases only the first N groups: removing the
    limit or raising it releases more groups."""
    if old == new:
        return
    kind = ("weakened" if new is None or (old is not None and new["limit"] > old["limit"])
            else "strengthened" if old is None or new["limit"] < old["limit"] else "changed")
    yield kind, f"released groups: {_top_text(old)} -> {_top_text(new)}"


def _top_text(top: dict[str, Any] | None) -> str:
    if top is None:
        return "all groups"
    return f"the first {top['limit']} by {', '.join(top['order'])}"


def _listed(old: list, new: list, what: str, describe, key=None, direction=None):
    """Items compared as sets: removed ones, then added ones; one removed and one added
    is one item changed (`direction(before, after)` may call it weakened)."""
    key = key or _key
    new_keys = {key(item) for item in new}
    old_keys = {key(item) for item in old}
    gone = [item for item in old if key(item) not in new_keys]
    came = [item for item in new if key(item) not in old_keys]
    if len(gone) == 1 and len(came) == 1:
        kind = direction(gone[0], came[0]) if direction else "changed"
        yield kind, f"{what}: {describe(gone[0])} -> {describe(came[0])}"
        return
    for item in gone:
        yield "removed", f"{what} removed: {describe(item)}"
    for item in came:
        yield "added", f"{what} added: {describe(item)}"


def _key(item: Any) -> str:
    return json.dumps(comparable(item), sort_keys=True)


def _private_text(rule: dict[str, Any]) -> str:
    why = f', because "{rule["justification"]}"' if rule["justification"] else ""
    return f"{rule['rule']}{why}"


def _private_direction(before: dict[str, Any], after: dict[str, Any]) -> str:
    included = [rule["rule"] == "included-by-spec" for rule in (before, after)]
    return {(False, True): "weakened", (True, False): "strengthened"}.get(tuple(included),
                                                                         "changed")


def _filter_text(item: dict[str, Any]) -> str:
    reads = [f"{r['privacy']} `{r['field']}`" for r in item["reads"]]
    on = f" (on {', '.join(reads)})" if reads else " (on public fields only)"
    why = f', because "{item["justification"]}"' if item["justification"] else ""
    return f"{code_span(item['shown'])}{on}{why}"


def _output_text(item: dict[str, Any]) -> str:
    target = item["destination"] or "stdout"
    template = f" with template {code_span(item['template'])}" if item["template"] else ""
    return f"{item['format']}{template} -> {target}"


def _template_changes(old: list, new: list):
    old_pins = {pin["path"]: pin["sha256"] for out in old for pin in out["templates"]}
    new_pins = {pin["path"]: pin["sha256"] for out in new for pin in out["templates"]}
    for path in sorted(old_pins.keys() & new_pins.keys()):
        if old_pins[path] != new_pins[path]:
            yield "changed", (f"template {code_span(path)} content changed: sha256 "
                              f"{old_pins[path][:12]} -> {new_pins[path][:12]}")
    # a file a template now includes (or no longer does) writes into the output too
    for path in sorted(old_pins.keys() - new_pins.keys()):
        yield "removed", f"template file {code_span(path)} no longer loaded"
    for path in sorted(new_pins.keys() - old_pins.keys()):
        yield "added", (f"template file {code_span(path)} now loaded: sha256 "
                        f"{new_pins[path][:12]}")


def _column_changes(old: list, new: list):
    old_by, new_by = {c["name"]: c for c in old}, {c["name"]: c for c in new}
    gone = [c for c in old if c["name"] not in new_by]
    came = [c for c in new if c["name"] not in old_by]
    for column in gone:
        twin = next((c for c in came if _same_content(c, column)), None)
        if twin is not None:
            came.remove(twin)
            yield "renamed", f"column `{column['name']}` renamed to `{twin['name']}`"
        else:
            yield "removed", f"column `{column['name']}` removed ({_column_text(column)})"
    for column in came:
        yield "added", f"column `{column['name']}` added: {_column_text(column)}"
    for name, before in old_by.items():
        after = new_by.get(name)
        if after is not None and comparable(before) != comparable(after):
            yield _direction(before, after), (f"column `{name}`: {_column_text(before)} -> "
                                              f"{_column_text(after)}")


def _same_content(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return {**comparable(a), "name": ""} == {**comparable(b), "name": ""}


def _column_text(column: dict[str, Any]) -> str:
    why = f', because "{column["justification"]}"' if column["justification"] else ""
    return f"{column['released_as']}, {column['treatment']} {code_span(column['shown'])}{why}"


def _direction(before: dict[str, Any], after: dict[str, Any]) -> str:
    rank_before, rank_after = _strength(before), _strength(after)
    if rank_after < rank_before:
        return "weakened"
    if rank_after > rank_before:
        return "strengthened"
    old_grain, new_grain = grain(before["shown"]), grain(after["shown"])
    if old_grain is not None and new_grain is not None and old_grain[0] == new_grain[0] \
            and before["treatment"] == after["treatment"] == "generalised":
        if new_grain[1] < old_grain[1]:
            return "weakened"   # the same value, cut finer: `prefix(pc, 4)` -> 6
        if new_grain[1] > old_grain[1]:
            return "strengthened"
    return "changed"


def _strength(column: dict[str, Any]) -> tuple[int, int]:
    """Higher is stronger protection: a lower class after, then a stronger treatment."""
    return (-_CLASS_RANK.get(column["released_as"], 3),
            _TREATMENT_STRENGTH.get(column["treatment"], 0))


def _aggregate_changes(old: dict | None, new: dict | None):
    if old == new:
        return
    if not old or not new:
        yield "changed", ("rows are now aggregated" if not old else
                          "rows are no longer aggregated: one row per record")
        return
    if old["min_group_size"] != new["min_group_size"]:
        kind = "weakened" if new["min_group_size"] < old["min_group_size"] else "strengthened"
        yield kind, f"minimum group size: {old['min_group_size']} -> {new['min_group_size']}"
    if (old["counted_by"], old["entity"]) != (new["counted_by"], new["entity"]):
        yield "changed", f"groups counted by: {old['counted_by']} -> {new['counted_by']}"
    yield from _measure_changes(old["measures"], new["measures"])
    yield from _dominance_changes(old.get("dominance"), new.get("dominance"))
    yield from _rounding_changes(old.get("round_counts"), new.get("round_counts"))
    yield from _listed(old.get("margins", []), new.get("margins", []),
                       "secondary suppression", _margin_text)


def _measure_changes(old: list, new: list):
    """Measures by name, as columns: one released in a higher class (`avg` -> `median`
    or `max`, one record's value) is weakened."""
    old_by, new_by = {m["name"]: m for m in old}, {m["name"]: m for m in new}
    for measure in old:
        if measure["name"] not in new_by:
            yield "removed", f"measure removed: {_measure_text(measure)}"
    for measure in new:
        before = old_by.get(measure["name"])
        if before is None:
            yield "added", f"measure added: {_measure_text(measure)}"
        elif comparable(before) != comparable(measure):
            rank_before = _CLASS_RANK.get(before["released_as"], 3)
            rank_after = _CLASS_RANK.get(measure["released_as"], 3)
            kind = ("weakened" if rank_after > rank_before else
                    "strengthened" if rank_after < rank_before else "changed")
            yield kind, f"measure: {_measure_text(before)} -> {_measure_text(measure)}"


def _measure_text(measure: dict[str, Any]) -> str:
    """`name` = what it computes (as written, for a formula, a `count(distinct ...)`, a
    `median`), the class it is released in and its justification."""
    computed = measure.get("expression") or \
        f"{measure['function']}({measure['argument'] or ''})"
    why = f', because "{measure["justification"]}"' if measure["justification"] else ""
    return f"`{measure['name']}` = {code_span(computed)}, {measure['released_as']}{why}"


def _dominance_changes(old: dict | None, new: dict | None):
    """A dominance rule `N K%` withholds a group whose N largest drivers give more than
    K% of a sum: without it, with a higher K or (at the same K) a smaller N, fewer groups
    are withheld."""
    if old == new:
        return
    if old is None or new is None:
        yield ("strengthened" if old is None else "weakened"), \
            f"dominance rule {'added' if old is None else 'removed'}: {_dominance_text(new or old)}"
        return
    weaker = new["percent"] >= old["percent"] and new["contributors"] <= old["contributors"]
    stronger = new["percent"] <= old["percent"] and new["contributors"] >= old["contributors"]
    kind = "weakened" if weaker else "strengthened" if stronger else "changed"
    yield kind, f"dominance rule: {_dominance_text(old)} -> {_dominance_text(new)}"


def _dominance_text(rule: dict) -> str:
    return (f"withhold a group where the {rule['contributors']} largest driver"
            f"{'s give' if rule['contributors'] > 1 else ' gives'} more than "
            f"{rule['percent']}% of a sum")


def _rounding_changes(old: int | None, new: int | None):
    """Counts rounded to a multiple of a base: none, or a smaller base, shows more."""
    if old == new:
        return
    kind = "weakened" if (new or 1) < (old or 1) else "strengthened"
    yield kind, (f"counts rounded to multiples of: {old or '(exact counts)'} -> "
                 f"{new or '(exact counts)'}")


def _margin_text(margin: dict) -> str:
    keys = margin_keys(margin["keys"], margin.get("cuts", ()), margin.get("observed", ()))
    by = f"by {keys}" if margin["keys"] else "over all groups"
    return f"against the totals of `{margin['dataset']}` ({by})"


def _quoted(value: Any) -> str:
    return "(none)" if value in (None, "") else f'"{value}"'
