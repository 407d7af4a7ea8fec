"""A field path written with `_` for its dots, as a flattened table or a pandas column
names it: `total_cost_excl_vat` is `total_cost.excl_vat`, `cdr_token_uid` is
`cdr_token.uid`, `location_postal_code` the joined site's `location.postal_code`. The
spelling check offered `total_cost` for the first, an object no column can release."""

from __future__ import annotations

from collections.abc import Callable
from itertools import product

_MOST_UNDERSCORES = 6  # 64 spellings at most


def dotted_path(before: tuple[str, ...], name: str, after: tuple[str, ...],
                resolves: Callable[[tuple[str, ...]], bool]) -> str | None:
    """The path `before.NAME.after` reads with some of NAME's `_` written as dots, the
    one with the fewest dots; None when none resolves."""
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
