"""A 2.2+ object of a CPO's own (a location, session, CDR or tariff) sent without its party.

OCPI 2.2 keys every such object by `country_code`, `party_id` and its id (an id is unique
per party only). A platform serving one CPO's objects, and nobody else's, often leaves the
two out (its own data has no other party to tell apart): every object lacked a key field
and a run refused them all (OCX570). Where the platform's credentials name one CPO party
and no other (`Discovery.sole_party`), and the client addresses that party (`OCPI-to-*`),
an object naming neither field is that party's: it reads as such, said as a deviation.
On a platform whose credentials name several CPO parties (a hub), or none, nothing is
guessed: such an object is refused as before, unless `login --cpo-party` states the party
(a platform without a credentials endpoint names none). Tokens are left alone: a token's party is
the eMSP that issued it, which the CPO's credentials do not tell.

    fill = party_filler("2.2.1", "sessions", "NL-ABC")    # None where nothing may be filled
    fill(record, found)                                   # before the walk
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

PartyFiller = Callable[[dict[str, Any], list[str]], None]
OWNED = frozenset({"locations", "sessions", "cdrs", "tariffs"})
FILLED = ("country_code, party_id: not sent or empty: read as the CPO party the credentials name (the only one "
          "they name) or login's `--cpo-party` states")


def party_filler(version: str, module: str, party: str | None) -> PartyFiller | None:
    if party is None or version == "2.1.1" or module not in OWNED or len(party) not in (5, 6):
        return None
    country, party_id = party[:2].upper(), party[-3:].upper()     # `NL-ABC`, `NL*ABC`, `NLABC`

    def fill(record: dict[str, Any], found: list[str]) -> None:
        if _given(record.get("country_code")) or _given(record.get("party_id")):
            return      # half a party names some party: never completed by a guess
        record["country_code"], record["party_id"] = country, party_id
        found.append(FILLED)
    return fill


def _given(value: Any) -> bool:
    """Whether a key field holds something (`ObjectCheck.judge` refuses the rest)."""
    return value is not None and (value.__class__ is not str or bool(value.strip()))
