"""Which fields name a place: the postal code, coordinates, city or address of a site,
or the ids that name a site or a charger (shared by the risk meter's (place, time)
points, `disclosure/quasi.py`, and the check that a k rule's `over` leaves no other
reading of a place beside its own, `check/k_rule.py`)."""

from __future__ import annotations

PLACE_FIELDS = frozenset({"postal_code", "coordinates", "city", "address", "location_id",
                          "evse_uid", "evse_id", "state", "name", "latitude", "longitude"})
PLACE_ROOTS = frozenset({"location", "cdr_location"})
# what else names one site or charger, below a place root: `location.id`,
# `location.evse.uid`, `cdr_location.id` are the site itself, as `location_id` is (a
# connector's id, `1` or `2`, names nothing without its EVSE), and so does the time a
# site, EVSE or connector was last updated, which no two sites share
_SITE_IDS = frozenset({("id",), ("evse", "uid"), ("evse", "evse_id"),
                       ("evse", "physical_reference"), ("evse_uid",), ("evse_id",),
                       ("last_updated",), ("evse", "last_updated"),
                       ("connector", "last_updated")})


def is_place(source: str) -> bool:
    """Whether the dotted path `source` reads a place; the place may be reached through
    a joined record (`cdr.cdr_location.id`)."""
    parts = source.split(".")
    leaf = parts[-1]
    root = next((at for at, part in enumerate(parts) if part in PLACE_ROOTS), None)
    if root is not None and (leaf in PLACE_FIELDS or tuple(parts[root + 1:]) in _SITE_IDS):
        return True
    return leaf in ("location_id", "evse_uid", "evse_id")
