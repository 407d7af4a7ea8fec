"""The matchers of the spec lexer's terminals: a keyword or punctuation compared as a
string, a pattern as a regular expression compiled once per process and only when first
used. Kept apart from lark: the lean lexer (`lean_lexer`) builds them into lark's parser,
and the lark-free parser (`fast_parser`) reads them from its own table.
"""

from __future__ import annotations

import functools
import re


class Literal:
    """A keyword or punctuation: `"select"`, `","`. A keyword is a whole word: `groupby`
    or `fromsessions` is no `group` or `from` followed by more, but a word the grammar
    has no place for, reported as written (`parse_words` offers the keywords split)."""

    __slots__ = ("value", "word")

    def __init__(self, value: str) -> None:
        self.value = value
        self.word = _is_word_char(value[-1:])

    def match(self, text: str, pos: int, end: int) -> str | None:
        if not text.startswith(self.value, pos, end):
            return None
        after = pos + len(self.value)
        if self.word and after < end and _is_word_char(text[after]):
            return None
        return self.value

    def fullmatch(self, text: str) -> bool:
        return text == self.value


class Regex:
    """A pattern terminal, compiled when first used and once per process (pickled as its
    source, so that a parser loaded from the cache compiles only what it uses)."""

    __slots__ = ("regexp", "flags", "_compiled")

    def __init__(self, regexp: str, flags: int) -> None:
        self.regexp, self.flags, self._compiled = regexp, flags, None

    def __getstate__(self) -> tuple[str, int]:
        return self.regexp, self.flags

    def __setstate__(self, state: tuple[str, int]) -> None:
        self.regexp, self.flags = state
        self._compiled = None

    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = _compile(self.regexp, self.flags)
        return self._compiled

    def match(self, text: str, pos: int, end: int) -> str | None:
        found = self.compiled().match(text, pos, end)
        return None if found is None else found.group(0)

    def fullmatch(self, text: str) -> bool:
        return self.compiled().fullmatch(text) is not None


def _is_word_char(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char == "_")


@functools.cache
def _compile(regexp: str, flags: int) -> re.Pattern[str]:
    return re.compile(regexp, flags)
