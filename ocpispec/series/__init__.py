"""Rows per list element and measures over time slots: the vocabulary of `each` and
`spread` shared by the checker, the planner and the executor.

- `each charging_periods as period` makes one row per element; a charging period also
  gets derived fields (`DERIVED`): its energy, its duration and its end.
- `spread period.energy_kwh over quarter_hour in utc as slot` apportions a value over
  the slots its interval covers, exactly (`apportion.split`).
"""

from __future__ import annotations

from ocpispec.schema.model import Field, Kind, PrivacyClass

# slot lengths; a day in a local time zone may have 23 or 25 hours
SLOT_UNITS: dict[str, int] = {"quarter_hour": 900, "hour": 3600, "day": 86_400}
# the time floor (`truncate(t, hour)`): slots this long or longer protect the time
FLOOR_SECONDS = 3600
ZONES = ("utc", "location time zone")

PERIOD_OBJECT = "ChargingPeriod"
# the dimension types whose volume is a period's energy, in order of preference: a
# period with `ENERGY` uses it, else `ENERGY_IMPORT` (OCPI 2.2+); `ENERGY_EXPORT`
# (energy fed back by the car) never counts
ENERGY_TYPES = ("ENERGY", "ENERGY_IMPORT")
# the record's field that ends its last charging period
PARENT_END: dict[str, tuple[str, ...]] = {"sessions": ("end_date_time",),
                                          "cdrs": ("end_date_time",)}
# the interval of a record-level value that is spread (`spread kwh over hour ...`)
RECORD_INTERVAL: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "sessions": (("start_date_time",), ("end_date_time",)),
    "cdrs": (("start_date_time",), ("end_date_time",))}

DERIVED: dict[str, Field] = {
    "energy_kwh": Field("energy_kwh", Kind.NUMBER, PrivacyClass.QUASI,
                        doc="energy of the period in kWh: the volume of its ENERGY "
                            "dimension (else ENERGY_IMPORT); 0 without one"),
    "duration": Field("duration", Kind.NUMBER, PrivacyClass.QUASI,
                      doc="minutes from the period's start to its end"),
    "end": Field("end", Kind.DATETIME, PrivacyClass.QUASI,
                 doc="the next period's start, or the record's end for the last one"),
}
# the element fields each derived field is computed from (besides the record's end)
DERIVED_READS: dict[str, tuple[tuple[str, ...], ...]] = {
    "energy_kwh": (("start_date_time",), ("dimensions", "type"), ("dimensions", "volume")),
    "duration": (("start_date_time",),),
    "end": (("start_date_time",),),
}


# how a slot in the location's time zone reads: text outputs write the local time with
# its offset, Parquet the UTC instant it starts at, XLSX (no time zones) the local time
# in a cell that shows its offset
LOCAL_TIME = ("in the location's local time, with its UTC offset (Parquet: the UTC "
              "instant; XLSX: the local time)")


def slot_field(alias: str, unit: str, zone: str = "utc") -> Field:
    """The synthetic field a spread's slot alias resolves to: a time, as quasi as any.
    `zone` is `utc` or `location` (then its doc says it is local time, not UTC)."""
    doc = _slot_doc(unit) + (f" {LOCAL_TIME}" if zone == "location" else "")
    return Field(alias, Kind.DATETIME, PrivacyClass.QUASI, doc=doc)


def _slot_doc(unit: str) -> str:
    return f"start of the {unit.replace('_', ' ')} slot"


_COARSE_DOCS = frozenset(_slot_doc(unit) for unit, seconds in SLOT_UNITS.items()
                         if seconds >= FLOOR_SECONDS)


def at_time_floor(field: Field) -> bool:
    """Whether a field is a slot of an hour or longer: already at the time floor."""
    return field.kind is Kind.DATETIME and \
        (field.doc or "").removesuffix(f" {LOCAL_TIME}") in _COARSE_DOCS


def in_local_time(field: Field) -> bool:
    """Whether a field is a slot in the location's time zone (not UTC)."""
    return field.kind is Kind.DATETIME and (field.doc or "").endswith(LOCAL_TIME)
