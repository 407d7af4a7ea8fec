"""The schema catalogue a wheel ships (`ocpispec/schema/catalogue.pickle`), so that a fresh
install's first command does not build it (imports of the OCPI tables and the build:
about a fifth of a first `ocpispec check`).

The wheel's build writes the file (hatch_build.py, with `write`); a source checkout or an
editable install has none and builds the catalogue as before. The file holds its key, a
checksum of the schema package's sources and of `frozen.py` with Python's version, and
is read only when that key is the sources' now (a source edited after the install means
building again). A catalogue read from it is not kept in the user's cache: reading it
every time costs what reading the cache would, and the first command writes nothing. A
missing, truncated or foreign file is ignored: the catalogue is built and kept in the
user's cache (`ocpispec.user_cache`), as before.
"""

from __future__ import annotations

import os
import sys
import zlib

from ocpispec import user_cache

TYPE_CHECKING = False  # typing costs a cold `check` 3 ms; annotations only need it for mypy
if TYPE_CHECKING:
    from typing import Any

FILE = "catalogue.pickle"


def sources() -> list[str]:
    package = os.path.dirname(os.path.abspath(__file__))
    files = sorted(entry.path for entry in os.scandir(package) if entry.name.endswith(".py"))
    return [*files, os.path.join(os.path.dirname(package), "frozen.py")]


def contents_key() -> str:
    """Python's version and a checksum of each source's bytes (an installed file's time
    is the install's, not the source's: its contents are compared)."""
    parts = [f"{sys.version_info[0]}.{sys.version_info[1]}"]
    for path in sources():
        with open(path, "rb") as file:
            parts.append(f"{os.path.basename(path)}:{zlib.crc32(file.read()):08x}")
    return "\n".join(parts)


def shipped_path() -> str:
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), FILE)


def read(path: str | None = None) -> Any | None:
    """The shipped catalogue, or None (no file, another key, unreadable)."""
    path = path or shipped_path()
    if not os.path.isfile(path):
        return None
    try:
        key = contents_key()
    except OSError:
        return None
    return user_cache.read(path, key)


def write(path: str, catalogue: Any) -> None:
    """Write `catalogue` to `path` under the sources' key (the wheel's build)."""
    user_cache.write(path, contents_key(), catalogue, user_cache.Pickler)
