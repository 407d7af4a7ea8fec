"""A record's own card in what `get` prints, read as null unless the pass names the card.

The attack (adversarial review, round 36): `get` is what a CPO's engineer reads the
platform's data with, and `--privacy-pass id` opens a session's or CDR's `id`. A platform
that numbers its charges by contract (`NL-TNM-C12345678-0001`) or card (`AUTH-04A2B3C4-7`)
had `get sessions --privacy-pass id` print the card: the wire reader reads a required own
id as null only when it is the card whole (a null `id` makes its record invalid). And a
clean page (`ocpi.fast_pages`, read in C) skipped the wire reader altogether, so a card
the platform wrote as a public id (`connector_id`) left through plain `get sessions`.

Here every text `get` releases of a session, CDR or token (the release's tree, its
opened paths with it) is read against the record's card ids: its card uid, contract id
(and that eMA-ID's core without its check character), auth id, visual number; those whose
own field the pass does not open. A text that is one or holds one as free text does
(`own_ids.held_form`: a long one anywhere in its letters and digits, a short one only as
a whole word or spelled a byte at a time) is null in the printed object, which keeps its
other fields; counted by path with the reason the wire reader gives such a text. A pass
that names the card's field (`cdr_token.uid`, `cdr_token`, `.`) prints the card anyway:
those ids are not read for.

A clean page is read in C only where none of its objects has such a text
(`CardProbe`, on the strict objects); one that has goes the slow way, through this scrub.

    scrub = card_scrub("2.2.1", "sessions", frozenset({"id"}))   # None: nothing to read
    nulled = scrub(wire, released)     # paths read as null in `released`
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from msgspec import UNSET

from ocpispec.generated_code import code_of

from ocpispec.schema.catalogue import catalogue
from ocpispec.schema.own_ids import CARD_PATHS, SHORT, card_forms, held_form
from ocpispec.schema.own_ids_as_ids import contract_parts
from ocpispec.schema.records import _keep_tree
from ocpispec.schema.wire_shapes import _Shapes

# leaves that hold no card: validated formats and values from a closed list
_NOT_TEXT = frozenset({"stamp", "choice", "number", "whole", "flag"})
# name -> (the tree below, or None for a leaf)
Tree = dict[str, "Tree | None"]
Scrub = Callable[[dict[str, Any], dict[str, Any]], list[str]]


def card_scrub(version: str, module: str, open_paths: frozenset[str]) -> Scrub | None:
    """The scrub of `get`'s released objects of `module`, or None where they hold no
    text to read or every card id is opened."""
    found = _reading(version, module, open_paths)
    if found is None:
        return None
    cards, texts = found

    def scrub(wire: dict[str, Any], released: dict[str, Any]) -> list[str]:
        forms = card_forms(_cards_of(wire, cards))
        if not forms:
            return []
        nulled: list[str] = []
        _null_held(released, texts, forms, "", nulled)
        return nulled
    return scrub


class CardProbe:
    """Whether a strict object of a clean page (`fast_pages`) releases a text holding
    its card: True sends the page the slow way, through `card_scrub`. Straight-line
    code, as `wire_codegen`'s: it runs once per object of every clean page."""

    def __init__(self, cards: tuple[tuple[str, ...], ...], texts: Tree) -> None:
        lines = ["def probe(n0):", "    values = []"]
        names = itertools.count(1)

        def write(tree: Tree, node: str, depth: int) -> None:
            pad = "    " * depth
            for name, below in tree.items():
                v = f"v{next(names)}"
                lines.append(f"{pad}{v} = getattr({node}, {name!r}, None)")
                if below is None:
                    lines.append(f"{pad}if {v}.__class__ is str and len({v}) >= {SHORT}:")
                    lines.append(f"{pad}    values.append({v})")
                    continue
                item = f"n{next(names)}"
                lines.extend([f"{pad}for {item} in ({v} if {v}.__class__ is list else ({v},)):",
                              f"{pad}    if {item} is not None and {item} is not UNSET:"])
                write(below, item, depth + 2)
        write(texts, "n0", 1)
        lines += ["    if not values:", "        return False",
                  "    forms = card_forms(cards_of(n0, CARDS, getattr))",
                  "    return bool(forms) and any(held_form(value, forms) for value in values)"]
        env: dict[str, Any] = {"UNSET": UNSET, "card_forms": card_forms, "held_form": held_form,
                               "cards_of": _cards_of, "CARDS": cards}
        exec(code_of("\n".join(lines)), env)  # noqa: S102 - catalogue field names only
        self.probe = env["probe"]

    def __call__(self, strict: Any) -> bool:
        return self.probe(strict)  # type: ignore[no-any-return]


def card_probe(version: str, module: str, open_paths: frozenset[str]
               ) -> Callable[[Any], bool] | None:
    """`CardProbe`'s function for `get`'s released objects of `module`, or None."""
    found = _reading(version, module, open_paths)
    return None if found is None else CardProbe(*found).probe


def _reading(version: str, module: str, open_paths: frozenset[str]
             ) -> tuple[tuple[tuple[str, ...], ...], Tree] | None:
    """The card paths not opened, and the tree of released texts that may hold one."""
    if module not in CARD_PATHS or "." in open_paths:
        return None
    cards = tuple(path for path in CARD_PATHS[module] if not _opened(path, open_paths))
    cat = catalogue()
    root = cat.wired[version].roots.get(module)
    if not cards or root is None:
        return None
    card_names = {path for path in CARD_PATHS[module]}
    texts = _text_tree(_keep_tree(cat, version, module, open_paths), _Shapes(version).of(root),
                       (), card_names)
    return (cards, texts) if texts else None


def _opened(path: tuple[str, ...], open_paths: frozenset[str]) -> bool:
    return any(".".join(path[:end]) in open_paths for end in range(1, len(path) + 1))


def _text_tree(keep: dict[str, Any], shape: Any, prefix: tuple[str, ...],
               card_names: set[tuple[str, ...]]) -> Tree:
    """The released leaves that are text long enough to hold a card, but the cards'
    own fields (opened, they are printed as the pass asks)."""
    tree: Tree = {}
    for name, below in keep.items():
        path = (*prefix, name)
        if below is None:
            code, limit = shape.quick.get(name, ("other", None)) if shape is not None else ("other", None)
            if path not in card_names and code not in _NOT_TEXT and \
                    not (isinstance(limit, int) and limit < SHORT):
                tree[name] = None
            continue
        sub = shape.objects.get(name, (None, False))[0] if shape is not None else None
        if inner := _text_tree(below, sub, path, card_names):
            tree[name] = inner
    return tree


def _get(node: Any, name: str, default: Any = None) -> Any:
    return node.get(name, default) if node.__class__ is dict else default


def _cards_of(record: Any, paths: tuple[tuple[str, ...], ...], read: Callable = _get) -> list[str]:
    found: list[str] = []
    for path in paths:
        value = record
        for name in path:
            value = read(value, name, None)
        if value.__class__ is str:
            found.append(value)
            found.extend(contract_parts(value))
    return found


def _null_held(node: Any, tree: Tree, forms: list[bytes], prefix: str, nulled: list[str]) -> None:
    if node.__class__ is list:
        for item in node:
            _null_held(item, tree, forms, prefix, nulled)
        return
    if node.__class__ is not dict:
        return
    for name, below in tree.items():
        value = node.get(name)
        if below is not None:
            _null_held(value, below, forms, f"{prefix}{name}.", nulled)
        elif value.__class__ is str and len(value) >= SHORT and held_form(value, forms):
            node[name] = None
            nulled.append(prefix + name)
