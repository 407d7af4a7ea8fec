"""`lazy(r"...")`: a regular expression compiled the first time it is used.

`re.compile` runs Python's regex compiler, written in Python: half a million
instructions for a pattern of one line. Most patterns the checker's modules define word
a warning or an error, or serve a later stage (a run's timestamps, a review's code
spans), so a check of a valid spec never uses them; compiled at import, some thirty of
them cost a cold `ocpispec check` a twentieth of its instructions.

A lazy pattern has the methods of the compiled one (`match`, `search`, `sub`, ...):
the first use compiles it, and from then on each method is the compiled pattern's own,
read from the instance. It is not an `re.Pattern`: pass it to none of `re`'s functions
(`re.sub(pattern, ...)`), call its methods. tests/test_lazy_imports.py checks that a
check of the shipped specs compiles none of them.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False  # typing costs a cold `check` 3 ms; annotations only need it for mypy
if TYPE_CHECKING:
    from typing import AnyStr

__all__ = ["lazy"]

_METHODS = ("match", "fullmatch", "search", "sub", "subn", "split", "findall", "finditer")


class LazyPattern:
    """A pattern and its flags until first used; then the compiled pattern's methods."""

    def __init__(self, pattern: str | bytes, flags: int = 0) -> None:
        self._source = (pattern, flags)

    def __getattr__(self, name: str):  # only for what the instance does not hold yet
        if name.startswith("__"):
            raise AttributeError(name)
        compiled = re.compile(*self._source)
        for method in _METHODS:
            setattr(self, method, getattr(compiled, method))
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"lazy({self._source[0]!r})"


def lazy(pattern: AnyStr, flags: int = 0) -> re.Pattern[AnyStr]:
    """`re.compile(pattern, flags)`, done when the result is first used."""
    return LazyPattern(pattern, flags)  # type: ignore[return-value]
