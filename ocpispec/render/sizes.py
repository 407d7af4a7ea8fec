"""How large a template's value would be, known before it is built.

Checking a result's length after a filter ran is too late when one step multiplies:
`s|replace("x", s)` of two texts of a million characters asks for a million million,
`"%999999999d"|format(1)` for a gigabyte, `[s] * 100000` holds a hundred thousand
references to one long text (cheap) that `|join`, `|string` or `{{ ... }}` would write
out (not cheap). So the sandbox asks here first, with the inputs in hand, and refuses
anything that would exceed the limit without building it: the run fails with a
render error instead of exhausting memory.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# filters that neither write their input out as text nor build from it: they pass,
# pick, count or reorder items (weighing `rows` for `rows|length` would cost a walk)
NOT_WRITING = frozenset({"abs", "attr", "count", "d", "default", "dictsort",
                         "first", "float", "groupby", "int", "items", "last", "length",
                         "list", "map", "max", "min", "reject", "rejectattr", "reverse",
                         "round", "select", "selectattr", "slice", "sort", "sum", "unique",
                         "filesizeformat"})
# `%[(key)][flags][width][.precision][length]type`, as Python's `%` reads it
_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d*)(?:\.(\*|\d*))?[hlL]?([diouxXeEfFgGcrsa%])")
# filters that multiply a text: its size times an argument's
_TEXT_BUILDERS = frozenset({"replace", "indent", "wordwrap"})
MAX_BITS = 10_000  # an integer product beyond this is no figure a report prints


def weight(value: Any, limit: int) -> int:
    """At least the number of characters `value` takes as text, counting a text each
    time it is referred to; stops counting past `limit` (the walk costs at most that)."""
    total, stack = 0, [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, (list, tuple)):
            total += 2 + len(item)
            stack.extend(item)
        elif isinstance(item, Mapping):
            total += 2 + 2 * len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        else:
            total += 1
    return total


def format_problem(text: Any, width_limit: int) -> str | None:
    """Why a `%` format may not be used: a width or precision taken from the arguments
    (`*`), or one above `width_limit`; None when it may."""
    if not isinstance(text, str):
        return None
    for match in _SPEC.finditer(text):
        for size in match.group(1, 2):
            if size == "*":
                return "takes a width or precision from its arguments (`*`)"
            if size and int(size) > width_limit:
                return f"has a width or precision larger than {width_limit:,}"
    return None


def predicted(name: str, value: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any],
              limit: int) -> int:
    """At least the size of what filter `name` builds from `value` and its arguments."""
    if name == "batch":  # the rows are not written out; the filler may fill each line
        linecount, fill = _named(args, kwargs, ("linecount", "fill_with"))
        return 0 if fill is None else weight(fill, limit) * max(_int(linecount, 1), 1)
    if (arguments := weight((*args, *kwargs.values()), limit)) > limit:
        return arguments  # a list given as `new` or `d` is written out as text too
    if name in _TEXT_BUILDERS and not isinstance(value, str):
        if (size := weight(value, limit)) > limit:
            return size
        value = str(value)  # what the filter works on; as long as its weight, or about
    if name == "replace":
        return _replaced(value, *_named(args, kwargs, ("old", "new", "count")))
    if name == "indent":
        width = _named(args, kwargs, ("width",))[0]
        prefix = width if isinstance(width, str) else " " * min(_int(width, 4), limit + 1)
        return len(value) + (value.count("\n") + 1) * len(prefix)
    if name == "wordwrap":
        text = value
        width, _, wrap = _named(args, kwargs, ("width", "break_long_words", "wrapstring"))
        lines = len(text) // max(_int(width, 79), 1) + text.count("\n") + 1
        return len(text) + lines * (len(wrap) if isinstance(wrap, str) else 1)
    if name == "join":
        separator = _named(args, kwargs, ("d",))[0]
        items = len(value) if isinstance(value, (list, tuple, Mapping, str)) else 0
        size = weight(value, limit)
        if isinstance(separator, str) and items > 1:
            size += (items - 1) * len(separator)
        return size
    return weight(value, limit) + arguments


def product_too_large(left: Any, right: Any) -> bool:
    """Whether `left * right` of two integers would be a number of more than MAX_BITS."""
    return isinstance(left, int) and isinstance(right, int) \
        and left.bit_length() + right.bit_length() > MAX_BITS


def _replaced(text: str, old: Any, new: Any, count: Any) -> int:
    if not isinstance(old, str) or not isinstance(new, str):
        return len(text)
    found = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    return len(text) + found * max(len(new) - len(old), 0)


def _named(args: tuple[Any, ...], kwargs: Mapping[str, Any],
           names: tuple[str, ...]) -> list[Any]:
    return [args[i] if i < len(args) else kwargs.get(name) for i, name in enumerate(names)]


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default
