"""A location reached from a charge says where its driver was: its place fields are
quasi-identifiers there.

A locations export publishes where the CPO's chargers are, so there a site's name,
address, postal code and coordinates are public. Joined to a session or CDR, the same
fields say where this driver charged, beside when, how much and often the driver's
pseudonym: the CDR's own snapshot of the site (`cdr_location`) classes them quasi for
that reason, and a join to `locations` must not give them back as public (a full
postal code or an address beside a pseudonym was `public -> public` in the plan and
the review, with no warning). So they are at least quasi there: released raw they get
OCX303, coarsened (`prefix(location.postal_code, 4)`, `grid(location.coordinates,
0.05)`) they pass the floors as `cdr_location`'s do. The ids that name the site or the
charger are no less: the CPO publishes its locations, so a `location_id` or an EVSE's
uid beside a pseudonym is the address. So are the operator and suboperator (the
hotel or the person that hosts a small site): who hosted the charge says where. They are quasi in a charge dataset however it
reaches them: the session's `location_id` and `evse_uid`, the CDR's `cdr_location.id`,
`evse_uid` and `evse_id` and the 2.1.1 embedded location's (`notes.py`, `v2_1_1.py`),
and a joined location's `id` and its EVSEs' ids (here). `pseudonymize(location_id)`
keeps sites apart without naming them. So are the times the site, an EVSE or a
connector was last updated: a time to the second (or millisecond) that no two sites
share, published with the site, so the consumer reads the address off the CPO's
location feed as off its id; and an EVSE's or connector's is the moment its status
last changed, the start or end of the last charge there.
"""

from __future__ import annotations

from collections.abc import Sequence

from ocpispec.schema.contract_tariffs import EVENT_MODULES

SITE_MODULE = "locations"
# fields of a Location (and below them) that place the site, as CdrLocation's quasi ones do;
# and who runs it for whom: the CPO's name for most sites, but the hotel, the shop or the
# person renting out a charger at a small one (privacy.md: business details are public
# for legal entities only), which names where the driver was as the site's name does
PLACING = frozenset({"id", "name", "address", "city", "postal_code", "state", "coordinates",
                     "related_locations", "last_updated", "operator", "suboperator"})
# an EVSE's own position and its ids (the CPO's, the printed eMI3 one, the number on it),
# and when it or one of its connectors was last updated
EVSE_PLACING = frozenset({"coordinates", "uid", "evse_id", "physical_reference",
                           "last_updated"})
CONNECTOR_PLACING = frozenset({"last_updated"})


def joined_places_charge(dataset_module: str, joined_module: str,
                         path: Sequence[str]) -> bool:
    """Whether `path` of a record of `joined_module` (neutral, from the record's root),
    joined to a dataset of `dataset_module`, places the site a charge was made at."""
    if dataset_module not in EVENT_MODULES or joined_module != SITE_MODULE or not path:
        return False
    if path[0] in PLACING:
        return True
    if path[0] != "evses" or len(path) < 2:
        return False
    if path[1] == "connectors":
        return len(path) > 2 and path[2] in CONNECTOR_PLACING
    return path[1] in EVSE_PLACING


# the ids by which a charge names its site and charger (wire object, field): quasi
# there, yet the keys of the joins to the locations module, where they are published
SITE_KEYS = frozenset({("Session", "location_id"), ("Session", "evse_uid"),
                       ("CdrLocation", "id"), ("CdrLocation", "evse_uid"),
                       ("CdrLocation", "evse_id"), ("EmbeddedLocation", "id"),
                       ("EmbeddedEVSE", "uid"), ("EmbeddedEVSE", "evse_id")})
