"""The text and place functions of a spec: `prefix`, `matches`, `round_coords` and
`grid`. Null gives null; a value of the wrong kind is a `TransformError`."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from ocpispec.execute.errors import TransformError
from ocpispec.execute.number_functions import rounder

Unary = Callable[[Any], Any]


def prefixer(length: Any) -> Unary:
    length = int(length)

    def prefix(value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, (dict, list, bool)):
            raise TransformError("expected text")
        return "".join(str(value).split())[:length]

    return prefix


def matcher(pattern: Any) -> Unary:
    """`*` any run of characters, `?` one; every other character matches itself (the
    checker refuses `[` and `]`, and no character class is ever built here)."""
    wildcards = {"*": ".*", "?": "."}
    regex = re.compile("".join(wildcards.get(ch) or re.escape(ch) for ch in str(pattern))
                       + r"\Z", re.DOTALL)

    def matches(value: Any) -> bool:
        return isinstance(value, str) and regex.match(value) is not None

    return matches


def _coordinates(value: Any) -> tuple[float, float]:
    if not isinstance(value, Mapping):
        raise TransformError("expected coordinates")
    try:
        latitude, longitude = float(value["latitude"]), float(value["longitude"])
    except (KeyError, TypeError, ValueError):
        raise TransformError("coordinates without a numeric latitude and longitude") from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise TransformError("coordinates out of range")
    return latitude, longitude


def _no_point(value: Any) -> bool:
    """Null, or half a point: a part the platform left out or sent as no number (read
    as null) is no point, for `round_coords` and `grid` as for coordinates kept as is
    (`writers.numeric_points`), not an invalid record that fails the run."""
    return value is None or (isinstance(value, Mapping) and (
        value.get("latitude") is None or value.get("longitude") is None))


def coordinate_rounder(digits: Any) -> Unary:
    round_ = rounder(digits)

    def round_coords(value: Any) -> dict[str, float] | None:
        if _no_point(value):
            return None
        latitude, longitude = _coordinates(value)
        return {"latitude": round_(latitude), "longitude": round_(longitude)}

    return round_coords


def gridder(size: Any) -> Unary:
    cell = Decimal(str(size))
    if cell <= 0:
        raise TransformError("grid size must be positive")
    decimals = max(0, -cell.as_tuple().exponent) + 1

    def snap(coordinate: float) -> float:
        centre = (Decimal(math.floor(Decimal(repr(coordinate)) / cell)) + Decimal("0.5")) * cell
        return float(round(centre, decimals))

    def grid(value: Any) -> dict[str, float] | None:
        if _no_point(value):
            return None
        latitude, longitude = _coordinates(value)
        return {"latitude": snap(latitude), "longitude": snap(longitude)}

    return grid
