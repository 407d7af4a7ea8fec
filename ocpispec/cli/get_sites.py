"""The locations `ocpispec get` reads for its scope, beside the module it prints.

`get sessions` prints no session a run would leave out whole (`ocpi.public_scope`), so it
needs the published locations. It used to read them whole before asking for the first
session: their requests and their reading stood before the module's on the way to the
first line. Now a thread of its own reads them, on a connection of their own (the
summary counts the module's crawl alone) that reuses the module connection's discovery
(no versions round trips of its own), while the module's first pages arrive; the
two connections share one budget (`Transport.share_budget`: `--concurrency` requests in
flight together, `--rps` for both). The module's objects are judged only once the
scope is known, in their order, so the output is what it was. So is the crawl's check
of a charge sent at a published site and again at a home (`ocpi.private_copies`): it is
handed `SitesRead.scope`, and its first page waits for the locations (their error, if
any, raised there, before any line is written):

    with SitesRead(read, options, events).reading(client, module_warnings) as sites:
        pages = sites.after_first(fetched.pages(), release)   # the scope set on `release`

What the module's pages hold meanwhile is bounded by its crawl (`ocpi.ahead`: the pages
in flight and one queued). Warnings keep the order they had when the locations were read
first: the locations' connection's, then the module's crawl's (`HeldWarnings`).
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ocpispec.ocpi import FetchOptions, OcpiClient
from ocpispec.ocpi.public_scope import PublicScope

# how long leaving early (an error, Ctrl-C) waits for the locations' thread to end
_JOIN_SECONDS = 5.0


class HeldWarnings:
    """An `EventSink` that passes progress on at once and warnings only when released
    (`hold`, then `release`); warnings arrive from the crawls' threads."""

    def __init__(self, events: Any, held: bool = False) -> None:
        self._events, self._held, self._waiting = events, held, []
        self._lock = threading.Lock()

    def page(self, module: str, objects: int, total: int | None) -> None:
        self._events.page(module, objects, total)

    def warn(self, message: str) -> None:
        with self._lock:
            if self._held:
                self._waiting.append(message)
                return
        self._events.warn(message)

    def hold(self) -> None:
        with self._lock:
            self._held = True

    def release(self, shown: bool = True) -> None:
        """Show the warnings held (`shown`), or drop them, and pass the next on."""
        with self._lock:
            waiting, self._waiting, self._held = self._waiting, [], False
        for message in waiting if shown else ():
            self._events.warn(message)


class SitesRead:
    """The scope of a module from the locations, read in a thread of its own by `read`
    (given the locations' connection; its errors, OCX576 and OCX571 among them, are
    raised where the scope is asked for)."""

    def __init__(self, read: Callable[[OcpiClient], PublicScope], options: FetchOptions,
                 events: Any) -> None:
        self._read_scope, self._options = read, options
        self._warnings = HeldWarnings(events, held=True)
        self._scope: PublicScope | None = None
        self._problem: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._module_warnings: HeldWarnings | None = None

    @contextlib.contextmanager
    def reading(self, client: OcpiClient, module_warnings: HeldWarnings) -> Iterator[SitesRead]:
        """Connect (in this thread: a discovery it needs goes first, as before) and
        start reading; `module_warnings` (the module's connection's) wait for the
        locations' warnings until the scope is known."""
        # the module's connection has discovered (or was given) the endpoints already
        with OcpiClient.connect(client.credentials_as_discovered(), options=self._options,
                                events=self._warnings) as sites:
            client.share_budget(sites)
            module_warnings.hold()
            self._module_warnings = module_warnings
            self._thread = threading.Thread(target=self._read, args=(sites,), daemon=True,
                                            name="ocpispec-sites")
            self._thread.start()
            try:
                yield self
            finally:
                self._stop_waiting()
        if self._thread.is_alive():     # left early: the closed connection ends it
            self._thread.join(_JOIN_SECONDS)

    def _read(self, sites: OcpiClient) -> None:
        try:
            self._scope = self._read_scope(sites)
        except BaseException as problem:  # noqa: BLE001 - raised in the main thread by `scope`
            self._problem = problem

    def scope(self) -> PublicScope:
        """The scope, once the locations are read (their error raised here); their
        warnings are shown, then the module's that waited. Where the locations failed,
        the module's are dropped: read first, they stopped `get` before its module."""
        assert self._thread is not None
        self._thread.join()
        self._stop_waiting(module_shown=self._problem is None)
        if self._problem is not None:
            raise self._problem
        assert self._scope is not None
        return self._scope

    def _stop_waiting(self, module_shown: bool = True) -> None:
        self._warnings.release()
        if self._module_warnings is not None:
            self._module_warnings.release(module_shown)
            self._module_warnings = None

    def after_first(self, pages: Iterable[Any], release: Any) -> Iterator[Any]:
        """`pages`, with `release.scope` set to the scope once the first page has come
        (the module's crawl started: its requests go out while the locations are read).
        Where the module's first page fails, the locations' error, if any, is raised
        first, as when they were read before the module."""
        pages = iter(pages)
        try:
            first = [next(pages)]
        except StopIteration:
            first = []
        except Exception:
            self.scope()
            raise
        release.scope = self.scope()
        return itertools.chain(first, pages)
