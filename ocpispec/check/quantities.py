"""One charge's times and amounts, whichever record names them.

A session and its CDR describe one charge: the start, the end, the energy (`kwh`,
`total_energy`) and the cost read through `join cdrs on id` or `join sessions on
session_id` are the values of the dataset's own record, and the first charging period
(`each charging_periods as period`) starts when the charge does. Checks that combine
the cuts of one value (`check/grids.py`) key them by the quantity, not by the name:
beside `truncate(start_date_time, hour)`, `truncate(cdr.start_date_time, hour,
"Asia/Kathmandu")` shows the start to the quarter hour as surely as the same field does.
"""

from __future__ import annotations

from ocpispec.check.checked import ResolvedField

_EVENT_MODULES = frozenset({"sessions", "cdrs"})
# neutral paths in a session or a CDR -> the quantity of the charge they hold
_QUANTITIES = {
    ("start_date_time",): "start", ("charging_periods", "start_date_time"): "start",
    ("end_date_time",): "end", ("kwh",): "energy", ("total_energy",): "energy",
    ("total_cost", "excl_vat"): "cost excl. VAT", ("total_cost", "incl_vat"): "cost incl. VAT",
}


def quantity(field: ResolvedField) -> str:
    """What `field` holds: the charge's quantity it is one name of, else its own name."""
    return quantity_at(field.module, (*field.base, *field.path), field.qualified)


def quantity_at(module: str, path: tuple[str, ...], name: str) -> str:
    """The quantity at `path` in a record of `module`, else `name`."""
    found = _QUANTITIES.get(path) if module in _EVENT_MODULES else None
    return name if found is None else f"charge {found}"
