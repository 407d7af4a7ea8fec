"""lark's built spec parser -> the plain `ParseTable` the lark-free parser runs
(`fast_parser`). The package ships the table made from its grammar (`shipped_table`,
written by `table_source`); this makes it again, kept in the user's cache, only for a
grammar changed since (while developing), so only then is lark needed. Anything in lark's parser this does not know how to carry over
(a lexer callback of another kind, a tree-building step it does not replicate) gives
None, and specs are parsed by lark as before."""

from __future__ import annotations

import os
import sys
import zlib
from collections.abc import Callable
TYPE_CHECKING = False  # typing costs a cold `check` 3 ms; annotations only need it for mypy
if TYPE_CHECKING:
    from typing import Any

from ocpispec import user_cache
from ocpispec.language.fast_parser import ParseTable, RuleShape, StateLexer

FORMAT = "2"  # bump when what is pickled changes shape
# what the table depends on besides the grammar, lark's version and Python's
_SOURCES = ("lean_lexer.py", "matchers.py", "fast_parser.py", "fast_table.py")


# bump when the shape of the shipped table's module changes (`table_source`)
SHIPPED_FORMAT = "1"


def shipped_key(grammar: str) -> int:
    """What the shipped table (`shipped_table`) is valid for: the grammar text and the
    shape of its module."""
    return zlib.crc32(f"{SHIPPED_FORMAT}\0{grammar}".encode())


class _Unknown(Exception):
    pass


def cached_table(grammar: str, lark_parser: Callable[[], Any]) -> ParseTable | None:
    """The table for `grammar` from the user's cache, else made from `lark_parser()` and
    kept there; None when there is no usable cache folder (lark parses, as before)."""
    if user_cache.cache_folder() is None:
        return None
    key = _key(grammar)
    if key is None:
        return None
    return user_cache.cached("parsetable", key, lambda: table_of(lark_parser()))


def _key(grammar: str) -> str | None:
    """Everything the table depends on, read without importing lark."""
    lark_version = _lark_version()
    if lark_version is None:
        return None
    here = os.path.dirname(__file__)
    sources = [_read(os.path.join(here, name)) for name in _SOURCES]
    return "\0".join((FORMAT, lark_version, sys.version, grammar, *sources))


def _lark_version() -> str | None:
    for entry in sys.path:
        init = os.path.join(entry or ".", "lark", "__init__.py")
        try:
            with open(init, encoding="utf-8") as file:
                text = file.read()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("__version__"):
                return f"{init}:{line}"
        return None
    return None


def table_of(parser: Any) -> ParseTable | None:
    try:
        return _table(parser)
    except (_Unknown, AttributeError, KeyError, TypeError):
        return None


def _table(parser: Any) -> ParseTable:
    from lark.parsers.lalr_analysis import Shift

    frontend = parser.parser
    lalr = frontend.parser.parser
    table = lalr.parse_table
    (start_name,) = parser.options.start
    rules = list(lalr.callbacks)
    index = {rule: number for number, rule in enumerate(rules)}
    actions = {state: {str(symbol): (arg if action is Shift else ~index[arg])
                       for symbol, (action, arg) in row.items()}
               for state, row in table.states.items()}
    lexers: dict[int, StateLexer] = {}
    shared: dict[int, StateLexer] = {}
    for state, lexer in frontend.lexer.lexers.items():
        if id(lexer) not in shared:
            shared[id(lexer)] = _state_lexer(lexer)
        lexers[state] = shared[id(lexer)]
    return ParseTable(actions, lexers, tuple(_shape(rule, lalr.callbacks[rule]) for rule in rules),
                      table.start_states[start_name], table.end_states[start_name])


def _state_lexer(lexer: Any) -> StateLexer:
    from lark.lexer import UnlessCallback

    keywords = {}
    for type_, callback in lexer.callback.items():
        if type(callback) is not UnlessCallback:
            raise _Unknown(type_)
        keywords[str(type_)] = _plain(callback.scanner._mres)
    return StateLexer(_plain(lexer.scanner._mres), frozenset(map(str, lexer.ignore_types)),
                      keywords)


def _plain(scanned: list[tuple[Any, Any]]) -> tuple[tuple[str, Any], ...]:
    return tuple((str(name), matcher) for name, matcher in scanned)


def _shape(rule: Any, callback: Any) -> RuleShape:
    from functools import partial

    from lark.parse_tree_builder import (
        ChildFilterLALR,
        ChildFilterLALR_NoPlaceholders,
        ExpandSingleChild,
        PropagatePositions,
    )
    from lark.tree import Tree

    if type(callback) is not PropagatePositions or callback.node_filter is not None:
        raise _Unknown(rule)
    step = callback.node_builder
    keep, trailing, lift = None, 0, False
    if type(step) is ChildFilterLALR:
        keep = tuple((int(i), bool(inline), int(nones)) for i, inline, nones in step.to_include)
        trailing = int(step.append_none)
        step = step.node_builder
    elif type(step) is ChildFilterLALR_NoPlaceholders:
        keep = tuple((int(i), bool(inline), 0) for i, inline in step.to_include)
        step = step.node_builder
    if type(step) is ExpandSingleChild:
        lift, step = True, step.node_builder
    if not (type(step) is partial and step.func is Tree and len(step.args) == 1 and not step.keywords):
        raise _Unknown(rule)
    return RuleShape(str(rule.origin.name), len(rule.expansion), str(step.args[0]),
                     keep, trailing, lift)


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as file:
        return file.read()
