"""A field written with its name in the other record of a charge: sessions and CDRs
describe the same charge with different fields (a session's `kwh` is a CDR's
`total_energy`, its `location_id` a CDR's `cdr_location.id`). Spelling suggestions
cannot find these (`evse_uid` on a CDR is not `meter_id`), so they are listed here,
with what to write instead in the module the spec reads."""

from __future__ import annotations

from ocpispec.frozen import frozen

_SITE = ("name", "address", "city", "postal_code", "state", "country", "coordinates")


@frozen
class OtherModuleHint:
    """`written` (a prefix of the path) is a field of `other`; `help` says what to write."""

    written: str
    other: str
    help: str


# sessions field -> CDR path
_SESSION_TO_CDR = {
    "kwh": "total_energy",
    "location_id": "cdr_location.id",
    "evse_uid": "cdr_location.evse_uid",
    "connector_id": "cdr_location.connector_id",
}
_CDR_TO_SESSION = {cdr: session for session, cdr in _SESSION_TO_CDR.items()}
_CDR_TO_SESSION["session_id"] = "id"
_CDR_ONLY = {
    "total_time": "a session's duration is computed from its times: write "
                  "`hours(start_date_time, end_date_time)`",
    "total_parking_time": "only a CDR says how long the car stood idle: read "
                          "`from cdrs` for `total_parking_time`, or add `join cdrs on id` "
                          "and write `cdr.total_parking_time`",
}
_SESSION_ONLY = {
    "status": "a CDR has no status, every CDR is of a finished session: leave the "
              "condition on `status` out",
}


def other_module_hint(module: str, path: tuple[str, ...], location: str | None,
                      charge: str | None = None) -> OtherModuleHint | None:
    """`location` is the name of the dataset's `locations` join, if it has one; `charge`
    that of a session's `cdrs` join, which reads the CDR's own fields."""
    if module == "cdrs":
        return _on_cdrs(path[0])
    if module == "sessions" and charge is not None and path[0] in _CDR_ONLY:
        return OtherModuleHint(path[0], "cdrs", _write(".".join((charge, *path))))
    if module == "sessions":
        return _on_sessions(path, location)
    return None


def _on_cdrs(name: str) -> OtherModuleHint | None:
    if name in _SESSION_TO_CDR:
        return OtherModuleHint(name, "sessions", _write(_SESSION_TO_CDR[name]))
    if name in _SESSION_ONLY:
        return OtherModuleHint(name, "sessions", _SESSION_ONLY[name])
    return None


def _on_sessions(path: tuple[str, ...], location: str | None) -> OtherModuleHint | None:
    head = ".".join(path[:2])
    if head in _CDR_TO_SESSION:
        return OtherModuleHint(head, "cdrs", _write(_CDR_TO_SESSION[head]))
    if path[0] == "cdr_location" and len(path) > 1 and path[1] in _SITE:
        site = ".".join((location or "location", *path[1:]))
        return OtherModuleHint(".".join(path), "cdrs", _write(site) if location else
                               f"a session names its location by `location_id`: add "
                               f"`join locations on location_id` and write `{site}`")
    if path[0] in _CDR_TO_SESSION:
        return OtherModuleHint(path[0], "cdrs", _write(_CDR_TO_SESSION[path[0]]))
    if path[0] in _CDR_ONLY:
        return OtherModuleHint(path[0], "cdrs", _CDR_ONLY[path[0]])
    return None


def _write(path: str) -> str:
    return f"write `{path}`"
