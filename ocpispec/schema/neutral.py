"""The version-neutral model: one set of names for every OCPI version.

Neutral objects are the union of the 2.2.1 and 2.3.0 objects, with one `Price`
`{excl_vat, incl_vat}` for the 2.2.1 Price, the 2.3.0 Price `{before_taxes, taxes}`,
the 2.3.0 PriceLimit and the 2.1.1 plain numbers.

`SOURCES` says, per version, where a neutral field comes from on the wire when it is
not simply the field of the same name. Keys are `Adapter.field`: an adapter is a
neutral object read from one kind of wire data, `Price` reads a wire Price,
`Price@limit` reads a 2.3.0 PriceLimit. An adapter without `@` falls back to the
same-named field of the same-named wire object; one with `@` has only what it lists.
Paths are relative to the wire node of the object that holds the field; the empty
path is that node itself (2.1.1 builds `cdr_token` from fields of the session).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ocpispec.frozen import frozen
from ocpispec.schema import table, v2_1_1, v2_2_1, v2_3_0
from ocpispec.schema.table import ObjectSet, Row

WirePath = tuple[str | int, ...]


@frozen
class Wire:
    """The neutral field is the value at `path` (relative to the current wire node).
    For an object field, `adapter` reads its sub-fields, relative to that value."""

    path: WirePath
    adapter: str | None = None


@frozen
class Computed:
    """A leaf computed by a JMESPath template whose `{relative.path}` placeholders are
    wire paths relative to the current node. `reads` names the wire field it replaces
    (for rename hints), `shown` is how `ocpispec schema` describes it (same placeholders)."""

    template: str
    reads: str
    shown: str


Source = Wire | Computed


def wire(dotted: str, adapter: str | None = None) -> Wire:
    """`location.evses[0].uid` -> Wire(("location", "evses", 0, "uid"))."""
    parts: list[str | int] = []
    for name, index in re.findall(r"([a-z_0-9]+)|\[(\d+)\]", dotted):
        parts.append(int(index) if index else name)
    return Wire(tuple(parts), adapter)


# a 2.1.1 session or CDR embeds its Location "with only the EVSE and connector used"; one
# that embeds more (the whole site) leaves unknown which was used, and the first would be
# another charger's (a DC plug for an AC charge): such a field reads null, counted as a
# deviation by the wire reader (`wire_check.py`)
_ONE_EVSE = "length({location.evses} || `[]`) == `1`"
_ONE_CONNECTOR = "length({location.evses[0].connectors} || `[]`) == `1`"


def _used(field: str, *, connector: bool = False) -> Computed:
    """The embedded location's `field` of the EVSE (or connector) used, when it holds
    only that one."""
    path = f"location.evses[0].connectors[0].{field}" if connector else f"location.evses[0].{field}"
    test = f"{_ONE_EVSE} && {_ONE_CONNECTOR}" if connector else _ONE_EVSE
    return Computed(f"({test}) && {{{path}}} || null", path.replace("[0]", ""),
                    f"{path} (null when it embeds more than one)")


# OCPI sends `credit` only on a credit CDR (2.1.1 has none): absent is a CDR that credits
# nothing, so `where credit = false` keeps the ordinary CDRs instead of none
_CREDIT = Computed("{credit} == `true`", "credit",
                   "false unless it says `credit` true (OCPI omits it on other CDRs)")

SOURCES: dict[str, dict[str, Source]] = {
    "2.1.1": {
        "CDR.credit": _CREDIT,
        "Session.start_date_time": wire("start_datetime"),
        "Session.end_date_time": wire("end_datetime"),
        "Session.cdr_token": wire("", "CdrToken@record"),
        "Session.location_id": wire("location.id"),
        "Session.evse_uid": _used("uid"),
        "Session.connector_id": _used("id", connector=True),
        "Session.total_cost": wire("total_cost", "Price@number"),
        "CDR.end_date_time": wire("stop_date_time"),
        "CDR.cdr_token": wire("", "CdrToken@record"),
        "CDR.cdr_location": wire("", "CdrLocation@location"),
        "CDR.total_cost": wire("total_cost", "Price@number"),
        "CdrToken@record.contract_id": wire("auth_id"),
        "CdrLocation@location.id": wire("location.id"),
        "CdrLocation@location.name": wire("location.name"),
        "CdrLocation@location.address": wire("location.address"),
        "CdrLocation@location.city": wire("location.city"),
        "CdrLocation@location.postal_code": wire("location.postal_code"),
        "CdrLocation@location.country": wire("location.country"),
        "CdrLocation@location.coordinates": wire("location.coordinates", "GeoLocation"),
        "CdrLocation@location.evse_uid": _used("uid"),
        "CdrLocation@location.evse_id": _used("evse_id"),
        "CdrLocation@location.connector_id": _used("id", connector=True),
        "CdrLocation@location.connector_standard": _used("standard", connector=True),
        "CdrLocation@location.connector_format": _used("format", connector=True),
        "CdrLocation@location.connector_power_type": _used("power_type", connector=True),
        "Price@number.excl_vat": wire(""),
        "Location.parking_type": wire("type"),
        # 2.1.1 lists public locations only, but a platform that still says `publish`
        # (the 2.2 field) is believed unless it says exactly `true`: a site it marks
        # as not public is never taken for a public one
        "Location.publish": Computed("{publish} == null || {publish} == `true`", "publish",
                                     "true unless it says `publish` otherwise: OCPI 2.1.1 "
                                     "lists public locations only"),
        # 2.1.1 has no `home_charging_compensation`, but a CDR that says it all the same
        # (the wire reader reads any form of "yes" as `true`) is left out as charged at home
        "CDR.home_charging_compensation": Computed(
            "{home_charging_compensation} && `true` || null", "home_charging_compensation",
            "true when it says `home_charging_compensation` (a 2.2 field) all the same"),
        "Connector.max_voltage": wire("voltage"),
        "Connector.max_amperage": wire("amperage"),
        # 2.1.1 gives a connector's voltage (line to neutral for AC_3_PHASE) and amperage,
        # not its power: a statistics office's power classes read the power they make
        "Connector.max_electric_power": Computed(
            "type({voltage}) == 'number' && type({amperage}) == 'number' && "
            "multiply(multiply({voltage}, {amperage}), "
            "{power_type} == 'AC_3_PHASE' && `3` || `1`) || null", "max_electric_power",
            "{voltage} * {amperage}, times 3 for AC_3_PHASE"),
        "Connector.tariff_ids": Computed("{tariff_id} && [{tariff_id}]", "tariff_id",
                                         "[{tariff_id}]"),
        "EnvironmentalImpact.category": wire("source"),
        "Token.contract_id": wire("auth_id"),
    },
    "2.2.1": {"CDR.credit": _CREDIT},
    "2.3.0": {
        "CDR.credit": _CREDIT,
        "Price.excl_vat": wire("before_taxes"),
        "Price.incl_vat": Computed(
            # a tax without a number for its amount (sent as null, or read as null as
            # the wrong type) leaves the total unknown, not understated by that tax
            "{before_taxes} && !({taxes}[?type(amount) != 'number']) && "
            "money_sum([{before_taxes}, {taxes[].amount}]) || null", "taxes",
            "{before_taxes} + sum({taxes[].amount})"),
        "Tariff.min_price": wire("min_price", "Price@limit"),
        "Tariff.max_price": wire("max_price", "Price@limit"),
        "Price@limit.excl_vat": wire("before_taxes"),
        "Price@limit.incl_vat": wire("after_taxes"),
    },
}

WIRE_MODULES = {"2.1.1": v2_1_1, "2.2.1": v2_2_1, "2.3.0": v2_3_0}
ROOTS = v2_2_1.ROOTS
# wire objects that have no neutral object of their own
_WIRE_ONLY = {"TaxAmount", "PriceLimit", "Version", "VersionDetails", "Endpoint",
              "Credentials", "CredentialsRole"}
_NEUTRAL_TYPE = {"PriceLimit": "Price"}


def build_neutral(wire_2_2_1: Mapping[str, tuple[Row, ...]],
                  wire_2_3_0: Mapping[str, tuple[Row, ...]],
                  notes: Mapping[tuple[str, str], table.Note],
                  enums: Mapping[str, tuple[str, ...]]) -> ObjectSet:
    """Merges the 2.2.1 and 2.3.0 tables into the neutral objects."""
    tables: dict[str, tuple[Row, ...]] = {}
    for name in [*wire_2_2_1, *(n for n in wire_2_3_0 if n not in wire_2_2_1)]:
        if name in _WIRE_ONLY:
            continue
        newer = () if name == "Price" else wire_2_3_0.get(name, ())
        tables[name] = _merge(wire_2_2_1.get(name, ()), newer)
    return table.build(tables, notes, enums)


def _merge(older: tuple[Row, ...], newer: tuple[Row, ...]) -> tuple[Row, ...]:
    """Fields of both, in the newer order, older-only fields after their predecessor;
    a field missing from one of them is optional."""
    names_old = {row.name for row in older}
    names_new = {row.name for row in newer}
    merged = [row for row in newer]
    for index, row in enumerate(older):
        if row.name not in names_new:
            after = older[index - 1].name if index else None
            at = next((i + 1 for i, r in enumerate(merged) if r.name == after), 0)
            merged.insert(at, row)
    both = names_old & names_new if older and newer else names_old | names_new
    return tuple(_neutral_row(row, row.name in both) for row in merged)


def _neutral_row(row: Row, in_both: bool) -> Row:
    kind = _NEUTRAL_TYPE.get(row.type, row.type)
    card = row.cardinality if in_both else {"1": "?", "+": "*"}.get(row.cardinality,
                                                                     row.cardinality)
    return Row(row.name, kind, card)
