"""The joins a spec may write between modules, with their keys in neutral names."""

from __future__ import annotations

from ocpispec.frozen import frozen



@frozen
class SubBinding:
    """A record inside the joined one that the local record used: the EVSE and the
    connector of a location (`location.evse.*`, `location.connector.*`).

    The candidates are the objects at `list_path` in the joined record (for the
    connector: the connectors of the chosen EVSE); the one whose `match_field`
    equals the local record's `local_key` is bound."""

    name: str
    object: str
    list_path: tuple[str, ...]
    match_field: tuple[str, ...]
    local_key: tuple[str, ...]


@frozen
class JoinSpec:
    """`join <target>`: records of `target` whose `remote_key` equals the local
    record's `local_key`, bound as `alias`."""

    target: str
    local_key: tuple[str, ...]
    remote_key: tuple[str, ...]
    alias: str
    sub_bindings: tuple[SubBinding, ...] = ()


def _location_join(prefix: tuple[str, ...], id_field: str) -> JoinSpec:
    evse = SubBinding("evse", "EVSE", ("evses",), ("uid",), (*prefix, "evse_uid"))
    connector = SubBinding("connector", "Connector", ("evses", "connectors"), ("id",),
                           (*prefix, "connector_id"))
    return JoinSpec("locations", (*prefix, id_field), ("id",), "location", (evse, connector))


_TOKEN = JoinSpec("tokens", ("cdr_token", "uid"), ("uid",), "token")

JOINS: dict[str, tuple[JoinSpec, ...]] = {
    "sessions": (
        _location_join((), "location_id"),
        JoinSpec("cdrs", ("id",), ("session_id",), "cdr"),
        JoinSpec("tariffs", ("charging_periods", "tariff_id"), ("id",), "tariff"),
        _TOKEN,
    ),
    "cdrs": (
        _location_join(("cdr_location",), "id"),
        JoinSpec("sessions", ("session_id",), ("id",), "session"),
        JoinSpec("tariffs", ("tariffs", "id"), ("id",), "tariff"),
        _TOKEN,
    ),
    "locations": (),
    "tariffs": (),
    "tokens": (),
}
