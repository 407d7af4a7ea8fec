"""A record's own card or contract id written as one of its public ids, read as null
(`own_ids` says why; this is the per-record code that compares them).

An id is compared as a card uid is pseudonymised (`execute/pseudonyms.canonicalizer`,
family `token`): its letters and digits, casefolded, in NFKC; whole, never a part, and
only ids of a card's length (6 or more, with a digit). The forms of the ids a record
names are kept in a bounded cache: sites, EVSEs and cards repeat from record to record.
"""

from __future__ import annotations

import functools
import itertools
import re
from urllib.parse import unquote
from collections.abc import Callable
from typing import Any

from ocpispec.ids import id_text
from ocpispec.schema.base64_runs import AS_A, BASE64_ONLY, run_readings
from ocpispec.generated_code import code_of

SHORT = 6
_CACHED = 1 << 16
# for ASCII, `casefold` is `lower`, and `isalnum` keeps exactly [0-9A-Za-z]
_NOT_ALNUM = bytes(code for code in range(128) if not chr(code).isalnum())
Check = Callable[[dict[str, Any], list[tuple[str, str]]], None]


# an eMA-ID (ISO 15118, DIN SPEC 91286): country, provider, instance, check character
_EMA_ID = re.compile(r"([A-Za-z]{2}[-*]?[A-Za-z0-9]{3}[-*]?[A-Za-z0-9]{9})[-*]?[A-Za-z0-9]")
# the lengths an eMA-ID with its check character is written in (`CORE_LINES` test them first)
EMA_LENGTHS = (15, 18)


@functools.lru_cache(maxsize=1 << 14)   # a driver's contract comes again and again
def contract_core(value: str) -> str | None:
    """A contract id written as an eMA-ID with its check character (`DE-EMP-C63469772-B`)
    without it (`DE-EMP-C63469772`), which platforms and back offices write too and
    which names the same contract; None for any other id."""
    found = _EMA_ID.fullmatch(value)
    return found.group(1) if found is not None else None


# an eMA-ID's parts: its core (country, provider, instance) and its check character,
# which platforms leave out too (`NL-TNM-C12345678`)
_EMA_PARTS = re.compile(r"([A-Za-z]{2}[-*]?[A-Za-z0-9]{3}[-*]?([A-Za-z0-9]{9}))(?:[-*]?([A-Za-z0-9]))?")
# the lengths an eMA-ID is written in, with or without its check character
PART_LENGTHS = (14, 18)


@functools.lru_cache(maxsize=1 << 14)
def contract_parts(value: str) -> tuple[str, ...]:
    """The other ids a contract id written as an eMA-ID names (`docs/privacy-model.md`,
    "A contract's parts"): its core without the check character, where it has one
    (`DE-EMP-C63469772` of `DE-EMP-C63469772-B`), and its instance, the 9 letters and
    digits after the provider that tell the contract apart within it (`C63469772`),
    where it holds a digit; () for any other id."""
    found = _EMA_PARTS.fullmatch(value)
    if found is None:
        return ()
    core, instance, check = found.groups()
    return (*((core,) if check is not None else ()), *(() if instance.isalpha() else (instance,)))


@functools.lru_cache(maxsize=1 << 14)
def part_forms(value: str) -> tuple[bytes, ...]:
    """The `card_form`s of a contract id's parts (`contract_parts`)."""
    return tuple(card_form(part) for part in contract_parts(value))


def core_lines(value: str, pad: str, append: str, form: bool = False) -> list[str]:
    """Lines (at `pad`) calling `append` with `c`, each part of a contract id in `value`
    (`contract_parts`, named `parts` in the code's names; with `form`, their
    `part_forms`, named `part_forms`), where it has them."""
    parts = "part_forms" if form else "parts"
    return [f"{pad}if {PART_LENGTHS[0]} <= len({value}) <= {PART_LENGTHS[1]}:",
            f"{pad}    for c in {parts}({value}):", f"{pad}        {append}"]


_ESCAPES = 2   # a text escaped twice (`%253A`: `%3A`, `:`) is read through both
_DIGITS = b"0123456789"
_RUN = 12   # the base64 of a 4-byte uid's hex (`MDRBMkIzQzQ=`)
_TWELVE = b"a" * _RUN


def _base64_runs(text: str) -> list[bytes]:
    """The runs of base64 in `text` long enough to hold an id, with a digit, as the
    base64 of an id's digits has (`Stationsplein` is none); found in C, not by a regex
    (a tenth of its time)."""
    data = text.encode("utf-8", "replace")
    if _TWELVE not in data.translate(AS_A):   # the usual text: no word is that long
        return []
    return [run for run in data.translate(BASE64_ONLY).split()
            if len(run) >= _RUN and len(run.translate(None, _DIGITS)) < len(run)]


