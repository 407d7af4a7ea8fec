"""A tariff reached from a charge names the customer's contract: what tells it apart
from other tariffs is a quasi-identifier there.

A CPO publishes the tariffs of its public chargers, but a fleet, an employer or a
single contract may get a tariff of its own. A tariffs export releases only tariffs a
connector of a published location names (`public-tariffs-only`), so there a tariff is
public. Reached from a session or CDR (the CDR's embedded `tariffs`, a join to
`tariffs` or to a CDR), the tariff says which tariff this charge was billed under,
and a tariff only one customer gets singles that customer out, as
`charging_periods.tariff_id` does (classed quasi). Its id and texts name it; its
prices, restrictions, validity dates and energy mix tell it apart just as well (a
contract's price of 0.27 EUR/kWh beside the public 0.39 is that contract). So all of
it is at least quasi there, wherever a class is read: the checker, the plan's
withheld list, `ocpispec schema`, and what `get` keeps. Only what every tariff of the
CPO shares keeps its class: the CPO's identity, the currency and the tariff's type
(one of a handful of OCPI kinds).
"""

from __future__ import annotations

from collections.abc import Sequence

from ocpispec.schema.model import PrivacyClass

# the modules whose records are charges, which happen at a site
EVENT_MODULES = frozenset({"sessions", "cdrs"})
# fields of a Tariff that do not tell one tariff of the CPO from another
SHARED = frozenset({"country_code", "party_id", "currency", "type"})
_EMBEDDED = {"cdrs": ("tariffs",)}      # where a record of a module embeds its tariffs


def names_contract(module: str, path: Sequence[str]) -> bool:
    """Whether `path` (neutral or wire, inside a record of `module`) is a field of a
    tariff the record embeds that tells the tariff apart."""
    base = _EMBEDDED.get(module)
    return base is not None and len(path) > len(base) and \
        tuple(path[:len(base)]) == base and path[len(base)] not in SHARED


def joined_names_contract(dataset_module: str, joined_module: str, path: Sequence[str]) -> bool:
    """Whether `path` of a record of `joined_module`, joined to a dataset of
    `dataset_module`, names a tariff the dataset's charges were billed under."""
    if dataset_module not in EVENT_MODULES:
        return False
    if joined_module == "tariffs":
        return bool(path) and path[0] not in SHARED
    return names_contract(joined_module, path)


def at_least_quasi(privacy: PrivacyClass) -> PrivacyClass:
    return PrivacyClass.highest([privacy, PrivacyClass.QUASI])
