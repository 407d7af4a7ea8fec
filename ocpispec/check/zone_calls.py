"""A time moved to a zone as other tools move it, `hour_of_day(convert_tz(start_date_time,
"UTC", "Europe/Amsterdam"))`, `tz_convert(...)`, `from_utc_timestamp(...)`: the language
has no zoned time, the function that cuts a time takes the zone as its last argument. The
help writes the call around it that way (it said "see `docs/language.md`", and OCX236
wrapped the unknown call in a zone of its own)."""

from __future__ import annotations

import re

from ocpispec.diagnostics.source import Span
from ocpispec.language import syntax

ZONE_CALLS = frozenset({"convert_tz", "tz_convert", "from_utc_timestamp", "to_timezone",
                        "convert_timezone", "at_timezone", "timezone", "to_local",
                        "local", "localtime", "local_time", "tz_localize", "with_timezone"})
_ZONE = re.compile(r"^[A-Za-z]+(?:/[A-Za-z0-9_+-]+)+$|^UTC$")


def zone_call(call: syntax.Call, around: tuple, text: str) -> tuple[Span, str] | None:
    """Where the caret goes and the call to write, for a zone conversion written as a
    function of its own."""
    if call.name.name.lower() not in ZONE_CALLS:
        return None
    times = [arg for arg in call.args if isinstance(arg, syntax.FieldRef)]
    zones = [arg.value for arg in call.args if isinstance(arg, syntax.Literal)
             and isinstance(arg.value, str) and _ZONE.match(arg.value)]
    zones = [zone for zone in zones if zone != "UTC"] or zones or ["Europe/Amsterdam"]
    time = times[0].dotted if times else "start_date_time"
    outer = around[0] if around and isinstance(around[0], syntax.Call) else None
    name = outer.name.name if outer is not None else None
    if outer is not None and name in ("hour_of_day", "weekday") and len(outer.args) == 1:
        return outer.span, f'{name}({time}, "{zones[0]}")'
    if outer is not None and name == "truncate" and len(outer.args) == 2:
        unit = text[outer.args[1].span.start:outer.args[1].span.end]
        return outer.span, f'truncate({time}, {unit}, "{zones[0]}")'
    return call.span, f'truncate({time}, hour, "{zones[0]}")'
