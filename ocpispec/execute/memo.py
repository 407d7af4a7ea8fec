"""A bounded per-value cache for the functions that run once per record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
_MISSING: Any = object()


def text_memo(compute: Callable[[Any], T], limit: int) -> Callable[[Any], T]:
    """`compute` with a cache of its results for text arguments, emptied when it holds
    `limit` values; other arguments are computed every time (1, 1.0 and True hash
    alike: they must not share an entry)."""
    cache: dict[str, T] = {}

    def memoised(value: Any) -> T:
        if value.__class__ is not str:
            return compute(value)
        found = cache.get(value, _MISSING)
        if found is _MISSING:
            if len(cache) >= limit:
                cache.clear()
            found = cache[value] = compute(value)
        return found

    def inline(source: Any, texts: list[str]) -> str | None:
        """A remembered text's value read in the caller's expression (`jmes_codegen`)."""
        if len(texts) != 1:
            return None
        value, found = source.temp(), source.temp()
        held, missing, call = source.constant(cache), source.constant(_MISSING), \
            source.constant(memoised)
        return (f"({found} if ({value} := {texts[0]}).__class__ is str and "
                f"({found} := {held}.get({value}, {missing})) is not {missing} "
                f"else {call}({value}))")

    memoised.inline = inline  # type: ignore[attr-defined]
    return memoised
