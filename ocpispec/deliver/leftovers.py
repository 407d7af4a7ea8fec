"""Temporary files a killed run left at a remote destination.

A run uploads each file under `.NAME.PID-RANDOM.partial` beside its final name and
removes it when it fails; a run that is killed (or loses the server) cannot, and on S3
a killed multipart upload stays as unseen, billed parts. Before the next run of the same
export uploads anything, `sweep` lists the destination directory: temporary files of
this output's names (its manifest and data package included) that are older than
`LEFTOVER_SECONDS` are removed (S3: their unfinished multipart uploads aborted); younger
ones are only reported, since another run may be writing them. A pending commit's
temporary files are never touched here: recovery has published them before (under the
export's lock).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LEFTOVER_SECONDS = 3600
_SIBLINGS = r"(?:\.datapackage\.json|\.manifest\.json)?"


@dataclass(frozen=True, slots=True)
class Leftovers:
    """Paths on the server: removed, and left in place because they were too young."""

    removed: tuple[str, ...] = ()
    young: tuple[str, ...] = ()


def name_pattern(template: str) -> re.Pattern[str]:
    """The temporary names of the files of an output whose final name is `template`
    (placeholders such as `{run.date}` match any text without `/`)."""
    parts = re.split(r"(\{[^{}]*\})", template)
    name = "".join("[^/]+" if part.startswith("{") and part.endswith("}") else
                   re.escape(part) for part in parts)
    return re.compile(rf"^\.{name}{_SIBLINGS}\.\d+-[0-9a-f]{{8}}\.partial$")


def sweep(session: object, directory: str, pattern: re.Pattern[str]) -> Leftovers:
    """Remove the old temporary files matching `pattern` in `directory`."""
    removed, young = [], []
    for path, age in session.partials(directory):  # type: ignore[attr-defined]
        if not pattern.match(path.rsplit("/", 1)[-1]):
            continue
        if age < LEFTOVER_SECONDS:
            young.append(path)
            continue
        session.discard(path)  # type: ignore[attr-defined]
        removed.append(path)
    return Leftovers(tuple(removed), tuple(young))
