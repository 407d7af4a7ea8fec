"""Where a local destination lands, in words an officer reads without resolving paths.

The docs allow absolute paths, `~` and `..` on purpose (an export may write to a shared
folder). A spec's author can also hide where a file lands: `exports/../../../srv/www/
public/x.csv` reads as the `exports` folder but lands two folders above the one the
export is run from, in a web server's public folder. The review says so in words, with
the path written plainly, so the officer signs the place the file really goes.
"""

from __future__ import annotations

import posixpath

from ocpispec.text import code_span

_EXPOSED = "whoever can read the folder it lands in receives the data"


def local_place(destination: str) -> str:
    """What the review adds after the file's name: empty for a plain path below the
    folder the export is run from."""
    if destination.startswith("~"):
        return (" (in the home folder of the user that runs the export, not in the folder "
                f"it is run from: {_EXPOSED})")
    if destination.startswith("/"):
        plain = posixpath.normpath(destination)
        written = "" if plain == destination else f", that is {code_span(plain)}"
        return (f" (an absolute path{written}: outside the folder the export is run from, "
                f"wherever it is run; {_EXPOSED})")
    if ".." not in destination.split("/"):
        return ""
    plain = posixpath.normpath(destination)
    climbs = _climbs(plain)
    if climbs == 0:
        return f" (that is {code_span(plain)}, inside the folder the export is run from)"
    folders = "1 folder" if climbs == 1 else f"{climbs} folders"
    return (f" (it climbs {folders} above the folder the export is run from, to "
            f"{code_span(plain)}; {_EXPOSED})")


def _climbs(plain: str) -> int:
    """How many folders a normalised relative path climbs above its start."""
    parts = plain.split("/")
    return next((index for index, part in enumerate(parts) if part != ".."), len(parts))
