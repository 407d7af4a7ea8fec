"""Records updated after the window while the list after it is read.

The list of records updated since a window's `date_to` (`extra_lists.AFTER_WINDOW`) is
read for the window's records a platform applying `date_to` early kept back. On a busy
platform the records in it are updated again while it is read: each moves to the list's
end, and those behind it shift down onto pages read already, so the list shows the doubts
of objects moving (a shortfall of its `X-Total-Count`, repeats, later copies). Those doubts
are the window's only where a record of the window may be among the objects they skipped.

Objects skip only at a page boundary, past the first page, and they are the objects
behind it in the list's order. A list that came sorted by `last_updated` (every stamp at
or after the one before, across its pages) whose first page already ended at or after
`date_to` holds behind that page only records updated after the window: whatever such a
list skipped, the window lost nothing. Any other doubt of it (a link loop, empty pages,
a list that does not end, one cut at its budget) stays the window's.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from ocpispec.timestamps import parse_timestamp

# doubts that objects moving while a list is read explain (`crawl_doubts.DOUBTS` kinds)
MOVING = frozenset({"shift", "shift-unseen", "count-shift", "cursor-shift", "later-copy",
                    "all-repeated", "far-repeat"})


class Order:
    """Whether a list's stamps came in order, page after page, and where its first page
    (the first with records) ended."""

    def __init__(self) -> None:
        self.ordered = True
        self.first_end: datetime | None = None
        self._last: datetime | None = None

    def page(self, stamps: Iterable[object]) -> None:
        if not self.ordered:
            return
        for stamp in stamps:
            moment = parse_timestamp(stamp) if stamp.__class__ is str else None
            if moment is None or (self._last is not None and moment < self._last):
                self.ordered = False
                return
            self._last = moment
        if self.first_end is None:
            self.first_end = self._last


def beyond_window(order: Order | None, date_to: datetime | None) -> bool:
    """Whether every object the list may have skipped was updated after the window."""
    return order is not None and order.ordered and date_to is not None \
        and order.first_end is not None and order.first_end >= date_to


def moved_warning(module: str) -> str:
    """Said where the list after the window showed objects moving that lay beyond it."""
    return (f"records of `{module}` updated after the window were updated again while the list "
            "of records updated since `date_to` was read (they moved to its end, and others onto "
            "pages read already): that list came in order of `last_updated` and was past the "
            "window's end from its first page on, so none of the records it may have skipped is "
            "of the window, which was read whole")
