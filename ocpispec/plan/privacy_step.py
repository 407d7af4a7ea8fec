"""The privacy step of a dataset: which records a run keeps because their location, or
the location naming their tariff, is public (docs/privacy-model.md)."""

from __future__ import annotations

from ocpispec.check.checked import CheckedDataset
from ocpispec.diagnostics.source import Span
from ocpispec.plan import ir
from ocpispec.schema.joins import PARTY

STEP_ID = "privacy.public_locations"
# where a fact record names its location, for the private-location check
LOCATION_KEYS = {"sessions": ("location_id",), "cdrs": ("cdr_location", "id")}
# a tariff leaves only when a connector of a published location names it: the tariff of a
# home charger, or of one driver's contract, is no public price (privacy reference)
TARIFF_SITES = ("evses", "connectors", "tariff_ids")
# records at a driver's home although the location may be public
HOME_CHARGING = {"cdrs": ("home_charging_compensation == `true`", ("home_charging_compensation",))}


def checks_locations(checked: CheckedDataset) -> bool:
    """Whether the run looks each record's location up to keep only public ones."""
    module = checked.module
    return (module in LOCATION_KEYS or module == "tariffs") and not checked.include_private


def privacy_step(checked: CheckedDataset, origin: Span) -> ir.PrivacyFilter:
    module = checked.module
    include = checked.dataset.source.include_private
    if include is not None:
        return ir.PrivacyFilter(STEP_ID, "included-by-spec",
                                "records at non-public locations are included",
                                None, None, None, include.justification.value, include.span)
    if module == "locations":
        return ir.PrivacyFilter(STEP_ID, "public-locations-only",
                                "only locations with `publish` true",
                                None, None, None, None, origin)
    if module == "tariffs":
        return ir.PrivacyFilter(STEP_ID, "public-tariffs-only",
                                "only tariffs a connector of a published location names "
                                "(a home charger's tariff, or one only some drivers get, "
                                "is no public price; OCPI 2.1.1 lists public locations "
                                "only)", ("id",), "lookup.locations", None, None,
                                origin, PARTY)
    if module not in LOCATION_KEYS:
        return ir.PrivacyFilter(STEP_ID, "not-location-bound",
                                f"`{module}` records are not tied to a location",
                                None, None, None, None, origin)
    home = HOME_CHARGING.get(module)
    description = "exclude records at locations with `publish` false or not listed"
    if home:
        description += ", and home-charging CDRs"
    description += " (OCPI 2.1.1 has no `publish`: it lists public locations only)"
    return ir.PrivacyFilter(STEP_ID, "exclude-private-locations", description,
                            LOCATION_KEYS[module], "lookup.locations",
                            home[0] if home else None, None, origin, PARTY)
