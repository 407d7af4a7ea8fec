"""Turn a lark syntax error into one human OCX0xx diagnostic.

lark reports terminal names (`NAME`, `STRING`, `__ANON_3`); a spec author wants to
read "a name" and "`select`". Common mistakes get their own code and a precise help:
an unterminated string, a comma between columns, a keyword used as a column name,
a missing `output`, a missing `source`, a misspelled keyword.
"""

from __future__ import annotations

from collections.abc import Callable

from ocpispec.language.lark_without_regex import (
    Lark,
    Token,
    UnexpectedCharacters,
    UnexpectedInput,
    UnexpectedToken,
)

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span
from ocpispec.language.parse_character_errors import unexpected_character
from ocpispec.language.parse_guess_order import GUESSES, StoppedAt
from ocpispec.language.parse_guesses import tokens_before
from ocpispec.language.parse_terminals import (
    acceptable,
    as_name,
    describe_token,
    expected_list,
    keyword_text,
    token_span,
)


def syntax_error(exc: UnexpectedInput, source: SourceFile, history: list[Token],
                 parser: Lark, respaced: Callable[[str], Diagnostic | None] | None = None
                 ) -> Diagnostic:
    """`respaced(text)`: the first diagnostic of another text (None: it parses), for a
    mistake judged by the spec with a word split in two (`lastmonth`)."""
    if isinstance(exc, UnexpectedToken):
        return _unexpected_token(exc, source, history, parser, respaced)
    if isinstance(exc, UnexpectedCharacters):
        return unexpected_character(exc, source)
    return error("OCX001", "the spec could not be parsed", Span(0, 0))


def _unexpected_token(exc: UnexpectedToken, source: SourceFile, history: list[Token],
                      parser: Lark, respaced: Callable[[str], Diagnostic | None] | None
                      ) -> Diagnostic:
    token = as_name(exc.token, source, parser)
    at = StoppedAt(token, acceptable(exc), token_span(token, source, history), history,
                   tokens_before(token, history), source, parser,
                   {word: t.name for t in parser.terminals
                    if (word := keyword_text(t.name, parser))},
                   getattr(exc, "state", None), respaced)
    for guess in GUESSES:
        if (found := guess(at)) is not None:
            return found
    return _unexpected(at)


def _unexpected(at: StoppedAt) -> Diagnostic:
    """No guess fits: what the parser expected, and what it found."""
    token, span, expected, parser = at.token, at.span, at.expected, at.parser
    if token.type == "$END" and not at.history:
        return error("OCX003", "the spec is empty", span, "expected `export NAME`",
                     help="start with `export NAME`, then `consumer`, `purpose`, `source`, "
                          "`from` and `select`; `specs/` has complete examples")
    if token.type == "$END":
        return error("OCX003", "unexpected end of file", span,
                     f"expected {expected_list(expected, parser)}",
                     help="the spec stops in the middle of a clause; complete it")
    return error("OCX001", f"expected {expected_list(expected, parser)}, found "
                 f"{describe_token(token)}", span,
                 f"unexpected {describe_token(token)}",
                 help="write one of the expected items here, or fix the clause before it "
                      "(the shape of every clause is in `docs/language.md`)")
