"""Date filter checks of one module: is `date_from` inclusive, `date_to` exclusive, and
are both applied at all. Timestamps are compared in whole seconds, the precision
ocpispec sends its filters in.

With tA < tB the two earliest seconds of `last_updated` in the sample:
  * `[tA, tB)` must hold objects of second tA only: one of tB means an inclusive
    `date_to`, a later one an ignored `date_to`, none at all an exclusive `date_from`;
  * `[tB, now)` must hold nothing before tB, else `date_from` is ignored.

Objects updated outside `[tA, tB)` that all hold another timestamp inside it (a session's
`start_date_time`) show a platform filtering on that field, not on `last_updated`
(`filtered_on`): no run can see what that loses, so it blocks.

With tL the latest second of the sample, after its first object's: the first page (of one
object) of `[tL, now)` must hold something, else the platform cuts its page from the whole
list before the date filters apply (`cut_before_filters`).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from ocpispec.doctor.model import Finding, Status
from ocpispec.doctor.probes import ModuleProbe, last_updated
from ocpispec.timestamps import parse_timestamp

CHECK = "date filters"
_FIELD_NAME = re.compile(r"[a-z][a-z_]{0,39}")     # shown: a field name, never a value


def window_findings(probe: ModuleProbe) -> list[Finding]:
    window, after = probe.pages.get("window"), probe.pages.get("after")
    module = probe.module
    if probe.bounds is None:
        if "sample" in probe.pages and probe.stopped is None and probe.error is None:
            return [Finding(module, CHECK, Status.SKIPPED, "the sample has fewer than two distinct `last_updated` "
                            "seconds to build a test window from")]
        return []
    if window is None or after is None:
        return []
    early, late = probe.bounds
    if (field := filtered_on(window.objects, early, late)) is not None:
        return [Finding(module, CHECK, Status.BLOCKING, f"the date filters apply to `{field}`, not to "
                        f"`last_updated`: a window brought objects updated outside it whose `{field}` lies in it",
                        f"a `since last run` export never gets an object updated after the window its `{field}` "
                        "lies in (a session ended or a CDR written later), and no run can see it; ask the CPO "
                        "to apply `date_from` and `date_to` to `last_updated`, as OCPI says")]
    inside = _seconds(window.objects)
    ignored = []
    if any(t > late for t in inside):
        ignored.append("`date_to`")
    if any(t < early for t in inside) or any(t < late for t in _seconds(after.objects)):
        ignored.append("`date_from`")
    if ignored:
        return [Finding(module, CHECK, Status.HANDLED, f"ignores {' and '.join(sorted(ignored))}: objects outside "
                        "the window come back",
                        "ocpispec enforces the window on its side and warns; every run reads the whole list")]
    if any(t == late for t in inside):
        return [Finding(module, CHECK, Status.HANDLED, "`date_to` is inclusive (objects updated exactly at "
                        "`date_to` come back; OCPI 2.2 says exclusive)",
                        "ocpispec enforces the window on its side, so such objects come in the next run only")]
    if not any(t == early for t in inside):
        if any(not isinstance(obj, dict) for obj in window.objects):
            return [Finding(module, CHECK, Status.SKIPPED, "not judged: the window page held an object ocpispec "
                            "cannot read (see `invalid objects`)")]
        return [Finding(module, CHECK, Status.HANDLED, "`date_from` is exclusive: objects updated exactly at "
                        "`date_from` do not come back (OCPI 2.2 says inclusive)",
                        "ocpispec asks for every window a second before its start and leaves that second "
                        "out, so objects at a window's start arrive once")]
    return [Finding(module, CHECK, Status.OK, "`date_from` inclusive, `date_to` exclusive; nothing outside "
                    "the window")]


def cut_before_filters(probe: ModuleProbe) -> list[Finding]:
    """A window's first page empty although the sample holds an object of that window: the
    page was cut (`offset`, `limit`) from the whole list before the date filters kept the
    window's objects. A platform that says where its list goes on (`X-Total-Count`, next
    links) is read on past such pages; one that says neither ends a run's window at its first
    empty page, and a `since last run` window after the list's first page reads nothing."""
    late, window = probe.pages.get("late"), probe.pages.get("window")
    if late is None or late.objects or (window is not None and probe.bounds is not None
                                        and probe.bounds[0] not in _seconds(window.objects)):
        return []    # an object there, or an exclusive `date_from` (its own finding) may explain none
    observed = (f"pages are cut from the whole list before the date filters apply: the first page of a window "
                f"from `{late.filters['date_from']}` is empty, although the sample holds an object updated then")
    pages = probe.pages.values()
    if any(page.total is not None or page.link is not None for page in pages):
        return [Finding(probe.module, "paging and filters", Status.HANDLED, observed,
                        "ocpispec reads on past short and empty pages by the platform's `X-Total-Count` and "
                        "next links")]
    return [Finding(probe.module, "paging and filters", Status.BLOCKING, observed + ", and the platform sends "
                    "neither `X-Total-Count` nor next links",
                    "a run's window ends at its first empty page: every `since last run` window after the first "
                    "page of the list fails as incomplete (OCX571) when the list's last object lies in it, and "
                    "misses its objects otherwise; ask the CPO to apply the date "
                    "filters before paging, or to send `X-Total-Count` and `Link` (OCPI requires both)")]


def filtered_on(objects: list[Any], early: datetime, late: datetime) -> str | None:
    """The top-level timestamp field other than `last_updated` that every object of the
    window `[early, late)` holds inside it (`late` too: a `date_to` may be inclusive), when
    some of them were updated outside it: the field the platform filters on."""
    held = [obj for obj in objects if isinstance(obj, dict)]
    if not any((t := last_updated(obj)) is not None and not early <= t <= late for obj in held):
        return None
    names = [name for name in held[0] if name != "last_updated" and _FIELD_NAME.fullmatch(str(name))]
    return next((name for name in names if all(_within(obj.get(name), early, late) for obj in held)), None)


def _within(value: Any, early: datetime, late: datetime) -> bool:
    moment = parse_timestamp(value) if isinstance(value, str) else None
    return moment is not None and early <= moment - timedelta(microseconds=moment.microsecond) <= late


def _seconds(objects: list[object]) -> list[datetime]:
    return [t for obj in objects if (t := last_updated(obj)) is not None]
