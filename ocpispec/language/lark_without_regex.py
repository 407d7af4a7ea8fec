"""lark, imported without the third-party `regex` module and what only building needs.

lark imports `regex` whenever it is installed, only to size terminals written with
Unicode categories (`\\p{...}`), which grammar/ocx.lark does not use. Loading it costs a
tenth of a cold `ocpispec check`, so lark is imported here with `regex` hidden (see
`lean_import`). It also imports `tempfile`, `hashlib`, `getpass` and `pkgutil` for its
grammar loader and its own cache, which a parser loaded from ocpispec's cache
(`parser_cache`) does not use: those load only if lark reads them. Every module of
ocpispec takes lark from here.
"""

from __future__ import annotations

from ocpispec.lean_import import import_without

import_without("lark", "regex", deferred=("getpass", "hashlib", "pkgutil", "tempfile"))

from lark import Lark, Token, Transformer, Tree, v_args  # noqa: E402
from lark.exceptions import (  # noqa: E402
    UnexpectedCharacters,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)
from lark.lexer import PatternStr  # noqa: E402

__all__ = ["Lark", "PatternStr", "Token", "Transformer", "Tree", "UnexpectedCharacters",
           "UnexpectedInput", "UnexpectedToken", "VisitError", "v_args"]
