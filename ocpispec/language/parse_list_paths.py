"""A dotted path through OCPI's lists as JMESPath reads it, for a help that writes a
`jmespath(...)` test: `evses.parking_restrictions` is `evses[].parking_restrictions[]`."""

from __future__ import annotations

# OCPI's lists of objects, and the lists of values inside them: `evses.parking_restrictions`
# is read in JMESPath as `evses[].parking_restrictions[]` (null without the `[]`, a list
# of lists without the last one: OCX211)
_OBJECT_LISTS = frozenset({"evses", "connectors", "charging_periods", "dimensions", "elements",
                           "price_components", "tariffs", "images", "related_locations",
                           "energy_sources", "environ_impact", "parking_places"})
_VALUE_LISTS = frozenset({"parking_restrictions", "capabilities", "facilities", "tariff_ids",
                          "day_of_week", "vehicle_types"})


def projected(path: str) -> str:
    """`evses.parking_restrictions` as JMESPath reads it: `evses[].parking_restrictions[]`."""
    parts = path.split(".")
    if not any(part in _OBJECT_LISTS for part in parts[:-1]):
        return path
    written = [f"{part}[]" if part in _OBJECT_LISTS else part for part in parts[:-1]]
    last = parts[-1] + ("[]" if parts[-1] in _VALUE_LISTS else "")
    return ".".join([*written, last])
