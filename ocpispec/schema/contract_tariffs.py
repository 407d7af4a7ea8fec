"""A tariff reached from a charge names the customer's contract: its id and texts are
quasi-identifiers there.

A CPO publishes the tariffs of its public chargers, but a fleet, an employer or a
single contract may get a tariff of its own. A tariffs export releases only tariffs a
connector of a published location names (`public-tariffs-only`), so there a tariff's
id, alternative text and URL are public. Reached from a session or CDR (the CDR's
embedded `tariffs`, a join to `tariffs` or to a CDR), the same fields say which tariff
this charge was billed under, and a tariff only one customer gets singles that customer
out, as `charging_periods.tariff_id` does (classed quasi). So they are at least quasi
there, wherever a class is read: the checker, the plan's withheld list, `ocpispec
schema`, and what `get` keeps. Prices and restrictions keep their class.
"""

from __future__ import annotations

from collections.abc import Sequence

from ocpispec.schema.model import PrivacyClass

EVENT_MODULES = frozenset({"sessions", "cdrs"})
NAMING = frozenset({"id", "tariff_alt_text", "tariff_alt_url"})   # fields of a Tariff
_EMBEDDED = {"cdrs": ("tariffs",)}      # where a record of a module embeds its tariffs


def names_contract(module: str, path: Sequence[str]) -> bool:
    """Whether `path` (neutral or wire, inside a record of `module`) is the id or a
    text of a tariff the record embeds."""
    base = _EMBEDDED.get(module)
    return base is not None and len(path) > len(base) and \
        tuple(path[:len(base)]) == base and path[len(base)] in NAMING


def joined_names_contract(dataset_module: str, joined_module: str, path: Sequence[str]) -> bool:
    """Whether `path` of a record of `joined_module`, joined to a dataset of
    `dataset_module`, names a tariff the dataset's charges were billed under."""
    if dataset_module not in EVENT_MODULES:
        return False
    if joined_module == "tariffs":
        return bool(path) and path[0] in NAMING
    return names_contract(joined_module, path)


def at_least_quasi(privacy: PrivacyClass) -> PrivacyClass:
    return PrivacyClass.highest([privacy, PrivacyClass.QUASI])
