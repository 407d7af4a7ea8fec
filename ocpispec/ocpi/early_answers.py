"""The first requests of a crawl's end checks, sent as soon as the last page of a list
read by offset is accepted rather than after the consumer is done with it and each
check after the one before.

Each is a round trip on the critical path of a crawl of several pages with
`X-Total-Count` (the `count-shift` check's list of objects updated since the pinned
`date_to`; on a list deeper than `DEEP_PAGING` ending at a full page, the objects beyond
it): asked one after the other once the consumer was done with the last page, they were
two of the 9 round trips of 20,000 sessions read at concurrency 4. Asked early, they
travel side by side while the last page is handed on, and each check reads its answer
where it asked before.

An early request is the very request its check makes (the same URL, built by the same
`_probe_url`), made after every page of the list has been answered: what it sees is
what the check saw, a few milliseconds sooner. Its answer is read once; a check that
asks something else asks the platform as before. A request that fails reads as one that
failed in the check's own turn (None); anything else it raises is raised where the check
reads it, before the crawl's end.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from ocpispec.ocpi.crawl_pages import EMPTY_WINDOW
from ocpispec.ocpi.stats import Note, held


class EarlyAnswer:
    """One request's answer, asked in a thread of its own from the moment it is made. Its
    warnings (a retry's, the answer's) are said where it is read, through `warn`, as the
    check asking in its own turn says them, not at whatever moment the answer came."""

    def __init__(self, ask: Callable[[], Any], warn: Callable[..., None]) -> None:
        self._answer: Any = None
        self._problem: BaseException | None = None
        self._warn = warn
        self._notes: list[Note] = []
        # a daemon: a crawl its consumer leaves early does not wait for a probe it never reads
        self._thread = threading.Thread(target=self._run, args=(ask,), name="ocpispec-end-probe", daemon=True)
        self._thread.start()

    def _run(self, ask: Callable[[], Any]) -> None:
        try:
            self._answer = held(self._notes, ask)
        except BaseException as problem:  # noqa: BLE001 - raised to the reader in `result`
            self._problem = problem

    def result(self) -> Any:
        self._thread.join()
        for message, kind in self._notes:
            self._warn(message, kind=kind)
        if self._problem is not None:
            raise self._problem
        return self._answer


class EarlyAnswers:
    """`Crawl`'s early requests of its end checks (a mixin over the crawl's state; the
    checks' own requests go through `_early_or_asked`)."""

    def _ask_end_checks_early(self) -> None:
        """After the last page of a list read by offset was accepted (no page is asked
        after it): the first request of each end check that will certainly make one."""
        if self._count_in_doubt():      # a list short of its count (`_probe`: one object)
            self._ask_early(EMPTY_WINDOW, 1)
        if (shift := self._count_shift_request()) is not None:
            self._ask_early(*shift)
        # (`_ended_before_last_object` asks nothing of a list with a count, as every list read by offset has)
        if self.report.first_total is not None and (ended := self._full_page_end()) is not None:
            page, caps = ended
            if probes := self._went_on_probes(page, caps):
                self._ask_early(probes[0], page.request.limit)

    def _ask_early(self, filters: dict[str, str], limit: int | None) -> None:
        url = self._probe_url(filters, 0, limit)
        if url not in self._early:
            self._early[url] = EarlyAnswer(lambda: self._asked(url), self._warnings.add)

    def _early_or_asked(self, url: str) -> Any:
        """The answer to `url`: the early one where it was asked early, else asked now."""
        early = self._early.pop(url, None)
        return early.result() if early is not None else self._asked(url)

    def _drop_early_answers(self) -> None:
        """Pages are asked after all (the list read on by its links): an answer asked
        before them tells nothing of them."""
        self._early.clear()
