"""Lookup tables shared by the datasets of one run.

Two datasets of a run that join the same module read the same list: the same version,
the same normalizer (so the same fields, projected the same way), the same key and
party paths, the same list window and the same scope. Such a table is built once, by
the first dataset that needs it, and the datasets after it read it through a view of
their own (`TableLookup.view`: their own per-id fallback, so each counts and asks what
it asked before). Each dataset that reads a shared table carries its crawls as its own:
a doubt of the shared list fails each of them, as two lists of it did.

The registry owns the shared tables (encoded, projected records, as each dataset's
table held them before: nothing more is kept) and closes each once no later dataset
of the run will read it, or every one when the run fails (`close`).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ocpispec.execute.crawls import AuditedFetch
    from ocpispec.execute.lookups import TableLookup


class Sharer(Protocol):
    """A dataset's lookups, as the registry asks them which tables they will read."""

    dataset: Any

    def share_keys(self, version: str) -> set[Hashable]: ...


@dataclass(frozen=True)
class SharedTable:
    table: TableLookup                  # owned by the registry: read through views
    crawls: tuple[AuditedFetch, ...]    # the lists it was built from
    tariffs: frozenset[Any]             # the tariffs its published locations name (scope)
    version: str


class SharedLookups:
    """The tables of one run's datasets, by what makes two of them the same."""

    def __init__(self) -> None:
        self._tables: dict[Hashable, SharedTable] = {}
        self._users: list[Sharer] = []
        self.estimates: dict[Hashable, int] = {}  # a dry run's records of each list counted

    def join(self, user: Sharer) -> None:
        """`user` runs after those that joined before it."""
        self._users.append(user)

    def later(self, user: Sharer) -> list[Sharer]:
        """The users that run after `user`."""
        return self._users[self._users.index(user) + 1:] if user in self._users else []

    def find(self, key: Hashable) -> SharedTable | None:
        return self._tables.get(key)

    def keep(self, key: Hashable, shared: SharedTable) -> None:
        self._tables[key] = shared

    def release(self, user: Sharer) -> None:
        """`user` is done: the tables no dataset after it reads are closed."""
        later = self.later(user)
        for key, shared in list(self._tables.items()):
            if not any(key in other.share_keys(shared.version) for other in later):
                del self._tables[key]
                shared.table.close()

    def close(self) -> None:
        """Every table closed (the run failed: no dataset reads them any more)."""
        tables, self._tables = self._tables, {}
        for shared in tables.values():
            shared.table.close()
