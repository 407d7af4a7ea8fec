"""SQL's aggregate written with `select`: `select city, sum(kwh) ... group by 1` (or
`group by city`). The parser stops at `group by`; the help writes the dataset the user
meant, the columns `group by` points at (by position or by name) as the keys and the
others as the measures under `compute`."""

from __future__ import annotations

import re

from ocpispec.language.lark_without_regex import Token
from ocpispec.diagnostics.source import SourceFile

_NAMED = re.compile(r"\bas\s+([A-Za-z_]\w*)\s*(?:because\s+\"(?:[^\"\\\n]|\\.)*\")?\s*$")


def rewritten(select: Token, group: Token, source: SourceFile) -> str | None:
    """`group by KEYS compute MEASURES` from the columns after `select` and the keys
    written after `group by`; None where a key names no column."""
    columns = _items(source.text[select.end_pos or 0:group.start_pos or 0])
    line_end = source.text.find("\n", group.end_pos or 0)
    written = source.text[group.end_pos or 0:len(source.text) if line_end == -1 else line_end]
    words = _items(re.sub(r"^\s*by\b", "", written.split("#")[0]))
    if not columns or not words:
        return None
    keys = [_pointed(word, columns) for word in words]
    if any(key is None for key in keys):
        return None
    measures = [column for column in columns if column not in keys]
    if not measures:
        return None
    return f"group by {' '.join(keys)} compute {' '.join(measures)}"  # type: ignore[arg-type]


def _pointed(word: str, columns: list[str]) -> str | None:
    """The column a key of SQL's `group by` means: its position from 1, its output name,
    or its expression."""
    if word.isdigit():
        return columns[int(word) - 1] if 1 <= int(word) <= len(columns) else None
    for column in columns:
        named = _NAMED.search(column)
        if (named is not None and named.group(1) == word) or column == word \
                or column.startswith(f"{word} "):
            return column
    return None


def _items(text: str) -> list[str]:
    """The columns of a list, split at line ends and commas outside parentheses and
    strings, comments left out."""
    items: list[str] = []
    current: list[str] = []
    depth, quoted, escaped, comment = 0, False, False, False
    for char in text:
        if comment:
            comment = char != "\n"
            if comment:
                continue
        if quoted:
            current.append(char)
            quoted = escaped or char != '"'
            escaped = not escaped and char == "\\"
            continue
        if char == "#":
            comment = True
            continue
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        if depth <= 0 and char in ",\n":
            items.append("".join(current))
            current = []
            continue
        quoted = char == '"'
        current.append(char)
    items.append("".join(current))
    return [" ".join(item.split()) for item in items if item.strip()]


_RULES = re.compile(r"^(minimum group size|round counts to|dominance|require k)\b")


def column_at(position: int, block: str) -> str | None:
    """The name of the `position`th column (from 1) of a dataset whose text up to its
    `order by` is `block`: its group keys then its measures, or its `select` columns, as
    the file holds them (SQL's `order by 3`)."""
    found = re.search(r"(?m)^\s*(select|group\s+by)\b", block)
    if found is None:
        return None
    columns = [item for item in _items(re.sub(r"(?m)^\s*compute\b", "\n", block[found.end():]))
               if not _RULES.match(item)]
    if not 1 <= position <= len(columns):
        return None
    column = columns[position - 1]
    named = _NAMED.search(column)
    if named is not None:
        return named.group(1)
    return column.rsplit(".", 1)[-1] if re.fullmatch(r"[A-Za-z_][\w.]*", column) else None
