"""How coarse a generaliser cuts, to tell a finer cut of the same value from a coarser
one in a privacy diff.

`truncate(start_date_time, hour)` -> `truncate(start_date_time, minute)` or `prefix(
location.postal_code, 4)` -> `prefix(location.postal_code, 6)` keeps the column's class
and treatment (quasi-identifier, generalised), so ranking by those alone called it
"changed"; it releases each value more precisely, which is what an officer must see as
weakened. Only the same generaliser over the same value with one parameter changed is
compared; anything else stays "changed".
"""

from __future__ import annotations

import math
import re

# seconds of each `truncate` unit (`language/functions.py` TIME_UNITS)
_UNIT_SECONDS = {"minute": 60, "quarter_hour": 900, "hour": 3600, "day": 86_400,
                 "week": 604_800, "month": 28 * 86_400, "quarter": 90 * 86_400,
                 "year": 365 * 86_400}
_CALL = re.compile(r"^(?P<name>[a-z_]+)\((?P<args>.*)\)$", re.DOTALL)


def grain(shown: str) -> tuple[str, float] | None:
    """(what is cut, the size of a cut) of a generaliser call: larger is coarser.
    `what` is the call with the parameter left out, so two grains compare only when it
    is equal. None: not a generaliser this module measures."""
    match = _CALL.match(shown.strip())
    if match is None:
        return None
    name, args = match["name"], _split(match["args"])
    if args is None or len(args) < 1:
        return None
    parameter = args[1] if len(args) > 1 else None
    size = _size(name, parameter)
    if size is None:
        return None
    what = f"{name}({', '.join([args[0], '_', *args[2:]])})"
    return what, size


def _size(name: str, parameter: str | None) -> float | None:
    match name:
        case "truncate" if parameter in _UNIT_SECONDS:
            return float(_UNIT_SECONDS[parameter])
        case "round" | "round_coords":
            digits = _number(parameter if parameter is not None else "0")
            return None if digits is None else 10.0 ** -digits
        case "prefix":
            length = _number(parameter)
            return None if length is None else -length
        case "grid":
            return _number(parameter)
        case "bucket" if parameter is not None and parameter.startswith("["):
            edges = [_number(edge) for edge in parameter.strip("[]").split(",")]
            if len(edges) < 2 or any(edge is None for edge in edges):
                return None
            return min(b - a for a, b in zip(edges, edges[1:]))  # type: ignore[operator]
    return None


def _number(text: str | None) -> float | None:
    try:
        value = float(text) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


def _split(args: str) -> list[str] | None:
    """Top-level arguments of a call (commas inside brackets, parentheses or quotes
    stay); None when the brackets do not balance."""
    parts, depth, quote, start = [], 0, "", 0
    for at, char in enumerate(args):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(args[start:at].strip())
            start = at + 1
    if depth or quote:
        return None
    return [*parts, args[start:].strip()]
