"""A number written with its unit: `kwh > 0.5kWh`, `retention 30d`, and with a space,
`max_electric_power >= 50 kW`. Numbers are bare, in the unit OCPI gives the field: a
connector's power is in watts, so the help writes `50000` for `50 kW` (it wrote `50`,
a filter that kept every connector)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span
from ocpispec.field_units import FIELD_UNITS, FUNCTION_UNITS
from ocpispec.language.parse_distances import distance_compared, distance_in_degrees

# a unit as written (lower case) -> (the quantity, its size in the field unit's terms)
_WRITTEN = {
    "w": ("W", Decimal(1)), "watt": ("W", Decimal(1)), "watts": ("W", Decimal(1)),
    "kw": ("W", Decimal(1000)), "mw": ("W", Decimal(1000000)),
    "wh": ("kWh", Decimal("0.001")), "kwh": ("kWh", Decimal(1)),
    "mwh": ("kWh", Decimal(1000)),
    "h": ("h", Decimal(1)), "hr": ("h", Decimal(1)), "hrs": ("h", Decimal(1)),
    "hour": ("h", Decimal(1)), "hours": ("h", Decimal(1)),
    "min": ("h", 1 / Decimal(60)), "mins": ("h", 1 / Decimal(60)),
    "minute": ("h", 1 / Decimal(60)), "minutes": ("h", 1 / Decimal(60)),
    "v": ("V", Decimal(1)), "volt": ("V", Decimal(1)), "volts": ("V", Decimal(1)),
    "a": ("A", Decimal(1)), "amp": ("A", Decimal(1)), "amps": ("A", Decimal(1)),
}
# a field unit -> (the quantity it measures, its size in that quantity's terms)
_FIELD = {"W": ("W", Decimal(1)), "kWh": ("kWh", Decimal(1)), "h": ("h", Decimal(1)),
          "min": ("h", 1 / Decimal(60)), "V": ("V", Decimal(1)), "A": ("A", Decimal(1))}


def number_with_unit(token, history, source: SourceFile) -> Diagnostic | None:
    before = [seen for seen in history if seen.start_pos != token.start_pos]
    number = before[-1] if before else None
    if number is None or number.type not in ("NUMBER", "INT") or token.type != "NAME":
        return None
    if (radius := distance_compared(token, before, source.text)) is not None:
        return radius  # `distance(coordinates, 50.86, 5.83) < 5 km`: no such function
    glued = number.end_pos == token.start_pos
    written = str(token).lower()
    compared = len(before) > 1 and before[-2].type == "COMPARATOR"
    listed = _listed_field(before)
    if not glued and (written not in _WRITTEN or not (compared or listed)):
        return None  # a name after a number elsewhere is some other mistake
    if glued and written[:1] == "e":
        return None  # an exponent (`parse_guesses.exponent_number`)
    if said := _WRITTEN.get(written):
        if said[0] == "h" and any(str(seen) == "truncate" for seen in before[-6:]):
            return None  # `truncate(t, 15min)`: a unit of truncate (`parse_guessed_forms`)
    if (distance := distance_in_degrees(token, before)) is not None:
        return distance  # `grid(location.coordinates, 5km)`: degrees
    if listed is not None:
        return _list_with_units(listed, number, token, source)
    start, end = number.start_pos or 0, token.end_pos or 0
    unit = _compared_unit(before[:-1])
    value = _in_field_unit(str(number), written, unit)
    notes = ["a field's value is in the unit OCPI gives it: kWh, hours, watts "
             "(`ocpispec schema MODULE` lists them)"]
    what = "value" if len(before) > 2 and before[-3].type == "RPAR" else "field"
    said, field = _WRITTEN.get(written), _FIELD.get(unit or "")
    if said is not None and field is not None and said[0] != field[0]:
        # `total_energy > 7kW`: a power where an energy is compared; say which it is
        notes.insert(0, f"the {what} is in {unit}, which `{token}` does not measure")
    if value is not None and value != str(number):
        notes.insert(0, f"the {what} is in {unit}: `{source.text[start:end]}` is {value}")
    return error("OCX001", f"`{source.text[start:end]}` is a number with a unit",
                 Span(start, end), "numbers carry no unit", notes=notes,
                 help=f"write `{value or number}`")


def _compared_unit(before: list) -> str | None:
    """The unit of the value compared with the number: of its field (`kwh >= 50 kWh`:
    kWh), or of a call, the unit a duration counts in (`hours(a, b) > 30min`: 0.5, not
    30 hours) or that of the first field inside it (`round(kwh) > 5kWh`)."""
    if len(before) < 2 or before[-1].type != "COMPARATOR":
        return None
    field = before[-2]
    if field.type == "RPAR":
        return _called_unit(before[:-1])
    return FIELD_UNITS.get(str(field)) if field.type == "NAME" else None


def _called_unit(before: list) -> str | None:
    """The unit of the call ending `before`: a duration's own (`hours(...)`), else that
    of the first field inside it."""
    depth, at = 0, len(before) - 1
    while at >= 0:
        depth += {"RPAR": 1, "LPAR": -1}.get(before[at].type, 0)
        if depth == 0:
            break
        at -= 1
    if at < 1 or before[at - 1].type != "NAME":
        return None
    name = str(before[at - 1])
    if name in FUNCTION_UNITS:
        return FUNCTION_UNITS[name]
    inside = next((seen for seen in before[at + 1:] if seen.type == "NAME"), None)
    return FIELD_UNITS.get(str(inside)) if inside is not None else None


def _in_field_unit(number: str, written: str, unit: str | None) -> str | None:
    said, field = _WRITTEN.get(written), _FIELD.get(unit or "")
    if said is None or field is None or said[0] != field[0]:
        return None
    try:
        value = Decimal(number) * said[1] / field[1]
    except InvalidOperation:
        return None
    text = format(value.quantize(Decimal("0.000001")).normalize(), "f")
    return text


_ITEM = re.compile(r"\s*(-?\d+(?:\.\d+)?)\s*([A-Za-z]+)?\s*(?:,|(?=\]))")


def _listed_field(before: list) -> tuple[str | None, object] | None:
    """In a list of numbers, `bucket(FIELD, [11 kW, ...])` or `FIELD in [11 kW, ...]`:
    (the last segment of FIELD, or None when a computed value is bucketed, and the `[`
    token); None elsewhere."""
    at = len(before) - 2  # `before[-1]` is the number the unit follows
    while at >= 0 and before[at].type in ("NUMBER", "INT", "COMMA", "MINUS"):
        at -= 1
    if at < 1 or before[at].type != "LSQB":
        return None
    if before[at - 1].type == "IN":
        field = before[at - 3] if before[at - 2].type == "NOT" and at >= 3 else before[at - 2]
        return (str(field) if field.type == "NAME" else None), before[at]
    opened = next((i for i in range(at - 1, 0, -1) if before[i].type == "LPAR"), None)
    if before[at - 1].type != "COMMA" or opened is None or str(before[opened - 1]) != "bucket":
        return None
    field = before[at - 2]
    return (str(field) if field.type == "NAME" else None), before[at]


def _list_with_units(listed: tuple[str | None, object], number, token,
                     source: SourceFile) -> Diagnostic:
    """`[11 kW, 22 kW, 50 kW]` of a power in watts: the whole list as it is written,
    `[11000, 22000, 50000]` (the help wrote `11` for `11kW`: eleven watts)."""
    name, opening = listed
    unit = FIELD_UNITS.get(name or "")
    start, end = number.start_pos or 0, token.end_pos or 0
    items, at = [], (opening.end_pos or 0)
    while (item := _ITEM.match(source.text, at)) is not None:
        value, written = item.group(1), (item.group(2) or "").lower()
        items.append((_in_field_unit(value, written, unit) if written else None) or value)
        at = item.end()
    closed = source.text[at:at + 1] == "]"
    notes = ["a list's numbers are bare, in the unit OCPI gives the field: kWh, hours, "
             "watts (`ocpispec schema MODULE` lists them)"]
    if unit is not None:
        notes.insert(0, f"`{name}` is in {unit}")
    if closed and items:  # the caret covers the list the help writes again
        return error("OCX001", f"`{source.text[start:end]}` is a number with a unit",
                     Span(opening.start_pos or 0, at + 1), "numbers carry no unit",
                     notes=notes, help=f"write `[{', '.join(items)}]`")
    return error("OCX001", f"`{source.text[start:end]}` is a number with a unit",
                 Span(start, end), "numbers carry no unit", notes=notes,
                 help=f"write `{_in_field_unit(str(number), str(token).lower(), unit) or number}`")
