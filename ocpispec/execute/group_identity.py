"""How aggregation tells groups, drivers and distinct values apart: as the output and
the pseudonyms tell them apart (`1`, `1.0` and `true` are three groups; `NL-TNM-C0123`
and `nltnmc0123` are one driver)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ocpispec.execute.pseudonyms import _ASCII_NOT_ALNUM, canonicalizer
from ocpispec.plan.drivers import ONE_TIME_TOKENS, driver_expression
from ocpispec.render.values import json_text

NOBODY = b"\x00nobody"  # the entity of records without a driver identifier
DRIVER_FAMILY = "token"  # the pseudonym family of card uids and contract ids
_canonical_driver = canonicalizer(DRIVER_FAMILY)


def driver_identity(person: Any) -> bytes:
    """The driver as pseudonyms see them: canonical bytes of the token id; a contract id
    written as an eMA-ID with its check character as without it (`DE-EMP-C63469772-B`
    and `DE-EMP-C63469772` are one contract, so one driver: counted as two, a platform
    sending both made 3 drivers pass a minimum group size of 6)."""
    if person.__class__ is str and person.isascii():  # the usual id, as `_canonical_driver` reads it
        # (a card's uid, letters and digits only, needs no letters dropped)
        canonical = person.lower().encode() if person.isalnum() else \
            person.encode().lower().translate(None, _ASCII_NOT_ALNUM)
        if not canonical:
            return NOBODY
    elif isinstance(person, (dict, list)):
        return json_text(person).encode()
    else:
        canonical = _canonical_driver(person)
        if canonical is None or canonical == b"":
            return NOBODY
    # the check character left out of the canonical form, the id's separators whatever
    # they were (`DE EMP C63469772 B`, ` de.emp.c63469772.b `: the form `contract_core`
    # reads in an id written with `-`, `*` or none); a 15-character id of this shape that
    # is no eMA-ID loses its last character too: two such ids may then count as one
    # driver, never one as two
    if len(canonical) == _EMA_FORM and canonical[:2].isalpha() and canonical.isalnum():
        return canonical[:-1]
    return canonical


_EMA_FORM = 15  # letters and digits of an eMA-ID with its check character


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


def plain_drivers(entity: str) -> Callable[[Any], tuple[Any, Any]] | None:
    """A record's driver read contract first (`entity`) and uid first (`uid_first`), in
    a few dict reads where two compiled expressions took twice the time, for the
    planner's driver expression (`drivers.driver_expression`); None for any other.
    `tests/privacy/test_driver_sent_two_ways.py` holds it to the compiled ones."""
    nested = entity == driver_expression("cdr_token.")
    if not nested and entity != driver_expression(""):
        return None
    one_time = tuple(ONE_TIME_TOKENS)

    def both(record: Any) -> tuple[Any, Any]:
        token = record.get("cdr_token") if nested and isinstance(record, dict) else record
        if token.__class__ is not dict or token.get("type") in one_time:
            return None, None
        contract, uid = token.get("contract_id"), token.get("uid")
        contract = None if _falsy(contract) else contract
        uid = None if _falsy(uid) else uid
        return (uid if contract is None else contract), (contract if uid is None else uid)
    return both


def _falsy(value: Any) -> bool:
    """JMESPath's false: null, false, and an empty text, list or object."""
    return value is None or value is False or (not value and isinstance(value, (str, list, dict)))
