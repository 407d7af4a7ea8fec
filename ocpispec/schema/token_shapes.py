"""Who charged a session or CDR, sent in the other OCPI version's shape, read as the field
its own version names.

OCPI 2.1.1 names the driver's contract by a top-level `auth_id`; 2.2 by a `cdr_token`
object (`uid`, `type`, `contract_id`). Platforms upgraded one module at a time send the
shape they came from (or are going to): every such record lacked its required field and a
run refused them all. On 2.2+ an `auth_id` reads as `cdr_token: {contract_id}` (the reading
`neutral` gives a 2.1.1 record: the card's uid and type are not stated); on 2.1.1 a
`cdr_token`'s `contract_id` reads as `auth_id`, and the rest of it (the card's uid, which
2.1.1 does not carry) is dropped. The value moves between fields of one class, personal,
as `deviations.RENAMES` moves `CdrToken.auth_id`. A record naming its own field is read as
it is.

    field, reshape = token_reshaper("2.2.1", "sessions")   # None where no driver is named
    if field in record:
        reshape(record, found)                  # before the walk, which then tests the value
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Reshaper = Callable[[dict[str, Any], list[str]], None]
_AS_TOKEN = "auth_id: OCPI 2.1.1's `auth_id` sent for `cdr_token`: read as the token's `contract_id`"
_AS_AUTH_ID = "cdr_token: OCPI 2.2's `cdr_token` sent for `auth_id`: read as its `contract_id`"


def token_reshaper(version: str, module: str) -> tuple[str, Reshaper] | None:
    if module not in ("sessions", "cdrs"):
        return None
    return ("cdr_token", _as_auth_id) if version == "2.1.1" else ("auth_id", _as_cdr_token)


def _as_cdr_token(record: dict[str, Any], found: list[str]) -> None:
    if record.get("cdr_token") is not None or record.get("auth_id") is None:
        return
    record["cdr_token"] = {"contract_id": record.pop("auth_id")}
    found.append(_AS_TOKEN)


def _as_auth_id(record: dict[str, Any], found: list[str]) -> None:
    token = record.get("cdr_token")
    if record.get("auth_id") is not None or token.__class__ is not dict or token.get("contract_id") is None:
        return
    del record["cdr_token"]
    record["auth_id"] = token["contract_id"]
    found.append(_AS_AUTH_ID)
