"""Whole numbers a platform writes as text: a header (`X-Total-Count`, `X-Limit`), a
next link's `offset` and `limit`, a status code sent as a string."""

from __future__ import annotations

import re
from typing import Any

_DIGITS = re.compile(r"[0-9]+")


def natural(text: Any) -> int | None:
    """The number `text` writes in ASCII digits (white space around it aside), else None.
    `str.isdigit` also says yes to superscripts (`²`, `³`, `¹`: Latin-1 bytes a header
    may hold), which `int` refuses: such a header or link ended the command as a bug. So
    did more digits than Python converts (4,300: `X-Total-Count` or a link's `offset` of
    5,000 nines), which are no number either."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    if not _DIGITS.fullmatch(text):
        return None
    try:
        return int(text)
    except ValueError:      # beyond `sys.get_int_max_str_digits()`
        return None
