"""What `get --include-private` keeps of an object a run leaves out whole: an allow-list.

A private site (`publish` false, a driveway) is a person's home, a tariff no published
location names is a home's own or one contract's, and a session or CDR there is a charge
at that home (`privacy.md`: infrastructure ids, coordinates and address of private
locations are "never"; free text, `owner` and `name` of private locations dropped;
tariffs of private locations or individual contracts not public). Their private form
keeps what describes the kind of charger and the price, and nothing that identifies or
locates the site: no id of the site, its EVSEs or connectors (they join the charges to
the home, and to `get locations`), no energy supplier or product (`energy_mix`: the
household's contract), no opening times, operator, phone number, parking places, terms
or pictures, no times it changed. A field a later OCPI version adds is left out until it
is named here.

`--privacy-pass` paths stay (they are warned about where they open a site's details).
"""

from __future__ import annotations

from typing import Any

# a tree of what is kept: a name maps to the tree of what is kept below it, or to None
# for the whole value
Keep = dict[str, Any]

CONNECTOR: Keep = {name: None for name in (
    "standard", "format", "power_type", "max_voltage", "max_amperage", "max_electric_power",
    "voltage", "amperage")}  # the last two: OCPI 2.1.1
SITE: Keep = {**{name: None for name in (
    "country_code", "party_id", "publish", "country", "time_zone", "parking_type",
    "type")},  # `type`: 2.1.1's parking type
    "evses": {"connectors": CONNECTOR}}
# a CDR's flat `cdr_location`: the connector's kind, the country
CDR_LOCATION: Keep = {name: None for name in (
    "country", "connector_standard", "connector_format", "connector_power_type")}
TARIFF: Keep = {name: None for name in (
    "country_code", "party_id", "currency", "type", "min_price", "max_price",
    "preauthorize_amount", "elements", "tax_included")}
CHARGE: Keep = {name: None for name in ("country_code", "party_id", "currency", "status",
                                        "credit")}
PRIVATE_FORMS: dict[str, Keep] = {
    "locations": SITE,
    "tariffs": TARIFF,
    "sessions": {**CHARGE, "location": SITE},            # 2.1.1 embeds the site
    "cdrs": {**CHARGE, "location": SITE, "cdr_location": CDR_LOCATION,
             "tariffs": {name: None for name in ("country_code", "party_id", "currency",
                                                 "type")}},
}


def keep_private_form(node: dict[str, Any], keep: Keep, open_paths: frozenset[str],
                      prefix: str = "") -> list[str]:
    """Drop from the released `node` (in place) what `keep` does not name, unless
    `open_paths` opens it; the opened paths that kept a field `keep` does not name."""
    opened: list[str] = []
    for name in list(node):
        path = prefix + name
        if name in keep and keep[name] is None:
            continue
        if path in open_paths or any(path.startswith(p + ".") for p in open_paths):
            opened += [] if name in keep else [path]
            continue
        below = keep.get(name)
        if not isinstance(node[name], (dict, list)) or (
                below is None and not any(p.startswith(path + ".") for p in open_paths)):
            del node[name]      # not kept, nothing opened below it
            continue
        opened += _below(node[name], below or {}, open_paths, path + ".")
        if not node[name] and name not in keep:
            del node[name]
    return opened


def _below(value: Any, keep: Keep, open_paths: frozenset[str], prefix: str) -> list[str]:
    if isinstance(value, dict):
        return keep_private_form(value, keep, open_paths, prefix)
    if isinstance(value, list):
        return [path for item in value if isinstance(item, dict)
                for path in keep_private_form(item, keep, open_paths, prefix)]
    return []


def outside_private_form(module: str, open_paths: frozenset[str]) -> list[str]:
    """The opened paths (`.` aside) that let out of `module`'s private form a field it
    withholds: a path below no name it keeps whole, or an object of which it keeps a
    part (`evses`)."""
    keep = PRIVATE_FORMS.get(module)
    return [] if keep is None else sorted(
        path for path in open_paths if path != "." and not _kept_whole(path.split("."), keep))


def _kept_whole(names: list[str], keep: Keep) -> bool:
    for name in names:
        if name not in keep:
            return False
        if (keep := keep[name]) is None:
            return True
    return False

