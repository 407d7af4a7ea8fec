"""A list read from the Unix epoch where the platform will not take the second before it.

Every window asks for its `date_from` a second early, the floor's too
(`timestamps.ASKED_FLOOR`, 1969-12-31T23:59:59Z), so that a platform reading
`date_from` as exclusive still sends the records it stamps at the epoch. A platform that
reads the filters as Unix times refuses a time below zero (HTTP 400, OCPI 2001), or reads
it as an unsigned one, far in the future, and answers an empty list: the first answers
failed every export of everything and every first `since last run` run, the second
delivered nothing with exit 0. Such a list is read from the epoch itself, with a warning.
"""

from __future__ import annotations

from ocpispec.ocpi.crawl_pages import FLOOR, Page, PageRequest
from ocpispec.timestamps import EPOCH_FLOOR, parse_timestamp

__all__ = ["FLOOR", "EpochFloor", "before_epoch"]


def before_epoch(date_from: str | None) -> bool:
    moment = parse_timestamp(date_from) if date_from is not None else None
    return moment is not None and moment < EPOCH_FLOOR


class EpochFloor:
    """`Crawl`'s first page from the epoch (a mixin: it reads the crawl's state)."""

    def _epoch_floor(self, page: Page, asked: str | None) -> Page:
        """The first page of the list, `page` as read, or read again from the epoch when
        the platform refused the `date_from` asked (the page came from the epoch already)
        or answered it with nothing but has objects from the epoch on (one more request)."""
        filters, module = self._target.filters, self._target.module
        if filters.get("date_from") != asked:
            self._warnings.add(f"the platform refuses a `date_from` before 1970 (HTTP 400 or OCPI 2001; a Unix "
                               f"time below zero): `{module}` is read from {FLOOR}", kind="epoch-refused")
            return page
        if not before_epoch(asked) or page.objects or page.next_link is not None or page.total:
            return page
        filters["date_from"] = FLOOR
        again = self._fetch(PageRequest(0, page.request.limit))
        if not again.objects:
            filters["date_from"] = asked
            return page
        self._warnings.add(f"the platform answers an empty list to a `date_from` before 1970 and lists objects "
                           f"from {FLOOR} (it reads a Unix time below zero as none, or as far in the future): "
                           f"`{module}` is read from {FLOOR}", kind="epoch-empty")
        return again
