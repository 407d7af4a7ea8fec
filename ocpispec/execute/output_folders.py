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
"""

from __future__ import annotations

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
