"""A field path written with `_` for its dots, as a flattened table or a pandas column
names it: `total_cost_excl_vat` is `total_cost.excl_vat`, `cdr_token_uid` is
`cdr_token.uid`, `location_postal_code` the joined site's `location.postal_code`. The
spelling check offered `total_cost` for the first, an object no column can release. The
object may be named by a word of its name, as a column is named after it: `cost_excl_vat`
is `total_cost.excl_vat`, `token_uid` `cdr_token.uid`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import product

_MOST_UNDERSCORES = 6  # 64 spellings at most


def dotted_path(before: tuple[str, ...], name: str, after: tuple[str, ...],
                resolves: Callable[[tuple[str, ...]], bool],
                fields: Iterable[str] = ()) -> str | None:
    """The path `before.NAME.after` reads with some of NAME's `_` written as dots, the
    one with the fewest dots; else with its first part a word of one of `fields` (the
    names at that level) for that field; None when none resolves."""
    exact = _spelled(before, name, after, resolves)
    if exact is not None:
        return exact
    for field in fields:
        for word in field.split("_"):
            if word != field and len(word) > 2 and name.startswith(word + "_") \
                    and (found := _spelled(before, field + name[len(word):], after,
                                           resolves)) is not None:
                return found
    return None


def _spelled(before: tuple[str, ...], name: str, after: tuple[str, ...],
             resolves: Callable[[tuple[str, ...]], bool]) -> str | None:
    words = name.split("_")
    if not 1 < len(words) <= _MOST_UNDERSCORES + 1 or not all(words):
        return None
    spellings = []
    for joints in product("_.", repeat=len(words) - 1):
        if "." not in joints:
            continue
        text = words[0] + "".join(joint + word for joint, word in zip(joints, words[1:]))
        path = (*before, *text.split("."), *after)
        if resolves(path):
            spellings.append((joints.count("."), ".".join(path)))
    return min(spellings)[1] if spellings else None
