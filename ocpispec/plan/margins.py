"""Which datasets of an export release totals of another's groups.

Two aggregates read the same records when every step before the aggregate that selects
records (the fetch, the privacy filter with its lookup, `where`) does the same thing; then
the coarser one (grouping by some of the finer one's key expressions, not all, and
constants; a key may be a function of one of the finer keys: a shorter `prefix`,
regions over districts, or a coarser part of the same timestamp, weeks, months or
weekdays over days; or any other key, `observed`: the run notes the value each finer
group's records show for it, and the margin holds when each shows one, countries over
cities) releases margins of the finer one: each of its rows is the total of some of the finer rows. A
join selects nothing, nor do its sub-bindings (`location.connector`): a record whose
location, EVSE or connector is not found keeps its row with an empty binding, so a total
without the join and two datasets that read
different parts of one join still read the same records.
Secondary suppression in the finer dataset (executor.suppression) makes sure no
suppressed row can be recomputed from those totals by subtraction. The coarser dataset
runs the finer one's decision over its own records to withhold the totals it needs
withheld, so its normalisation keeps the fields the finer one reads too (they reach
its aggregator, never its output), and its joins bind what the finer one reads
(`location.connector` for a finer `group by location.connector.power_type`).
"""

from __future__ import annotations

import dataclasses
import functools
import json

import jmespath

from ocpispec.plan import ir
from ocpispec.plan.read_paths import catalogue_order
from ocpispec.schema import catalogue
from ocpispec.timestamps import TIME_PARTS_MADE_OF

# the steps that bind what a dataset's keys read (a finer dataset's joins)
_BINDING = (ir.Fetch, ir.Normalize, ir.Lookup, ir.Join)


def with_margins(datasets: tuple[ir.Dataset, ...]) -> tuple[ir.Dataset, ...]:
    marked = tuple(_with_margins(dataset, datasets) for dataset in datasets)
    return tuple(_reading_finer(dataset, marked) for dataset in marked)


def _reading_finer(dataset: ir.Dataset, datasets: tuple[ir.Dataset, ...]) -> ir.Dataset:
    """The coarser dataset's normalisations widened by the fields of the finer ones,
    and a finer one's by the fields of totals whose keys it observes."""
    margins = getattr(dataset.step(ir.Aggregate), "margins", ())
    observed = {margin.dataset for margin in margins if margin.observed}
    finer = [other for other in datasets if other.name in observed or any(
        margin.dataset == dataset.name
        for margin in getattr(other.step(ir.Aggregate), "margins", ()))]
    if not finer:
        return dataset
    steps = []
    for step in _with_joins(dataset.steps, finer):
        match step:
            case ir.Normalize():
                fields = [field for other in finer for same in other.all(ir.Normalize)
                          if same.id == step.id for field in same.fields]
                step = _widened(step, fields)
            case ir.Join():
                step = _bound(step, [same for other in finer for same in other.all(ir.Join)
                                     if same.id == step.id])
            case ir.Lookup(party=()):
                step = next((same for other in finer for same in other.all(ir.Lookup)
                             if same.id == step.id and same.party), step)
        steps.append(step)
    return dataclasses.replace(dataset, steps=tuple(steps))


def _with_joins(steps: tuple, finer: list[ir.Dataset]) -> list:
    """The steps with the joins of the finer datasets this one lacks (and the fetches,
    normalisations and lookups they read), before its first step past the joins: its
    run decides the finer ones' groups over its own records, whose keys read them."""
    have = {step.id for step in steps}
    missing = {step.id: step for other in finer for step in other.steps
               if isinstance(step, _BINDING) and step.id not in have}
    if not missing:
        return list(steps)
    at = next((index for index, step in enumerate(steps)
               if not isinstance(step, (*_BINDING, ir.PrivacyFilter))), len(steps))
    return [*steps[:at], *missing.values(), *steps[at:]]


def _bound(step: ir.Join, others: list[ir.Join]) -> ir.Join:
    """The join binding every sub-binding the finer datasets read too: a join's
    sub-bindings are a chain from the catalogue (the EVSE, then its connector), so the
    longest one holds the others."""
    longest = max((other.sub_bindings for other in others), key=len, default=())
    if len(longest) <= len(step.sub_bindings):
        return step
    return dataclasses.replace(step, sub_bindings=longest)


def _widened(step: ir.Normalize, fields: list[str]) -> ir.Normalize:
    if set(fields) <= set(step.fields):
        return step
    ordered = catalogue_order(step.module, [f.split(".") for f in (*step.fields, *fields)])
    expressions = tuple(ir.VersionExpression(
        item.version, catalogue().normalizer_expression(step.module, item.version, ordered))
        for item in step.expressions)
    return dataclasses.replace(step, fields=tuple(".".join(path) for path in ordered),
                               expressions=expressions)


def _with_margins(dataset: ir.Dataset, datasets: tuple[ir.Dataset, ...]) -> ir.Dataset:
    aggregate = dataset.step(ir.Aggregate)
    if aggregate is None:
        return dataset
    margins = tuple(margin for other in datasets if other is not dataset
                    for margin in [_margin(dataset, aggregate, other)] if margin is not None)
    if not margins:
        return dataset
    steps = tuple(dataclasses.replace(step, margins=margins) if step is aggregate else step
                  for step in dataset.steps)
    return dataclasses.replace(dataset, steps=steps)


