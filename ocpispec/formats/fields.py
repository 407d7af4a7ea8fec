"""The released columns of a dataset as typed outputs declare them: name, type,
description, treatment. Keys and measures of an aggregate are fields alike."""

from __future__ import annotations

import re

from ocpispec.frozen import frozen
from ocpispec.formats.units import column_is_amount, column_unit, measure_is_amount, measure_unit
from ocpispec.language.functions import stated_class
from ocpispec.plan import ir
from ocpispec.schema.model import DECIMAL_TEXTS

PSEUDONYM_LENGTH = 32  # hex characters: the first 128 bits of the HMAC


@frozen
class TypedField:
    """`type`: `string`, `number`, `integer`, `boolean`, `datetime`, `geopoint` or `any`
    (plans made before columns were typed: `any`)."""

    name: str
    type: str
    description: str
    treatment: str
    sources: tuple[str, ...]
    released_as: str
    # the IANA zone of a local `truncate` (its values are that zone's local periods):
    # Parquet declares it, so readers show January in Amsterdam as January
    zone: str | None = None
    # its values are local times (a local `truncate`, or the slot of a `spread` in the
    # location's time zone), known from the plan: an XLSX sheet of no rows says so too
    local: bool = False
    # a number the platform sends as decimal text (OCPI's `"52.090600"` coordinates):
    # typed outputs (Parquet, XLSX) hold it as the number it is, text ones as sent
    decimal_text: bool = False
    # its unit (`formats.units`; None when the tool cannot name one), and whether it is
    # an amount in a currency: XLSX shows them with a number format
    unit: str | None = None
    amount: bool = False

    @property
    def pseudonym(self) -> bool:
        return self.treatment == "pseudonymised"


def typed_fields(dataset: ir.Dataset) -> tuple[TypedField, ...]:
    aggregate = dataset.step(ir.Aggregate)
    columns = aggregate.keys if aggregate is not None else dataset.columns
    recoded = _recoding(dataset.step(ir.KAnonymity))
    slot = _local_slot(dataset.step(ir.Spread))
    fields = [TypedField(c.name, c.type or "any", _described(c) + recoded.get(c.name, ""),
                         c.treatment, c.sources, stated_class(c.treatment, c.released_as),
                         _zone(c), _local(_zone(c)) or c.expression == slot, _decimal_text(c),
                         column_unit(c), column_is_amount(c))
              for c in columns]
    if aggregate is not None:
        fields += [TypedField(m.name, m.type or "any", m.description or "",
                              f"aggregated ({m.function})", m.sources, m.privacy,
                              unit=measure_unit(m), amount=measure_is_amount(m))
                   for m in aggregate.measures]
    return tuple(fields)


def _recoding(rule: ir.KAnonymity | None) -> dict[str, str]:
    """What a k rule does to the values of the columns it recodes, for the data
    dictionary: the rows of a class of fewer than k drivers hold a coarser value of the
    same form (a day shows as its first hour), so "cut to the hour" alone would have a
    consumer read a week's sessions as sessions at midnight."""
    if rule is None:
        return {}
    from ocpispec.disclosure.hierarchy import describe

    shown = {"time": "a period shows as its first instant", "prefix": "fewer characters",
             "grid": "the centre of a larger cell", "round": "coarser steps"}
    over = ", ".join(rule.over)
    return {h.column: f"; the k rule recodes the rows of a class ({over}) of fewer than "
                      f"{rule.k} drivers to a coarser level ({describe(h.kind, h.levels)}; "
                      f"{shown.get(h.kind, 'the same form')}), so the column mixes levels"
            for h in rule.hierarchies}


_LOCAL_TRUNCATE = re.compile(r"truncate_in\(.*, '[a-z_]+', '([A-Za-z0-9_+\-/]+)'\)")


# a field read as it is (`coordinates.latitude`, `location.coordinates.longitude`)
_FIELD_PATH = re.compile(r"(?:[A-Za-z_][A-Za-z0-9_]*\.)*([A-Za-z_][A-Za-z0-9_]*)")


def _decimal_text(column: ir.Column) -> bool:
    """A column that is a latitude or longitude as the platform sent it: decimal text."""
    found = _FIELD_PATH.fullmatch(column.expression)
    return column.type == "string" and found is not None \
        and found.group(1) in DECIMAL_TEXTS and bool(column.sources) \
        and all(source.rsplit(".", 1)[-1] in DECIMAL_TEXTS for source in column.sources)


def _described(column: ir.Column) -> str:
    """A coordinate's description says its reference system; whether it is text or a
    number depends on the format (`formats.datapackage`)."""
    description = column.description or ""
    if _decimal_text(column):
        return description.replace(" (a string)", "") + " (WGS 84)"
    return description


def _local(zone: str | None) -> bool:
    """Whether a `truncate` in `zone` is labelled with an offset: in `UTC` it is the
    plain truncate, labelled `Z` (`calendar_windows.zone_of`)."""
    return zone is not None and zone != "UTC"


def _local_slot(spread: ir.Spread | None) -> str | None:
    """The alias of a `spread` whose slots are in the location's time zone."""
    return spread.alias if spread is not None and spread.zone != "utc" else None


def _zone(column: ir.Column) -> str | None:
    """The zone of a column that is a local `truncate` as a whole (`truncate(t, month,
    "Europe/Amsterdam")`); None for anything else (UTC, or slots of many zones)."""
    if column.type != "datetime":
        return None
    found = _LOCAL_TRUNCATE.fullmatch(column.expression)
    return found.group(1) if found else None
