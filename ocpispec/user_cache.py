"""Values ocpispec builds from its own code and data at start-up (the spec parser, the
schema catalogue), pickled between processes in the user's cache folder.

- where: `$OCPISPEC_CACHE_DIR`, else `$XDG_CACHE_HOME/ocpispec`, else `~/.cache/ocpispec`;
  used only when that folder belongs to the user and nobody else may write to it, so a
  file there is as trusted as the installed package (never the shared temporary folder,
  where another local user could leave a file of their own);
- key: a text naming everything the value depends on (sources, versions), stored in the
  file and compared whole before the value is read; a checksum of it names the file, so
  two versions of ocpispec side by side keep a file each;
- written atomically (a temporary file in the same folder, then a rename); files not
  written for 30 days are removed when another is written;
- any trouble reading (missing, truncated, another key) means building the value again,
  and any trouble writing (read-only home, full disk) is ignored: the cache only ever
  saves time.

    parser = cached("parser", key, build)        # build() when there is nothing to read
"""

from __future__ import annotations

import importlib
import io
import os
import stat
import sys
import types
import zlib
from collections.abc import Callable, Mapping
TYPE_CHECKING = False  # typing costs a cold `check` 3 ms; annotations only need it for mypy

if TYPE_CHECKING:
    from typing import Any, TypeVar

    T = TypeVar("T")
try:  # the C pickler itself: `pickle` adds 1.5 ms of pure-Python fallbacks to a cold `check`
    from _pickle import Pickler as _BasePickler, dump, load
except ImportError:  # an interpreter without it
    from pickle import Pickler as _BasePickler, dump, load  # type: ignore[assignment]

_PROTOCOL = 5  # pickle.HIGHEST_PROTOCOL of every Python this runs on
_STALE_AFTER = 30 * 24 * 3600


def cached(name: str, key: str, build: Callable[[], T],
           pickler: type[_BasePickler] | None = None) -> T:
    """The value stored under `name` for `key`, else `build()` stored there."""
    folder = cache_folder()
    if folder is None:
        return build()
    path = os.path.join(folder, f"{name}-{zlib.crc32(key.encode()):08x}.pickle")
    value = read(path, key)
    if value is None:
        value = build()
        write(path, key, value, pickler or Pickler)
    return value


def cache_folder() -> str | None:
    """The user's cache folder for ocpispec, created if needed; None when it cannot be
    used safely (not the user's own, writable by others, not creatable)."""
    configured = os.environ.get("OCPISPEC_CACHE_DIR")
    if configured:
        folder = configured
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        folder = os.path.join(base, "ocpispec")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        info = os.stat(folder)
    except OSError:
        return None
    if hasattr(os, "getuid") and (info.st_uid != os.getuid() or info.st_mode & 0o022):
        return None
    return folder if stat.S_ISDIR(info.st_mode) else None


def sources_key(*files: str | os.PathLike[str]) -> str:
    """A key for values built from these source files: Python's version and each file's
    size and modification time (as the interpreter's own bytecode cache checks them)."""
    parts = [sys.version]
    for file in files:
        info = os.stat(file)
        parts.append(f"{os.path.basename(file)}:{info.st_size}:{info.st_mtime_ns}")
    return "\n".join(parts)


def read(path: str | os.PathLike[str], key: str) -> Any | None:
    try:
        with open(path, "rb") as file:
            if load(file) != key:
                return None
            return load(file)
    except Exception:  # noqa: BLE001 - missing, truncated or foreign: build it again
        return None


def write(path: str | os.PathLike[str], key: str, value: Any,
          pickler: type[_BasePickler]) -> None:
    try:
        buffer = io.BytesIO()
        dump(key, buffer, protocol=_PROTOCOL)
        pickler(buffer, protocol=_PROTOCOL).dump(value)
        folder, name = os.path.split(os.fspath(path))
        descriptor, temporary = _temporary_file(folder or ".", os.path.splitext(name)[0])
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(buffer.getvalue())
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
        _remove_stale(folder or ".", os.fspath(path))
    except Exception:  # noqa: BLE001 - read-only, full or odd: the cache is optional
        return


def _temporary_file(folder: str, stem: str) -> tuple[int, str]:
    """A new file only this process opened (`tempfile.mkstemp`'s way, without importing
    `tempfile`: with `shutil`, `random` and the compressors it loads, 9 M instructions of a
    first `check`)."""
    for _ in range(100):
        temporary = os.path.join(folder, f".{stem}-{os.getpid()}-{os.urandom(6).hex()}")
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
            return os.open(temporary, flags, 0o600), temporary
        except FileExistsError:
            continue
    raise FileExistsError(folder)


def _remove_stale(folder: str, written: str) -> None:
    """The other files not written for `_STALE_AFTER` by the folder's own clock (the
    time of the file just written): a process clock ahead of a network folder's would
    otherwise take every file for stale, the one just written among them."""
    cutoff, name = os.stat(written).st_mtime - _STALE_AFTER, os.path.basename(written)
    for entry in os.scandir(folder):
        if entry.name.endswith(".pickle") and entry.name != name and entry.stat().st_mtime < cutoff:
            os.unlink(entry.path)


class Pickler(_BasePickler):
    """Pickles modules by name and read-only mappings as such (neither pickles by itself)."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, types.ModuleType):
            return importlib.import_module, (obj.__name__,)
        if isinstance(obj, types.MappingProxyType):
            return read_only, (dict(obj),)
        return NotImplemented


def read_only(mapping: Mapping[Any, Any]) -> types.MappingProxyType:
    return types.MappingProxyType(dict(mapping))
