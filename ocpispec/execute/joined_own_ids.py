"""A record's own card and contract ids in the free text of what it joins, read as null.

The attack (adversarial review, round four): `schema/own_ids.py` reads a session's,
CDR's or token's free text against its own ids as the wire reader reads the record; a
platform that names the driver's card in a site (`Laadpas 04A2...` as a location's
`name`), a tariff's display text or a token's `issuer` gets past it, since the joined
record is read alone. A join then bound that text beside the session it names, and
`location.name` released one driver's card on every row of the site they charge at.

Here each joined record's free text (the same fields `wire_shapes._PROSE` names) is
read against the ids of the record that joins it, compared as `own_ids` compares
them; a text holding one is null in that record's copy of the joined record only, and
counted by path and reason with the values the wire reader nulls, never shown.

    guard = joined_text_guard("sessions", "locations", "2.2.1")   # None: nothing to read
    texts = guard.texts(bound)            # once per joined record the join caches
    bound, nulled = guard.guarded(wire, bound, texts)   # `wire`: the joining record as sent
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable
from typing import Any

from ocpispec.frozen import frozen
from ocpispec.schema.own_ids import (ID_PATHS, OWN_ID_IN_TEXT, Tree, gatherer, held, ids_of,
                                     prose_tree)

# the neutral records a join binds are named as 2.2.1 names them
_NEUTRAL = "2.2.1"
_MARK = "\x00"   # no join alias starts with it
Texts = tuple[list[tuple[dict, str, str]], Any]


@frozen
class JoinedTextGuard:
    ids: tuple[tuple[str, ...], ...]
    gather: Callable[[dict], Any]

    def texts(self, bound: dict) -> list[tuple[dict, str, str]]:
        """The free texts of a joined record, as (object, name, path)."""
        return self.gather(bound)[0]  # type: ignore[no-any-return]

    def guarded(self, wire: dict, bound: dict, texts: list[tuple[dict, str, str]]
                ) -> tuple[dict, tuple[str, ...]]:
        """`bound`, or a copy of it whose texts holding one of the ids of `wire` (the
        joining record as sent) are null, with the paths of those texts."""
        if not texts:
            return bound, ()
        own = ids_of([value for path in self.ids if (value := _at(wire, path)).__class__ is str])
        if not own or not (found := held([node[name] for node, name, _ in texts], own)):
            return bound, ()
        safe = copy.deepcopy(bound)
        copied = self.texts(safe)
        for index in found:
            node, name, _ = copied[index]
            node[name] = None
        return safe, tuple(copied[index][2] for index in found)


def counted_as_missed(alias: str, path: str) -> str:
    """The key a nulled text is counted under among a dataset's join misses, the counter
    the workers hand back per record (`settle` moves it to the invalid fields)."""
    return f"{_MARK}{alias}.{path}"


def settle(module: str, misses: Counter[str], invalid_fields: Counter[str]) -> None:
    """Moves the nulled texts `counted_as_missed` counted to the invalid fields, named
    as the wire reader names its own (`sessions.location.name (text with ...)`)."""
    for key in [key for key in misses if key.startswith(_MARK)]:
        invalid_fields[f"{module}.{key.removeprefix(_MARK)} ({OWN_ID_IN_TEXT})"] += misses.pop(key)


def joined_text_guard(module: str, joined: str, version: str) -> JoinedTextGuard | None:
    """The guard of `module`'s records joining `joined`'s, or None where the records
    hold no ids or the joined ones no free text."""
    from ocpispec.schema.catalogue import catalogue
    from ocpispec.schema.wire_shapes import _Shapes

    paths = ID_PATHS.get(module)
    if paths is None:
        return None
    tree: Tree = {}
    for each in dict.fromkeys((_NEUTRAL, version)):
        root = catalogue().wired[each].roots.get(joined)
        if root is not None:
            tree = _merged(tree, prose_tree(_Shapes(each).of(root), set()))
    if not tree:
        return None
    return JoinedTextGuard(paths, gatherer(tree, ()))


def _merged(one: Tree, other: Tree) -> Tree:
    merged = dict(one)
    for name, (below, many) in other.items():
        mine = merged.get(name)
        if mine is None or mine[0] is None or below is None:
            merged[name] = mine or (below, many)
        else:
            merged[name] = (_merged(mine[0], below), many)
    return merged


def _at(record: Any, path: tuple[str, ...]) -> Any:
    for name in path:
        if record.__class__ is not dict:
            return None
        record = record.get(name)
    return record
