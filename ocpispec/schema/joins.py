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
    # the party (country code, party id) each side's id is unique within (OCPI 2.2+)
    local_party: tuple[tuple[str, ...], ...] = ()
    remote_party: tuple[tuple[str, ...], ...] = ()
    # the list of objects whose elements hold the key (a location's connectors): the
    # join is written on the `each` element (`connector.tariff_ids`), one row per key
    element_list: tuple[str, ...] = ()
    element_name: str = ""  # the name docs/language.md gives that element

    @property
    def written_key(self) -> str:
        """The key as a spec writes it: on the `each` element where one holds it."""
        if not self.element_list:
            return ".".join(self.local_key)
        return ".".join((self.element_name, *self.local_key[len(self.element_list):]))

    @property
    def unnesting(self) -> str:
        """The `each` clauses an element's join needs, in words ("" for a record's)."""
        clauses, parent = [], ""
        for name in self.element_list:
            element = _ELEMENTS[name]
            clauses.append(f"`each {parent}{name} as {element}`")
            parent = element + "."
        return ", ".join(clauses)


# the names docs/language.md gives the elements a join is written on
_ELEMENTS = {"evses": "evse", "connectors": "connector", "charging_periods": "period"}


# ids are unique per party only: a platform serving several CPOs may list two sites as
# `LOC1`; a record's own party (its CPO, or its token's eMSP) tells them apart
PARTY = (("country_code",), ("party_id",))
TOKEN_PARTY = (("cdr_token", "country_code"), ("cdr_token", "party_id"))


def _location_join(prefix: tuple[str, ...], id_field: str) -> JoinSpec:
    evse = SubBinding("evse", "EVSE", ("evses",), ("uid",), (*prefix, "evse_uid"))
    connector = SubBinding("connector", "Connector", ("evses", "connectors"), ("id",),
                           (*prefix, "connector_id"))
    return JoinSpec("locations", (*prefix, id_field), ("id",), "location", (evse, connector),
                    PARTY, PARTY)


# the tariff each charging period names (OCPI 2.2+), joined per period once `each`
# has unnested them (`join tariffs on period.tariff_id`): energy per tariff
_PERIOD_TARIFF = JoinSpec("tariffs", ("charging_periods", "tariff_id"), ("id",), "tariff", (),
                          PARTY, PARTY, ("charging_periods",), "period")
_TOKEN = JoinSpec("tokens", ("cdr_token", "uid"), ("uid",), "token", (), TOKEN_PARTY, PARTY)

JOINS: dict[str, tuple[JoinSpec, ...]] = {
    "sessions": (
        _location_join((), "location_id"),
        JoinSpec("cdrs", ("id",), ("session_id",), "cdr", (), PARTY, PARTY),
        JoinSpec("tariffs", ("charging_periods", "tariff_id"), ("id",), "tariff", (), PARTY,
                 PARTY),
        _PERIOD_TARIFF,
        _TOKEN,
    ),
    "cdrs": (
        _location_join(("cdr_location",), "id"),
        JoinSpec("sessions", ("session_id",), ("id",), "session", (), PARTY, PARTY),
        JoinSpec("tariffs", ("tariffs", "id"), ("id",), "tariff", (), PARTY, PARTY),
        _PERIOD_TARIFF,
        _TOKEN,
    ),
    # a connector's tariffs, joined per connector once `each` has unnested it
    # (`join tariffs on connector.tariff_ids`)
    "locations": (
        JoinSpec("tariffs", ("evses", "connectors", "tariff_ids"), ("id",), "tariff", (),
                 PARTY, PARTY, ("evses", "connectors"), "connector"),
    ),
    "tariffs": (),
    "tokens": (),
}
