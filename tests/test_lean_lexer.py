"""The lean contextual lexer (ocpispec/language/lean_lexer.py) lexes and fails exactly as
lark's own: every spec in the repository, and damaged variants of them, give the same
tokens (type, text, position) and the same tree or the same error on both. One
difference is meant: a keyword is a whole word (`groupby` is no `group` then `by`), where
lark's own lexer reads a keyword from the start of a longer word."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ocpispec.language.lark_without_regex import Lark, PatternStr, UnexpectedInput
from ocpispec.language.lean_lexer import LeanContextualLexer, TerminalScanner
from ocpispec.language.parser import grammar_path, lark_parser

REPO = Path(__file__).resolve().parents[1]
SPECS = sorted(p for folder in ("specs", "tests/cases", "tests/specs")
               for p in (REPO / folder).rglob("*.ocx") if "unreadable" not in p.name)


@functools.cache
def stock_parser() -> Lark:
    """The same grammar and options with lark's own contextual lexer (and no cache)."""
    return Lark(grammar_path().read_text(encoding="utf-8"), parser="lalr", lexer="contextual",
                propagate_positions=True, maybe_placeholders=True)


def outcome(parser: Lark, text: str) -> tuple:
    interactive = parser.parse_interactive(text)
    tokens = []
    try:
        for token in interactive.iter_parse():
            tokens.append((token.type, str(token), token.start_pos, token.line, token.column,
                           token.end_pos))
        tree = interactive.feed_eof(None)
        return tuple(tokens), "tree", tree
    except UnexpectedInput as exc:
        expected = sorted(getattr(exc, "expected", None) or getattr(exc, "allowed", None) or ())
        token = getattr(exc, "token", None)
        return (tuple(tokens), type(exc).__name__, exc.pos_in_stream, exc.line, exc.column,
                expected, token and (token.type, str(token)))


def glues_a_keyword(parser: Lark, text: str) -> bool:
    """Whether `parser` reads a keyword from the start of a longer word in `text`."""
    keywords = {t.name for t in parser.terminals
                if isinstance(t.pattern, PatternStr) and t.pattern.value[-1:].isalnum()}
    interactive, tokens = parser.parse_interactive(text), []
    try:
        tokens.extend(interactive.iter_parse())
    except UnexpectedInput as exc:
        tokens.append(getattr(exc, "token", None))
    return any(token is not None and token.type in keywords and token.end_pos is not None
               and (text[token.end_pos:token.end_pos + 1].isalnum()
                    or text[token.end_pos:token.end_pos + 1] == "_") for token in tokens)


def test_the_spec_parser_uses_the_lean_lexer():
    assert isinstance(lark_parser().parser.lexer, LeanContextualLexer)
    scanners = [lexer.scanner for lexer in lark_parser().parser.lexer.lexers.values()]
    assert all(isinstance(scanner, TerminalScanner) for scanner in scanners)


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_every_spec_lexes_and_parses_as_with_lark_s_own_lexer(path):
    text = path.read_text(encoding="utf-8-sig")
    assert outcome(lark_parser(), text) == outcome(stock_parser(), text)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(SPECS), st.integers(0, 10_000), st.integers(0, 40),
       st.sampled_from(["", " ", "\n", '"', "x", "1", "-", ".", "(", "=", "%", "select ",
                        "2026-01-01", "as", "NL-TNM", "#", "\\", "é"]))
def test_damaged_specs_fail_as_with_lark_s_own_lexer(path, at, cut, insert):
    text = path.read_text(encoding="utf-8-sig")
    at %= len(text) + 1
    damaged = text[:at] + insert + text[at + cut:]
    assume(not glues_a_keyword(stock_parser(), damaged))
    assert outcome(lark_parser(), damaged) == outcome(stock_parser(), damaged)


@pytest.mark.parametrize("text", ["from sessions groupby", "fromsessions select kwh",
                                  "from sessions since lastrun"])
def test_a_keyword_is_a_whole_word(text):
    """lark's own lexer reads `group` from `groupby`, and the spec checked as `group by`."""
    spec = f"export x\nsource profile p\n{text}"
    assert glues_a_keyword(stock_parser(), spec)
    assert not glues_a_keyword(lark_parser(), spec)
