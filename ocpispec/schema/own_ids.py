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
whole word of the text (`S-04a2b3c4-7`) or spelled by short words one character
apart (printed a byte at a time, `04:A2:B3:C4`), so a street number and a postal code
side by side (`1234, 5678 AB`) do not spell it. Ids without a digit or shorter than 6 are not compared: they are no card's.

Links (a website, an image's URL) are read as free text is: a card in a query string.

The same platform may write the card itself as an id the schema classes as public (a
session's `location_id`, `evse_uid` or `connector_id`, a CDR's `cdr_location.id`, a
tariff id; every such field, walked from the catalogue: `schema/public_ids.py`): such an id whose letters and digits, casefolded, are one of the record's
ids (6 or more, with a digit; compared whole, so `LOC1` or `04A2B3` beside the uid
`04A2B3C4D5E6F7` passes) is null too, counted by path and reason. A required id read
as null makes the record invalid (OCX570: the run fails unless `--allow-invalid`), so
a join never matches a site named after the card.

    check = own_id_check(shape, "cdrs", "2.2.1")   # None where the records hold no such text
    check(record, invalid)
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

from ocpispec.generated_code import code_of
from ocpispec.schema.own_ids_as_ids import (card_form, contract_parts, core_lines, other_id_check,
                                            public_id_check, decoded, encoded)
from ocpispec.schema.public_ids import own_id_paths, public_id_paths

OWN_ID_IN_TEXT = "text with the record's own card or contract id in it"
OWN_ID_AS_ID = "the record's own card or contract id"
# where a module's records name a driver's card (absent paths are skipped)
CARD_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "sessions": (("cdr_token", "uid"), ("cdr_token", "contract_id"), ("auth_id",)),
    "cdrs": (("cdr_token", "uid"), ("cdr_token", "contract_id"), ("auth_id",)),
    "tokens": (("uid",), ("contract_id",), ("auth_id",), ("visual_number",),
               ("energy_contract", "contract_id")),
}
# the ids free text is read against: the card's, and an authorisation's reference
ID_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    module: paths + ((("authorization_reference",),) if module != "tokens" else ())
    for module, paths in CARD_PATHS.items()}
LONG = 10
# the quick codes (`wire_shapes._quick`) of the fields read as text that may hold an id
_TEXTS = frozenset({"prose", "link"})
SHORT = 6
NOT_LETTERS = re.compile(r"[^0-9a-z\x00]+")
WORDS = re.compile(r"[0-9a-z]+")
_CHUNK = 4   # the longest part of a short id spelled in parts (`04a2 b3c4`)
# name -> (the tree below, or None for a text field; whether a list)
Tree = dict[str, tuple["Tree | None", bool]]
Check = Callable[[dict[str, Any], list[tuple[str, str]]], None]


def own_id_check(shape: Any, module: str, version: str) -> Check | None:
    """The check of `module`'s records, or None when they hold no ids or no free text."""
    paths, tree = ID_PATHS.get(module), prose_tree(shape, set())
    as_ids = _as_ids(shape, module, version) if paths is not None else None
    if paths is None or not tree:
        return as_ids

    gather = gatherer(tree, paths)

    def in_texts(record: dict[str, Any], invalid: list[tuple[str, str]]) -> None:
        texts, values = gather(record)
        if not values:      # a 2.3.0 session's tax `VAT`: no text long enough to read
            return
        ids = ids_of(values)
        if ids and (found := held([node[name] for node, name, _ in texts], ids)):
            for index in found:
                node, name, path = texts[index]
                node[name] = None
                invalid.append((path, OWN_ID_IN_TEXT))
    if as_ids is None:
        return in_texts

    def check(record: dict[str, Any], invalid: list[tuple[str, str]]) -> None:
        as_ids(record, invalid)
        in_texts(record, invalid)
    return check


def card_as_id(version: str, module: str, public: bool = True, own: bool = True) -> Check | None:
    """A probe of `module`'s records: True for one whose public id is its own card or
    contract id (`public_id_check`), which the wire reader nulls; None where none can be."""
    from ocpispec.schema.wire_shapes import _Shapes

    root = _root(version, module)
    if module not in ID_PATHS or root is None:
        return None
    return _as_ids(_Shapes(version).of(root), module, version, probe=True, public=public, own=own)


