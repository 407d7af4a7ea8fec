"""What the summary of `ocpispec get` says a private form, or a charge's embedded site,
withheld: only what no `--privacy-pass` path let out.

The lines were fixed texts: `get locations --include-private --privacy-pass evses.uid`
printed each home's EVSE uid (its site's id inside) under "private sites (ids, ...
withheld)", and `get tariffs --include-private --privacy-pass id` a home's tariff id under
"(id, text and URL withheld)". Each word now names the fields it stands for; a word an
opened path lets a field of out is said of the others only ("other ids"), or not at all,
and the opened paths are named as released (`--privacy-pass .`: nothing is withheld).
"""

from __future__ import annotations

from ocpispec.ocpi.private_form import outside_private_form
from ocpispec.ocpi.privacy_pass_paths import unknown_path
from ocpispec.ocpi.public_scope import EMBEDDED_LOCATIONS
from ocpispec.ocpi.site_details import opened_site_details, site_detail_paths

Words = tuple[tuple[str, tuple[str, ...]], ...]

# a private site's private form (`private_form.SITE`), by the words the summary uses
PRIVATE_SITE: Words = (
    ("ids", ("id", "evses.uid", "evses.evse_id", "evses.connectors.id")),
    ("address", ("address", "city", "postal_code", "state")),
    ("coordinates", ("coordinates", "evses.coordinates")),
    ("names", ("name", "owner", "operator", "suboperator")),
    ("status", ("evses.status", "evses.status_schedule")),
    ("tariffs", ("evses.connectors.tariff_ids", "evses.connectors.tariff_id")),
    ("supplier", ("energy_mix",)))
# a tariff no published location names (`private_form.TARIFF`)
PRIVATE_TARIFF: Words = (("id", ("id",)), ("text", ("tariff_alt_text",)), ("URL", ("tariff_alt_url",)))
# a session or CDR at a private site (`private_form.CHARGE`): every field of each OCPI
# version the form does not keep (its embedded site's details: the "embedded locations" line)
_EMBEDDED_IDS = ("id", "evse_uid", "evse_id", "connector_id", "evses.uid", "evses.evse_id",
                 "evses.connectors.id")
PRIVATE_CHARGE: Words = (
    ("ids", ("id", "session_id", "authorization_reference", "meter_id", "invoice_reference_id",
             "credit_reference_id", "signed_data")),
    ("token", ("cdr_token", "auth_id", "auth_method")),
    ("site ids", ("location_id", "evse_uid", "connector_id",
                  *(f"{site}.{name}" for site in ("location", "cdr_location") for name in _EMBEDDED_IDS))),
    ("times", ("start_date_time", "start_datetime", "end_date_time", "end_datetime", "stop_date_time",
               "charging_periods", "total_time", "total_parking_time", "last_updated")),
    ("energy", ("kwh", "total_energy")),
    ("costs", ("total_cost", "total_fixed_cost", "total_energy_cost", "total_time_cost",
               "total_parking_cost", "total_reservation_cost", "home_charging_compensation")),
    ("tariffs", tuple(f"tariffs.{name}" for name in (
        "id", "tariff_alt_text", "tariff_alt_url", "min_price", "max_price", "preauthorize_amount",
        "elements", "tax_included", "start_date_time", "end_date_time", "energy_mix", "last_updated"))),
    ("remark", ("remark",)),
    # of the site 2.1.1 embeds whole, beside its details
    ("site operators", ("location.operator", "location.suboperator")),
    ("site facilities", ("location.facilities", "location.charging_when_closed", "location.evses.capabilities",
                         "location.evses.floor_level", "location.evses.parking_restrictions",
                         "location.evses.connectors.terms_and_conditions")),
    ("opening times", ("location.opening_times",)),
    ("supplier", ("location.energy_mix",)))
ALL_RELEASED = "nothing withheld: `--privacy-pass .` releases every field"


def private_form_withheld(version: str, module: str, words: Words, open_paths: frozenset[str]) -> str:
    """`words` said withheld where no opened path lets a field of them out of `module`'s
    private form (`private_form.keep_private_form`: a path opens the field, what is below
    it, and a part of it: `owner.name`), then the opened paths the form would withhold.
    Of a word, the fields `version` has (2.1.1's `tariff_id`, 2.2's `tariff_ids`)."""
    if "." in open_paths:
        return ALL_RELEASED
    released = outside_private_form(module, open_paths)
    words = tuple((word, fields) for word, fields in (
        (word, tuple(field for field in fields if version == "auto"
                     or unknown_path(version, module, field) is None)) for word, fields in words)
        if fields)
    return _text(words, released, lambda path, field: _covers(path, field) or _covers(field, path))


def charge_withheld(version: str, module: str, open_paths: frozenset[str]) -> str:
    """`private_form_withheld` of a charge at a private site: the details of its embedded
    site aside (the "embedded locations" line says them, `embedded_withheld`)."""
    details = opened_site_details(module, open_paths)
    return private_form_withheld(version, module, PRIVATE_CHARGE, open_paths - set(details))


def released_by_pass(version: str, module: str, open_paths: frozenset[str],
                     include_private: bool) -> tuple[list[str], list[str]]:
    """The opened paths that let out a field `get` withholds without them, and those that
    opened nothing (public at their place anyway): a path that widens the public
    projection (`records._keep_tree`), opens a private site's details
    (`opened_site_details`) where a site loses them, or, with `include_private`, a field
    of a private form."""
    if "." in open_paths:
        return ["."], []
    from ocpispec.schema import catalogue
    from ocpispec.schema.records import _keep_tree

    cat = catalogue()
    public = _keep_tree(cat, version, module, frozenset())
    # a site's details are stripped from the sites charges embed, and from private sites,
    # which `get locations` prints with `include_private` only
    released = set(opened_site_details(module, open_paths)
                   if module != "locations" or include_private else ())
    released.update(path for path in open_paths
                    if _keep_tree(cat, version, module, frozenset({path})) != public)
    if include_private:
        released.update(outside_private_form(module, open_paths))
    return sorted(released), sorted(open_paths - released)


def embedded_withheld(module: str, open_paths: frozenset[str], keep_private: bool) -> str:
    """The site and EVSE details of the locations charges embed: `Release` lets out a
    detail whose path is opened exactly (`_strip_private_site`), and from a charge in its
    private form (`keep_private`) any opened path of the embedded site the form withholds
    (`cdr_location.id`, a part of a detail: `location.owner.name`)."""
    if "." in open_paths:
        return ALL_RELEASED
    details = site_detail_paths(module)
    released = {path for path in open_paths if path in details}
    if keep_private:
        sites = tuple(f"{name}." for name in EMBEDDED_LOCATIONS.get(module, ()))
        released.update(path for path in outside_private_form(module, open_paths)
                        if path.startswith(sites))
    text = _text((("site and EVSE details", tuple(details)),), sorted(released),
                 lambda path, field: True)
    return f"{text}; see `get locations`" if released else f"{text}, see `get locations`"


def _text(words: Words, released: list[str], lets_out) -> str:
    withheld = []
    for word, fields in words:
        opening = [path for path in released if any(lets_out(path, field) for field in fields)]
        if not opening:
            withheld.append(word)
        elif not all(any(_covers(path, field) for path in opening) for field in fields):
            withheld.append(f"other {word}")
    parts = [f"{_joined(withheld)} withheld"] if withheld else []
    if released:
        parts.append(f"released by --privacy-pass: {', '.join(released)}")
    return "; ".join(parts)


def _covers(path: str, field: str) -> bool:
    """Whether opening `path` opens all of `field`."""
    return field == path or field.startswith(path + ".")


def _joined(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
