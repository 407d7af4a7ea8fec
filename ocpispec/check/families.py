"""Pseudonym families: which HMAC key a pseudonym of a field is made with.

A pseudonym's key is derived per export, consumer, period and family
(`execute/pseudonyms.py`), so two fields of one family give one value one pseudonym
wherever the export releases it: a session's `location_id` and a location's `id` are
both `location`. The planner names the family of every pseudonymised column; the check
of pseudonyms released where their value is public (`check/public_pseudonyms.py`) asks
which columns share one.
"""

from __future__ import annotations

from ocpispec.check.checked import ResolvedField
from ocpispec.schema import catalogue

_TOKEN_FIELDS = {"auth_id", "authorization_reference", "contract_id", "visual_number",
                 "group_id"}
_FAMILY_BY_FIELD = {
    "session_id": "session", "credit_reference_id": "cdr", "location_id": "location",
    "evse_uid": "evse", "evse_id": "evse", "connector_id": "connector",
    "tariff_id": "tariff", "tariff_ids": "tariff", "invoice_reference_id": "invoice",
    "meter_id": "meter",
}
# the object an `id`/`uid` belongs to -> family
_FAMILY_BY_OWNER = {
    "Session": "session", "CDR": "cdr", "Location": "location", "CdrLocation": "location",
    "EVSE": "evse", "Connector": "connector", "Tariff": "tariff", "Token": "token",
    "CdrToken": "token",
}


def pseudonym_family(resolved: ResolvedField, binding_object: str) -> str:
    """The field family whose key a pseudonym uses: a card uid and a contract id of a
    driver are both `token`, and never collide with a `session` id of equal text."""
    name = resolved.path[-1]
    if name in _TOKEN_FIELDS:
        return "token"
    if name in _FAMILY_BY_FIELD:
        return _FAMILY_BY_FIELD[name]
    if name in ("id", "uid"):
        owner = _owner(resolved, binding_object)
        return _FAMILY_BY_OWNER.get(owner, owner.lower())
    return name


def family_value(resolved: ResolvedField) -> str:
    """Which value of its family a field holds: the id itself (a session's
    `location_id` is its location's `id`, `evse_uid` an EVSE's `uid`), or the field
    (an EVSE's printed `evse_id` is another value of family `evse`)."""
    name = resolved.path[-1]
    if name == "evse_id" or name in _TOKEN_FIELDS:
        return name
    return "id" if name in ("id", "uid") or name in _FAMILY_BY_FIELD else name


def _owner(resolved: ResolvedField, binding_object: str) -> str:
    if len(resolved.path) == 1:
        return binding_object
    parent = catalogue().resolve_in(binding_object, resolved.path[:-1]).fields
    return parent[-1].object if parent and parent[-1].object else binding_object