def _as_ids(shape: Any, module: str, version: str, probe: bool = False,
            public: bool = True, own: bool = True) -> Check | None:
    """The check (or probe) of a record's public ids against its ids, and of its other
    own ids (`public_ids.own_id_paths`) against its card's; None where it has neither
    (or neither is asked for)."""
    public = public_id_check(shape, module, ID_PATHS[module], _public_ids(version, module),
                             OWN_ID_AS_ID, probe=probe) if public else None
    # a required id (a session's `id`) only when it is a card: one that merely holds it
    # would make every record of a platform that numbers charges by contract invalid;
    # so a join's key (a CDR's `session_id`): null, it would match no session
    own = other_id_check(shape, CARD_PATHS[module], _own_ids(version, module), OWN_ID_AS_ID,
                         _holds_card, probe=probe, whole=required_own_ids(version, module)
                         ) if own else None
    if public is None or own is None:
        return public or own
    if probe:
        return lambda record, invalid: public(record, invalid) or own(record, invalid)

    def both(record: dict[str, Any], invalid: list[tuple[str, str]]) -> None:
        public(record, invalid)
        own(record, invalid)
    return both


def may_release_public_ids(module: str, sources: Iterable[str]) -> bool:
    """Whether a dataset of `module` whose columns and joins read `sources` (paths) may
    release one of its public ids in some version (`public_ids`): a source on the way to
    one or below one (`location`, `location_id`, `charging_periods[].tariff_id`), a
    `jmespath`, a whole record, or a source not written as a plain path. When not, `run`
    leaves the probe out of its strict fit: `total_cost.excl_vat` reads no tax's
    `account_number`, though both start at `total_cost`."""
    return module in ID_PATHS and _reaches(sources, _paths(module, _public_ids))


def may_show_own_ids(module: str, shown: Iterable[str]) -> bool:
    """Whether a dataset of `module` whose columns show `shown` (the sources not released
    as a pseudonym alone) may show one of the record's other own ids, read as
    `may_release_public_ids` reads public ids. `pseudonymize(id)` keys a session id that
    is the card apart from the card's pseudonym: its clean pages need no probe."""
    return module in ID_PATHS and _reaches(shown, _paths(module, _own_ids))


def shown_required_own_ids(version: str, module: str, shown: Iterable[str]
                           ) -> tuple[tuple[str, ...], ...]:
    """The required own ids of `module`'s records in `version` (a session's `id`) that
    a dataset whose columns show `shown` may show, read as `may_show_own_ids` reads them."""
    if module not in CARD_PATHS:
        return ()
    shown = list(shown)
    return tuple(path for path in required_own_ids(version, module)
                 if _reaches(shown, {tuple(name.removesuffix("[]") for name in path)}))


def shown_public_ids(module: str, shown: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    """The public ids of `module`'s records in any version (as `public_ids` writes them,
    `[]` for a list) that a dataset whose columns show `shown` may show, read as
    `may_release_public_ids` reads them; none where the records hold no card."""
    if module not in CARD_PATHS:
        return ()
    shown = list(shown)
    found = {path: None for version in _versions() for path in _public_ids(version, module)}
    return tuple(path for path in found
                 if _reaches(shown, {tuple(name.removesuffix("[]") for name in path)}))


def _versions() -> tuple[str, ...]:
    from ocpispec.schema.catalogue import VERSIONS

    return tuple(VERSIONS)


def own_id_fields(module: str) -> frozenset[tuple[str, ...]]:
    """The paths of `module`'s other own ids in any version (`id`, `meter_id`, a CDR's
    `invoice_reference_id`, a token's `group_id`), as a spec writes them."""
    return frozenset(_paths(module, _own_ids)) if module in CARD_PATHS else frozenset()


def required_own_ids(version: str, module: str) -> tuple[tuple[str, ...], ...]:
    """The own ids OCPI requires of `module`'s records in `version` (a session's `id`),
    and those a join matches on (a CDR's `session_id`, the session's `id` it names):
    read as null only when they are a card, else where a dataset shows them
    (`execute/shown_own_ids.py`) or binds them to another record
    (`execute/joined_own_ids.py`); the join matches on them as sent."""
    if module not in CARD_PATHS:
        return ()
    return _own_ids(version, module, True) + tuple(
        path for path in _own_ids(version, module, False) if path in _join_keys(module))


def _join_keys(module: str) -> frozenset[tuple[str, ...]]:
    """The keys joins match `module`'s records on: its own side of a join from it, the
    other side of a join to it."""
    from ocpispec.schema.joins import JOINS

    return frozenset({join.local_key for join in JOINS.get(module, ())} |
                     {join.remote_key for joins in JOINS.values() for join in joins
                      if join.target == module})


def card_held(text: str, cards: Iterable[str]) -> bool:
    """Whether an own id is one of the record's `cards` or holds one as free text does
    (`_holds_card`: a long one anywhere in its letters and digits, a short one only as a
    whole word); a card of fewer than 6 letters and digits, or of letters only, none."""
    return held_form(text, card_forms(cards))


def card_forms(cards: Iterable[str]) -> list[bytes]:
    """The `card_form`s of `cards` a text is read against: 6 or more, with a digit."""
    return [found for card in cards
            if len(found := card_form(card)) >= SHORT and not found.isalpha()]


def held_form(text: str, forms: list[bytes]) -> bool:
    """`card_held` of cards given as their `card_forms`."""
    form = card_form(decoded(text) if encoded(text) else text)   # as `folded` reads it
    return any(found in form and (found == form or _holds_card(text, found)) for found in forms)


def _paths(module: str, found: Callable[[str, str], tuple[tuple[str, ...], ...]]
           ) -> set[tuple[str, ...]]:
    from ocpispec.schema.catalogue import VERSIONS

    return {tuple(name.removesuffix("[]") for name in path)
            for version in VERSIONS for path in found(version, module)}


def _reaches(sources: Iterable[str], paths: set[tuple[str, ...]]) -> bool:
    for source in sources:
        names = _plain_path(source)
        if names is None or any(names[:len(path)] == path[:len(names)] for path in paths):
            return True
    return False


_PLAIN_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\[[0-9]*\])*(?:\.[A-Za-z_][A-Za-z0-9_]*(?:\[[0-9]*\])*)*")
_INDEXES = re.compile(r"\[[0-9]*\]")


