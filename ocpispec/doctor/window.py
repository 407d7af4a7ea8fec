"""Date filter checks of one module: is `date_from` inclusive, `date_to` exclusive, and
are both applied at all. Timestamps are compared in whole seconds, the precision
ocpispec sends its filters in.

With tA < tB the two earliest seconds of `last_updated` in the sample:
  * `[tA, tB)` must hold objects of second tA only: one of tB means an inclusive
    `date_to`, a later one an ignored `date_to`, none at all an exclusive `date_from`;
  * `[tB, now)` must hold nothing before tB, else `date_from` is ignored.
"""

from __future__ import annotations

from datetime import datetime

from ocpispec.doctor.model import Finding, Status
from ocpispec.doctor.probes import ModuleProbe, last_updated

CHECK = "date filters"


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
        return [Finding(module, CHECK, Status.BLOCKING, "`date_from` is exclusive: objects updated exactly at "
                        "`date_from` do not come back",
                        "an incremental run would miss objects updated in the second its previous window "
                        "ended; ask the CPO to make `date_from` inclusive")]
    return [Finding(module, CHECK, Status.OK, "`date_from` inclusive, `date_to` exclusive; nothing outside "
                    "the window")]


def _seconds(objects: list[object]) -> list[datetime]:
    return [t for obj in objects if (t := last_updated(obj)) is not None]
