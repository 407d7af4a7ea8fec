"""A record's own card and contract ids in the free text, links and public ids of what
it joins, read as null.

The attack (adversarial review, round four): `schema/own_ids.py` reads a session's,
CDR's or token's free text against its own ids as the wire reader reads the record; a
platform that names the driver's card in a site (`Laadpas 04A2...` as a location's
`name`), a tariff's display text or a token's `issuer` gets past it, since the joined
record is read alone. A join then bound that text beside the session it names, and
`location.name` released one driver's card on every row of the site they charge at.

Here each joined record's free text (the same fields `wire_shapes._PROSE` names) and
links are read against the ids of the record that joins it, compared as `own_ids`
compares them; a text holding one is null in that record's copy of the joined record
only, and counted by path and reason with the values the wire reader nulls, never shown.

The same platform may write the card as a joined site's public id (the `evse_id` of the
session's EVSE, another EVSE's `uid`, a connector's `tariff_ids`: round seven): each
public id of the joined record (`schema/public_ids`, walked from the catalogue) equal to
one of the joining record's ids, as `own_ids_as_ids` compares them, is null the same way.

    guard = joined_text_guard("sessions", "locations", "2.2.1")   # None: nothing to read
    screen = guard.screen(bound)          # once per joined record the join caches
    bound, nulled = guard.guarded(wire, bound, screen)  # `wire`: the joining record as sent;
    # `nulled`: (path, reason) of each value read as null
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable
from itertools import repeat
from typing import Any

from ocpispec.execute.joined_strings import shown_strings
from ocpispec.frozen import frozen
from ocpispec.schema.own_ids import _plain_path, _reaches
from ocpispec.schema.own_ids import (ID_PATHS, NOT_LETTERS, required_own_ids, OWN_ID_AS_ID, OWN_ID_IN_TEXT, SHORT,
                                     Tree, folded, gatherer, held, ids_of, path_reads,
                                     prose_tree)
from ocpispec.schema.own_ids_as_ids import contract_parts, form_reader, id_collector
from ocpispec.schema.public_ids import public_id_paths
from ocpispec.generated_code import code_of

# the neutral records a join binds are named as 2.2.1 names them
_NEUTRAL = "2.2.1"
_MARK = "\x00"   # no join alias starts with it


@frozen
class Screen:
    """A joined record's free texts, as (object, name, path, text), and what one reading of
    them gives every record that binds it: their letters and digits (`own_ids`'s form,
    the texts apart by a NUL), as ASCII bytes; and its public ids a
    card's could be, as (object, name, path, form)."""

    texts: list[tuple[dict, str, str, str]]
    letters: bytes
    ids: list[tuple[Any, Any, str, bytes]]
    id_forms: frozenset[bytes]


@frozen
class JoinedTextGuard:
    ids: Callable[[dict], list[str]]
    gather: Callable[[dict], list[tuple[dict, str, str, str]]] | None
    collect: Callable[[dict], list | None]
    forms: dict[str, bytes]   # (`own_ids_as_ids.form_reader`)
    form: Callable[[str], bytes]

    def screen(self, bound: dict) -> Screen | None:
        """The screen of a joined record's texts and ids, None where it has none."""
        texts = self.gather(bound) if self.gather is not None else []
        ids = self.collect(bound) or []
        if not texts and not ids:
            return None
        # each text read as `own_ids.holds_id` reads it (a NUL of its own dropped)
        each = [folded(text) for *_, text in texts]
        letters = "\x00".join(NOT_LETTERS.sub("", text).replace("\x00", "") for text in each)
        return Screen(texts, letters.encode(), ids, frozenset(form for *_, form in ids))

    def guarded(self, wire: dict, bound: dict, screen: Screen | None
                ) -> tuple[dict, tuple[tuple[str, str], ...]]:
        """`bound`, or a copy of it whose texts holding one of the ids of `wire` (the
        joining record as sent) and whose public ids equal to one are null, with the
        (path, reason) of each."""
        if screen is None:
            return bound, ()
        values = self.ids(wire)
        as_ids = self._ids_held(values, screen) if screen.id_forms else []
        in_texts = held([text for *_, text in screen.texts], ids_of(values)) \
            if screen.texts and any(map(_maybe_held, values, repeat(screen, len(values)))) else []
        if not as_ids and not in_texts:
            return bound, ()
        safe, nulled = copy.deepcopy(bound), {}
        # both read from the copy before either nulls a value (a public id shown is read
        # both ways: a text nulled first would be left out of the ids' list, and shift it)
        copied = self.gather(safe) if in_texts and self.gather is not None else []
        collected = (self.collect(safe) or []) if as_ids else []
        if in_texts:
            for index in in_texts:
                node, name, path, _ = copied[index]
                node[name], nulled[path] = None, OWN_ID_IN_TEXT
        if as_ids:
            for index in as_ids:
                node, name, path, _ = collected[index]
                node[name], nulled[path] = None, OWN_ID_AS_ID
        return safe, tuple(nulled.items())

    def _ids_held(self, values: list[str], screen: Screen) -> list[int]:
        """The indexes of the screen's ids whose form is one of `values`'."""
        forms, held = self.forms, []
        for value in values:
            form = forms.get(value)
            if form is None:
                form = self.form(value)
            if form in screen.id_forms:
                held.extend(index for index, (*_, each) in enumerate(screen.ids) if each == form)
        return held


# ASCII that is no letter or digit, dropped from an id as `own_ids` drops it
_NOT_ID = bytes(code for code in range(128) if not chr(code).isalnum())


