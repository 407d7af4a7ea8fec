"""The IANA zone a written time zone means, for a help: `"Amsterdam"` and
`"europe/amsterdam"` are `"Europe/Amsterdam"`, and an offset (`"UTC+1"`, `"GMT+01:00"`) is
the tz database's fixed-offset zone, `"Etc/GMT-1"`, whose sign is inverted. A spelling
guess alone turned `"UTC+1"` into `"UTC"` and `"GMT+1"` into `"GMT+0"`: an hour off, in
a help that checks clean."""

from __future__ import annotations

import re

from ocpispec import calendar_windows
from ocpispec.check.context import did_you_mean

_OFFSET = re.compile(r"(?:utc|gmt|z)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)


def meant_zone(written: str) -> tuple[str, str] | None:
    """(zone, what it is) for the zone `written` means, or None."""
    text = written.strip()
    offset = _OFFSET.fullmatch(text)
    if offset is not None and text[:1] not in "0123456789":
        sign, hours, minutes = offset.group(1), int(offset.group(2)), offset.group(3)
        if minutes not in (None, "00") or hours > 14:
            return None  # no fixed zone of the tz database holds it
        if hours == 0:
            return "UTC", "the same offset"
        inverted = "-" if sign == "+" else "+"
        return (f"Etc/GMT{inverted}{hours}", f"UTC{sign}{hours} all year (the tz database "
                "writes the sign inverted); a region such as `Europe/Amsterdam` follows "
                "summer time")
    names = sorted(calendar_windows.zone_names())
    exact = {name.lower(): name for name in names}.get(text.lower())
    guess = exact or did_you_mean(text, names)
    return (guess, "") if guess is not None else None
