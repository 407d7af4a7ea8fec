"""SQL's `start_date_time between '2025-01-01' and '2025-12-31'` in a `where`: a range of
days, both read, which the language writes as a window under `from` (`between` there
reads its start up to, not including, its end)."""

from __future__ import annotations

import datetime as dt
import re

_DAY = re.compile(r"""^['"]?(\d{4}-\d{2}-\d{2})['"]?$""")


def time_window(value: str, low: str, high: str) -> str | None:
    """`start_date_time between '2025-01-01' and '2025-12-31'`: SQL's range of days, both
    read, as the window the language has (its end not read: the day after the last)."""
    first, last = _DAY.match(low), _DAY.match(high)
    field = value.split(".")[-1]
    if first is None or last is None or not (field.endswith("date_time") or
                                             field == "last_updated"):
        return None
    try:
        end = dt.date.fromisoformat(last.group(1)) + dt.timedelta(days=1)
        dt.date.fromisoformat(first.group(1))
    except ValueError:
        return None
    window = f"between {first.group(1)} and {end.isoformat()}"
    on = f" and `window on {value}`" if value in ("start_date_time", "end_date_time") else ""
    return (f"write the window under `from`: `{window}`{on} (its end is not read: the day "
            f"after {last.group(1)}, so that day is read whole)")
