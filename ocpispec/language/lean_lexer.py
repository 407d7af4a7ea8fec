"""lark's contextual lexer without one compiled alternation per parser state.

lark's contextual lexer gives each parser state its own scanner: one regular expression
`(?P<A>...)|(?P<B>...)|...` over the terminals that state accepts, compiled the first
time the state lexes. Spec grammar states accept some fifty different sets of terminals,
so a cold `ocpispec check` compiled some fifty large alternations (and as many keyword
alternations for NAME), about 10 ms, to read a 40-line spec.

A Python alternation matched at a position returns its first alternative that matches
there. `TerminalScanner` does exactly that by trying each terminal's own pattern in the
same order; each pattern is compiled once per process, whichever states share it.
Tokens, their types and positions, and the errors lark raises are the same
(tests/test_lean_lexer.py lexes every spec in the repository both ways).

Plugged in through lark's `_plugins` option (the hook lark-cython uses), so the grammar,
the parse table and lark's grammar cache are untouched.
"""

from __future__ import annotations

from typing import Any

from ocpispec.language import lark_without_regex  # noqa: F401  # lark without `regex`, first

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
        return [(t.name, self.re_.compile(t.pattern.to_regexp(), self.g_regex_flags))
                for t in terminals]

    def match(self, text: Any, pos: int) -> tuple[str, str] | None:
        for name, pattern in self._mres:
            found = pattern.match(text.text, pos, text.end)
            if found:
                return found.group(0), name
        return None

    def fullmatch(self, text: str) -> str | None:
        for name, pattern in self._mres:
            if pattern.fullmatch(text):
                return name
        return None


class LeanBasicLexer(BasicLexer):
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
            callbacks[pattern.name] = UnlessCallback(
                TerminalScanner(unless, flags, re_, use_bytes=use_bytes))
    return [t for t in terminals if t not in inside], callbacks
