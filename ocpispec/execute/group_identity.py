"""How aggregation tells groups, drivers and distinct values apart: as the output and
the pseudonyms tell them apart (`1`, `1.0` and `true` are three groups; `NL-TNM-C0123`
and `nltnmc0123` are one driver)."""

from __future__ import annotations

from typing import Any

from ocpispec.execute.pseudonyms import canonicalizer
from ocpispec.render.values import json_text
from ocpispec.schema.own_ids_as_ids import EMA_LENGTHS, contract_core

NOBODY = b"\x00nobody"  # the entity of records without a driver identifier
DRIVER_FAMILY = "token"  # the pseudonym family of card uids and contract ids
_canonical_driver = canonicalizer(DRIVER_FAMILY)


def driver_identity(person: Any) -> bytes:
    """The driver as pseudonyms see them: canonical bytes of the token id; a contract id
    written as an eMA-ID with its check character as without it (`DE-EMP-C63469772-B`
    and `DE-EMP-C63469772` are one contract, so one driver: counted as two, a platform
    sending both made 3 drivers pass a minimum group size of 6)."""
    if isinstance(person, (dict, list)):
        return json_text(person).encode()
    if person.__class__ is str and EMA_LENGTHS[0] <= len(person) <= EMA_LENGTHS[1] and \
            (core := contract_core(person)) is not None:
        person = core
    canonical = _canonical_driver(person)
    return NOBODY if canonical is None or canonical == b"" else canonical


def distinct_bytes(value: Any) -> bytes:
    """Values are told apart as JSON tells them apart (`1` and `"1"` differ)."""
    if isinstance(value, str):
        return b"s" + value.encode("utf-8", "surrogatepass")
    return b"j" + json_text(value).encode()


def group_text(keys: tuple[Any, ...]) -> str:
    """A group's identity as text, as `Aggregator.add` keys the values it observes."""
    keys = tuple(keys)
    return repr(keys if all(k.__class__ is str for k in keys) else typed_keys(keys))


def typed_keys(keys: tuple[Any, ...]) -> tuple[Any, ...]:
    """A group's identity when a key is not text: `1`, `1.0` and `true` are three
    groups, as they are three different values in the output."""
    return tuple(key if key.__class__ is str else
                 (key.__class__, json_text(key) if isinstance(key, (dict, list)) else repr(key))
                 for key in keys)
