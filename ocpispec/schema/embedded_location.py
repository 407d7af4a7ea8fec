"""A 2.2+ session or CDR sent with OCPI 2.1.1's embedded `location`, read as the fields
2.2 names.

OCPI 2.1.1 gives where a session or CDR charged as a whole Location holding the one EVSE
and connector used; 2.2 as a CDR's flat `cdr_location` and a session's `location_id`,
`evse_uid` and `connector_id`. Platforms upgraded one module at a time keep the 2.1.1
shape: every such record lacked its required fields and a run refused them all. The ids
and place stated are read into the 2.2 fields (the same reading `neutral` gives a 2.1.1
record), the `location` dropped, and the deviation said.

    reshape = location_reshaper("2.2.1", "cdrs")   # None where nothing is to read
    reshape(record, found)                         # before the walk, which then tests the fields

A location embedding more than one EVSE or connector leaves which was used unknown: those
fields stay absent, so the required ones make the record invalid, loudly, never the first
EVSE's (another charger's) read as the one used. A record that names its 2.2 fields
itself is left as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Reshaper = Callable[[dict[str, Any], list[str]], None]
_SITE = ("id", "name", "address", "city", "postal_code", "state", "country", "coordinates")
_CONNECTOR = {"connector_id": "id", "connector_standard": "standard", "connector_format": "format",
              "connector_power_type": "power_type"}
_SESSION = ("location_id", "evse_uid", "connector_id")
_CDR_READ = "location: OCPI 2.1.1's embedded Location sent for `cdr_location`: read as the CdrLocation it states"
_SESSION_READ = ("location: OCPI 2.1.1's embedded Location sent for `location_id`, `evse_uid` and "
                 "`connector_id`: read as the ids it states")
_MORE_THAN_USED = ("location: OCPI 2.1.1's embedded Location holds more than the EVSE and connector used, "
                   "so which was used is unknown: read without them")


def location_reshaper(version: str, module: str) -> Reshaper | None:
    if version == "2.1.1":
        return None
    return {"cdrs": _as_cdr_location, "sessions": _as_session_ids}.get(module)


def _as_cdr_location(record: dict[str, Any], found: list[str]) -> None:
    location = record.get("location")
    if location.__class__ is not dict or record.get("cdr_location") is not None:
        return
    read = {name: location[name] for name in _SITE if location.get(name) is not None}
    evse, connector = _used(location)
    if evse is not None:
        read.update(_present({"evse_uid": evse.get("uid"), "evse_id": evse.get("evse_id")}))
    if connector is not None:
        read.update(_present({flat: connector.get(name) for flat, name in _CONNECTOR.items()}))
    del record["location"]
    record["cdr_location"] = read
    found.append(_CDR_READ if connector is not None else _MORE_THAN_USED)


def _as_session_ids(record: dict[str, Any], found: list[str]) -> None:
    location = record.get("location")
    if location.__class__ is not dict or any(record.get(name) is not None for name in _SESSION):
        return
    evse, connector = _used(location)
    stated = {"location_id": location.get("id"), "evse_uid": None if evse is None else evse.get("uid"),
              "connector_id": None if connector is None else connector.get("id")}
    del record["location"]
    record.update(_present(stated))
    found.append(_SESSION_READ if connector is not None else _MORE_THAN_USED)


def _used(location: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The EVSE and connector used: the one of each the location holds (a list of one, or
    the one object itself), None where it holds more or none."""
    evse = _one(location.get("evses"))
    return evse, None if evse is None else _one(evse.get("connectors"))


def _one(items: Any) -> dict[str, Any] | None:
    if items.__class__ is dict:
        return items
    if items.__class__ is list and len(items) == 1 and items[0].__class__ is dict:
        return items[0]
    return None


def _present(values: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}
