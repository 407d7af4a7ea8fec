"""The built spec parser, kept between processes (`ocpispec.user_cache`).

Building the LALR parser from grammar/ocx.lark takes a few hundred milliseconds. lark's
own `cache=True` rebuilds it from a pickled description (about 10 ms, a tenth of a cold
`ocpispec check`) and keeps that in the shared temporary folder under a predictable
name, where another local user could leave a file of their own. Here the built parser
object itself, without what only building needs, is pickled (it loads in about 3 ms)
into the user's own cache folder. Its key is the grammar text, the lark version, the
Python version, the lexer plug-in's source (lean_lexer.py, matchers.py) and FORMAT, so a changed
grammar or an upgraded lark never reads a stale parser. When no cache folder is usable,
lark builds the parser with its own cache, as before.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ocpispec import user_cache
from ocpispec.language import lean_lexer, matchers
from ocpispec.language.lark_without_regex import Lark
from lark import __version__ as LARK_VERSION  # noqa: E402  # after lark_without_regex
from lark.parsers import lalr_analysis  # noqa: E402

FORMAT = "6"  # bump when what is pickled changes shape
# what only building the parser needs: the grammar text and its analysed form
_BUILD_ONLY = frozenset({"grammar", "source_grammar", "_parse_tree_builder"})


def cached_parser(grammar: str, build: Callable[[bool], Lark]) -> Lark:
    """The parser for `grammar` from the cache, else `build(False)` stored there; when no
    cache folder is usable, `build(True)` (lark's own cache in the temporary folder)."""
    if user_cache.cache_folder() is None:
        return build(True)
    loaded = user_cache.cached("parser", _key(grammar), lambda: _slim(build(False)), _Pickler)
    return loaded if isinstance(loaded, Lark) else build(False)


def _key(grammar: str) -> str:
    lexer_source = "".join(Path(module.__file__).read_text(encoding="utf-8")
                           for module in (lean_lexer, matchers))
    return "\0".join((FORMAT, LARK_VERSION, sys.version, grammar, lexer_source))


def _slim(parser: Lark) -> Lark:
    kept = Lark.__new__(Lark)
    kept.__dict__.update((k, v) for k, v in vars(parser).items() if k not in _BUILD_ONLY)
    return kept


class _Pickler(user_cache.Pickler):
    """Also pickles the parse table's Shift and Reduce markers (compared with `is`) as
    lark's own objects."""

    def reducer_override(self, obj: Any) -> Any:
        if obj is lalr_analysis.Shift or obj is lalr_analysis.Reduce:
            return getattr, (lalr_analysis, obj.name)
        return super().reducer_override(obj)
