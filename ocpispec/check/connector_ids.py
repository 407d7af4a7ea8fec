"""A connector's id as a group key without its EVSE: OCPI numbers connectors within
their EVSE (`1`, `2`, ...), so a grid operator's load 'per connector' grouped by
`location.connector.id` (or a session's `connector_id`) adds up the first connector of
every charger in one row and the second in another: two rows a day for the whole
network, each looking like one connector's load (OCX242)."""

from __future__ import annotations

from collections.abc import Sequence

from ocpispec.check.checked import Binding, CheckedColumn, ResolvedField
from ocpispec.check.context import Context
from ocpispec.diagnostics import warning

_EVSE_IDS = {"sessions": "evse_uid", "cdrs": "cdr_location.evse_uid"}


def check_connector_ids(module: str, columns: Sequence[CheckedColumn],
                        bindings: Sequence[Binding], ctx: Context) -> None:
    objects = {binding.name: binding.object for binding in bindings}
    keys = [column for column in columns if not column.aggregate]
    if any(_names_evse(f, objects) for column in keys for f in column.sources):
        return
    for column in keys:
        connector = next((f for f in column.sources if _is_connector_id(f, objects)), None)
        if connector is None:
            continue
        evse = _evse_key(module, bindings)
        ctx.emit(warning(
            "OCX242", f"`{column.name}` adds up the connectors of every EVSE with one id",
            column.column.expr.span, "an id only within its EVSE",
            notes=[f"OCPI numbers connectors within their EVSE (`1`, `2`, ...): the group "
                   f"of `{connector.qualified}` `1` holds the first connector of every "
                   "charger"],
            help=(f"group by the kind of connector (`{_kind(connector)}`), or also by its "
                  f"EVSE (`{evse}`) for one row per connector" if evse else
                  f"group by the kind of connector (`{_kind(connector)}`)")))
        return


def _is_connector_id(field: ResolvedField, objects: dict[str, str]) -> bool:
    if field.path[-1:] == ("connector_id",):
        return True
    return field.path == ("id",) and objects.get(field.binding) == "Connector"


def _names_evse(field: ResolvedField, objects: dict[str, str]) -> bool:
    if field.path[-1:] == ("evse_uid",):
        return True
    return field.path in (("uid",), ("evse_id",)) and objects.get(field.binding) == "EVSE"


def _evse_key(module: str, bindings: Sequence[Binding]) -> str | None:
    if module in _EVSE_IDS:
        return _EVSE_IDS[module]
    return next((f"{b.name}.uid" for b in bindings if b.object == "EVSE"), None)


def _kind(connector: ResolvedField) -> str:
    """The connector's standard, read where its id was."""
    if connector.path == ("cdr_location", "connector_id"):
        return "cdr_location.connector_standard"
    if connector.path[-1:] == ("connector_id",):  # a session's own: through its location
        return "location.connector.standard"
    return f"{connector.binding}.standard"
