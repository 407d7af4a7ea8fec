"""A stored discovery (a profile's) that no longer holds: the client works on it with no
request of its own until the first answer confirms it; a module it does not list, or a
request failing as a stale endpoint does (moved, gone, refused), makes the client discover
the platform once and ask again. A part of `OcpiClient` (`client.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from ocpispec.ocpi import errors
from ocpispec.ocpi.discovery import Discovery, discover
from ocpispec.ocpi.errors import OcpiError
from ocpispec.ocpi.options import Credentials
from ocpispec.ocpi.stats import Warnings
from ocpispec.ocpi.transport import Transport

# what a stored endpoint that no longer works looks like: it moved (404, 405, 410), the
# host is gone, or the token lost access to it (a module not stored at all is discovered
# again before asking)
_STALE_STATUS = (401, 403, 404, 405, 410)
# a stored endpoint that no longer answers, or that the token may no longer go to (a
# profile stored before ports were told apart): discover again, and use what it lists
_STALE_CODES = (errors.CONNECTION_FAILED, errors.FOREIGN_HOST, errors.UNAUTHORIZED)
_END: Any = object()
T = TypeVar("T")


class StaleEndpoints:
    """`OcpiClient`'s handling of a stored discovery that may no longer hold."""

    _transport: Transport
    _discovery: Discovery
    _warnings: Warnings
    credentials: Credentials
    stored: bool
    discovered: bool

    def _stored_lists(self, module: str) -> None:
        """A module the stored discovery does not list may have come since: ask."""
        if self.stored and module not in self._discovery.endpoints:
            self._rediscover(f"no `{module}` endpoint stored")

    def _stale_checked(self, module: str, ask: Callable[[], T]) -> T:
        """`ask()`; when it fails the way a stale stored endpoint fails, discover once and,
        if the endpoint moved, ask again. The first answer confirms the stored discovery."""
        if not self.stored:
            return ask()
        try:
            answer = ask()
        except OcpiError as problem:
            if not self._moved(module, problem):
                raise
            return ask()
        self.stored = False
        return answer

    def _first_page_checked(self, module: str, objects: Iterator[T],
                            crawl: Callable[[], Iterator[T]]) -> Iterator[T]:
        """The crawl, started again after one discovery when its first page fails as a
        stale endpoint does. Nothing was yielded then, so nothing repeats."""
        try:
            first = next(objects, _END)
        except OcpiError as problem:
            if not (self.stored and self._moved(module, problem)):
                raise
            objects = crawl()
            first = next(objects, _END)
        self.stored = False
        if first is not _END:
            yield first
            yield from objects

    def _moved(self, module: str, problem: OcpiError) -> bool:
        """Whether `problem` means the stored endpoint of `module` no longer holds: it
        failed as a stale one does, and discovery lists another URL for it now."""
        if not _stale(problem):
            return False
        before = self._discovery.endpoints.get(module)
        self._rediscover(problem.code)
        # a refusal (or a first answer that was a server error, as some platforms answer a
        # wrong token) before discovery, which has just been answered with this token: the
        # token holds, so the module is asked again, and a server error is then retried as one
        return self._discovery.endpoints.get(module) != before or problem.code == errors.UNAUTHORIZED

    def _rediscover(self, why: str) -> None:
        self._warnings.add(f"the stored discovery did not hold ({why}); discovered the platform again")
        self.stored = False
        self._transport.forget_unconfirmed_switch()
        self._discovery = discover(self._transport, self.credentials, self._warnings.add)
        self.discovered = True
        self._transport.accepted_by("answered its discovery with it just now")
        self._transport.use_version(self._discovery.version)
        self._transport.route(self._discovery.version, self.credentials.party, self._discovery.to_party)


def _stale(problem: OcpiError) -> bool:
    return problem.code in _STALE_CODES or problem.http_status in _STALE_STATUS
