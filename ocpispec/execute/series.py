"""The `unnest` and `spread` steps: one record becomes rows, compiled once per run.

Every case that puts a value nowhere or somewhere it might not belong is counted under
`Counts.series` (reasons only, never values), so the CPO's run record shows it:

- a record whose list is missing or empty makes no row;
- charging periods out of order are sorted by their start; a period without a valid
  start sorts last and has no end or duration;
- a period without an ENERGY (or ENERGY_IMPORT) dimension has energy 0;
- a period whose energy cannot be read (no list of dimensions, a volume or a type read
  as null) has energy null, not 0: unknown, not nothing;
- a value whose interval has no valid start cannot be placed and is left out;
- an interval without an end, or not after its start, puts the whole value in the
  slot of its start;
- a zero or null value makes no slot rows (the rows would add nothing to a sum);
- a row without a usable time zone is spread in UTC.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from ocpispec.plan import ir
from ocpispec.execute.functions import as_number
from ocpispec.series import SLOT_UNITS
from ocpispec.series.apportion import (
    local_slots,
    micros,
    split,
    units_of,
    utc_label,
    utc_slots,
    value_of,
    zone_of,
)
from ocpispec.timestamps import CANONICAL, TimestampError, format_timestamp, read_timestamp

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Rows = list[dict]
Expand = Callable[[dict], Rows]

NO_ELEMENTS = "records without `{list}`: no rows"
# a list inside an earlier element: counted per element (an EVSE), not per record
NO_INNER_ELEMENTS = "`{parent}` elements without `{list}`: no rows"
OUT_OF_ORDER = "records with charging periods out of order: sorted by start"
NO_START = "charging periods without a valid start: no end or duration"
NO_ENERGY = "charging periods without an energy dimension: energy 0"
UNREAD_ENERGY = ("charging periods whose energy could not be read (dimensions, a dimension's "
                 "type or its volume missing or read as null): energy null")
NOT_PLACED = "values without a valid start: not spread (left out)"
WHOLE = "intervals without an end or not after their start: whole value in the slot of their start"
NOTHING = "zero or null values: no slot rows"
UTC_FALLBACK = "rows without a usable time zone: spread in UTC"


def expander(dataset: ir.Dataset, counts: Counter[str]) -> Expand | None:
    """The rows of one (normalized, joined, filtered) record, or None when the
    dataset neither unnests nor spreads."""
    steps: list[Expand] = [_unnest(step, counts) for step in dataset.all(ir.Unnest)]
    spread = dataset.step(ir.Spread)
    if spread is not None:
        steps.append(_spread(spread, counts))
    if not steps:
        return None
    if len(steps) == 1:
        return steps[0]

    def expand(record: dict) -> Rows:
        rows = [record]
        for step in steps:
            rows = [out for row in rows for out in step(row)]
        return rows

    return expand


def further(dataset: ir.Dataset, finer: ir.Dataset) -> Expand | None:
    """How a row of `dataset` becomes the rows of `finer`, another dataset of the export
    over the same records: the `each` and `spread` steps `finer` takes after those of
    `dataset` (a load profile's charging periods and slots, under totals per session).
    None when `finer` takes no step more, or steps `dataset`'s rows cannot be taken
    through (then its rows are `finer`'s as they are). Cases are not counted: the finer
    dataset's own run counts them."""
    own, theirs = _expansion(dataset), _expansion(finer)
    if len(theirs) <= len(own) or [_bare(s) for s in theirs[:len(own)]] != \
            [_bare(s) for s in own]:
        return None
    return expander(dataclasses.replace(finer, steps=theirs[len(own):]), Counter())


def _expansion(dataset: ir.Dataset) -> tuple[Any, ...]:
    return tuple(step for step in dataset.steps if isinstance(step, (ir.Unnest, ir.Spread)))


def _bare(step: Any) -> Any:
    """A step as it acts on rows, whatever its id and where it was written."""
    return dataclasses.replace(step, id="", origin=None)


# ---- unnest -------------------------------------------------------------------------


def _unnest(step: ir.Unnest, counts: Counter[str]) -> Expand:
    alias, parent, items = step.alias, step.parent, step.items
    missing = NO_INNER_ELEMENTS.format(parent=parent, list=".".join((parent, *items))) \
        if parent else NO_ELEMENTS.format(list=".".join(items))
    periods = _periods(step, counts) if step.derived else None

    def unnest(row: dict) -> Rows:
        found = _at(row.get(parent) if parent else row, items)
        elements = [item for item in found if item.__class__ is dict] \
            if found.__class__ is list else []
        if not elements:
            counts[missing] += 1
            return []
        if periods is not None:
            elements = periods(elements, row)
        rows = []
        for element in elements:
            out = row.copy()
            out[alias] = element
            rows.append(out)
        return rows

    return unnest


def _periods(step: ir.Unnest, counts: Counter[str]) -> Callable[[list[dict], dict], list[dict]]:
    """Charging periods in start order with `energy_kwh`, `end` and `duration`. A spec
    that reads no period energy had no dimensions normalized (default deny): its periods
    are not counted as lacking an energy dimension, a note that would be false."""
    energy_types = step.energy_types
    energy_read = any(field.startswith("dimensions.") for field in step.fields)
    parent_end = step.parent_end

    def derive(elements: list[dict], row: dict) -> list[dict]:
        texts = [element.get("start_date_time") for element in elements]
        starts = [_moment(text) for text in texts]
        order = sorted(range(len(elements)),
                       key=lambda i: (starts[i] is None, starts[i] or 0, i))
        if any(order[i] != i for i in range(len(order))):
            counts[OUT_OF_ORDER] += 1
        final_text = _at(row, parent_end) if parent_end else None
        final = _moment(final_text)
        derived = []
        for position, index in enumerate(order):
            start = starts[index]
            after = order[position + 1] if position + 1 < len(order) else None
            end, end_text = final, final_text
            if after is not None and starts[after] is not None:
                end, end_text = starts[after], texts[after]
            if start is None:
                counts[NO_START] += 1
                end = None
            period = elements[index].copy()
            period["energy_kwh"] = _energy(period.get("dimensions"), energy_types, counts) \
                if energy_read else None
            period["end"] = None if end is None else (
                end_text if CANONICAL.match(end_text) else format_timestamp_micros(end))
            period["duration"] = (round((end - start) / 60_000_000, 6)
                                  if end is not None and start is not None else None)
            derived.append(period)
        return derived

    return derive


def _energy(dimensions: Any, types: tuple[str, ...], counts: Counter[str]) -> float | int | None:
    if dimensions.__class__ is not list:    # required: missing, or read as null
        counts[UNREAD_ENERGY] += 1
        return None
    for wanted in types:
        volumes = [dimension.get("volume") for dimension in dimensions
                   if dimension.__class__ is dict and dimension.get("type") == wanted]
        if None in volumes:
            counts[UNREAD_ENERGY] += 1
            return None
        if len(volumes) == 1:
            return as_number(volumes[0])
        if volumes:  # several: added in decimal, so their sum is exact too
            return float(sum(Decimal(repr(as_number(volume))) for volume in volumes))
    if any(dimension.__class__ is not dict or dimension.get("type") is None for dimension in dimensions):
        counts[UNREAD_ENERGY] += 1          # the unreadable one may have been the energy
        return None
    counts[NO_ENERGY] += 1
    return 0


# ---- spread -------------------------------------------------------------------------


def _spread(step: ir.Spread, counts: Counter[str]) -> Expand:
    length = SLOT_UNITS[step.unit]
    value_path, start_path, end_path, alias = step.value, step.start, step.end, step.alias
    zone_path = step.zone_field if step.zone == "location" else None
    in_utc, utc_name = utc_slots(length), utc_label(length)
    in_zone = local_slots(step.unit)

    def spread(row: dict) -> Rows:
        value = _at(row, value_path)
        if value is None or value == 0:
            counts[NOTHING] += 1
            return []
        units, exponent = units_of(as_number(value))
        start = _moment(_at(row, start_path))
        if start is None:
            counts[NOT_PLACED] += 1
            return []
        end = _moment(_at(row, end_path))
        if end is None or end <= start:
            counts[WHOLE] += 1
            end = start + 1
        zone = None
        if zone_path is not None:
            zone = zone_of(_at(row, zone_path))
            if zone is None:
                counts[UTC_FALLBACK] += 1
        if zone is None:
            covered = in_utc(start, end)
            names = [utc_name(edge) for edge, _ in covered]
        else:
            named = in_zone(zone, start, end)
            names = [name for name, _ in named]
            covered = named
        if len(covered) == 1:  # the common short period: one slot, the whole value
            return [_set(row, value, names[0])]
        parts = split(units, [micro for _, micro in covered])
        return [_set(row, value_of(part, exponent), name)
                for name, part in zip(names, parts) if part]

    if len(value_path) == 2:  # `period.energy_kwh`: copy the row and the element only
        holder, leaf = value_path

        def _set(row: dict, part: Any, name: str) -> dict:
            out = row.copy()
            inner = out[holder].copy()
            inner[leaf] = part
            out[holder] = inner
            out[alias] = name
            return out
    else:
        def _set(row: dict, part: Any, name: str) -> dict:
            out = _with(row, value_path, part)
            out[alias] = name
            return out

    return spread


def _with(row: dict, path: tuple[str, ...], value: Any) -> dict:
    """A copy of `row` with `value` at `path` (the dicts along it copied, not shared)."""
    out = row.copy()
    holder = out
    for name in path[:-1]:
        inner = holder.get(name)
        inner = inner.copy() if inner.__class__ is dict else {}
        holder[name] = inner
        holder = inner
    holder[path[-1]] = value
    return out


# ---- values ---------------------------------------------------------------------------


def _at(record: Any, path: tuple[str, ...] | None) -> Any:
    for name in path or ():
        if record.__class__ is not dict:
            return None
        record = record.get(name)
    return record


_MOMENTS: dict[str, int | None] = {}  # a period's start is read again as the previous end
_MOMENTS_LIMIT = 10_000


def _moment(value: Any) -> int | None:
    """Microseconds since the epoch of a timestamp, None when it is not one."""
    if value.__class__ is not str:
        return None
    found = _MOMENTS.get(value, _UNSEEN)
    if found is _UNSEEN:
        if len(_MOMENTS) >= _MOMENTS_LIMIT:
            _MOMENTS.clear()
        try:
            found = micros(read_timestamp(value))
        except TimestampError:
            found = None
        _MOMENTS[value] = found
    return found


_UNSEEN = object()


def format_timestamp_micros(moment: int) -> str:
    return format_timestamp(_EPOCH + timedelta(microseconds=moment))