def encoded(text: str) -> bool:
    """Whether `text` may hold a value `decoded` reads: a percent-escape or a base64 run."""
    return "%" in text or bool(_base64_runs(text))


def decoded(text: str) -> str:
    """`text` as sent, then (after a `\\x01`, which no id holds) as a reader decodes it:
    its percent-escapes read (`04%3AA2`: `04:A2`), up to twice escaped, a `%` that starts
    no escape kept (`100% groen`); and each run of base64 (`MDRBMkIzQzQ=`, either
    alphabet, at each of its four alignments) decoded, its unprintable bytes as spaces."""
    unescaped = text
    for _ in range(_ESCAPES):
        if "%" not in unescaped:
            break
        unescaped = unquote(unescaped, errors="replace")
    found = [text] if unescaped == text else [text, unescaped]
    for run in _base64_runs(unescaped):
        found += run_readings(run, _RUN)
    return "\x01".join(found)


def card_form(value: str) -> bytes:
    """The letters and digits of an id, casefolded (`04:A2:B3` and `04a2b3` are one)."""
    if value.isascii():
        return value.encode().lower().translate(None, _NOT_ALNUM)
    return "".join(char for char in id_text(value) if char.isalnum()).encode()


def public_id_check(shape: Any, module: str, ids: tuple[tuple[str, ...], ...],
                    public: tuple[tuple[str, ...], ...], reason: str,
                    probe: bool = False) -> Check | None:
    """The check of the public ids of `module`'s records at `public` (those the shape
    has) against their ids at `ids`; None where the shape has none of them. A `probe`
    changes nothing: it returns True at the first such id (`fast_pages.strict_fit`,
    whose pages the reader then reads)."""
    held = tuple(path for path in public if _in_shape(shape, path))
    if not held:
        return None
    lines = ["def check(n0, invalid):", *found_lines(held)]
    lines += ["    if found is None:", "        return", "    cards = []"]
    for path in ids:
        lines.append(f"    v = n0.get({path[0]!r})")
        lines += [f"    v = v.get({name!r}) if v.__class__ is dict else None" for name in path[1:]]
        lines += ["    if v.__class__ is str:", "        f = forms.get(v)",
                  "        cards.append(form(v) if f is None else f)",
                  *core_lines("v", "        ", "cards.append(c)", form=True)]
    lines += ["    for node, name, path, f in found:", "        if f in cards:"]
    lines += (["            return True"] if probe else
              ["            if node[name] is not None:",   # (a list of texts: once)
               "                node[name] = None", "                invalid.append((path, reason))"])
    return _compiled(lines, "check", reason=reason, part_forms=part_forms)  # type: ignore[no-any-return]


def other_id_check(shape: Any, cards: tuple[tuple[str, ...], ...],
                   own: tuple[tuple[str, ...], ...], reason: str,
                   holds: Callable[[str, bytes], bool], probe: bool = False,
                   whole: tuple[tuple[str, ...], ...] = ()) -> Check | None:
    """The check of a record's other own ids at `own` (a session's `id`, a CDR's
    `invoice_reference_id`: `public_ids.own_id_paths`) against its card's at `cards`: an
    own id that is a card, or holds one as free text does (a session id made of the
    contract id and a counter: `holds(text, card)` on a text whose form holds the card's;
    those at `whole` only when they are a card, as public ids are), is null, counted by path and `reason`; a `probe` returns
    True at the first. None where the shape has none of them.
    Own ids seldom repeat, so their forms are made, not cached; the cards' are cached."""
    held = tuple(path for path in own if _in_shape(shape, path) and not path[-1].endswith("[]"))
    if not held:
        return None
    lines = ["def check(n0, invalid):", "    cards = None"]
    for index, path in enumerate(held):
        node = "n0"
        for depth, name in enumerate(path[:-1]):
            lines += [f"    n{index}_{depth} = {node}.get({name!r})" if depth == 0 else
                      f"    n{index}_{depth} = {node}.get({name!r}) if {node}.__class__ is dict else None"]
            node = f"n{index}_{depth}"
        get = f"{node}.get({path[-1]!r})" if node == "n0" else \
            f"{node}.get({path[-1]!r}) if {node}.__class__ is dict else None"
        lines += [f"    v = {get}", f"    if v.__class__ is str and len(v) >= {SHORT}:",
                  "        if cards is None:", "            cards, shortest = read_cards(n0)",
                  "        f = v.encode().lower().translate(None, NOT_ALNUM) if v.isascii() "
                  "else card_form(v)",
                  "        if len(f) >= shortest:",   # (a card never fits a shorter id)
                  "          for c in cards:",
                  "            if c == f:" if path in whole else
                  "            if c in f and (c == f or holds(v, c)):"]
        lines += (["                return True"] if probe else
                  [f"                {node}[{path[-1]!r}] = None",
                   f"                invalid.append(({'.'.join(path)!r}, reason))",
                   "                break"])
    reads = ["def read_cards(n0):", "    cards = []"]
    for path in cards:
        reads.append(f"    v = n0.get({path[0]!r})")
        reads += [f"    v = v.get({name!r}) if v.__class__ is dict else None" for name in path[1:]]
        reads += ["    if v.__class__ is str:", "        f = forms.get(v)",
                  "        f = form(v) if f is None else f", "        if f:",
                  "            cards.append(f)",
                  *core_lines("v", "        ", "cards.append(c)", form=True)]
    reads.append("    return cards, min(map(len, cards)) if cards else 1 << 30")
    return _compiled([*reads, *lines], "check", reason=reason, NOT_ALNUM=_NOT_ALNUM,  # type: ignore[no-any-return]
                     card_form=card_form, holds=holds, part_forms=part_forms)