def _plain_path(source: str) -> tuple[str, ...] | None:
    """A source's field names (`charging_periods[].tariff_id`: charging_periods, tariff_id),
    or None where it is not written as a plain path (a whole record, `*`, a function)."""
    source = source.strip()
    if _PLAIN_PATH.fullmatch(source) is None:
        return None
    return tuple(_INDEXES.sub("", source).split("."))


def _root(version: str, module: str) -> str | None:
    """The catalogue's root type of `module`'s records in `version` (None: no such module)."""
    from ocpispec.schema.catalogue import catalogue

    return catalogue().wired[version].roots.get(module)


def _public_ids(version: str, module: str) -> tuple[tuple[str, ...], ...]:
    root = _root(version, module)
    return () if root is None else public_id_paths(version, root)


def _holds_card(text: str, card: bytes) -> bool:
    """Whether an own id whose letters and digits hold a card's holds it as free text
    does: a long one anywhere (`NL-TNM-C12345678-X-0001`), a short one (a 4-byte uid)
    only as a whole word."""
    return holds_id(text, ((card.decode(), len(card) >= LONG),))


def _own_ids(version: str, module: str, required: bool | None = None
             ) -> tuple[tuple[str, ...], ...]:
    root = _root(version, module)
    return () if root is None else own_id_paths(version, root, CARD_PATHS[module], required)


def prose_tree(shape: Any, seen: set[int]) -> Tree:
    """The places of free text below `shape`, and of links (a card in a query string):
    only branches that lead to some."""
    if id(shape) in seen:
        return {}
    seen = seen | {id(shape)}
    tree: Tree = {name: (None, False) for name, (code, _) in shape.quick.items()
                  if code in _TEXTS}
    for name, (sub, many) in shape.objects.items():
        if below := prose_tree(sub, seen):
            tree[name] = (below, many)
    return tree


def folded(text: str, ids: bool = False) -> str:
    """Text as ids are compared: casefolded, in NFKC (a fullwidth `０４Ａ２` is `04a2`),
    without the characters no reader sees (a zero-width space, a soft hyphen: format
    characters), which split no word (`04A2B3\u200bC4` is the uid `04a2b3c4`); a text
    (not `ids`) read as sent and as decoded (`04%3AA2`: `04:A2`; base64: `decoded`)."""
    if not ids and encoded(text):
        text = decoded(text)
    folded = text.casefold()
    if folded.isascii():
        return folded
    folded = unicodedata.normalize("NFKC", folded).casefold()
    return "".join(char for char in folded if unicodedata.category(char) != "Cf")


