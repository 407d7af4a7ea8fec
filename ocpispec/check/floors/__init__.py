"""Generaliser floors: a generaliser protects a quasi-identifier only when it coarsens it.

`round(kwh, 10)` or `truncate(start_date_time, minute)` release the value as good as
unchanged, so they do not count. Each use of a field is followed from the field outwards
through the calls and arithmetic around it, keeping the smallest step the value may
still show (in the value's current unit): `kwh * 1000` shows steps a thousand times
finer than `kwh`, `minutes(2026-01-01, start_date_time)` turns a time into minutes.
The first call that coarsens to at least the floor protects the use; the same values
are printed by `ocpispec explain OCX303` and listed in docs/language.md.

The floors are `limits`; `walk` follows a use from the field outwards (`assess`), and
`shortfalls` says why a generaliser on the way falls short.
"""

from ocpispec.check.floors.durations import between_record_times, read_quantity
from ocpispec.check.floors.limits import (
    COORDINATE_STEP,
    GENERALISERS,
    NUMBER_STEP,
    POSTAL_PREFIX,
    SITE_COORDINATE_STEP,
    SITE_POSTAL_PREFIX,
    TIME_FLOOR_SECONDS,
    UNIT_SECONDS,
    field_floor,
    is_postal,
    postal_prefix,
    round_digits,
    site_stamp,
)
from ocpispec.check.floors.walk import Grid, Verdict, assess

__all__ = ["COORDINATE_STEP", "GENERALISERS", "NUMBER_STEP", "POSTAL_PREFIX",
           "SITE_COORDINATE_STEP", "SITE_POSTAL_PREFIX", "TIME_FLOOR_SECONDS", "UNIT_SECONDS",
           "Grid", "Verdict", "assess", "between_record_times", "field_floor", "is_postal",
           "postal_prefix", "read_quantity", "round_digits", "site_stamp"]
