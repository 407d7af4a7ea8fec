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
from ocpispec.schema.contract_tariffs import EVENT_MODULES

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
    found = _QUANTITIES.get(path) if module in EVENT_MODULES else None
    return name if found is None else f"charge {found}"


# the values that name one charge, as a session or its CDR holds them: the same value,
# and the same pseudonym family, whichever of the two records a dataset reads it from
# (a location, tariff or token is shared by many charges)
_NAMING = {
    ("sessions", ("id",)): "session id", ("cdrs", ("session_id",)): "session id",
    ("cdrs", ("id",)): "CDR id",
    ("sessions", ("authorization_reference",)): "authorisation reference",
    ("cdrs", ("authorization_reference",)): "authorisation reference",
    ("sessions", ("start_date_time",)): "start", ("cdrs", ("start_date_time",)): "start",
    ("sessions", ("end_date_time",)): "end", ("cdrs", ("end_date_time",)): "end",
    ("sessions", ("last_updated",)): "session update time",
    ("cdrs", ("last_updated",)): "CDR update time",
}
_DRIVER = frozenset({("cdr_token", "uid"), ("cdr_token", "contract_id")})


def charge_link(field: ResolvedField) -> str | None:
    """What one charge's value `field` is (`session id`, `start`), or None: a session's
    `id` is its CDR's `session_id`, and pseudonymised they are one pseudonym."""
    if field.module not in EVENT_MODULES or field.base:
        return None
    return _NAMING.get((field.module, field.path))


def pseudonym_of(field: ResolvedField) -> str:
    """What a pseudonym of `field` stands for, alike in sessions, CDRs and their joins:
    one charge, one driver's card or contract, else the field itself."""
    if (link := charge_link(field)) is not None:
        return f"charge {link}"
    if field.module in EVENT_MODULES and not field.base and field.path in _DRIVER:
        return f"driver {field.path[-1]}"
    return field.qualified
