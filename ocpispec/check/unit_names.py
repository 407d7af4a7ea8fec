"""A column named for one unit that holds another: `avg(total_time) as avg_minutes`
(a CDR's `total_time` is in hours), `connector.max_electric_power as power_kw` (watts),
`round(kwh, 1) as energy_wh`. The data package declares the right unit, but a consumer
reads the column's name first and is off by 60 or 1000.

The unit is followed from the field outwards as `formats/units.py` does for the plan:
`round`, `abs` and the aggregates that keep a value's unit keep it, `minutes` and `hours`
give theirs, adding or taking away a value of the same unit keeps it; any other
arithmetic (a conversion, `* 60`) gives a unit this check does not judge.
"""

from __future__ import annotations

from ocpispec.check.context import Context
from ocpispec.field_units import FIELD_UNITS, FUNCTION_UNITS
from ocpispec.diagnostics import warning
from ocpispec.language import syntax

_KEEPING = frozenset({"round", "abs", "sum", "avg", "min", "max", "median", "percentile",
                      "keep"})
# words of a column name that say its unit, by the unit they say
_NAMED = {"min": "min", "mins": "min", "minute": "min", "minutes": "min",
          "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
          "s": "s", "sec": "s", "secs": "s", "seconds": "s",
          "wh": "Wh", "mwh": "MWh", "kwh": "kWh",
          "w": "W", "watt": "W", "watts": "W", "kw": "kW", "mw": "MW"}
_FAMILY = {"min": "time", "h": "time", "s": "time", "Wh": "energy", "kWh": "energy",
           "MWh": "energy", "W": "power", "kW": "power", "MW": "power", "V": "voltage",
           "A": "current"}
_SPOKEN = {"min": "minutes", "h": "hours", "kWh": "kWh", "W": "watts (W)", "V": "volts",
           "A": "amperes"}
_SAID = {"min": "minutes", "h": "hours", "s": "seconds", "W": "watts", "kW": "kilowatts",
         "MW": "megawatts"}
_RENAMED = {"min": "minutes", "h": "hours", "kWh": "kwh", "W": "w"}


def check_unit_name(column: syntax.Column, name: str, ctx: Context) -> None:
    words = name.lower().split("_")
    said = next((_NAMED[word] for word in reversed(words) if word in _NAMED), None)
    if said is None:
        return  # most names say no unit
    unit = unit_of(column.expr)
    if unit is None or unit not in _SPOKEN or said == unit \
            or _FAMILY.get(said) != _FAMILY.get(unit):
        return
    written = next(word for word in reversed(words) if word in _NAMED)
    renamed = "_".join(_RENAMED[unit] if word == written else word for word in name.split("_"))
    ctx.emit(warning(
        "OCX239", f"`{name}` says {_SAID.get(said, said)}, but the column is in "
                  f"{_SPOKEN[unit]}",
        (column.alias or column.expr).span, f"a value in {_SPOKEN[unit]}",
        notes=["the data package declares the column's unit; a consumer reading the name "
               "would be off by a factor"],
        help=f"name it for its unit: write `{renamed}`"))


def unit_of(expr: syntax.Expr) -> str | None:
    match expr:
        case syntax.FieldRef(path=path):
            return FIELD_UNITS.get(path[-1])
        case syntax.Call(name=name) if name.name in FUNCTION_UNITS:
            return FUNCTION_UNITS[name.name]
        case syntax.Call(name=name, args=(first, *_)) if name.name in _KEEPING:
            return unit_of(first)
        case syntax.BinaryOp(op="+" | "-", left=left, right=right):
            units = {unit_of(left), unit_of(right)}
            return units.pop() if len(units) == 1 else None
    return None
