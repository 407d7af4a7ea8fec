"""Where a session or CDR charged, sent in the other OCPI version's shape, read as the
fields its own version names.

OCPI 2.1.1 gives it as a whole Location (`location`) holding the one EVSE and connector
used; 2.2 as a CDR's flat `cdr_location` and a session's `location_id`, `evse_uid` and
`connector_id`. Platforms upgraded one module at a time send the shape of the version they
came from (or are going to): every such record lacked its required fields and a run
refused them all. On 2.2+ the ids and place a 2.1.1 `location` states are read into the
2.2 fields (the reading `neutral` gives a 2.1.1 record) and the `location` dropped; on
2.1.1 the 2.2 fields are read as the `location` holding that one EVSE and connector. The
deviation is said either way.

    field, reshape = location_reshaper("2.2.1", "cdrs")   # None where the module names no site
    if field in record:
        reshape(record, found)                  # before the walk, which then tests the fields

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
_CDR_LOCATION_READ = ("cdr_location: OCPI 2.2's `cdr_location` sent for `location`: read as the Location "
                      "holding the EVSE and connector it names")
_SESSION_IDS_READ = ("location_id: OCPI 2.2's `location_id`, `evse_uid` and `connector_id` sent for "
                     "`location`: read as the Location holding the EVSE and connector they name")
_MORE_THAN_USED = ("location: OCPI 2.1.1's embedded Location holds more than the EVSE and connector used, "
                   "so which was used is unknown: read without them")


def location_reshaper(version: str, module: str) -> tuple[str, Reshaper] | None:
    """The field whose presence calls for a reading (tested inline: almost no record holds
    it) and the reading, or None where the module names no site."""
    if version == "2.1.1":
        return {"cdrs": ("cdr_location", _from_cdr_location),
                "sessions": ("location_id", _from_session_ids)}.get(module)
    return {"cdrs": ("location", _as_cdr_location), "sessions": ("location", _as_session_ids)}.get(module)


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


def _from_cdr_location(record: dict[str, Any], found: list[str]) -> None:
    site = record.get("cdr_location")
    if site.__class__ is not dict or record.get("location") is not None:
        return
    connector = _present({name: site.get(flat) for flat, name in _CONNECTOR.items()})
    evse = _present({"uid": site.get("evse_uid"), "evse_id": site.get("evse_id")})
    del record["cdr_location"]
    record["location"] = {**{name: site[name] for name in _SITE if site.get(name) is not None},
                          "evses": [{**evse, "connectors": [connector]}]}
    found.append(_CDR_LOCATION_READ)


def _from_session_ids(record: dict[str, Any], found: list[str]) -> None:
    if record.get("location") is not None or record.get("location_id") is None:
        return
    ids = {name: record.pop(name, None) for name in _SESSION}
    evse = _present({"uid": ids["evse_uid"]})
    record["location"] = {"id": ids["location_id"],
                          "evses": [{**evse, "connectors": [_present({"id": ids["connector_id"]})]}]}
    found.append(_SESSION_IDS_READ)


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
