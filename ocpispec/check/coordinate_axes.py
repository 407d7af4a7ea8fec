"""A coordinate's latitude or longitude read on its own: decimal text that is a number.

OCPI sends a GeoLocation's `latitude` and `longitude` as text (`"52.0905"`), so a
filter bound on one (`where location.coordinates.latitude >= "52.0905"`) is a
comparison of text to the checks that read numbers, and no bound at all. Yet it cuts
the place as surely as a number would: beside `grid(location.coordinates, 0.05)` the
rows shown in the cell 52.05 lie between 52.0905 and 52.1, a band of 0.0095 degrees
(about 1 km) where the column promises 0.05. Here such an axis counts as the number it
is: its bound in degrees, its floor the coordinates' (`floors.field_floor`), and its
quantity the coordinates', so a grid over the coordinates is laid over it.
"""

from __future__ import annotations

from ocpispec.check.checked import ResolvedField
from ocpispec.check.floors import COORDINATE_STEP, SITE_COORDINATE_STEP
from ocpispec.check.quantities import quantity_at
from ocpispec.check.values import GEO_OBJECTS
from ocpispec.language import syntax
from ocpispec.schema import catalogue

AXES = frozenset({"latitude", "longitude"})


def is_axis(field: ResolvedField) -> bool:
    """Whether `field` is the latitude or longitude of a GeoLocation."""
    if len(field.path) < 2 or field.path[-1] not in AXES:
        return False
    try:
        parent = catalogue().resolve(field.module, (*field.base, *field.path[:-1])).leaf
    except KeyError:
        return False
    return parent is not None and parent.object in GEO_OBJECTS


def axis_floor(field: ResolvedField) -> float:
    """The floor of a coordinate axis, in degrees: the coordinates' own."""
    return SITE_COORDINATE_STEP if field.site else COORDINATE_STEP


def axis_degrees(literal: syntax.Literal) -> float | None:
    """A bound on an axis in degrees: the decimal text OCPI sends, or a number."""
    value = literal.value
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            degrees = float(value.strip())
        except ValueError:
            return None
        return degrees if -180.0 <= degrees <= 180.0 else None
    return None


def axis_quantity(field: ResolvedField) -> str:
    """What an axis cuts: the place its coordinates hold, as a grid over them reads it."""
    return quantity_at(field.module, (*field.base, *field.path[:-1]),
                       field.qualified.rsplit(".", 1)[0])