def _maybe_held(value: str, screen: Screen) -> bool:
    """Whether the screen's texts may hold `value` as `own_ids.held` reads it (exact for
    long ASCII ids, the usual ones, a tenth of the time of reading them as `held` does;
    for a short one, whether `held` need read them)."""
    if not value.isascii() or "\x00" in value:   # (`ids_of` cuts an id at a NUL)
        return True
    letters = value.encode().lower().translate(None, _NOT_ID)
    if len(letters) < SHORT or letters.isalpha():
        return False
    # a short one in the letters but no word may be spelled by several (`04:a2:b3:c4`)
    return letters in screen.letters


def _id_reader(paths: tuple[tuple[str, ...], ...]) -> Callable[[dict], list[str]]:
    """Straight-line code reading the texts at `paths` of a record as sent."""
    lines = ["def read(n0):", "    found = []", *path_reads(paths, "found"), "    return found"]
    env: dict[str, Any] = {"parts": contract_parts}
    exec(code_of("\n".join(lines)), env)  # noqa: S102 - text built from catalogue field names only
    return env["read"]  # type: ignore[no-any-return]


def counted_as_missed(alias: str, path: str, reason: str) -> str:
    """The key a nulled value is counted under among a dataset's join misses, the counter
    the workers hand back per record (`settle` moves it to the invalid fields)."""
    return f"{_MARK}{alias}.{path} ({reason})"


def counted_as_nulled(path: str, reason: str) -> str:
    """The key a value of the record itself, read as null by a dataset's pipeline
    (`shown_own_ids`), is counted under among its join misses (`settle` moves it too)."""
    return f"{_MARK}{path} ({reason})"


def settle(module: str, misses: Counter[str], invalid_fields: Counter[str]) -> None:
    """Moves the nulled values `counted_as_missed` counted to the invalid fields, named
    as the wire reader names its own (`sessions.location.name (text with ...)`)."""
    for key in [key for key in misses if key.startswith(_MARK)]:
        invalid_fields[f"{module}.{key.removeprefix(_MARK)}"] += misses.pop(key)


def joined_text_guard(module: str, joined: str, version: str, shown: tuple[str, ...] = ()
                      ) -> JoinedTextGuard | None:
    """The guard of `module`'s records joining `joined`'s, or None where the records
    hold no ids or the joined ones no free text, link or public id. `shown`: the paths in
    the joined record that the dataset shows other than as a pseudonym (`shown_in_join`);
    every string at or below them is read as free text too (`joined_strings`), holding a
    card as text does (`LOC-NL-TNM-C12345678` as `location.id as site_code`,
    `TARIFF-<uid>` in a connector's `tariff_ids`), as the record's own public ids are
    where shown (`shown_public_ids`)."""
    from ocpispec.schema.catalogue import catalogue
    from ocpispec.schema.wire_shapes import _Shapes

    paths = ID_PATHS.get(module)
    if paths is None:
        return None
    tree: Tree = {}
    public: dict[tuple[str, ...], None] = {}
    for each in dict.fromkeys((_NEUTRAL, version)):
        root = catalogue().wired[each].roots.get(joined)
        if root is not None:
            tree = _merged(tree, prose_tree(_Shapes(each).of(root), set()))
            # and a joined charge's required own ids (a CDR's `id`), which its own wire
            # reader reads as null only when they are its card (`shown_own_ids`)
            tree = _merged(tree, _as_tree(required_own_ids(each, joined)))
            public.update(dict.fromkeys(public_id_paths(each, root)))
    walk = shown_strings(shown)   # every string shown, public ids and lists of ids too
    if not tree and not public and walk is None:
        return None
    return JoinedTextGuard(_id_reader(paths), _texts_gatherer(gatherer(tree, ()) if tree else None, walk),
                           id_collector(tuple(public)), *form_reader())


def _texts_gatherer(gather: Callable[[dict], Any] | None,
                    walk: Callable[[dict], list[tuple[dict, str, str, str]]] | None
                    ) -> Callable[[dict], list[tuple[dict, str, str, str]]] | None:
    """A joined record's texts as (object, name, path, text): the free texts and links
    the catalogue names (`gather`), and every string the dataset shows of it (`walk`,
    `joined_strings`), in one order for a record and its copy."""
    if gather is None:
        return walk
    if walk is None:
        return lambda record: [(node, name, path, node[name]) for node, name, path in gather(record)[0]]
    return lambda record: [(node, name, path, node[name]) for node, name, path in gather(record)[0]] \
        + walk(record)


def _as_tree(paths: tuple[tuple[str, ...], ...]) -> Tree:
    """The tree of text `paths` (a name ending in `[]`: each item of a list of objects)."""
    tree: Tree = {}
    for path in paths:
        node = tree
        for name in path[:-1]:
            node = node.setdefault(name.removesuffix("[]"), ({}, name.endswith("[]")))[0]  # type: ignore[assignment]
        node[path[-1]] = (None, False)
    return tree


def shown_in_join(sources: list[str], alias: str) -> tuple[str, ...]:
    """The paths in the record joined as `alias` that `sources` (a dataset's, but those
    it releases only as a pseudonym) read: `alias.evses[].uid` as `evses[].uid`; a source
    not written as a plain path (`jmespath(...)`) as the whole record."""
    found: list[str] = []
    for source in sources:
        text = source.strip()
        if text.startswith(alias + ".") or text.startswith(alias + "["):
            found.append(text[len(alias):].lstrip("."))
        elif _plain_path(text) is None:
            found.append("*")
    return tuple(found)


def _merged(one: Tree, other: Tree) -> Tree:
    merged = dict(one)
    for name, (below, many) in other.items():
        mine = merged.get(name)
        if mine is None or mine[0] is None or below is None:
            merged[name] = mine or (below, many)
        else:
            merged[name] = (_merged(mine[0], below), many)
    return merged
