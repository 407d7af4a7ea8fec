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
    screen = guard.screen(bound)          # once per joined record the join caches
    bound, nulled = guard.guarded(wire, bound, screen)  # `wire`: the joining record as sent
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable
from itertools import repeat
from typing import Any

from ocpispec.frozen import frozen
from ocpispec.schema.own_ids import (ID_PATHS, LONG, NOT_LETTERS, OWN_ID_IN_TEXT, SHORT, WORDS, Tree,
                                     folded, gatherer, held, ids_of, path_reads, prose_tree)

# the neutral records a join binds are named as 2.2.1 names them
_NEUTRAL = "2.2.1"
_MARK = "\x00"   # no join alias starts with it


@frozen
class Screen:
    """A joined record's free texts, as (object, name, path), and what one reading of
    them gives every record that binds it: their letters and digits (`own_ids`'s form,
    the texts apart by a NUL) and their words, as ASCII bytes."""

    texts: list[tuple[dict, str, str]]
    letters: bytes
    words: frozenset[bytes]


@frozen
class JoinedTextGuard:
    ids: Callable[[dict], list[str]]
    gather: Callable[[dict], Any]

    def screen(self, bound: dict) -> Screen | None:
        """The screen of a joined record's texts, None where it has none."""
        texts = self.gather(bound)[0]
        if not texts:
            return None
        # each text read as `own_ids.holds_id` reads it (a NUL of its own dropped)
        each = [folded(node[name]) for node, name, _ in texts]
        letters = "\x00".join(NOT_LETTERS.sub("", text).replace("\x00", "") for text in each)
        return Screen(texts, letters.encode(),
                      frozenset(word.encode() for text in each for word in WORDS.findall(text)))

    def guarded(self, wire: dict, bound: dict, screen: Screen | None
                ) -> tuple[dict, tuple[str, ...]]:
        """`bound`, or a copy of it whose texts holding one of the ids of `wire` (the
        joining record as sent) are null, with the paths of those texts."""
        if screen is None:
            return bound, ()
        values = self.ids(wire)
        if not any(map(_maybe_held, values, repeat(screen, len(values)))):
            return bound, ()
        found = held([node[name] for node, name, _ in screen.texts], ids_of(values))
        if not found:
            return bound, ()
        safe = copy.deepcopy(bound)
        copied = self.gather(safe)[0]
        for index in found:
            node, name, _ = copied[index]
            node[name] = None
        return safe, tuple(copied[index][2] for index in found)


# ASCII that is no letter or digit, dropped from an id as `own_ids` drops it
_NOT_ID = bytes(code for code in range(128) if not chr(code).isalnum())


def _maybe_held(value: str, screen: Screen) -> bool:
    """Whether the screen's texts may hold `value` as `own_ids.held` reads it (exact for
    ASCII ids, the usual ones: a tenth of the time of reading them as `held` does)."""
    if not value.isascii() or "\x00" in value:   # (`ids_of` cuts an id at a NUL)
        return True
    letters = value.encode().lower().translate(None, _NOT_ID)
    if len(letters) < SHORT or letters.isalpha():
        return False
    return letters in screen.letters if len(letters) >= LONG else letters in screen.words


def _id_reader(paths: tuple[tuple[str, ...], ...]) -> Callable[[dict], list[str]]:
    """Straight-line code reading the texts at `paths` of a record as sent."""
    lines = ["def read(n0):", "    found = []", *path_reads(paths, "found"), "    return found"]
    env: dict[str, Any] = {}
    exec("\n".join(lines), env)  # noqa: S102 - text built from catalogue field names only
    return env["read"]  # type: ignore[no-any-return]


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
    return JoinedTextGuard(_id_reader(paths), gatherer(tree, ()))


def _merged(one: Tree, other: Tree) -> Tree:
    merged = dict(one)
    for name, (below, many) in other.items():
        mine = merged.get(name)
        if mine is None or mine[0] is None or below is None:
            merged[name] = mine or (below, many)
        else:
            merged[name] = (_merged(mine[0], below), many)
    return merged
