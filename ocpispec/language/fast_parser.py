"""The spec parser without lark: lark's LALR table and contextual lexer, run by a small
driver over plain data.

Importing lark takes a fifth of a cold `ocpispec check`, mostly for what only building a
grammar needs. The table lark builds (`parser_cache` keeps that parser) is turned once
into a `ParseTable` of plain values (`table_of`), kept in the user's cache beside it,
and `parse_text` runs it: the same tokens (the lean lexer's matchers, state by state),
the same shifts and reductions, and the same tree (children filtered, optional parts
as None, `?rule` lifted, `_rule` inlined, positions propagated) as lark gives.

A text it cannot parse gives None: lark then parses it again, to explain the error
(`parser`). tests/test_fast_parser.py compares both parsers' trees on every spec and
case in the repository and on damaged ones.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs a cold `check` 3 ms; annotations only need it for mypy
if TYPE_CHECKING:
    from typing import Any

from ocpispec.frozen import frozen
from ocpispec.language.tree import Meta, Token, Tree

Matcher = "Any"  # matchers.Literal | matchers.Regex (for annotations only)


@frozen
class StateLexer:
    """The terminals one parser state accepts, in lark's order of trying them."""

    terminals: tuple[tuple[str, Matcher], ...]
    ignored: frozenset[str]
    # a pattern terminal (NAME) whose whole text is a keyword is retyped as that keyword
    keywords: dict[str, tuple[tuple[str, Matcher], ...]]


@frozen
class RuleShape:
    """How a reduction builds its node: `keep` lists, per child kept, its index, whether
    it is an inlined `_rule` whose children take its place, and the None placeholders
    before it; `trailing` placeholders follow. `lift`: a `?rule` with a single child
    is that child."""

    origin: str
    size: int
    name: str
    keep: tuple[tuple[int, bool, int], ...] | None
    trailing: int
    lift: bool


@frozen
class ParseTable:
    # state -> terminal or rule name -> next state (shift, >= 0) or ~rule index (reduce)
    actions: dict[int, dict[str, int]]
    lexers: dict[int, StateLexer]
    rules: tuple[RuleShape, ...]
    start: int
    end: int


class _Unparsable(Exception):
    pass


def parse_text(table: ParseTable, text: str) -> Tree | None:
    """The parse tree of `text`, or None when it does not parse."""
    try:
        return _Driver(table, text).run()
    except _Unparsable:
        return None


class _Driver:
    def __init__(self, table: ParseTable, text: str) -> None:
        self.table, self.text, self.pos = table, text, 0
        self.states: list[int] = [table.start]
        self.values: list[Any] = []

    def run(self) -> Tree:
        last: Token | None = None
        while True:
            token = self.next_token()
            if token is None:
                break
            self.feed(token, False)
            last = token
        end = last.end_pos if last is not None else 0
        return self.feed(Token("$END", "", end, end), True)

    def next_token(self) -> Token | None:
        text, end = self.text, len(self.text)
        lexer = self.table.lexers.get(self.states[-1])
        if lexer is None:
            raise _Unparsable
        while self.pos < end:
            start = self.pos
            for type_, matcher in lexer.terminals:
                value = matcher.match(text, start, end)
                if value:  # lark refuses terminals that can match nothing: never stuck
                    break
            else:
                raise _Unparsable
            self.pos = start + len(value)
            if type_ in lexer.ignored:
                continue
            for keyword, literal in lexer.keywords.get(type_, ()):
                if literal.fullmatch(value):
                    type_ = keyword
                    break
            return Token(type_, value, start, self.pos)
        return None

    def feed(self, token: Token, is_end: bool) -> Any:
        actions, rules, states, values = self.table.actions, self.table.rules, self.states, self.values
        while True:
            action = actions[states[-1]].get(token.type)
            if action is None:
                raise _Unparsable
            if action >= 0:
                if is_end:
                    raise _Unparsable
                states.append(action)
                values.append(token)
                return None
            rule = rules[~action]
            if rule.size:
                children = values[-rule.size:]
                del states[-rule.size:]
                del values[-rule.size:]
            else:
                children = []
            goto = actions[states[-1]].get(rule.origin)
            if goto is None or goto < 0:
                raise _Unparsable
            states.append(goto)
            values.append(_reduce(rule, children))
            if is_end and states[-1] == self.table.end:
                return values[-1]


def _reduce(rule: RuleShape, children: list[Any]) -> Any:
    kept = children if rule.keep is None else _filtered(rule, children)
    if rule.lift and len(kept) == 1:
        node = kept[0]
    else:
        node = Tree(rule.name, kept)
    if node.__class__ is Tree:
        _propagate(node.meta, children)
    return node


def _filtered(rule: RuleShape, children: list[Any]) -> list[Any]:
    kept: list[Any] = []
    for index, inline, nones in rule.keep:  # type: ignore[union-attr]
        if nones:
            kept.extend([None] * nones)
        if inline:
            kept.extend(children[index].children)
        else:
            kept.append(children[index])
    if rule.trailing:
        kept.extend([None] * rule.trailing)
    return kept


def _propagate(meta: Meta, children: list[Any]) -> None:
    """lark's `propagate_positions`, from the children before filtering. A lifted node
    keeps its own span and takes the lifting rule's as its container."""
    start = _first_span(children)
    if start is not None:
        if meta.start_pos is None:
            meta.start_pos = start
            meta.empty = False
        meta.container_start_pos = start
    end = _first_span(reversed(children), end=True)
    if end is not None:
        if meta.end_pos is None:
            meta.end_pos = end
            meta.empty = False
        meta.container_end_pos = end


def _first_span(children: Any, end: bool = False) -> int | None:
    """Where the first child that covers text starts (or, `end`, where the last ends):
    a token's own position, a node's container's."""
    for child in children:
        if child.__class__ is Token:
            return child.end_pos if end else child.start_pos
        if child.__class__ is Tree and not child.meta.empty:
            meta = child.meta
            if end:
                return meta.end_pos if meta.container_end_pos is None else meta.container_end_pos
            return meta.start_pos if meta.container_start_pos is None else meta.container_start_pos
    return None
