"""Where a template a spec names but its folder lacks may be: the help of OCX402.

A newcomer keeps specs in `specs/` and templates in a `templates/` folder beside it, and
names the template as seen from the project (`"templates/city.html.j2"`), or names the
file alone when it lies in a folder below the spec. "Fix the path" left them guessing.
"""

from __future__ import annotations

import os
import posixpath
from pathlib import Path

from ocpispec.render import confine

_FOLDERS_UP = 3
_FILES_LOOKED_AT = 2000


def not_found_help(root: Path, written: str) -> str:
    """The help for a template `written` (relative to `root`) that is not there."""
    below = _below(root, posixpath.basename(written))
    if below is not None:
        return f'write `"{below}"`: the path is relative to the spec\'s folder'
    above = _above(root, written)
    if above is not None:
        ups = "/".join([".."] * above)
        return (f"it is at `{ups}/{written}`, outside the spec's folder, where no template "
                f"may come from: move it to `{written}` in the spec's folder, or make the "
                f"folder `{ups}` the templates' root for `check` and `run`: "
                f"`{confine.ROOT_VARIABLE}={_folder_up(root, above)}` (or `templates_root` "
                "in `ocpispec.toml`)")
    return "fix the path (relative to the spec's folder), or create the template"


def _below(root: Path, name: str) -> str | None:
    """The one file called `name` in a folder under `root`, as a path relative to it."""
    found: list[str] = []
    looked = 0
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        looked += len(files)
        if name in files:
            found.append(Path(folder, name).relative_to(root).as_posix())
        if looked > _FILES_LOOKED_AT or len(found) > 1:
            return None
    return found[0] if len(found) == 1 else None


def _folder_up(root: Path, levels: int) -> str:
    folder = root.resolve()
    for _ in range(levels):
        folder = folder.parent
    return folder.as_posix()


def _above(root: Path, written: str) -> int | None:
    """How many folders above `root` the path `written` names a file, if it does."""
    folder = root.resolve()
    for up in range(1, _FOLDERS_UP + 1):
        folder = folder.parent
        if (folder / written).is_file():
            return up
    return None
