"""Canary values: every string field the catalogue does not classify as public at
its place gets a value containing `CANARY`, so a leak shows up in any output.

The canary keeps the value's identity (`CANARY-` + the original), so the same
driver still has the same `uid` and joins and pseudonyms behave as before. Enum
and DateTime fields keep valid values, and so do the ids by which a charge names its
site (`location_id`, `cdr_location.id`...): quasi there, they are the keys of the
joins to the locations, which publish them; and so do the party of a token's eMSP
(`country_code`, `party_id`, 2 and 3 characters in OCPI, no room for a canary), by
which a charge joins its token. "Public at its place" is what
`ocpispec.schema.public_projection` keeps without any opened path. At a private
site (its own location object, and the location a session or CDR carries) the
site and EVSE details `ocpispec get` withholds there are canaries too: they are
a person's home.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ocpispec.ocpi.public_scope import EMBEDDED_LOCATIONS
from ocpispec.ocpi.site_details import PRIVATE_EVSE_FIELDS, PRIVATE_SITE_FIELDS
from ocpispec.schema import Kind, catalogue, public_projection
from ocpispec.schema.charge_sites import SITE_KEYS

PREFIX = "CANARY-"
PARTY_KEYS = frozenset({(obj, name) for obj in ("Token", "CdrToken")
                        for name in ("country_code", "party_id")})


def add_canaries(version: str, module: str, obj: dict[str, Any],
                 private_site: Callable[[Any], bool] = lambda site_id: False) -> dict[str, Any]:
    """Rewrite `obj` in place; returns it. `private_site(location_id)` tells a home."""
    wired = catalogue().wired[version]
    _mark(version, wired.roots[module], obj, public_projection(version, module, obj))
    sites = [obj] if module == "locations" else [obj.get(name) for name in EMBEDDED_LOCATIONS.get(module, ())]
    for site in sites:
        if isinstance(site, dict) and private_site(site.get("id")):
            _mark_private_site(site)
    return obj


def _mark_private_site(site: dict[str, Any]) -> None:
    for name in (*PRIVATE_SITE_FIELDS, "evse_id"):
        if name in site:
            site[name] = _canary_deep(site[name])
    for evse in site.get("evses") or []:
        for name in PRIVATE_EVSE_FIELDS:
            if isinstance(evse, dict) and name in evse:
                evse[name] = _canary_deep(evse[name])


def _canary_deep(value: Any) -> Any:
    if isinstance(value, dict):
        return {name: _canary_deep(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_canary_deep(item) for item in value]
    return _canary(value)


def _mark(version: str, object_name: str, node: dict[str, Any], public: dict[str, Any] | None) -> None:
    object_type = catalogue().wire_object(version, object_name)
    for name, value in node.items():
        field = object_type.get(name)
        if field is None or value is None:
            continue
        kept = public.get(name) if public is not None and name in public else None
        if field.object is not None:
            _mark_objects(version, field.object, value, kept)
        elif field.kind is Kind.STRING and (public is None or name not in public) \
                and (object_name, name) not in SITE_KEYS | PARTY_KEYS:
            node[name] = _canary(value)


def _mark_objects(version: str, object_name: str, value: Any, kept: Any) -> None:
    if isinstance(value, dict):
        _mark(version, object_name, value, kept if isinstance(kept, dict) else None)
    elif isinstance(value, list):
        items = [item for item in value if isinstance(item, dict)]
        publics = kept if isinstance(kept, list) and len(kept) == len(items) else [None] * len(items)
        for item, public in zip(items, publics):
            _mark(version, object_name, item, public)


def _canary(value: Any) -> Any:
    if isinstance(value, str):
        return value if value.startswith(PREFIX) else PREFIX + value
    if isinstance(value, list):
        return [_canary(item) for item in value]
    return value
