"""Whole numbers a platform writes as text: a header (`X-Total-Count`, `X-Limit`), a
next link's `offset` and `limit`, a status code sent as a string."""

from __future__ import annotations

import re
from typing import Any

_DIGITS = re.compile(r"[0-9]+")


def natural(text: Any) -> int | None:
    """The number `text` writes in ASCII digits (white space around it aside), else None.
    `str.isdigit` also says yes to superscripts (`²`, `³`, `¹`: Latin-1 bytes a header
    may hold), which `int` refuses: such a header or link ended the command as a bug."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    return int(text) if _DIGITS.fullmatch(text) else None
