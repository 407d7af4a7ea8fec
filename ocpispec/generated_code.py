"""The code of Python source that ocpispec generates (the page loops and checks of a
module, the row, key and line functions of a run), compiled once per text.

A `run` of a 10-column CSV spec wrote some 50 such texts (about 45 KB, the dataclasses'
methods not counted) and parsed each afresh, the page loops once per crawl: some 100 M
instructions of its serial start, before the first page was read. Here a text is
compiled once per process and, with `kept`, its code is kept in the user's cache
(`user_cache`: atomic writes, the whole key, Python's version and the text, compared
before a value is read, anything unreadable compiled again):

    exec(code_of(source), env)                  # as exec(source, env)
    exec(code_of(source, kept=False), env)      # a text written from a spec

The cache holds only what ocpispec derives from its own files (docs/configuration.md,
"The cache folder"): a kept text is written from the catalogue's field names and fixed
code, never from a spec (its column names, paths or literals) nor from a value a
platform sent; a text written from a spec is compiled once per process only.
"""

from __future__ import annotations

import marshal
import sys
TYPE_CHECKING = False  # typing costs a cold `check` 3 ms; annotations only need it for mypy

if TYPE_CHECKING:
    from types import CodeType

# a text shorter than this costs less to compile than a cache file costs to read
_KEPT_FROM = 400
_HELD = 512     # texts held per process; a run writes a few dozen
_CODE: dict[tuple[str, str], CodeType] = {}
_CODE_TYPE = type((lambda: None).__code__)


def code_of(source: str, filename: str = "<string>", kept: bool = True) -> CodeType:
    """The code of `source` as `compile(source, filename, "exec")` makes it. `kept`: the
    text holds nothing of a spec, and may be kept in the user's cache."""
    key = (source, filename)
    if (code := _CODE.get(key)) is None:
        code = _cached(source, filename) if kept and len(source) >= _KEPT_FROM else \
            compile(source, filename, "exec")
        if len(_CODE) >= _HELD:
            _CODE.clear()
        _CODE[key] = code
    return code


def _cached(source: str, filename: str) -> CodeType:
    from ocpispec import user_cache

    stored = user_cache.cached("code", f"{sys.version}\n{filename}\n{source}",
                               lambda: marshal.dumps(compile(source, filename, "exec")))
    try:
        code = marshal.loads(stored)
    except (ValueError, EOFError, TypeError):
        code = None
    if code.__class__ is not _CODE_TYPE:    # a file from elsewhere: compiled here
        return compile(source, filename, "exec")  # type: ignore[no-any-return]
    return code  # type: ignore[no-any-return]
