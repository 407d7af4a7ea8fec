"""Counters of a client's work and the warnings it raised, shared across threads."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from ocpispec.schema.wire_check import Findings

T = TypeVar("T")


class EventSink(Protocol):
    """Progress hooks, so `get` and `run` can show a progress bar on stderr."""

    def page(self, module: str, objects: int, total: int | None) -> None: ...

    def warn(self, message: str) -> None: ...


@dataclass(slots=True)
class CrawlReport:
    """What one crawl of a module list saw, for judging whether it is complete:
    `received` distinct objects (usable or invalid) against the platform's last
    `X-Total-Count`, and the kinds of warning it raised (`all-repeated`, ...)."""

    module: str
    first_total: int | None = None
    last_total: int | None = None
    objects: int = 0
    duplicates: int = 0
    repeated_within: int = 0    # of `duplicates`: repeats of an object within one page (no shift makes them)
    invalid_by_reason: dict[str, int] = field(default_factory=dict)
    warning_kinds: list[str] = field(default_factory=list)
    finished: bool = False      # reached the end of the list (not an error)
    limited: bool = False       # stopped by the caller's `limit`: a sample

    @property
    def invalid(self) -> int:
        return sum(self.invalid_by_reason.values())

    @property
    def received(self) -> int:
        return self.objects + self.invalid


@dataclass(slots=True)
class FetchStats:
    requests: int = 0
    pages: int = 0
    retries: int = 0
    objects: int = 0
    duplicates: int = 0
    invalid_by_reason: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # "module.path (reason)" of values nulled for their type; "module.what" of deviations read
    invalid_fields: dict[str, int] = field(default_factory=dict)
    deviations: dict[str, int] = field(default_factory=dict)
    # module -> unknown field path -> records (of the usable objects handed on)
    unknown_fields: dict[str, dict[str, int]] = field(default_factory=dict)
    crawls: list[CrawlReport] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, *, requests: int = 0, pages: int = 0, retries: int = 0, objects: int = 0,
            duplicates: int = 0) -> None:
        with self._lock:
            self.requests += requests
            self.pages += pages
            self.retries += retries
            self.objects += objects
            self.duplicates += duplicates

    def note_invalid(self, reason: str, times: int = 1) -> None:
        with self._lock:
            self.invalid_by_reason[reason] = self.invalid_by_reason.get(reason, 0) + times

    def note_findings(self, module: str, findings: Findings) -> None:
        with self._lock:
            for path, reason in findings.invalid:
                key = f"{module}.{path} ({reason})"
                self.invalid_fields[key] = self.invalid_fields.get(key, 0) + 1
            for deviation in findings.deviations:
                key = f"{module}.{deviation}"
                self.deviations[key] = self.deviations.get(key, 0) + 1

    def note_unknown(self, module: str, paths: tuple[str, ...]) -> None:
        with self._lock:
            tally = self.unknown_fields.setdefault(module, {})
            for path in paths:
                tally[path] = tally.get(path, 0) + 1

    @property
    def invalid(self) -> int:
        return sum(self.invalid_by_reason.values())


Note = tuple[str, "str | None"]   # a warning held back: (message, kind)

_held = threading.local()


class Warnings:
    """Each distinct warning once: recorded in the stats and passed to the sink. A thread
    inside `held(notes)` (a fetching thread of the concurrent crawl, an early request)
    adds none: its warnings go to `notes`, which the consumer adds in page order, so that
    what stderr says, and in which order, does not depend on which answer came first."""

    def __init__(self, stats: FetchStats, sink: Callable[[str], None] | None) -> None:
        self._stats = stats
        self._sink = sink
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def add(self, message: str, *, kind: str | None = None) -> None:
        notes = getattr(_held, "notes", None)
        if notes is not None:
            notes.append((message, kind))
            return
        key = kind or message
        with self._lock:
            if key in self._seen:
                return
            self._seen.add(key)
            self._stats.warnings.append(message)
        if self._sink is not None:
            self._sink(message)


def held(notes: list[Note], work: Callable[..., T], *args: Any) -> T:
    """`work(*args)` with the warnings this thread adds meanwhile (of any `Warnings`)
    appended to `notes` instead of said."""
    before = getattr(_held, "notes", None)
    _held.notes = notes
    try:
        return work(*args)
    finally:
        _held.notes = before