def id_collector(public: tuple[tuple[str, ...], ...]) -> Callable[[dict], list | None]:
    """Straight-line code listing a record's ids at `public` that a card's could be, as
    (object, name, path, form), in the same order for a copy of it; None for none."""
    return _compiled(["def collect(n0):", *found_lines(public), "    return found"],  # type: ignore[no-any-return]
                     "collect")


def form_reader() -> tuple[dict[str, bytes], Callable[[str], bytes]]:
    """A bounded cache of `card_form`s (b"" for a form no card has), and the function
    that adds a text's form to it (`cache.get(text)` first)."""
    forms: dict[str, bytes] = {}
    return forms, _cached(forms)


def found_lines(public: tuple[tuple[str, ...], ...]) -> list[str]:
    """Lines (in a function of record `n0`) setting `found` to the list of the texts at
    `public` whose form a card's could be, or None; a list of texts as its own name."""
    lines = ["    found = None"]
    names = itertools.count(1)

    def leaf(pad: str, text: str, node: str, name: str, path: str) -> None:
        lines.extend([f"{pad}if {text}.__class__ is str and len({text}) >= {SHORT}:",
                      f"{pad}    f = forms.get({text})",
                      f"{pad}    if f is None:",
                      f"{pad}        f = form({text})",
                      f"{pad}    if f:",
                      f"{pad}        if found is None:",
                      f"{pad}            found = []",
                      f"{pad}        found.append(({node}, {name!r}, {path!r}, f))"])

    def write(path: tuple[str, ...], node: str, prefix: str, depth: int) -> None:
        pad, name = "    " * depth, path[0].removesuffix("[]")
        v = f"v{next(names)}"
        lines.append(f"{pad}{v} = {node}.get({name!r})")
        if len(path) == 1 and path[0].endswith("[]"):   # a list of texts, null as a whole
            item = f"t{next(names)}"
            lines.extend([f"{pad}if {v}.__class__ is list:", f"{pad}    for {item} in {v}:"])
            leaf(pad + "        ", item, node, name, prefix + name)
        elif len(path) == 1:   # a form too short or of letters only is cached as b"": no card's
            leaf(pad, v, node, name, prefix + name)
        elif path[0].endswith("[]"):
            item = f"n{next(names)}"
            lines.extend([f"{pad}if {v}.__class__ is list:", f"{pad}    for {item} in {v}:",
                          f"{pad}        if {item}.__class__ is dict:"])
            write(path[1:], item, f"{prefix}{name}.", depth + 3)
        else:
            lines.append(f"{pad}if {v}.__class__ is dict:")
            write(path[1:], v, f"{prefix}{name}.", depth + 1)
    for path in public:
        write(path, "n0", "", 1)
    return lines


def _compiled(lines: list[str], name: str, **names: Any) -> Callable[..., Any]:
    env: dict[str, Any] = {"forms": {}, **names}
    env["form"] = _cached(env["forms"])
    exec(code_of("\n".join(lines)), env)  # noqa: S102 - text built from catalogue field names only
    return env[name]  # type: ignore[no-any-return]


def _cached(forms: dict[str, bytes]) -> Callable[[str], bytes]:
    """`card_form`, kept in `forms`; b"" for a form no card has (short, no digit)."""
    def form(value: str) -> bytes:
        if len(forms) >= _CACHED:
            forms.clear()
        found = card_form(value)
        if len(found) < SHORT or found.isalpha():
            found = b""
        forms[value] = found
        return found
    return form


def _in_shape(shape: Any, path: tuple[str, ...]) -> bool:
    for name in path[:-1]:
        below = shape.objects.get(name.removesuffix("[]"))
        if below is None:
            return False
        shape = below[0]
    return path[-1].removesuffix("[]") in shape.quick
