"""SQL's `start_date_time AT TIME ZONE 'Europe/Amsterdam'`: in capitals it was OCX008
'write `at`', in lower case 'arguments are separated by `,`' with `start_date_time, at`
to write, each pasted a new error. The language cuts a time on a zone's clock with the
zone as the cutting call's last argument; the help writes that call."""

from __future__ import annotations

import re

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span

_AT_ZONE = r"(?P<time>[\w.]+)\s+at\s+time\s+zone\s+(?P<q>[\"'])(?P<zone>[^\"'\n]+)(?P=q)"
# the call around it (`hour(t AT TIME ZONE 'X')`, `date_trunc('day', t AT TIME ZONE 'X')`)
_IN_CALL = re.compile(r"(?P<name>\w+)\(\s*(?:[\"']?(?P<first>\w+)[\"']?\s*,\s*)?" + _AT_ZONE
                      + r"\s*(?:,\s*[\"']?(?P<unit>\w+)[\"']?\s*)?\)", re.IGNORECASE)
_BARE = re.compile(_AT_ZONE, re.IGNORECASE)
_HOURS = {"hour", "hour_of_day", "hours"}
_WEEKDAYS = {"weekday", "dow", "dayofweek", "day_of_week", "isodow"}
_DAYS = {"date", "to_date", "day", "cast"}
_WINDOW_WORDS = {"minute", "hour", "day", "week", "month", "quarter", "year", "run", "date"}


def at_time_zone(position: int, source: SourceFile) -> Diagnostic | None:
    """OCX001 over the call (or the bare `t AT TIME ZONE '...'`) holding `position`, where
    the parser or the lexer stopped, with the language's call to write."""
    start = source.text.rfind("\n", 0, position) + 1
    end = source.text.find("\n", start)
    line = source.text[start:len(source.text) if end == -1 else end]
    at = position - start
    found = next((m for m in _IN_CALL.finditer(line) if m.start() <= at < m.end()), None) \
        or next((m for m in _BARE.finditer(line) if m.start() <= at < m.end()), None)
    if found is None:
        return None
    time, zone = found.group("time"), found.group("zone")
    if time.lower().rstrip("s") in _WINDOW_WORDS:
        return None  # `previous month at time zone '...'`: a window's zone (`parse_windows`)
    groups = found.groupdict()
    name = (groups.get("name") or "").lower()
    unit = (groups.get("unit") or groups.get("first") or "").lower()
    if name in _HOURS:
        written = f'hour_of_day({time}, "{zone}")'
    elif name in _WEEKDAYS:
        written = f'weekday({time}, "{zone}")'
    else:
        cut = unit if unit in ("minute", "hour", "day", "week", "month", "year") else \
            "day" if name in _DAYS else "hour"
        written = f'truncate({time}, {cut}, "{zone}")'
    return error("OCX001", "`AT TIME ZONE` is SQL", Span(start + found.start(),
                 start + found.end()), "a time moved to a zone",
                 notes=["`truncate`, `weekday` and `hour_of_day` take an IANA time zone as "
                        "their last argument and cut the time on that zone's clock"],
                 help=f"write `{written}`")
