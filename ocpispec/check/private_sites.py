"""Which fields describe a charging site, for datasets that include private sites.

Outside a dataset with `include private locations`, a site's address, coordinates,
names and EVSE ids are public infrastructure data (the records at private sites are
filtered out). Inside one, the same fields may be someone's home or a restricted
depot, linked to the drivers who charge there: every field that describes or
locates the site becomes personal for that dataset. That covers the joined location
with its EVSE and connector, the CDR's `cdr_location`, the site references a session
carries (`location_id`, `evse_uid`, `connector_id`), the CDR's
`home_charging_compensation` (it says "this was at the driver's home"), the tariff a
record points to (its id, alternative text and URL: a home's own tariff names it), and
the same fields reached through a join to another module. Only the CPO's own identity
(`country_code`, `party_id` of the location) says nothing about the site.

The checker (`check/scope.py`) and the planner's withheld list share this rule.
"""

from __future__ import annotations

from ocpispec.schema.model import PrivacyClass

SITE_MODULE = "locations"
# the CPO's identity on a location record: the same for every site of the operator
_OPERATOR_FIELDS = frozenset({"country_code", "party_id"})
# paths (and everything below them) of a record that describe or point at its site
_TARIFF = (("id",), ("tariff_alt_text",), ("tariff_alt_url",))  # a home's own tariff names it
_SITE_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "sessions": (("location_id",), ("evse_uid",), ("connector_id",),
                 ("charging_periods", "tariff_id")),
    "cdrs": (("cdr_location",), ("home_charging_compensation",),  # "at the driver's home"
             *(("tariffs", *path) for path in _TARIFF), ("charging_periods", "tariff_id")),
    "tariffs": _TARIFF,
}


def describes_site(module: str, path: tuple[str, ...], *, sub_binding: bool = False) -> bool:
    """Whether `path` (neutral, inside a record of `module`; `sub_binding`: inside the
    EVSE or connector a join to locations binds) describes the site of the record."""
    if not path:
        return False
    if module == SITE_MODULE:
        return sub_binding or path[0] not in _OPERATOR_FIELDS
    return any(path[:len(site)] == site for site in _SITE_PATHS.get(module, ()))


def site_class(privacy: PrivacyClass) -> PrivacyClass:
    """A site field's class in a dataset with private sites: at least personal."""
    return PrivacyClass.highest([privacy, PrivacyClass.PERSONAL])
