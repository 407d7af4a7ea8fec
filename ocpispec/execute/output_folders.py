"""The folder of each local output, checked before anything is fetched.

A run makes the missing folders of a destination and writes its files there only once
the records come in: after the lookups' tables and, for an aggregate or a sorted
output, after every page. A destination whose path runs through a file
(`exports` a file where `exports/x.csv` needs a folder) or whose nearest existing
folder the run's user cannot write (a folder made by another user, a read-only mount,
named as such)
failed the run only then, with everything read for nothing. Both are refused before
the first request, with the folder named; so is a file name too long for the temporary
names beside it on that folder's file system (`--out`, which `ocpispec check` does not
see, or a file system with short names: eCryptfs allows 143 bytes).

At the commit each folder is found again where it was checked (`placed`): a share or
volume mounted there that came off while the run fetched left its empty mount point on
the local disk, and a folder replaced by a symbolic link led elsewhere; the run
published there and moved the state, out of its consumer's sight. A folder removed
meanwhile is made again on the same file system, as a missing one is.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path

from ocpispec.execute.client import RunError
from ocpispec.execute.outputs import Target
from ocpispec.plan import ir


def check_folders(plan: ir.Plan, targets: Mapping[str, Target], *,
                  fetched: bool = False) -> None:
    """`fetched`: checked again at the commit, before its commit point: a folder made
    read-only (or taken from the run's user) while the run fetched failed its renames
    past the commit point, and every next run's recovery of them."""
    for dataset in plan.datasets:
        target = targets[dataset.name]
        if target.remote is not None or target.path is None:
            continue
        if fetched and target.place is not None:
            _check_place(dataset, target)
        found = _problem(target.path.parent) or _too_long(target.path)
        if found is not None:
            problem, fix = found
            raise RunError.of(
                "OCX554", f"cannot write `{target.display}`: {problem}",
                dataset.step(ir.Render).origin, "the destination",
                notes=("found at the commit: nothing was published and the state did not "
                       "move, so the next run delivers this window" if fetched else
                       "checked before fetching: nothing was read or written, and the "
                       "state did not move",),
                help=f"{fix}, or give another destination (or `--out PATH`)")


def placed(targets: Mapping[str, Target]) -> dict[str, Target]:
    """Each local target with its folder's place as found now, before fetching."""
    return {name: dataclasses.replace(target, place=folder_place(target.path.parent))
            if target.remote is None and target.path is not None else target
            for name, target in targets.items()}


def folder_place(folder: Path) -> tuple[str, int] | None:
    """The folder's real path (through any symbolic link) and the file system it is on,
    or its nearest existing folder is, where it is still to be made."""
    real = os.path.realpath(folder)
    existing = real
    while not os.path.lexists(existing) and existing != os.path.dirname(existing):
        existing = os.path.dirname(existing)
    try:
        return real, os.stat(existing).st_dev
    except OSError:  # the check before fetching names what keeps it from the folder
        return None


def _check_place(dataset: ir.Dataset, target: Target) -> None:
    """OCX525: the folder is no longer the one checked before fetching."""
    folder = target.path.parent
    found, (real, device) = folder_place(folder), target.place
    if found is None or found == (real, device):
        return
    if found[0] != real:
        problem = (f"`{folder}` now leads to `{found[0]}`, not to `{real}` as before fetching",
                   "a symbolic link in its path was made or changed while the run fetched: "
                   "no check before fetching saw the folder it leads to now")
        fix = (f"put `{folder}` back as it was, or name the folder it leads to now as the "
               "destination, then run again")
    else:
        problem = (f"`{folder}` is on another file system than before fetching",
                   "a share, volume or disk mounted there came off while the run fetched "
                   "(or another was mounted over it): its files would land where its "
                   "consumer does not look")
        fix = f"mount it again (`findmnt {folder}` shows what is mounted there), then run again"
    raise RunError.of(
        "OCX525", f"cannot publish `{target.display}`: its folder changed while the run "
        f"fetched: {problem[0]}", dataset.step(ir.Render).origin, "the destination",
        notes=(problem[1], "found at the commit: nothing was published and the state did "
               "not move, so the next run delivers this window"),
        help=f"{fix}; or give another destination (or `--out PATH`)")


def _problem(folder: Path) -> tuple[str, str] | None:
    """What keeps a run from making `folder` (where missing) and files in it, and
    what to do."""
    existing = folder
    while not os.path.lexists(existing) and existing != existing.parent:
        existing = existing.parent
    if not os.path.isdir(existing):
        what = "a symbolic link to nothing" if os.path.islink(existing) else "a file"
        return (f"`{existing}` is {what}, not a folder",
                f"move `{existing}` away or make it a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        made = "" if existing == folder else f" (where `{folder}` would be made)"
        if _read_only(existing):  # no permission of this user's would help
            return (f"the folder `{existing}` is on a read-only file system{made}",
                    "mount it writable (a container's volume without `:ro`)")
        return (f"the folder `{existing}` is not writable for this user{made}",
                "make the folder writable for the user that runs the export")
    return None


def _read_only(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _too_long(path: Path) -> tuple[str, str] | None:
    """The file name with the longest temporary name a run writes beside it, against
    the folder's file system (OCX460 checks a spec's names against 255 bytes)."""
    from ocpispec.check.file_names import BESIDE_BYTES, NAME_MAX

    existing = path.parent
    while not os.path.lexists(existing) and existing != existing.parent:
        existing = existing.parent
    try:
        limit = os.pathconf(existing, "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = NAME_MAX
    size = len(os.fsencode(path.name))
    if size + BESIDE_BYTES <= limit:
        return None
    return (f"its name is {size} bytes, and with the temporary names a run writes beside it "
            f"({BESIDE_BYTES} bytes more) it exceeds the {limit} bytes the file system of "
            f"`{existing}` allows in a name",
            f"give a file name of at most {limit - BESIDE_BYTES} bytes")
