"""What the fast reader counts of a page to know that no object gives a site's, party's
or driver's key twice (msgspec keeps the last of a repeated key, as orjson does).

The strict types (`fast_pages`) hold no unknown key and require each counted key of an
object they read, so a page whose text holds each counted key exactly as often as its
objects hold it, none of them escaped, gives each once in each object. A counted key in
an object a record may leave out (a token's `energy_contract`) is counted per object
present; one in a list, or deeper, gives no fixed count: such a module has no fast path.
A token's one-time type (`AD_HOC_USER`) is counted too: a type given one-time and then
not reads as a driver the last way (`repeated_keys.mark` refuses it the slow way).
"""

from __future__ import annotations

import re
from operator import attrgetter
from typing import Any

from ocpispec.frozen import frozen
from ocpispec.ocpi.repeated_keys import COUNTED, escaped_keys, one_time, unescaped_letters

# the end of a one-time type in any casing (`Ad_Hoc_User`): a regex with a literal first
# byte, 0.49 ms on a page of 1,000 sessions where lowering it and a search took 0.60 ms
# (but 6.6 M instructions against 4.9 M, the copy of the page not counted). Written with
# IGNORECASE, which folds ASCII letters only in a bytes pattern (the same bytes as a class
# per letter): 5.4 M instructions against 6.6 M a page (callgrind, realistic sessions)
_ONE_TIME_TAIL = re.compile(rb"_hoc_user", re.IGNORECASE)


@frozen
class Multiplicities:
    """How often each counted key (`COUNTED`) appears in one object of a strict shape:
    `fixed`, in the object and the objects it must hold; `optional`, per object field it
    may leave out, in that object; `token_types`, the paths of a token's `type`."""

    fixed: dict[bytes, int]
    optional: tuple[tuple[str, dict[bytes, int]], ...]
    token_types: tuple[tuple[str, ...], ...]


def multiplicities(objects: dict[str, tuple[Any, bool]], tests: Any,
                   required: frozenset[str] = frozenset()) -> Multiplicities | None:
    """The counted keys of a strict shape (`tests`: its fields, `objects`: its objects,
    name -> (shape, many); `required`: the objects every one holds), or None where one may
    appear in a list or deeper in an object left out (the count per object is then not
    fixed). The strict types require each counted key of an object (`fast_pages`)."""
    counts = dict.fromkeys(COUNTED, 0)
    for key in COUNTED:
        counts[key] += key in tests or key in objects
    optional: list[tuple[str, dict[bytes, int]]] = []
    types: list[tuple[str, ...]] = [("type",)] if "uid" in tests and "type" in tests else []
    for name, (shape, many) in objects.items():
        inner = dict.fromkeys(COUNTED, 0)
        if not _count_shape(shape.objects, shape.tests, inner, set()):
            return None
        if not any(inner.values()):
            continue
        if many:
            return None
        if "uid" in shape.tests and "type" in shape.tests:
            types.append((name, "type"))
        if name in required:
            for key, count in inner.items():
                counts[key] += count
        else:
            optional.append((name, _tokens(inner)))
    # a key the shape lacks fails the strict types (no unknown field): nothing to count
    return Multiplicities(_tokens(counts), tuple(optional), tuple(types))


def _tokens(counts: dict[str, int]) -> dict[bytes, int]:
    return {f'"{key}"'.encode(): count for key, count in counts.items() if count}


def _count_shape(objects: dict[str, tuple[Any, bool]], tests: Any, counts: dict[str, int],
                 path: set[int]) -> bool:
    """False where a counted key lies in an object within this one (which the strict
    types may leave out) or within itself."""
    for key in COUNTED:
        counts[key] += key in tests or key in objects
    for shape, _ in objects.values():
        if id(shape) in path:
            return False
        inner = dict.fromkeys(COUNTED, 0)
        if not _count_shape(shape.objects, shape.tests, inner, path | {id(shape)}):
            return False
        if any(inner.values()):
            return False
    return True


def exact_counts(content: bytes, data: list[Any], counted: Multiplicities | None,
                 every_value: bool = False) -> bool:
    """Whether a page the strict types read (exact keys only, none unknown; `data`: its
    objects, strict ones or dicts) gives each counted key exactly as often as its objects
    hold it, and none escaped: every object then gives each once; and as many one-time
    token types as its objects read (a type given twice, one-time and then not).
    `every_value`: the strict types tested every value of a repeated key (msgspec's
    decode of the text), so an earlier one-time type is an enum's spelling,
    `AD_HOC_USER`; else only the last was (`strict_fit`: orjson's parse keeps the last),
    and an earlier one may say one-time in any casing (`repeated_keys.one_time`)."""
    if counted is None:
        return False
    low = None
    if escaped := b"\\" in content:
        low = content.lower()
        if escaped_keys(low):
            return False
    objects = len(data)
    expected = {token: count * objects for token, count in counted.fixed.items()}
    for name, inner in counted.optional:
        present = _present(data, name)
        for token, count in inner.items():
            expected[token] = expected.get(token, 0) + count * present
    if not all(content.count(token) == count for token, count in expected.items()):
        return False
    if not counted.token_types:
        return True
    # an escaped letter may spell one (`\\u0041D_HOC_USER`); `re.sub` that finds none gives
    # the same text back
    if escaped and b"\\u00" in content and (plain := unescaped_letters(content)) is not content:
        text, word = (plain, b"AD_HOC_USER") if every_value else (plain.lower(), b"ad_hoc_user")
    elif every_value:
        text, word = content, b"AD_HOC_USER"
    elif low is None and _ONE_TIME_TAIL.search(content) is None:   # none in any casing
        return True
    else:   # lowered only where one may be: a copy of the page (run's CPU grew 8% with it)
        text, word = content.lower() if low is None else low, b"ad_hoc_user"
    if word not in text:
        return True
    return text.count(word) == sum(sum(map(one_time, _values(data, path))) for path in counted.token_types)


def _present(data: list[Any], name: str) -> int:
    from msgspec import UNSET     # the fast reader's: loaded with it

    values = _values(data, (name,))
    return len(values) - values.count(None) - values.count(UNSET)


def _values(data: list[Any], path: tuple[str, ...]) -> list[Any]:
    """The value at `path` in each object (None where it is missing)."""
    if data and data[0].__class__ is dict:
        values: list[Any] = data
        for name in path:
            values = [value.get(name) if value.__class__ is dict else None for value in values]
        return values
    if len(path) == 1:
        return list(map(attrgetter(path[0]), data))
    return [getattr(value, path[1], None) for value in map(attrgetter(path[0]), data)]
