"""Temporary files a killed run left at a remote destination.

A run uploads each file under `.NAME.PID-RANDOM.partial` beside its final name and
removes it when it fails; a run that is killed (or loses the server) cannot, and on S3
a killed multipart upload stays as unseen, billed parts. Before the next run of the same
export uploads anything, `sweep` lists the destination directory: temporary files of
this output's names (its manifest and data package included) that are older than
`LEFTOVER_SECONDS` are removed (S3: their unfinished multipart uploads aborted); younger
ones are only reported, since another run may be writing them. A pending commit's
temporary files are never touched here: recovery has published this export's before
(under the export's lock), and those of another export's pending commit in the same
ledger are kept. The export's and dataset's names stand in the pattern as they are, so
another export's files (`{export}-{run.date}.csv` of two exports in one directory) do
not match it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

LEFTOVER_SECONDS = 3600
_SIBLINGS = r"(?:\.datapackage\.json|\.manifest\.json)?"


@dataclass(frozen=True, slots=True)
class Leftovers:
    """Paths on the server: removed, and left in place because they were too young."""

    removed: tuple[str, ...] = ()
    young: tuple[str, ...] = ()


# what each placeholder becomes (`execute.outputs.placeholders`): a name of another
# export's file must not match because a placeholder matched its export's name
_FILLED = {"run.date": r"\d{4}-\d{2}-\d{2}", "run.time": r"\d{6}",
           "run.timestamp": r"\d{8}T\d{6}Z", "window.start": r"(?:[0-9][0-9TZ.+-]*|all)",
           "window.end": r"(?:[0-9][0-9TZ.+-]*|all)"}


def name_pattern(template: str, fixed: Mapping[str, str] | None = None) -> re.Pattern[str]:
    """The temporary names of the files of an output whose final name is `template`:
    the placeholders in `fixed` (`export`, `dataset`) stand for their values, the run's
    and window's times for any time (an unknown placeholder for any text without `/`)."""
    name = _filled(template, fixed)
    return re.compile(rf"^\.{name}{_SIBLINGS}\.\d+-[0-9a-f]{{8}}\.partial$")


def manifest_pattern(template: str, fixed: Mapping[str, str] | None = None) -> re.Pattern[str]:
    """The final names of the manifests of an output whose final name is `template`
    (placeholders as `name_pattern` reads them); group 1 is the delivered file's."""
    return re.compile(rf"^({_filled(template, fixed)})\.manifest\.json$")


def _filled(template: str, fixed: Mapping[str, str] | None) -> str:
    def part_of(part: str) -> str:
        if not (part.startswith("{") and part.endswith("}")):
            return re.escape(part)
        name = part[1:-1]
        if fixed is not None and name in fixed:
            return re.escape(fixed[name])
        return _FILLED.get(name, "[^/]+")

    return "".join(part_of(part) for part in re.split(r"(\{[^{}]*\})", template))


def sweep(session: object, directory: str, pattern: re.Pattern[str],
          keep: frozenset[str] = frozenset()) -> Leftovers:
    """Remove the old temporary files matching `pattern` in `directory`, except the
    paths in `keep` (those a pending commit in the ledger still has to publish)."""
    removed, young = [], []
    for path, age in session.partials(directory):  # type: ignore[attr-defined]
        if not pattern.match(path.rsplit("/", 1)[-1]) or path in keep:
            continue
        if age < LEFTOVER_SECONDS:
            young.append(path)
            continue
        session.discard(path)  # type: ignore[attr-defined]
        removed.append(path)
    return Leftovers(tuple(removed), tuple(young))
