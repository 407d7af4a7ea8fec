"""A list that ended short of an `X-Total-Count` that counts objects past the window's
end (a busy platform whose count query leaves `date_to` out, or counts the whole list).

Sessions that arrive while a window is read are updated after its `date_to`: such a
count grows between pages and stands above the window, and the list falls short of it
although nothing of the window is missing. A window from the floor could not show it
(`_dismiss_unfiltered_total` asks a window in 2100 only of a later one), nor could a count
of everything from `date_from` on (0 in 2100), so every run failed as incomplete, and
the state not moving, so did every later one while sessions kept arriving.

The objects updated since `date_to` are read to the end (`date_from` at it, no end),
and then the count is asked again with the crawl's own filters. On an honest clock an
object only leaves the window, never enters it (a `last_updated` moves forward) and
objects past `date_to` stay there: the count, asked last, counts at least every object
still in the window and every object past it that was read. So when the distinct objects
of the window's pages and of that list together are as many as it, every object still in
the window arrived; an object the crawl missed would have left one of the count's objects
unmatched (an object that left the window is the next window's). Anything the reads miss
(objects shifting while the list after `date_to` is read, sessions still arriving) only
lowers the objects against the count: no proof, the shortfall stands, and it is tried
once more. Keys must all be remembered (`RecentKeys`), so a list longer than the crawl
remembers is not tried.
"""

from __future__ import annotations

from ocpispec.ocpi.crawl_pages import page_objects
from ocpispec.timestamps import parse_timestamp

# pages of the list after `date_to` read at most (a `between` window far in the past
# has a long list after it; past this the shortfall stands)
TAIL_PAGES = 20
# tries of the list after `date_to` and the count after it (sessions still arriving
# between them raise the count again; a count that did not grow is not asked again)
TRIES = 2


class TailCount:
    """`Crawl`'s check that a count above the list counts only objects past the window
    (a mixin over the crawl's state)."""

    def _count_met_past_window(self) -> bool:
        """Whether the shortfall against `X-Total-Count` is made up by the objects updated
        since `date_to` (module docstring). Where it is, the count is set aside, said once."""
        report = self.report
        if not self._tail_may_explain():
            return False
        last = report.last_total
        for _ in range(TRIES):
            after = self._read_after_window()
            if after is None:
                return False
            counted = self._probe(dict(self._target.filters))
            if counted is None or counted[1] is None:
                return False
            if report.received + after < counted[1]:
                if counted[1] <= last:
                    return False    # a count that stands still (no session arriving) is not met by asking again
                last = counted[1]
                continue
            self._warnings.add(
                f"the platform's `X-Total-Count` for `{self._target.module}` counts objects updated after "
                f"the window's end too ({counted[1]:,} asked again after the list was read): the "
                f"{after:,} objects updated since `date_to`, read once more, make it up, so the window's "
                f"{report.received:,} objects arrived whole", kind="total-past-window")
            report.last_total = None
            return True
        return False

    def _tail_may_explain(self) -> bool:
        """Whether the list ended short of its count with a pinned `date_to` and every key
        remembered (no sample)."""
        report = self.report
        return report.last_total is not None and report.received < report.last_total \
            and "date_to" in self._target.filters and not self._full() \
            and report.received < self._options.dedup_window

    def _read_after_window(self) -> int | None:
        """How many distinct objects the list of those updated since `date_to` holds that
        the crawl did not read (None: it failed, or went on past `TAIL_PAGES`)."""
        filters, limit = {"date_from": self._target.filters["date_to"]}, self._first_limit()
        offset, keys, pin = 0, set(), self._window_end
        for _ in range(TAIL_PAGES):
            answer = self._answer(filters, offset, limit=limit)
            if answer is None:
                return None
            objects = [obj for obj in page_objects(answer.data) if isinstance(obj, dict)]
            if not objects:
                return sum(1 for key in keys if not self._keys.seen(key))
            # (a platform ignoring `date_from` lists the window too: only what lies past it counts)
            keys.update(self._check.key(obj) for obj in objects
                        if (stamp := parse_timestamp(obj.get("last_updated"))) is not None and stamp >= pin)
            offset += len(objects)
        return None

