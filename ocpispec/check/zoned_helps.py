"""The zone a help writes into the day, week, month, year, weekday or hour cut it offers
(`dayofweek(t)` -> `weekday(t, "Europe/Amsterdam")`): pasted in without it, the next check
warns OCX236, the UTC cut in a local window or beside a local column."""

from __future__ import annotations

import re

from ocpispec.language import syntax
from ocpispec.check.calls import dataset_calls
from ocpispec.check.clocks import local_zone, stated_zone


def clock_zone(dataset: syntax.Dataset) -> str | None:
    """The zone a help writes into a day, week, month, year, weekday or hour cut so that
    OCX236 does not follow: the window's local zone, else a zone a column states."""
    zone = local_zone(dataset.source.window)
    if zone is None:
        zone = next((found for call in dataset_calls(dataset)
                     if (found := stated_zone(call))), None)
    return zone


# a cut the help writes without a zone: `weekday(t)`, `hour_of_day(t)`, `truncate(t, day)`
_UNZONED_CUT = re.compile(r"\b(?P<cut>(?:weekday|hour_of_day)\((?P<time>[\w.]+)|truncate\("
                          r"(?P<cut_time>[\w.]+), (?:day|week|month|quarter|year))\)")


def zoned_help(help_text: str, zone: str | None) -> str:
    """`help_text` with every zoneless cut it writes on `zone`'s clock."""
    if zone is None:
        return help_text
    return _UNZONED_CUT.sub(lambda found: f'{found.group("cut")}, "{zone}")', help_text)
