"""lark's terminals as a spec author reads them: `a name`, `select`, `one of ...`;
and what the parser really accepts at an error (its tables over-approximate)."""

from __future__ import annotations

import re

from ocpispec.diagnostics.source import SourceFile, Span
from ocpispec.language.lark_without_regex import Lark, PatternStr, Token, UnexpectedToken

_CLASSES = {
    "NAME": "a name",
    "STRING": "a quoted string",
    "INT": "a whole number",
    "NUMBER": "a number",
    "DATE": "a date such as `2026-01-31`",
    "TIME": "a time such as `06:00`",
    "VERSION": "an OCPI version (`2.1.1`, `2.2.1`, `2.3.0` or `auto`)",
    "PARTY": "a party id such as `NL-TNM`",
    "PERCENT": "a percentage such as `5%`",
    "COMPARATOR": "a comparison (`=`, `!=`, `<`, `<=`, `>`, `>=`)",
    "DIALECT": "a CSV dialect such as `excel-nl`",
    "$END": "the end of the file",
}


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def as_name(token: Token, source: SourceFile, parser: Lark) -> Token:
    """lark's fallback lexer may read `selct` as a party id; a reader sees a word."""
    if token.type in {"NAME", "$END"} or keyword_text(token.type, parser):
        return token
    word = _WORD.match(source.text, token.start_pos or 0)
    if word is None or word.end() < (token.end_pos or 0):
        return token
    keywords = {keyword_text(t.name, parser): t.name for t in parser.terminals}
    kind = keywords.get(word.group(), "NAME")
    return Token(kind, word.group(), token.start_pos, token.line, token.column,
                 end_pos=word.end())


def acceptable(exc: UnexpectedToken) -> set[str]:
    """The tokens that would really continue the parse (LALR tables over-approximate)."""
    interactive = getattr(exc, "interactive_parser", None)
    if interactive is not None:
        try:
            return set(interactive.accepts())
        except Exception:  # noqa: BLE001 - fall back to the table's view
            pass
    return set(exc.expected or ())


_GROUPS = (
    ("an arithmetic operator", {"PLUS", "MINUS", "STAR", "SLASH"}, 3),
    ("an expression", {"LPAR", "LSQB", "NUMBER", "STRING", "DATE", "TRUE", "FALSE", "NULL",
                       "NAME"}, 5),
    ("a CSV dialect or option", {"DIALECT", "BOM", "DECIMAL", "DELIMITER", "LINES", "NO",
                                 "QUOTE"}, 4),
)


def collapse(names: set[str]) -> tuple[set[str], list[str]]:
    rest, groups = set(names), []
    for label, members, threshold in _GROUPS:
        if len(rest & members) >= threshold:
            rest -= members
            groups.append(label)
    return rest, groups


def inside(history: list[Token], openers: set[str]) -> bool:
    """Whether the nearest clause keyword before the error is one of `openers`."""
    clause_words = openers | {"FROM", "OUTPUT", "WHERE", "JOIN", "SCHEDULE", "SOURCE"}
    for token in reversed(history):
        if token.type in clause_words:
            return token.type in openers
    return False


def token_span(token: Token, source: SourceFile, history: list[Token]) -> Span:
    if token.type == "$END":
        end = history[-1].end_pos if history else len(source.text)
        return Span(end, end)
    return Span(token.start_pos or 0, token.end_pos or 0)


def keyword_text(name: str, parser: Lark) -> str | None:
    """The literal text of a keyword terminal, or None for a token class."""
    if name in _CLASSES:
        return None
    try:
        pattern = parser.get_terminal(name).pattern
    except KeyError:
        return None
    return pattern.value if isinstance(pattern, PatternStr) else None


def describe_terminal(name: str, parser: Lark) -> str:
    word = keyword_text(name, parser)
    if word is not None:
        return f"`{word}`"
    return _CLASSES.get(name, name.lower())


def describe_token(token: Token) -> str:
    if token.type == "$END":
        return "the end of the file"
    if token.type in {"NAME", "STRING", "NUMBER", "INT"}:
        return f"{_CLASSES[token.type].split(' ', 1)[1]} `{token}`"
    return f"`{token}`"


def expected_list(names: set[str], parser: Lark) -> str:
    names, groups = collapse(names)
    words = sorted({describe_terminal(n, parser) for n in names if keyword_text(n, parser)})
    classes = sorted({describe_terminal(n, parser) for n in names if not keyword_text(n, parser)})
    items = words + classes + groups
    if len(items) > 12:
        items = items[:12] + ["..."]
    if not items:
        return "nothing more"
    if len(items) == 1:
        return items[0]
    return "one of " + ", ".join(items[:-1]) + " or " + items[-1]
