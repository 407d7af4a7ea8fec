"""Location stamps: does a location's `last_updated` cover its EVSEs' and connectors'
(OCPI says it does), and if not, which stamp do the date filters follow?

A sampled location with a child updated after it is asked for again in a window that
starts at that child's stamp: a platform filtering by the latest stamp sends it (a run
reads such a location as last updated when its child was), one filtering by the
location's own stamp does not, and a `since last run` export of locations then gets an
EVSE's update (its status) only with the location's next update of its own.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

from ocpispec.doctor.model import Finding, Status
from ocpispec.ocpi.objects import raise_location_stamp
from ocpispec.timestamps import format_timestamp, parse_timestamp

CHECK = "location stamps"
STALE_LIMIT = 10


def stale_location(objects: list[Any], now: datetime) -> tuple[str, datetime, int] | None:
    """(id, latest child stamp, how many sampled locations) of the sampled locations
    whose `last_updated` is older than one of their EVSEs' or connectors'."""
    found: list[tuple[str, datetime]] = []
    for location in objects:
        raised = copy.deepcopy(location) if isinstance(location, dict) else None
        if raised is not None and raise_location_stamp(raised, now) and isinstance(location.get("id"), str):
            stamp = parse_timestamp(raised["last_updated"])
            if stamp is not None:
                found.append((location["id"], stamp))
    if not found:
        return None
    location_id, stamp = max(found, key=lambda item: item[1])
    return location_id, stamp, len(found)


def window_from(stamp: datetime) -> str:
    return format_timestamp(stamp)     # whole seconds, inclusive: the child's second is in it


def stamp_findings(module: str, stale: tuple[str, datetime, int] | None, page: Any) -> list[Finding]:
    """`stale` as `stale_location` found it, `page` the answer to the window from its
    child's stamp (a `probes.Page`; this module is below `probes`)."""
    if stale is None:
        return []
    location_id, _, count = stale
    seen = (f"{count} sampled location{'s' if count != 1 else ''} with an EVSE or connector updated after the "
            "location's `last_updated` (OCPI: the location's covers them)")
    ids = [obj.get("id") for obj in page.objects if isinstance(obj, dict)] if page is not None else []
    complete = page is not None and page.link is None and (page.total is None or page.total <= len(page.objects))
    if location_id in ids:
        return [Finding(module, CHECK, Status.HANDLED, f"{seen}; the date filters follow the EVSEs",
                        "ocpispec reads such a location as last updated when its latest EVSE or connector was")]
    if complete:
        return [Finding(module, CHECK, Status.WARNING, f"{seen}; the date filters follow the location's "
                        "own `last_updated`, so an EVSE's update is not listed in the window it happened in",
                        "a `since last run` export of locations gets an EVSE's update (its status) only with the "
                        "location's next update of its own: export locations whole, or ask the CPO to raise a "
                        "location's `last_updated` with its EVSEs' (OCPI requires it)")]
    return [Finding(module, CHECK, Status.HANDLED, f"{seen}; not judged which stamp the date filters follow",
                    "ocpispec reads such a location as last updated when its latest EVSE or connector was")]


# where a session or CDR says when its charge ended, by version (2.1.1: `end_datetime`,
# `stop_date_time`); a charger's clock a little ahead of the platform's is no sign
ENDS = {"sessions": ("end_date_time", "end_datetime"), "cdrs": ("end_date_time", "stop_date_time")}
SLACK = timedelta(hours=1)


def ended_after_stamp(module: str, objects: list[Any]) -> list[Finding]:
    """Sampled sessions and CDRs whose `last_updated`, the time of their last change, is
    more than an hour before their own end: the platform does not raise it when a record
    changes (or stamps records with their start), and a `since last run` window, chosen
    by that stamp, never sees the change."""
    names = ENDS.get(module)
    if names is None or not objects:
        return []
    late = sum(1 for obj in objects if isinstance(obj, dict) and _ended_after_stamp(obj, names))
    if not late:
        return []
    return [Finding(module, "record stamps", Status.WARNING,
                    f"{late} of {len(objects)} sampled {module} ended more than an hour after their "
                    "`last_updated` (OCPI: the time of the record's last change)",
                    "the platform does not raise `last_updated` when a record changes, or stamps records "
                    "with an earlier time: a `since last run` export reads a record in the window of that "
                    "stamp, so what changes later (a session's end and status) and a record written after "
                    "that window closed never arrive; ask the CPO to stamp every change with its time")]


def _ended_after_stamp(obj: dict[str, Any], names: tuple[str, ...]) -> bool:
    stamp = parse_timestamp(obj.get("last_updated"))
    end = next((moment for name in names if (moment := parse_timestamp(obj.get(name))) is not None), None)
    return stamp is not None and end is not None and end - stamp > SLACK
