"""The details a private site loses on release (`Release`): its address, coordinates,
names and owner, its EVSEs' ids and the times and statuses that say when the resident
charges there, and its connectors' tariffs; and which of them `--privacy-pass` opens."""

from __future__ import annotations

from ocpispec.ocpi.public_scope import EMBEDDED_LOCATIONS

PRIVATE_SITE_FIELDS = ("name", "address", "city", "postal_code", "state", "coordinates", "owner",
                       "directions", "images", "publish_allowed_to", "related_locations")
PRIVATE_EVSE_FIELDS = ("evse_id", "coordinates", "directions", "images", "physical_reference")
# what says when a private charger is in use (privacy.md: an EVSE's status is occupancy,
# at a home presence at home): its status, its schedule, and the times it last changed,
# which OCPI carries up to the connector, the EVSE and the location
PRIVATE_ACTIVITY_FIELDS = ("status", "status_schedule", "last_updated")
# what ties a private charger to a tariff (2.1.1 `tariff_id`): a home's own tariff names
# the home or the driver's contract, and links the site to `get tariffs --include-private`
PRIVATE_CONNECTOR_FIELDS = ("tariff_ids", "tariff_id", "last_updated")


def site_fields(prefix: str) -> tuple[str, ...]:
    return (*PRIVATE_SITE_FIELDS, *(("evse_id",) if prefix == "cdr_location." else ()))


def site_detail_paths(module: str) -> frozenset[str]:
    """The paths of a site's details `Release` strips (`_strip_private_site`): of a
    location, or of the location a session or CDR embeds."""
    prefixes = [""] if module == "locations" else \
        [name + "." for name in EMBEDDED_LOCATIONS.get(module, ())]
    details = {prefix + name for prefix in prefixes
               for name in (*site_fields(prefix), "last_updated")}
    details |= {f"{prefix}evses.{name}" for prefix in prefixes
                for name in (*PRIVATE_EVSE_FIELDS, *PRIVATE_ACTIVITY_FIELDS)}
    details |= {f"{prefix}evses.connectors.{name}" for prefix in prefixes
                for name in PRIVATE_CONNECTOR_FIELDS}
    return frozenset(details)


def opened_site_details(module: str, open_paths: frozenset[str]) -> list[str]:
    """The opened paths that let out a private site's details (`.` aside): the
    paths `Release` would otherwise strip."""
    details = site_detail_paths(module)
    # a part of one too: `owner.name`, `coordinates.latitude`
    return sorted(path for path in open_paths
                  if any(path == detail or path.startswith(detail + ".") for detail in details))