def _margin(dataset: ir.Dataset, aggregate: ir.Aggregate, other: ir.Dataset) -> ir.Margin | None:
    coarse = other.step(ir.Aggregate)
    if coarse is None or _records(dataset) != _records(other):
        return None
    by_expression = {_canonical(key.expression): key.name for key in aggregate.keys}
    names: list[str] = []
    cuts: list[int | str | None] = []
    observed: list[str] = []
    for key in line_keys(coarse):
        if _canonical(key.expression) in by_expression:
            names.append(by_expression[_canonical(key.expression)])
            cuts.append(None)
            observed.append("")
        elif (found := _coarsening(key.expression, aggregate.keys)) is not None:
            names.append(found[0])
            cuts.append(found[1])
            observed.append("")
        else:  # a country over cities: the run sees whether each city lies in one
            names.append(key.name)
            cuts.append(None)
            observed.append(key.expression)
    derived = [name for name, seen in zip(names, observed) if not seen]
    # an observed key is the totals' own: its name may repeat one of the finer keys'
    if len(set(derived)) < len(derived) or not any(cuts) and not any(observed) and \
            set(derived) == set(by_expression.values()):
        return None
    return ir.Margin(other.name, tuple(names), coarse.dominance,
                     tuple(cuts) if any(cut is not None for cut in cuts) else (),
                     tuple(observed) if any(observed) else ())


@functools.lru_cache(maxsize=1024)
def _canonical(expression: str) -> str:
    """The expression's syntax tree as text: `(location.city)`, which the JMESPath hatch
    lowers to, and `location.city` are one key however they are written."""
    return json.dumps(jmespath.compile(expression).parsed, sort_keys=True)


def _cut_of(expression: str) -> tuple[str, str, int | str] | None:
    """(x, kind, level) of a key that cuts x: `prefix(x, n)` is (x, prefix, n);
    `truncate(t, 'unit')`, `weekday(t)` and `hour_of_day(t)` are (t, time, the part);
    x is canonical (`_canonical`)."""
    node = json.loads(_canonical(expression))
    if node.get("type") != "function_expression":
        return None
    match node["value"], node["children"]:
        case "prefix", [inner, {"type": "literal", "value": int() as length}]:
            return json.dumps(inner, sort_keys=True), "prefix", length
        case "truncate", [inner, {"type": "literal", "value": str() as unit}]:
            return json.dumps(inner, sort_keys=True), "time", unit
        case ("weekday" | "hour_of_day") as part, [inner]:
            return json.dumps(inner, sort_keys=True), "time", part
    return None


def _coarsening(expression: str, finer: tuple[ir.Column, ...]) -> tuple[str, int | str] | None:
    """(the finer key, the cut) when the coarser key `expression` is a function of one
    of the finer keys, so its rows are totals of the finer rows: fewer characters of the
    same text (regions over districts: the cut is the length), or a coarser part of the
    same timestamp (weeks over days, months over hours, weekdays over days: the cut is
    the part, `week`, `weekday`...); a value read as it is is made of every cut."""
    if (cut := _cut_of(expression)) is None:
        return None
    inner, kind, level = cut
    for key in finer:
        if _canonical(key.expression) == inner:
            return key.name, level
        found = _cut_of(key.expression)
        if found is None or found[:2] != (inner, kind):
            continue
        if kind == "prefix" and level < found[2] or \
                kind == "time" and found[2] in TIME_PARTS_MADE_OF.get(str(level), ()):
            return key.name, level
    return None


def line_keys(aggregate: ir.Aggregate) -> tuple[ir.Column, ...]:
    """The keys that tell a coarser dataset's rows apart: not its constants (a national
    total grouped by `constant("NL")` is the total of every finer group)."""
    return tuple(key for key in aggregate.keys if key.treatment != "constant")


def _records(dataset: ir.Dataset) -> list:
    """What selects the records, without step ids and spans: the records' fetch, the
    privacy filter with the lookup it reads, and `where`. A join selects none (a record
    it finds nothing for keeps an empty binding): totals of all sessions beside groups
    by a joined location's area are margins of them."""
    privacy = dataset.step(ir.PrivacyFilter)
    lookup = dataset.get(privacy.lookup) if privacy is not None and privacy.lookup else None
    steps = (dataset.step(ir.Fetch), privacy, lookup, *dataset.all(ir.Filter))
    return [_plain(ir.encode(step)) for step in steps if step is not None]


# what a step does without selecting records: its id, where it was written, why a
# fetch is made, and whose record a lookup gives where two parties share an id
_NOT_SELECTING = ("origin", "id", "purpose", "party")


def _plain(value):
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items() if key not in _NOT_SELECTING}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def margin_keys(keys: tuple[str, ...] | list[str], cuts: tuple[int | str | None, ...] | list,
                observed: tuple[str, ...] | list = ()) -> str:
    """The keys a margin's totals are by, in words: `district`, `the first 1
    character of district` for a shorter prefix of it, `the week of day` for a coarser
    part of a timestamp, `country (if each group lies in one)` for a value the run
    observes."""
    cuts = list(cuts) or [None] * len(keys)
    seen = list(observed) or [""] * len(keys)
    return ", ".join(f"{name} (if each group lies in one)" if shown else _cut_words(name, cut)
                     for name, cut, shown in zip(keys, cuts, seen))


def _cut_words(name: str, cut: int | str | None) -> str:
    match cut:
        case None:
            return name
        case int():
            return f"the first {cut} character{'s' if cut != 1 else ''} of {name}"
    return f"the {_PART_WORDS.get(cut, cut)} of {name}"


_PART_WORDS = {"quarter_hour": "quarter hour", "hour_of_day": "hour of the day"}
