"""Idle time as a researcher names it: the time a car stays plugged in after it stopped
charging. OCPI stamps no end of charging: a CDR gives the hours connected but not
charging as `total_parking_time`, and a session gives none (its CDR does). The spelling
check offered `charging_periods` (a list) for a CDR's `charging_end`, `end_date_time`
for its `end_of_charging`, and `end_date_time` for a session's `idle_time`."""

from __future__ import annotations

from ocpispec.frozen import frozen
from ocpispec.lazy_pattern import lazy

_CHARGING_END = lazy(r"charg.*(end|stop|finish|complet|done)|"
                     r"(end|stop|finish)\w*_(of_)?charg")
_IDLE = lazy(r"idle|park|dwell|block|plugged")


@frozen
class IdleHelp:
    label: str
    note: str
    help: str


def idle_help(module: str, name: str, cdr_alias: str | None) -> IdleHelp | None:
    """The help for `name`, unknown in a `module` record, when it names the end of
    charging or the idle time after it; `cdr_alias`: the name of a session's cdrs join."""
    word = name.lower()
    ending, idle = _CHARGING_END.search(word) is not None, _IDLE.search(word) is not None
    if not (ending or idle):
        return None
    note = ("OCPI stamps no end of charging; a CDR gives the hours connected but not "
            "charging (mostly after charging ended) as `total_parking_time`")
    match module:
        case "cdrs" if ending:
            return IdleHelp("OCPI stamps no end of charging", note,
                            "the time after charging ended is in `total_parking_time`, in "
                            f"hours: for `minutes({name}, end_date_time)` write "
                            "`total_parking_time * 60`")
        case "sessions":
            field = f"{cdr_alias or 'cdr'}.total_parking_time"
            return IdleHelp("a session gives no idle time", note,
                            f"write `{field}`" if cdr_alias else
                            f"its CDR does: add `join cdrs on id` and write `{field}` "
                            "(hours)")
    return None
