"""Which released columns are quasi-identifiers, and which make a (place, time) point.

By default the quasi-identifiers of a row dataset are its released columns that
describe when, where, how much or how (times, places, energy, durations, costs, power
types and plug standards): the columns whose source class is quasi-identifier, and those that read a
place or a power type, or anything else of the site a charge was made at. A joined
location's parking type, an EVSE's floor level, a connector's format or maximum power
are public, and each alone is common; together, within a postal area, they name the
charger (a neighbour knows the garage's floor and the wallbox's power): a k rule over
the rest released classes of 5 drivers that these columns split into one driver each
(on the demo CPO, 655 of 985 classes of a month's sessions by day and 2-digit area).
Only the CPO's own identity (`country_code`, `party_id`) says nothing of the site. So
does any other public column the row releases as it is: a flag of the charge itself, rare
in one value, sets its driver apart as well (a CDR's `credit`, true for 229 of 15,852
demo CDRs, each alone in its class of day and 2-digit area; a session's `status`
INVALID or PENDING), and whoever issued the credit note or saw the failed start knows
it. A pseudonymised driver is not one of them: it is the identity
itself, which the k rule counts (see `DRIVER_FIELDS`). A spec may name the set instead
(`require k 5 over (started_hour, postal_area)`).

A point is what someone may know about one charge: its place (the quasi-identifiers
reading a place field) and its time (those released as a timestamp).
"""

from __future__ import annotations

from ocpispec.places import PLACE_ROOTS, is_place
from ocpispec.plan import ir

# how the car charged, as the connector says it: a rare plug or power type at a site
# names the car's model (CHAdeMO); a CDR's copy has the `connector_` spelling
HOW_FIELDS = frozenset({"power_type", "connector_power_type", "standard",
                        "connector_standard"})
# a site's fields that are the CPO's, not the site's
_OPERATOR_FIELDS = frozenset({"country_code", "party_id", "currency"})
# the tariff a charge was billed under, joined or the CDR's own: its type and terms tell
# a contract's drivers apart as the site's details tell chargers apart
_TARIFF_ROOTS = frozenset({"tariff", "tariffs"})
# a charge's own lists: how many periods it had (`length(charging_periods)`, public as a
# shape) says how it ran across the tariff's and the power's changes
_CHARGE_LISTS = frozenset({"charging_periods"})
DRIVER_FIELDS = frozenset({"cdr_token.contract_id", "cdr_token.uid", "auth_id", "uid",
                           "contract_id", "cdr_token.visual_number", "visual_number"})


def quasi_columns(dataset: ir.Dataset) -> tuple[str, ...]:
    """The default quasi-identifiers of a row dataset, in column order."""
    return tuple(column.name for column in dataset.columns if _is_quasi(column))


def point_columns(dataset: ir.Dataset, quasi: tuple[str, ...]) -> tuple[str, ...]:
    """The quasi-identifiers that make a (place, time) point: places first, then times.
    () when the dataset releases neither."""
    by_name = {column.name: column for column in dataset.columns}
    chosen = [by_name[name] for name in quasi if name in by_name]
    places = [c.name for c in chosen if _is_place(c)]
    times = [c.name for c in chosen if c.type == "datetime" and c.name not in places]
    return (*places, *times)


def _is_quasi(column: ir.Column) -> bool:
    if any(source in DRIVER_FIELDS for source in column.sources):
        return False
    if column.privacy == "quasi-identifier":
        return True
    if column.privacy == "public" and column.treatment != "pseudonymised" and any(
            _leaf(source) not in _OPERATOR_FIELDS for source in column.sources):
        return True  # released as it is: its rare values split a class all the same
    return _is_place(column) or any(_leaf(source) in HOW_FIELDS or _of_the_site(source)
                                    for source in column.sources)


def _is_place(column: ir.Column) -> bool:
    return any(is_place(source) for source in column.sources)


def _leaf(source: str) -> str:
    return source.rsplit(".", 1)[-1]


def _of_the_site(source: str) -> bool:
    """Whether the dotted path reads the site a charge was made at (`location.`,
    `cdr_location.`, also through a joined record) or the tariff it was billed under,
    beyond the CPO's own identity."""
    parts = source.split(".")
    if parts[-1] == "connector_id":  # a session's own, as `location.connector.id` is
        return True
    if any(part in _CHARGE_LISTS for part in parts):
        return True
    root = next((at for at, part in enumerate(parts)
                 if part in PLACE_ROOTS or part in _TARIFF_ROOTS), None)
    return root is not None and len(parts) > root + 1 and parts[-1] not in _OPERATOR_FIELDS
