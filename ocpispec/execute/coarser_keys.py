"""What to coarsen when an aggregate released no row: the spec's own keys, each with the
coarser form it can take. The help named a shorter `prefix` and site or EVSE ids to a
grid operator grouping by `grid(location.coordinates, 0.05)` and a quarter-hour slot,
which had neither: it now names the `grid` cell and the slot it has, and a roaming
audit's weeks or months, or its keys that have no coarser form."""

from __future__ import annotations

import re

from ocpispec.plan import ir

GENERIC = ("group by fewer or coarser keys (a shorter `prefix`, hours or days for quarter "
           "hours, no site or EVSE id) or read a longer window")
_FINE_TIMES = {"minute": "hours or days", "quarter_hour": "hours or days", "hour": "days",
               "day": "weeks or months", "week": "months", "month": "quarters or years",
               "quarter": "years"}
_IDS = re.compile(r"(^|\.)(id|uid|evse_uid|evse_id|connector_id|location_id|name|address)$")


def coarser_keys(dataset: ir.Dataset) -> str:
    """`group by fewer or coarser keys (...) or read a longer window`, naming what each
    key of the dataset's aggregate can become."""
    aggregate = dataset.step(ir.Aggregate)
    spread = dataset.step(ir.Spread)
    if aggregate is None:
        return GENERIC
    ways = [way for key in aggregate.keys if (way := _coarser(key, spread)) is not None]
    if not ways:  # keys with no coarser form (a party, a currency): fewer of them
        names = ", ".join(f"`{key.name}`" for key in aggregate.keys)
        return (f"group by fewer keys (of {names}) or read a longer window" if names
                else "read a longer window")
    return f"group by fewer or coarser keys ({', '.join(ways)}) or read a longer window"


def _coarser(key: ir.Column, spread: ir.Spread | None) -> str | None:
    name, detail = key.name, key.detail
    if spread is not None and detail == spread.alias:
        finer = _FINE_TIMES.get(spread.unit)
        return f"{finer} for the {spread.unit.replace('_', ' ')}s of `{name}`" \
            if finer else None
    call = re.match(r"(\w+)\((.*)\)$", detail)
    if call is None:
        return f"no `{name}`" if _IDS.search(detail) else None
    function, arguments = call.group(1), call.group(2)
    match function:
        case "prefix":
            return f"a shorter `prefix` for `{name}`"
        case "grid":
            return f"a larger `grid` cell for `{name}`"
        case "round_coords":
            return f"fewer `round_coords` digits for `{name}`"
        case "bucket":
            return f"wider bands for `{name}`"
        case "round":
            return f"fewer `round` digits for `{name}`"
        case "truncate" | "truncate_in":
            unit = next((word for word in re.split(r"[\s,]+", arguments)
                         if word in _FINE_TIMES), None)
            return f"{_FINE_TIMES[unit]} for `{name}`" if unit else None
    return None
