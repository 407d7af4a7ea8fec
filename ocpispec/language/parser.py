"""Parse stage: spec text -> typed syntax tree (`syntax.Spec`).

The lark tree never leaves this module. A spec is parsed without lark (`fast_parser`),
from the table the package ships (`shipped_table`, made from `grammar/ocx.lark`), so that
even the first `ocpispec check` of a fresh install builds no parser. Only a spec that
does not parse needs lark's LALR parser, built from the grammar once and kept in the
user's cache folder (`parser_cache`). Syntax errors become exactly one OCX0xx diagnostic
(see `parse_errors`).
"""

from __future__ import annotations

import functools
import os

TYPE_CHECKING = False  # typing costs a cold `check` 3 ms; annotations only need it for mypy

from ocpispec.language import syntax as s
from ocpispec.diagnostics import CompileError, error
from ocpispec.diagnostics.source import SourceFile, Span
from ocpispec.language.fast_parser import ParseTable, parse_text
from ocpispec.language.fast_table import cached_table, shipped_key
from ocpispec.language.syntax_builder import build, unescape
from ocpispec.language.tree import from_lark

if TYPE_CHECKING:
    from typing import Any

    from pathlib import Path

    from ocpispec.language.lark_without_regex import Lark

__all__ = ["parse", "grammar_path", "lark_parser", "unescape"]

_GRAMMAR = ("grammar", "ocx.lark")


def grammar_path() -> Path:
    """The grammar shipped in the wheel (`ocpispec/grammar/`), else the one in the source
    checkout."""
    from pathlib import Path

    return Path(_grammar_file())


def _grammar_file() -> str:
    """`grammar_path` as text, with `os.path`: `importlib.resources` would cost a cold
    `check` 5 ms, and pathlib (with the URL parser it loads) 2 ms."""
    package = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))  # ocpispec/
    packaged = os.path.join(package, *_GRAMMAR)
    return packaged if os.path.isfile(packaged) else os.path.join(os.path.dirname(package), *_GRAMMAR)


@functools.cache
def lark_parser() -> Lark:
    """The LALR parser: kept in the user's cache folder (`parser_cache`), else loaded from
    the one the package ships (`shipped_lark`), else built from the grammar."""
    from ocpispec.language.parser_cache import cached_parser

    text = grammar_text()

    def build(lark_cache: bool) -> Lark:
        shipped = _shipped_lark(text)
        return shipped if shipped is not None else build_lark(text, lark_cache)

    return cached_parser(text, build)


def build_lark(text: str, lark_cache: bool) -> Lark:
    """lark's LALR parser built from the grammar `text` (about a second)."""
    from ocpispec.language.lark_without_regex import Lark
    from ocpispec.language.lean_lexer import PLUGINS

    return Lark(text, parser="lalr", lexer="contextual", propagate_positions=True,
                maybe_placeholders=True, cache=lark_cache, _plugins=PLUGINS)


def _shipped_lark(text: str) -> Lark | None:
    """The parser the package ships in lark's serialized form, when it was made from this
    grammar by the installed lark (another lark may read that form otherwise)."""
    from ocpispec.language import shipped_lark
    from ocpispec.language.lark_without_regex import Lark
    from ocpispec.language.lean_lexer import PLUGINS
    from lark import __version__ as lark_version

    if shipped_lark.GRAMMAR_KEY != shipped_key(text) or shipped_lark.LARK_VERSION != lark_version:
        return None
    try:
        return Lark._load_from_dict(shipped_lark.DATA, shipped_lark.MEMO, _plugins=PLUGINS)
    except Exception:  # noqa: BLE001 - a form this lark does not read after all: build it
        return None


@functools.cache
def grammar_text() -> str:
    with open(_grammar_file(), encoding="utf-8") as file:
        return file.read()


