"""The floors themselves: how fine a quasi-identifier may be released (the hour, steps of
0.1, 0.01 degrees, a postal code's first 4 characters; coarser at a site that may be
someone's home), and the floor of the field a use reads."""

from __future__ import annotations

import math

from ocpispec.check.values import GEO_OBJECTS, Use
from ocpispec.schema.model import Kind, PrivacyClass

# The floors. Times: the hour (privacy.md: truncate to hour or coarser). Numbers
# (energy, durations, costs): steps of 0.1 (one decimal). Coordinates: 0.01 degrees
# (about 1 km). Postal codes: the first 4 characters (NL `1234AB` -> `1234`).
TIME_FLOOR_SECONDS = 3600
NUMBER_STEP = 0.1
COORDINATE_STEP = 0.01
POSTAL_PREFIX = 4
# At a site that may be someone's home (a dataset that includes private locations), the
# place is the resident's address: privacy.md allows municipality level only. A 4-digit
# postal area is a neighbourhood, a 0.01-degree cell a few streets; 3 characters (NL
# `123`, some 20,000 people) and 0.05 degrees (about 5 x 3.5 km) are a municipality's scale.
SITE_COORDINATE_STEP = 0.05
SITE_POSTAL_PREFIX = 3

UNIT_SECONDS = {"minute": 60, "quarter_hour": 900, "hour": 3600, "day": 86_400,
                "week": 604_800, "month": 28 * 86_400, "quarter": 90 * 86_400,
                "year": 365 * 86_400}

# The calls with a floor, as docs/language.md and `explain OCX303` list them.
GENERALISERS = ("truncate", "round", "bucket", "prefix", "round_coords", "grid", "minutes",
                "hours", "weekday", "hour_of_day", "sum", "avg", "count", "min", "max", "median",
                "percentile", "keep")


def field_floor(use: Use) -> float:
    """The floor of the field a use reads: the smallest step the field may show, in its
    own unit (inf: no generaliser can bring it to a floor, e.g. free text or an
    identifier-like string)."""
    field = use.field.field
    if field.object in GEO_OBJECTS:
        return SITE_COORDINATE_STEP if use.field.site else COORDINATE_STEP
    if site_stamp(use):
        return math.inf
    match field.kind:
        case Kind.DATETIME:
            return TIME_FLOOR_SECONDS
        case Kind.NUMBER | Kind.INTEGER:
            return NUMBER_STEP
    return math.inf


def postal_prefix(use: Use) -> int:
    """The most characters of a postal code `prefix` may keep for this use."""
    return SITE_POSTAL_PREFIX if use.field.site else POSTAL_PREFIX


def site_stamp(use: Use) -> bool:
    """A joined location's, EVSE's or connector's `last_updated`, quasi in a charge
    dataset (`schema/charge_sites.py`): not a time of the charge but a value of the site
    that the CPO publishes and no two sites share, so cut to the hour or the day it still
    names the site, as its id does (on the demo CPO all 360 are whole hours)."""
    return use.field.module == "locations" and use.field.path[-1:] == ("last_updated",) \
        and use.field.privacy is PrivacyClass.QUASI


def is_postal(name: str) -> bool:
    return "postal" in name


def round_digits(step: float) -> int | None:
    """The most digits `round` may keep on a value that shows steps of `step` and still
    reach the floor: 10^-digits >= step (`kwh * 1000` shows steps of 100: -2)."""
    if not math.isfinite(step) or step <= 0:
        return None
    digits = math.floor(-math.log10(step) + 1e-9)
    return digits if -6 <= digits <= 10 else None
