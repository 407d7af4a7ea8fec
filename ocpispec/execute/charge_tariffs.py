"""A charge's own copies of the tariffs it was priced by, as the run's scope lets them leave.

A session or CDR at a published site carries the tariffs it was priced by (`tariffs`,
whole Tariff objects on OCPI 2.1.1 to 2.3.0) and names them in its charging periods
(`tariff_id`). A tariff no published location names is a contract's own or a home's:
`from tariffs`, `get tariffs` and a join (`join_scope`) leave it out, and so must the
charge's copy. Where a plan reads them, each charge is scrubbed before it is
normalized: its `tariffs` keep those a published location names, and a charging
period's `tariff_id` naming another is null.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ocpispec.execute.lookups import fold


def reads_embedded_tariffs(fields: Iterable[str]) -> bool:
    """Whether a plan's normalizer reads a charge's copies of its tariffs."""
    return any(path == "tariffs" or path.startswith("tariffs.") or path == "charging_periods"
               or path.startswith("charging_periods.tariff_id") for path in fields)


def embedded_scrubber(named: set[tuple[Any, Any, Any]]) -> Callable[[dict], dict]:
    """A charge as the run's scope lets it leave: of its `tariffs`, only those a published
    location names (`from tariffs` keeps); a charging period's `tariff_id` naming another
    one is null. The wire record is copied where it changes, never changed itself."""

    def scrub(wire: dict) -> dict:
        tariffs, periods = wire.get("tariffs"), wire.get("charging_periods")
        copy = None
        if isinstance(tariffs, list):
            kept = [entry for entry in tariffs if isinstance(entry, dict) and tariff_key(
                {"country_code": entry.get("country_code", wire.get("country_code")),
                 "party_id": entry.get("party_id", wire.get("party_id"))},
                entry.get("id")) in named]
            if len(kept) != len(tariffs):
                copy = dict(wire)
                copy["tariffs"] = kept
        if isinstance(periods, list) and any(
                isinstance(period, dict) and period.get("tariff_id") is not None
                and tariff_key(wire, period["tariff_id"]) not in named for period in periods):
            copy = copy or dict(wire)
            copy["charging_periods"] = [
                {**period, "tariff_id": None} if isinstance(period, dict)
                and period.get("tariff_id") is not None
                and tariff_key(wire, period["tariff_id"]) not in named else period
                for period in periods]
        return wire if copy is None else copy

    return scrub


def tariff_key(obj: dict, ident: Any) -> tuple[Any, Any, Any] | None:
    """(country code, party id, id) folded as the lookups fold them; None without an id
    (the party may be missing: OCPI 2.1.1 has none, on both sides)."""
    folded = fold(ident)
    if folded is None:
        return None
    return fold(obj.get("country_code")), fold(obj.get("party_id")), folded
