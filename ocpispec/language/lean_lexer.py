"""lark's contextual lexer without one compiled alternation per parser state.

lark's contextual lexer gives each parser state its own scanner: one regular expression
`(?P<A>...)|(?P<B>...)|...` over the terminals that state accepts, compiled the first
time the state lexes. Spec grammar states accept some fifty different sets of terminals,
so a cold `ocpispec check` compiled some fifty large alternations (and as many keyword
alternations for NAME), about 10 ms, to read a 40-line spec.

A Python alternation matched at a position returns its first alternative that matches
there. `TerminalScanner` does exactly that by trying each terminal in the same order: a
keyword or punctuation as a plain string comparison, a pattern (NAME, STRING, DATE...)
as its own regular expression, compiled once per process whichever states share it, and
only when first used. The scanners are built with the parser, so they are part of the
parser kept in the user's cache (`parser_cache`).
Tokens, their types and positions, and the errors lark raises are the same
(tests/test_lean_lexer.py lexes every spec in the repository both ways).

Plugged in through lark's `_plugins` option (the hook lark-cython uses), so the grammar,
the parse table and lark's grammar cache are untouched.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from ocpispec.language import lark_without_regex  # noqa: F401  # lark without `regex`, first
from ocpispec.language.matchers import Literal, Regex

from lark.lexer import (  # noqa: E402
    BasicLexer,
    CallChain,
    ContextualLexer,
    PatternRE,
    PatternStr,
    Scanner,
    UnlessCallback,
)


class TerminalScanner(Scanner):
    """A scanner that tries the terminals one by one instead of as one alternation."""

    def _build_mres(self, terminals: list[Any], max_size: int) -> list[Any]:
        return [(t.name, _matcher(t.pattern, self.g_regex_flags)) for t in terminals]

    def match(self, text: Any, pos: int) -> tuple[str, str] | None:
        for name, matcher in self._mres:
            found = matcher.match(text.text, pos, text.end)
            if found is not None:
                return found, name
        return None

    def fullmatch(self, text: str) -> str | None:
        for name, matcher in self._mres:
            if matcher.fullmatch(text):
                return name
        return None


@functools.cache
def _matcher(pattern: Any, flags: int) -> Literal | Regex:
    """One matcher per terminal, shared by every state (and so pickled once)."""
    if isinstance(pattern, PatternStr) and not pattern.flags and not flags:
        return Literal(str(pattern.value))
    return Regex(str(pattern.to_regexp()), flags)


class LeanBasicLexer(BasicLexer):
    """Builds its scanner with the parser (so that it is part of the cached parser), not
    at the first token of each state in every process."""

    def __init__(self, conf: Any, comparator: Any = None) -> None:
        super().__init__(conf, comparator)
        if self.re is not re or self.use_bytes:
            raise ValueError("the lean lexer reads text with `re` (no `regex`, no bytes)")
        self._scanner = self._build_scanner()

    def _build_scanner(self) -> Scanner:
        terminals, self.callback = _keywords_inside_patterns(self.terminals, self.g_regex_flags,
                                                             self.re, self.use_bytes)
        for type_, user_callback in self.user_callbacks.items():
            if type_ in self.callback:
                self.callback[type_] = CallChain(self.callback[type_], user_callback,
                                                 lambda t, type_=type_: t.type == type_)
            else:
                self.callback[type_] = user_callback
        return TerminalScanner(terminals, self.g_regex_flags, self.re, self.use_bytes)


class LeanContextualLexer(ContextualLexer):
    BasicLexer = LeanBasicLexer


PLUGINS = {"BasicLexer": LeanBasicLexer, "ContextualLexer": LeanContextualLexer}


def _keywords_inside_patterns(terminals: list[Any], flags: int, re_: Any,
                              use_bytes: bool) -> tuple[list[Any], dict[str, Any]]:
    """lark's `_create_unless`: a string terminal (`"select"`) that a pattern terminal of
    the same priority also matches (NAME) is lexed as the pattern, then retyped when the
    whole text is the string; only the scanner it builds differs."""
    patterns = [t for t in terminals if isinstance(t.pattern, PatternRE)]
    strings = [t for t in terminals if isinstance(t.pattern, PatternStr)]
    inside: set[Any] = set()
    callbacks: dict[str, Any] = {}
    for pattern in patterns:
        unless = []
        for string in strings:
            if string.priority != pattern.priority:
                continue
            value = string.pattern.value
            found = re_.match(pattern.pattern.to_regexp(), value, flags)
            if found and found.group(0) == value:
                unless.append(string)
                if string.pattern.flags <= pattern.pattern.flags:
                    inside.add(string)
        if unless:
            callbacks[pattern.name] = _unless(tuple(unless), flags, re_, use_bytes)
    return [t for t in terminals if t not in inside], callbacks


@functools.cache
def _unless(strings: tuple[Any, ...], flags: int, re_: Any, use_bytes: bool) -> UnlessCallback:
    """The retyping callback for one set of strings, shared by the states that have it."""
    return UnlessCallback(TerminalScanner(list(strings), flags, re_, use_bytes=use_bytes))
