"""What `doctor` reports: findings, each with what ocpispec does about it, and the
timing of every request it made."""

from __future__ import annotations

import enum
import statistics
from dataclasses import dataclass, field


class Status(enum.Enum):
    OK = "ok"                  # conformant
    INFO = "info"              # a fact worth knowing, neither good nor bad
    HANDLED = "handled"        # deviates from OCPI; ocpispec copes (the action says how)
    WARNING = "warning"        # deviates; exports run, but someone should look at it
    BLOCKING = "blocking"      # exports cannot run (or would lose records) until it is fixed
    SKIPPED = "skipped"        # not tested (the finding says why)


@dataclass(frozen=True, slots=True)
class Finding:
    area: str                  # `platform` or a module name
    check: str                 # short, stable: `versions`, `limit`, `date filters`, ...
    status: Status
    observed: str              # what the platform did (never a token, an id or a query value)
    action: str = ""           # what ocpispec does about it


@dataclass(frozen=True, slots=True)
class Timing:
    path: str                  # scheme, host and path; query names only
    status: int | None         # None: no answer
    seconds: float


@dataclass(frozen=True, slots=True)
class Report:
    platform: str              # the versions URL as shown
    version: str | None        # negotiated; None when discovery failed
    offered: tuple[str, ...]
    token_encoding: str | None
    modules: dict[str, str] = field(default_factory=dict)   # module -> endpoint as shown
    findings: tuple[Finding, ...] = ()
    timings: tuple[Timing, ...] = ()

    @property
    def blocking(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.status is Status.BLOCKING)

    @property
    def exit_code(self) -> int:
        return 1 if self.blocking else 0

    def count(self, status: Status) -> int:
        return sum(1 for f in self.findings if f.status is status)


def clip(text: str, most: int = 60) -> str:
    """A platform-supplied name, cut to `most` characters."""
    return text if len(text) <= most else text[:most - 3] + "..."


def timing_summary(timings: tuple[Timing, ...] | list[Timing]) -> tuple[int, float, float]:
    """(requests, median seconds, slowest seconds)."""
    if not timings:
        return 0, 0.0, 0.0
    seconds = [t.seconds for t in timings]
    return len(seconds), statistics.median(seconds), max(seconds)
