"""The deliveries a remote destination's folder holds already: the manifests of an
output's files (named by its destination's pattern) whose file is still beside them.

A local folder is read directly (`execute.first_runs`); a server's is read here, in the
session that tries the destination before anything is fetched, so that a first
`since last run` window (a second ledger delivering into the same folder) and a ledger
behind the deliveries (restored from a backup) are seen there too. Reading is bounded:
a first run reads the newest `MOST_READ` manifests by name, a later run only those
written after its state was committed (normally none).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

MOST_READ = 200
_MOST_MANIFEST_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class Wanted:
    """Which manifests to read: those named by `pattern` (`leftovers.manifest_pattern`),
    written after `after` (POSIX time; None: any)."""

    pattern: re.Pattern[str]
    after: float | None


@dataclass(frozen=True, slots=True)
class Earlier:
    """A manifest in the folder, its file beside it: its name and first MiB."""

    name: str
    text: bytes


def earlier_manifests(session: Any, directory: str, wanted: Wanted) -> tuple[Earlier, ...]:
    """The manifests `wanted` names in `directory`, newest first. A server that leaves
    a file's time out cannot say it was written after the state: such a manifest is
    read by a first run only."""
    entries = session.ensure().listing(directory)
    present = {name for name, _ in entries}
    chosen = []
    for name, written in entries:
        found = wanted.pattern.match(name)
        if found is None or found.group(1) not in present:
            continue
        if wanted.after is None or (written is not None and written > wanted.after):
            chosen.append((written or 0.0, name))
    folder = directory.rstrip("/")
    read = []
    for _, name in sorted(chosen, reverse=True)[:MOST_READ]:
        text = session.ensure().read_small(f"{folder}/{name}", _MOST_MANIFEST_BYTES + 1)
        if text is not None and len(text) <= _MOST_MANIFEST_BYTES:
            read.append(Earlier(name, text))
    return tuple(read)
