"""A record's own card and contract ids in its own free text, read as null.

The attack (adversarial review, session 31): a platform writes a driver's card uid or
contract id into text that leaves as a place or as public: a CDR's `cdr_location.name`
or `address`, a 2.1.1 session's embedded location, the display text of a tariff a CDR
embeds, a token's `issuer`. The wire reader reads each such text (`wire_shapes._PROSE`)
of a record that holds a personal id, and a text holding one becomes null, counted by
path and reason like every other invalid value, never shown.

An id is compared as its letters and digits, casefolded (`NL-TNM-C12345678-X` and
`nltnmc12345678x` are one): a long one (10 or more, a contract id or a 7-byte uid)
anywhere in the text read the same way, a short one (6 to 9, a 4-byte uid) only as a
whole word of the text, so a street number and a postal code side by side do not
spell it. Ids without a digit or shorter than 6 are not compared: they are no card's.

    check = own_id_check(shape, "cdrs")   # None where the module's records hold no such text
    check(record, invalid)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

OWN_ID_IN_TEXT = "text with the record's own card or contract id in it"
# where a module's records hold a driver's ids (absent paths are skipped)
_ID_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "sessions": (("cdr_token", "uid"), ("cdr_token", "contract_id"), ("auth_id",),
                 ("authorization_reference",)),
    "cdrs": (("cdr_token", "uid"), ("cdr_token", "contract_id"), ("auth_id",),
             ("authorization_reference",)),
    "tokens": (("uid",), ("contract_id",), ("auth_id",), ("visual_number",),
               ("energy_contract", "contract_id")),
}
_LONG = 10
_SHORT = 6
_NOT_LETTERS = re.compile(r"[\W_]+")
_WORDS = re.compile(r"[^\W_]+")
# name -> (the tree below, or None for a text field; whether a list)
Tree = dict[str, tuple["Tree | None", bool]]
Check = Callable[[dict[str, Any], list[tuple[str, str]]], None]


def own_id_check(shape: Any, module: str) -> Check | None:
    """The check of `module`'s records, or None when they hold no ids or no free text."""
    paths, tree = _ID_PATHS.get(module), _prose_tree(shape, set())
    if paths is None or not tree:
        return None

    def check(record: dict[str, Any], invalid: list[tuple[str, str]]) -> None:
        texts: list[tuple[dict[str, Any], str, str]] = []
        _texts(record, tree, "", texts)
        if texts and (ids := _ids(record, paths)):   # a 2.3.0 session's tax `VAT`: none to read
            for node, name, path in texts:
                if holds_id(node[name], ids):
                    node[name] = None
                    invalid.append((path, OWN_ID_IN_TEXT))
    return check


def _prose_tree(shape: Any, seen: set[int]) -> Tree:
    """The places of free text below `shape`: only branches that lead to some."""
    if id(shape) in seen:
        return {}
    seen = seen | {id(shape)}
    tree: Tree = {name: (None, False) for name, (code, _) in shape.quick.items() if code == "prose"}
    for name, (sub, many) in shape.objects.items():
        if below := _prose_tree(sub, seen):
            tree[name] = (below, many)
    return tree


def _ids(record: dict[str, Any], paths: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, bool], ...]:
    """The record's ids as (letters and digits casefolded, whether long), of those compared."""
    found: list[tuple[str, bool]] = []
    for path in paths:
        value: Any = record
        for name in path:
            value = value.get(name) if value.__class__ is dict else None
        if value.__class__ is str:
            letters = _NOT_LETTERS.sub("", value).casefold()
            if len(letters) >= _SHORT and any(ch.isdigit() for ch in letters):
                found.append((letters, len(letters) >= _LONG))
    return tuple(found)


def holds_id(text: str, ids: tuple[tuple[str, bool], ...]) -> bool:
    folded = text.casefold()
    letters = _NOT_LETTERS.sub("", folded)
    words: set[str] | None = None
    for value, long in ids:
        if long:
            if value in letters:
                return True
            continue
        if words is None:
            words = set(_WORDS.findall(folded))
        if value in words:
            return True
    return False


def _texts(node: dict[str, Any], tree: Tree, prefix: str,
           texts: list[tuple[dict[str, Any], str, str]]) -> None:
    """The free texts below `node` long enough to hold an id: (object, name, path)."""
    for name, (below, many) in tree.items():
        value = node.get(name)
        if value is None:
            continue
        if below is None:
            if value.__class__ is str and len(value) >= _SHORT:
                texts.append((node, name, prefix + name))
            continue
        for item in (value if many and value.__class__ is list else (value,)):
            if item.__class__ is dict:
                _texts(item, below, f"{prefix}{name}.", texts)
