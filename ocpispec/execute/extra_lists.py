"""How many pages an extra list read for a window may take: the records updated since
its `date_to` (a platform applying its date filters early), in the SHIFT_MARGIN before
its `date_from` (late), or since a `window on FIELD`'s list was pinned.

Such a list has no end of its own where it is asked without `date_to`, and a platform
that adds records faster than they are read (an adversary, or a list that never ends)
kept a run reading it: 3,282 requests of sessions invented as they were read. Its budget
is proportional to what the window's own list needed, scaled by how much longer a span
of time the extra list covers than the window, with a floor for short windows; past it
the list is cut short and the window cannot be proven complete (OCX571, nothing
committed). Any other doubt of such a list (a link loop, empty pages, ...) is the
window's too, as the window's own list's would be (`AuditedFetch.incomplete`).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

# each extra list's name in what a run says of it (`AuditedFetch.role`): its doubts are the window's
BEFORE_WINDOW = "the list of records updated before `date_from`"
AFTER_WINDOW = "the list of records updated since `date_to`"
SINCE_PIN = "the list of records updated since the window was pinned"

# pages an extra list may take whatever the window needed (a window of one page: its
# tail after a busy day)
FLOOR_PAGES = 20
# an extra list's pages per page of the window, per window's span of time it covers
PAGES_PER_WINDOW_PAGE = 2


def page_budget(window_pages: int, date_from: datetime | None, date_to: datetime | None,
                span: timedelta) -> int:
    """The pages an extra list covering `span` may take after a window of `window_pages`
    pages from `date_from` to `date_to` (a window from the floor: its span is long)."""
    window = (date_to - date_from) if date_from is not None and date_to is not None else None
    times = 1 if window is None or window <= timedelta(0) else max(1, math.ceil(span / window))
    return FLOOR_PAGES + PAGES_PER_WINDOW_PAGE * window_pages * times
