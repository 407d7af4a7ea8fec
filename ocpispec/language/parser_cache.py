"""The built spec parser, kept between processes in the user's cache folder.

Building the LALR parser from grammar/ocx.lark takes about half a second. lark's own
`cache=True` rebuilds it from a pickled description (about 10 ms, a tenth of a cold
`ocpispec check`) and keeps that in the shared temporary folder under a predictable name,
where another local user could leave a file of their own. Here the built parser object
itself is pickled (it loads in about 3 ms) into a folder only the user can write:

- where: `$OCPISPEC_CACHE_DIR`, else `$XDG_CACHE_HOME/ocpispec`, else `~/.cache/ocpispec`;
  used only when that folder belongs to the user and nobody else may write to it;
- key: the grammar text, the lark version, the Python version, the lexer plug-in's
  source (lean_lexer.py) and FORMAT, stored in the file and compared whole before the
  parser is read (a checksum of it names the file), so a changed grammar or an upgraded
  lark never reads a stale parser;
- written atomically (a temporary file in the same folder, then a rename);
- any trouble reading it (missing, truncated, from another lark) means building the
  parser again, and any trouble writing it (read-only home, full disk) is ignored: the
  cache only ever saves time.
"""

from __future__ import annotations

import importlib
import io
import os
import pickle
import stat
import sys
import types
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ocpispec.language import lean_lexer
from ocpispec.language.lark_without_regex import Lark
from lark import __version__ as LARK_VERSION  # noqa: E402  # after lark_without_regex
from lark.parsers import lalr_analysis  # noqa: E402

FORMAT = "4"  # bump when what is pickled changes shape


def cached_parser(grammar: str, build: Callable[[bool], Lark]) -> Lark:
    """The parser for `grammar` from the cache, else `build(False)` stored there; when no
    cache folder is usable, `build(True)` (lark's own cache in the temporary folder)."""
    folder = cache_folder()
    if folder is None:
        return build(True)
    key = _key(grammar)
    path = folder / f"parser-{zlib.crc32(key.encode()):08x}.pickle"
    loaded = _read(path, key)
    if loaded is not None:
        return loaded
    parser = build(False)
    _write(path, key, parser)
    return parser


def cache_folder() -> Path | None:
    """The user's cache folder for ocpispec, created if needed; None when it cannot be
    used safely (not the user's own, writable by others, not creatable)."""
    configured = os.environ.get("OCPISPEC_CACHE_DIR")
    if configured:
        folder = Path(configured)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        folder = Path(base) / "ocpispec"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.stat()
    except OSError:
        return None
    if hasattr(os, "getuid") and (info.st_uid != os.getuid() or info.st_mode & 0o022):
        return None
    return folder if stat.S_ISDIR(info.st_mode) else None


def _key(grammar: str) -> str:
    """Everything the pickled parser depends on, compared whole when reading (a checksum
    of it only names the file)."""
    lexer_source = Path(lean_lexer.__file__).read_text(encoding="utf-8")
    return "\0".join((FORMAT, LARK_VERSION, sys.version, grammar, lexer_source))


def _read(path: Path, key: str) -> Lark | None:
    try:
        with open(path, "rb") as file:
            if pickle.load(file) != key:
                return None
            loaded = pickle.load(file)
    except Exception:  # noqa: BLE001 - missing, truncated or foreign: build it again
        return None
    return loaded if isinstance(loaded, Lark) else None


# what only building the parser needs: the grammar text and its analysed form
_BUILD_ONLY = frozenset({"grammar", "source_grammar", "_parse_tree_builder"})


def _write(path: Path, key: str, parser: Lark) -> None:
    import tempfile

    kept = Lark.__new__(Lark)
    kept.__dict__.update((k, v) for k, v in vars(parser).items() if k not in _BUILD_ONLY)
    try:
        buffer = io.BytesIO()
        pickle.dump(key, buffer, protocol=pickle.HIGHEST_PROTOCOL)
        _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(kept)
        descriptor, temporary = tempfile.mkstemp(prefix=".parser-", dir=path.parent)
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(buffer.getvalue())
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except Exception:  # noqa: BLE001 - read-only, full or odd: the cache is optional
        return


class _Pickler(pickle.Pickler):
    """Pickles what lark holds by reference: modules (`re`) by name, and the parse table's
    Shift and Reduce markers (compared with `is`) as the module's own objects."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, types.ModuleType):
            return importlib.import_module, (obj.__name__,)
        if obj is lalr_analysis.Shift or obj is lalr_analysis.Reduce:
            return getattr, (lalr_analysis, obj.name)
        return NotImplemented
