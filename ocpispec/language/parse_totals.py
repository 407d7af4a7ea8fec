"""SQL's totals written after `group by`: `grouping sets ((a, b), (a), ())`, `rollup(a, b)`,
`cube(a, b)`. The empty set `()` or a column's `as` inside the call stopped the parser
with the generic 'expected an expression'. In ocpispec each set of keys is an aggregate
of its own (a total is grouped by `constant("total")`), and the run's secondary
suppression keeps a total from giving a withheld group away: the help writes the sets
out as those datasets."""

from __future__ import annotations

import re
from itertools import combinations

from ocpispec.diagnostics import Diagnostic, error
from ocpispec.diagnostics.source import SourceFile, Span

_TOTALS = re.compile(r"\bgroup\s+by\s+(grouping\s+sets|rollup|cube)\s*\(",
                     re.IGNORECASE)
_NAMED = re.compile(r"\bas\s+([A-Za-z_][A-Za-z0-9_]*)\s*$", re.IGNORECASE)
_MOST_SETS = 8


def totals_habit(at: int, source: SourceFile) -> Diagnostic | None:
    """OCX014 for a syntax error inside `group by grouping sets|rollup|cube (...)`."""
    found = None
    for found in _TOTALS.finditer(source.text, 0, at + 1):
        pass
    if found is None or _comment_before(source.text, found.start()):
        return None
    close = _closing(source.text, found.end() - 1)
    if close is not None and close < at:
        return None  # the call is closed: the error is elsewhere
    end = close + 1 if close is not None else source.text.find("\n", found.start(1))
    end = len(source.text) if end == -1 else end
    word = " ".join(found.group(1).lower().split())
    inside = source.text[found.end():end - 1] if close is not None else ""
    sets = _sets(word, _items(inside))
    return error(
        "OCX014", f"`{word}` is SQL, not part of the spec language",
        Span(found.start(1), end), "SQL's totals",
        notes=[f"`{word}` adds subtotal and total rows to the groups in SQL; in ocpispec "
               "each set of keys is an aggregate of its own, with the same `from` and "
               "`compute`, writing its own file; the run withholds a total where it, less "
               "the groups released, would give a withheld group away (secondary "
               "suppression)"],
        help=_help(sets))


def _comment_before(text: str, at: int) -> bool:
    line_start = text.rfind("\n", 0, at) + 1
    return "#" in text[line_start:at]


def _closing(text: str, opening: int) -> int | None:
    depth = 0
    for index in range(opening, len(text)):
        char = text[index]
        if char == "#" or char == '"':
            return None  # a comment or a string: too far to tell
        depth += char == "("
        depth -= char == ")"
        if depth == 0:
            return index
    return None


def _items(text: str) -> list[str]:
    """The top-level items of a comma list, parentheses kept."""
    items, depth, start = [], 0, 0
    for index, char in enumerate(text):
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth == 0:
            items.append(text[start:index].strip())
            start = index + 1
    if text[start:].strip():
        items.append(text[start:].strip())
    return items


def _key(item: str) -> str:
    named = _NAMED.search(item)
    return named.group(1) if named else " ".join(item.split())


def _sets(word: str, items: list[str]) -> list[list[str]]:
    if word == "grouping sets":
        sets = []
        for item in items:
            inner = item[1:-1] if item.startswith("(") and item.endswith(")") else item
            sets.append([_key(key) for key in _items(inner)])
        return sets
    keys = [_key(item) for item in items]
    if word == "rollup":
        return [keys[:size] for size in range(len(keys), -1, -1)]
    return [list(chosen) for size in range(len(keys), -1, -1)
            for chosen in combinations(keys, size)]


def _help(sets: list[list[str]]) -> str:
    if not sets:
        return ("leave it out: group by the keys of the finest set, and add a dataset with "
                "the same `from` and `compute` per other set, the grand total grouped by "
                "`constant(\"total\") as total`; write the files apart with "
                "`{dataset}` in the destination")
    said = [_grouped(keys) for keys in sets[:_MOST_SETS]]
    more = f", and one per other set ({len(sets) - _MOST_SETS} more)" \
        if len(sets) > _MOST_SETS else ""
    return ("write one dataset per set, each with the same `from` (name it: `from sessions "
            "as per_area`) and `compute`: " + "; ".join(said) + more +
            "; keep the keys' expressions (`prefix(location.postal_code, 4) as "
            "postal_area`) under each `group by`, and write the files apart with "
            "`{dataset}` in the destination")


def _grouped(keys: list[str]) -> str:
    if not keys:
        return "`group by constant(\"total\") as total` (the grand total)"
    return "`group by " + ", ".join(keys) + "`"
