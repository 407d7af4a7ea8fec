"""A distance where a coordinate function takes degrees: `grid(location.coordinates, 10
km)` was told 'arguments are separated by `,`: write `10, km`'. A grid's cell and
`round_coords`' digits are in degrees of latitude and longitude; the help writes the
degrees the distance is about (a degree of latitude is about 111 km)."""

from __future__ import annotations

import math

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import Span

_KM_PER_DEGREE = 111.32
_IN_KM = {"km": 1.0, "kilometre": 1.0, "kilometres": 1.0, "kilometer": 1.0,
          "kilometers": 1.0, "m": 0.001, "metre": 0.001, "metres": 0.001, "meter": 0.001,
          "meters": 0.001}
_FUNCTIONS = ("grid", "round_coords")


def distance_in_degrees(token, before: list) -> Diagnostic | None:
    """`NUMBER UNIT` as the second argument of `grid` or `round_coords`: the help."""
    unit = _IN_KM.get(str(token).lower())
    if unit is None or len(before) < 4 or before[-1].type not in ("NUMBER", "INT") \
            or before[-2].type != "COMMA":
        return None
    function = next((str(seen) for index, seen in enumerate(before[:-1])
                     if seen.type == "NAME" and str(seen) in _FUNCTIONS
                     and before[index + 1].type == "LPAR"
                     and not any(later.type == "RPAR" for later in before[index + 1:])), None)
    if function is None:
        return None
    number = before[-1]
    kilometres = float(str(number)) * unit
    degrees = kilometres / _KM_PER_DEGREE
    start, end = number.start_pos or 0, token.end_pos or 0
    written = f"{number} {token}"
    if function == "grid":
        size = float(f"{degrees:.1g}") if degrees > 0 else 0.0
        fixed, said = f"{size:g}", f"cells of {size:g} degrees"
    else:
        digits = max(0, min(7, round(-math.log10(degrees)))) if degrees > 0 else 0
        fixed, said = str(digits), f"{digits} decimals, steps of {10.0 ** -digits:g} degrees"
    return error("OCX001", f"`{function}` takes degrees, not `{written}`", Span(start, end),
                 "a distance", notes=[
                     f"a degree of latitude is about {_KM_PER_DEGREE:g} km (of longitude "
                     "less, away from the equator): "
                     f"{written} is about {degrees:.2g} degrees"],
                 help=f"write `{fixed}` ({said})")
