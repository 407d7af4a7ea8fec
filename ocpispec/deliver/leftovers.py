"""Temporary files a killed run left at a remote destination.

A run uploads each file under `.NAME.PID-OWNERRANDOM.partial` beside its final name
(`temporary_name`; OWNER is the tag of the run's ledger, as for local files:
`execute.atomic`) and removes it when it fails; a run that is killed (or loses the
server) cannot, and on S3 a killed multipart upload stays as unseen, billed parts.
Before the next run of the same export uploads anything, `sweep` lists the destination
directory: temporary files of this output's names (its manifest and data package
included) that are older than `LEFTOVER_SECONDS` are removed (S3: their unfinished
multipart uploads aborted); younger ones are only reported, since another run may be
writing them. A pending commit's temporary files are never touched here: recovery has
published this export's before (under the export's lock), those of another export's
pending commit in the same ledger are kept, and another ledger's files are never
matched (the export run with two ledgers into one folder: one's pending commit, which
only it can finish, was removed by the other's run as a killed run's leftovers). The export's and dataset's names stand in the pattern as they are, so
another export's files (`{export}-{run.date}.csv` of two exports in one directory) do
not match it.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

LEFTOVER_SECONDS = 3600
NO_LEDGER = "0" * 8  # the owner tag of a run without a ledger (`execute.atomic.NO_LEDGER`)
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


def temporary_name(directory: str, name: str) -> str:
    """The path an upload of `name` in `directory` takes until its rename, tagged with
    the run's ledger (`execute.atomic.owned_by`)."""
    from ocpispec.execute.atomic import owner_tag

    return (f"{directory.rstrip('/')}/.{name}.{os.getpid()}-{owner_tag()}"
            f"{secrets.token_hex(4)}.partial")


def name_pattern(template: str, fixed: Mapping[str, str] | None = None,
                 owner: str = NO_LEDGER) -> re.Pattern[str]:
    """The temporary names a run of the ledger tagged `owner` may sweep, of the files of
    an output whose final name is `template`: the placeholders in `fixed` (`export`,
    `dataset`) stand for their values, the run's and window's times for any time (an
    unknown placeholder for any text without `/`). Its own ledger's, those of runs
    without a ledger and, for a run with one, those of versions before the tags (a
    bare random part); never another ledger's."""
    name = _filled(template, fixed)
    tags = NO_LEDGER if owner == NO_LEDGER else f"(?:{re.escape(owner)}|{NO_LEDGER})?"
    return re.compile(rf"^\.{name}{_SIBLINGS}\.\d+-{tags}[0-9a-f]{{8}}\.partial$")


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