def ids_of(values: list[str]) -> tuple[tuple[str, bool], ...]:
    """The record's ids as (letters and digits casefolded, whether long), of those compared."""
    letters = NOT_LETTERS.sub("", folded("\x00".join(values), ids=True)).split("\x00")
    return tuple((value, len(value) >= LONG) for value in letters
                 if len(value) >= SHORT and not value.isalpha())


def held(texts: list[str], ids: tuple[tuple[str, bool], ...]) -> list[int]:
    """The indexes of the texts holding one of `ids`: all of them read in one pass (the
    texts joined by a NUL, which no comparison crosses), then each text when one does."""
    joined = folded("\x00".join(texts))
    letters = NOT_LETTERS.sub("", joined)
    if letters.count("\x00") != len(texts) - 1:   # a NUL of a text's own: each read alone
        return [index for index, text in enumerate(texts) if holds_id(text, ids)]
    if not any(value in letters if long else value in letters and _has_word(joined, value)
               for value, long in ids):
        return []
    return [index for index, text in enumerate(texts) if holds_id(text, ids)]


def _has_word(text: str, value: str) -> bool:
    """Whether `value` is a whole word of `text` (`S-04a2b3c4-7`), or is spelled by a
    run of short ones each one character apart, the same character (a uid printed a byte
    at a time, `04:a2:b3:c4`, `04 a2 b3 c4`); `1234, 5678` spells no `12345678`."""
    words = WORDS.findall(text)
    if value in words:
        return True
    if value not in "".join(words):
        return False
    found = list(WORDS.finditer(text))
    for index, first in enumerate(found):
        spelled, gap = first.group(), None
        if len(spelled) > _CHUNK or not value.startswith(spelled):
            continue
        for before, word in zip(found[index:], found[index + 1:]):
            between = text[before.end():word.start()]
            if len(between) != 1 or gap not in (None, between) or len(word.group()) > _CHUNK:
                break
            gap, spelled = between, spelled + word.group()
            if spelled == value:
                return True
            if not value.startswith(spelled):
                break
    return False


def holds_id(text: str, ids: tuple[tuple[str, bool], ...]) -> bool:
    text = folded(text)
    letters = NOT_LETTERS.sub("", text).replace("\x00", "")
    return any(value in letters if long else _has_word(text, value) for value, long in ids)


def gatherer(tree: Tree, paths: tuple[tuple[str, ...], ...]) -> Callable[..., Any]:
    """Straight-line code (as `wire_codegen`'s) that lists a record's free texts long
    enough to hold an id, as (object, name, path), and returns them with its id texts."""
    lines = ["def gather(n0):", "    texts = []"]
    names = itertools.count(1)

    def write(tree: Tree, node: str, prefix: str, depth: int) -> None:
        pad = "    " * depth
        for name, (below, many) in tree.items():
            v = f"v{next(names)}"
            lines.append(f"{pad}{v} = {node}.get({name!r})")
            if below is None:
                lines.extend([f"{pad}if {v}.__class__ is str and len({v}) >= {SHORT}:",
                          f"{pad}    texts.append(({node}, {name!r}, {prefix + name!r}))"])
            elif many:
                item = f"n{next(names)}"
                lines.extend([f"{pad}if {v}.__class__ is list:", f"{pad}    for {item} in {v}:",
                          f"{pad}        if {item}.__class__ is dict:"])
                write(below, item, f"{prefix}{name}.", depth + 3)
            else:
                lines.append(f"{pad}if {v}.__class__ is dict:")
                write(below, v, f"{prefix}{name}.", depth + 1)
    write(tree, "n0", "", 1)
    lines += ["    if not texts:", "        return texts, ()", "    ids = []", *path_reads(paths, "ids")]
    lines.append("    return texts, ids")
    env: dict[str, Any] = {"parts": contract_parts}
    exec(code_of("\n".join(lines)), env)  # noqa: S102 - text built from catalogue field names only
    return env["gather"]  # type: ignore[no-any-return]


def path_reads(paths: tuple[tuple[str, ...], ...], into: str) -> list[str]:
    """Straight-line lines (in a function of record `n0`) appending to `into` each text
    found at `paths` of the record as sent."""
    lines: list[str] = []
    for path in paths:
        lines.append(f"    v = n0.get({path[0]!r})")
        lines += [f"    v = v.get({name!r}) if v.__class__ is dict else None" for name in path[1:]]
        lines += ["    if v.__class__ is str:", f"        {into}.append(v)",
                  *core_lines("v", "        ", f"{into}.append(c)")]
    return lines
