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


# what SQL, PostGIS, pandas or a GIS call the distance between two points: the language
# has none; a radius around a point is a box on the coordinates' latitude and longitude
DISTANCE_FUNCTIONS = frozenset({
    "distance", "dist", "st_distance", "st_distancesphere", "st_distance_sphere",
    "st_dwithin", "haversine", "geodist", "geo_distance", "distance_km", "great_circle",
    "geodesic", "within", "near", "radius"})


def box_filter(field: str, numbers: list[float], km: float | None) -> str:
    """The `where` condition of a box around the point `numbers` (latitude, longitude)
    reaching `km` north, south, east and west: bounds rounded outwards to 0.001 degrees."""
    if len(numbers) < 2 or km is None or not -90 < numbers[0] < 90 or km <= 0:
        lat, lon, km = 52.09, 5.12, 5.0
    else:
        lat, lon = numbers[0], numbers[1]
    north = km / _KM_PER_DEGREE
    east = km / (_KM_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
    low, high = (lambda v: math.floor(v * 1000) / 1000), (lambda v: math.ceil(v * 1000) / 1000)
    return (f"{field}.latitude >= {low(lat - north):g} and {field}.latitude <= "
            f"{high(lat + north):g} and {field}.longitude >= {low(lon - east):g} and "
            f"{field}.longitude <= {high(lon + east):g}")


def box_note(numbers: list[float], km: float | None) -> str:
    """What the box is, in words, for the help's note."""
    where = f"{numbers[0]:g}, {numbers[1]:g}" if len(numbers) >= 2 and km else "52.09, 5.12"
    return (f"a radius is written as a box around the point ({where}, {km or 5:g} km each "
            f"way; a degree of latitude is about {_KM_PER_DEGREE:g} km, of longitude "
            "less by the cosine of the latitude): its corners reach 1.4 times as far")


def distance_compared(token, before: list, text: str) -> Diagnostic | None:
    """`distance(coordinates, 50.86, 5.83) < 5 km`: a radius filter, told the box."""
    unit = _IN_KM.get(str(token).lower())
    if unit is None or len(before) < 4 or before[-1].type not in ("NUMBER", "INT") \
            or before[-2].type != "COMPARATOR" or str(before[-2]) not in ("<", "<=") \
            or before[-3].type != "RPAR":
        return None
    call = _call_of(before[:-2])
    if call is None:
        return None
    name, inside = call
    if str(name).lower() not in DISTANCE_FUNCTIONS:
        return None
    numbers = _numbers(inside)
    km = float(str(before[-1])) * unit
    field = _first_argument(inside, text) or "coordinates"
    start, end = name.start_pos or 0, token.end_pos or 0
    return error("OCX001", f"the language has no `{name}`: a radius is a box on the "
                 "coordinates", Span(start, end), "a distance from a point",
                 notes=[box_note(numbers, km)],
                 help=f"write `{box_filter(field, numbers, km)}`")


def _call_of(before: list) -> tuple[object, list] | None:
    """The name token and the tokens inside the call whose `)` ends `before`."""
    depth = 0
    for index in range(len(before) - 1, -1, -1):
        kind = before[index].type
        depth += kind == "RPAR"
        depth -= kind == "LPAR"
        if depth == 0:
            if index == 0 or before[index - 1].type != "NAME":
                return None
            return before[index - 1], before[index + 1:-1]
    return None


def _numbers(inside: list) -> list[float]:
    """The numbers written in a call, with their signs."""
    found = []
    for index, seen in enumerate(inside):
        if seen.type in ("NUMBER", "INT"):
            negative = index > 0 and str(inside[index - 1]) == "-"
            found.append(-float(str(seen)) if negative else float(str(seen)))
    return found


def _first_argument(inside: list, text: str) -> str | None:
    """The first argument's text when it is a field path (`location.coordinates`)."""
    first = []
    for seen in inside:
        if seen.type == "COMMA":
            break
        first.append(seen)
    if not first or first[0].type != "NAME":
        return None
    written = text[first[0].start_pos:first[-1].end_pos]
    return written if all(part.isidentifier() for part in written.split(".")) else None