@functools.cache
def fast_table() -> ParseTable | None:
    """The lark-free parser's table (`fast_parser`): the one the package ships
    (`shipped_table`, made from this grammar), else one made from lark's parser and kept
    in the user's cache folder (a grammar changed since the table was shipped)."""
    from ocpispec.language import shipped_table

    grammar = grammar_text()
    if shipped_table.GRAMMAR_KEY == shipped_key(grammar):
        return shipped_table.TABLE
    return cached_table(grammar, lark_parser)


MAX_DEPTH = 100


def parse(source: SourceFile) -> s.Spec:
    """Parse a spec; raise CompileError with one OCX0xx diagnostic on bad syntax."""
    table = fast_table()
    tree = parse_text(table, source.text) if table is not None else None
    if tree is None:  # lark parses it again: its error is the diagnostic
        lark_tree = _lark_tree(source)
        _check_depth(lark_tree)  # before `from_lark`, which recurses
        tree = from_lark(lark_tree)
    else:
        _check_depth(tree)
    _refuse_hidden_controls(source)  # where the grammar allows them: in texts and comments
    return build(tree)


def _refuse_hidden_controls(source: SourceFile) -> None:
    """A direction control reorders how the rest of its line is displayed, and an escape
    sequence or a lone carriage return rewrites a terminal, in comments and texts too:
    the spec, its review, its plan and its diff would show a reviewer other text than
    the spec holds. Refused wherever they are."""
    from ocpispec.language.characters import (DIRECTION_CONTROLS, describe_character,
                                              first_hidden_control)

    at = first_hidden_control(source.text)
    if at is None:
        return
    char = source.text[at]
    direction = char in DIRECTION_CONTROLS
    kind = "a text direction control" if direction else "a control character"
    raise CompileError([error(
        "OCX016", f"the spec holds {kind}, {describe_character(char)}", Span(at, at + 1),
        "changes how the text around it is displayed",
        notes=[f"{kind} makes an editor, a terminal, the review page or `ocpispec diff` show "
               "other text than the spec holds, so a reviewer could approve something other "
               "than what runs (\"Trojan Source\")",
               "right-to-left text needs none: it is shown in the direction of its letters"
               if direction else "a line break or a tab in a quoted text is written `\\n` or "
               "`\\t`"],
        help="delete the character (text pasted from a document or a web page can carry it)")])


def _check_depth(tree: Any) -> None:
    """Refuse absurdly deep nesting before the recursive passes meet it (this module's
    tree or lark's)."""
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise CompileError([error(
                "OCX012", "the spec nests too deeply", Span(node.meta.start_pos, node.meta.end_pos),
                f"more than {MAX_DEPTH} levels deep",
                notes=["parentheses, `not` and operators nest expressions and conditions"],
                help="split the expression into simpler columns or conditions")])
        stack.extend((child, depth + 1) for child in node.children if hasattr(child, "children"))


def _lark_tree(source: SourceFile) -> Any:
    from ocpispec.language.lark_without_regex import UnexpectedInput
    from ocpispec.language.parse_errors import syntax_error

    parser = lark_parser()
    interactive = parser.parse_interactive(source.text)
    history: list[Any] = []
    try:
        for token in interactive.iter_parse():
            history.append(token)
        return interactive.feed_eof(history[-1] if history else None)
    except UnexpectedInput as exc:
        diagnostic = syntax_error(exc, source, history, parser,
                                  None if _RESPACING[0] else _first_diagnostic)
    raise CompileError([diagnostic])


_RESPACING = [False]  # within `_first_diagnostic`: a second split word is not judged


def _first_diagnostic(text: str) -> Any:
    """The first diagnostic of `text` (a spec with a word split in two), its caret
    widened over what its help writes again; None when it parses."""
    from ocpispec.diagnostics.help_span import fitted

    _RESPACING[0] = True
    try:
        parse(SourceFile("respaced.ocx", text))
    except CompileError as exc:
        return fitted(exc.diagnostics[0], text) if exc.diagnostics else None
    finally:
        _RESPACING[0] = False
    return None
