"""An object that names its site or its party twice is refused, not read the last way.

A session sent as `{"location_id": <a home>, ..., "location_id": <a public site>}`
(a serializer merging two records, a proxy appending fields) was read by orjson and
msgspec as the last value: a charge at the public site, printed by `get` and exported by
`run`. The same for its party (`country_code`, `party_id`, which key the site with its
id), the site a 2.1.1 session or a CDR embeds (`location.id`, `cdr_location.id`), and a
location's or tariff's own key; and the tariffs a location's connector names (`tariff_ids`,
2.1.1's `tariff_id`: a home's own tariff read as one a published site names was printed
by `get tariffs` and exported), and any object holding such keys given twice (`evses`,
`connectors`, `cdr_location`, ...: which of them is the site's is unknown). No value of such a key is the cautious one (unlike a
privacy flag, `ocpi/repeated.py`), so the object is refused: it becomes `Unreadable`, left
out and counted as invalid as every other object that cannot be read. Refusing narrows
the scope only: sites are an allow-list (`public_scope`), so a refused location leaves its
charges out too, and a refused charge is no row. A key repeats when two of an object's
keys are read as the same field (`wire_check` reads one in other casing, `Location_ID`,
or camel case, `locationId`; a key in other letters is compared in its NFKC form).

Pages are large and repeats rare, so the exact check (a second parse keeping every pair)
runs only where a cheap one leaves doubt: `doubtful` counts the words of such keys in the
lowercased text (in C; key by key only where a word appears elsewhere too) against the
keys the parsed objects show where OCPI puts them, and doubts any key with a `\\u`
escape or a non-ASCII byte; the fast reader's `exact_counts` counts the exact keys
against what its strict types allow per object (`multiplicities`). Run and get decide
alike, with one worker or two, on the fast path or not: each refuses in `body.decode_body`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from itertools import repeat
from operator import contains
from typing import Any

import orjson

from ocpispec.schema.records import reportable_name

# the fields that say which site or party an object is (as OCPI spells them)
SITE_KEYS = ("location_id", "country_code", "party_id", "id")
# a connector's tariffs (2.2+, and 2.1.1's name): which tariffs are public prices
# (`public_scope.scope_from_locations`)
TARIFF_KEYS = ("tariff_ids", "tariff_id")
# the fields holding the objects that carry the keys above (`_CARRIED`, `_LISTED`): one
# given twice leaves unknown which site, EVSEs or tariffs the object has
CARRIERS = ("location", "cdr_location", "cdr_token", "tariffs", "evses", "connectors")
# the fields that say which driver a charge or token is (`plan/drivers.py`: the contract,
# else the token's uid; 2.1.1's `auth_id`): no value of one given twice is the cautious one
DRIVER_KEYS = ("uid", "contract_id", "auth_id")
# a token's `type` decides whether its id is a driver at all (a one-time token is none)
ONE_TIME = "ad_hoc_user"
_EXACT = frozenset((*SITE_KEYS, *TARIFF_KEYS, *CARRIERS, *DRIVER_KEYS))
# the keys the fast reader counts per object (`multiplicities`)
COUNTED = (*SITE_KEYS, *DRIVER_KEYS)
# the driver keys as a lowercased text spells them (`Contract_ID`, `contractId`)
_DRIVER_TOKENS = ((b'"uid"',), (b'"contract_id"', b'"contractid"'), (b'"auth_id"', b'"authid"'))
# an escaped letter, digit or underscore (`\u0041`): it may hide a one-time type's value
ESCAPED_LETTER = re.compile(rb"\\u00(?:3[0-9]|[46][1-9a-fA-F]|[57][0-9aAfF])")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")   # as `wire_check` folds camel case
# per field, a word every spelling of its key holds once in the lowercased text (a key
# read in other casing, `Location_ID`, or folded from camel case, `locationId`), and
# what may follow the word up to the key's end
_WORDS = ((b"location", re.compile(rb'_?id"\s*:')),
          (b"country", re.compile(rb'_?code"\s*:')),
          (b"party", re.compile(rb'_?id"\s*:')),
          (b'"id"', re.compile(rb'\s*:')))
# `tariff_ids`, `tariff_id` in any casing (`tariffIds`): counted on pages that list connectors
_TARIFF_WORD = (b"tariff", re.compile(rb'_?ids?"\s*:'))
_ESCAPED_KEY = re.compile(rb'[^"]{0,64}"\s*:')
NON_ASCII_KEY = re.compile(rb'[\x80-\xff][^"\\]{0,96}"\s*:')
# the text the scans read (`folded`): ASCII lowercased, and every byte above 0x7f written
# as 0x80. `NON_ASCII_KEY` then finds the same matches at the same places (it tells those
# bytes apart from the others only as being one of them), but starts with a literal, which
# the regex engine finds with a byte loop, where a class of 128 bytes was tested at every
# position of the page: callgrind counted 160 M of the 268 M instructions `repeated.settle`
# spent on a 1.8 MB page of 1,000 locations (`get sessions` reads one per 300 sessions, in
# its parent). The words and patterns the scans look for are ASCII, and their classes
# (`[^"\\]`, `[^a-z"]`) take a folded byte as they take the byte it was
_FOLD = bytes(range(65)) + bytes(range(97, 123)) + bytes(range(91, 128)) + b"\x80" * 128
_FOLDED_KEY = re.compile(rb'\x80[^"\\]{0,96}"\s*:')
# the objects within one that OCPI gives a site's or party's key: the embedded site, the
# token (its party), the tariffs a CDR carries, a site's EVSEs' connectors
_CARRIED = ("location", "cdr_location", "cdr_token", "energy_contract")
_LISTED = ("tariffs", "evses")
REFUSED = "\x00repeated site keys"


def doubtful(content: bytes, low: bytes, parsed: Any) -> bool:
    """Whether the text of a page (`low`: `folded`) may hold an object that gives a
    site's, party's or driver's key twice: it holds more keys that may name one than the
    parsed objects show (or more one-time token types than they read)."""
    found, one_time = _parsed_keys(parsed)
    # the tariffs' keys only where the objects hold connectors (a session's or CDR's
    # charging periods name a tariff too, which no scope reads)
    words = [*zip(_WORDS, found)]
    if found[-1]:
        words.append((_TARIFF_WORD, found[-2]))
    for (word, tail), expected in words:
        if low.count(word) == expected:   # the word appears only as the keys the objects show
            continue
        count = 0                           # elsewhere too (`cdr_location`, a site's name)
        at = low.find(word)
        while at >= 0:
            at += len(word)
            count += tail.match(low, at, at + 16) is not None
            at = low.find(word, at)
        if count != expected:
            return True
    for tokens, expected in zip(_DRIVER_TOKENS, found[len(SITE_KEYS):]):
        if sum(map(low.count, tokens)) != expected:
            return True
    # an escaped letter may spell a one-time type (`\\u0041D_HOC_USER`) on a page of
    # objects naming a driver, whose type `mark` reads
    types = low
    if b"\\u00" in low and (one_time or any(found[len(SITE_KEYS):len(COUNTED)])) \
            and (plain := unescaped_letters(low)) is not low:   # `re.sub` found none: the same
        types = plain.lower()
    if b"ad_hoc_user" in types and types.count(b"ad_hoc_user") != one_time:
        return True
    if b"\\" in low and escaped_keys(low):
        return True
    return non_ascii_keys(low, first=True) > 0


def unescaped_letters(text: bytes) -> bytes:
    """`text` with each escaped letter, digit or underscore (`ESCAPED_LETTER`) written
    plain: a value any parser reads as one-time (`\\u0041D_HOC_USER`) then shows as
    the scans count it. An escaped backslash before `u00..` may add a match: never
    one fewer (a count that differs is doubt, never a verdict)."""
    return ESCAPED_LETTER.sub(_plain_letter, text)


def _plain_letter(match: re.Match[bytes]) -> bytes:
    return bytes((int(match[0][2:], 16),))


def folded(content: bytes) -> bytes:
    """`content` with ASCII lowercased and every byte above 0x7f written as 0x80: what
    `doubtful`, `escaped_keys`, `non_ascii_keys` and `repeated`'s flag scans read."""
    return content.translate(_FOLD)


def non_ascii_keys(low: bytes, first: bool = False) -> int:
    """The keys of a text (`low`: `folded`) holding a byte above 0x7f (which may spell a
    key in other letters), as `NON_ASCII_KEY.findall` counts them in the text as sent;
    with `first`, 1 once one is found."""
    if b"\x80" not in low:
        return 0
    if first:
        return int(_FOLDED_KEY.search(low) is not None)
    return len(_FOLDED_KEY.findall(low))


def escaped_keys(low: bytes) -> int:
    """The keys written with a `\\u` escape (which may spell any key). A search for the
    backslash alone (memchr): most pages hold none."""
    count = 0
    at = low.find(b"\\")
    while at >= 0:
        if low[at + 1:at + 2] == b"u":
            count += _ESCAPED_KEY.match(low, at + 2, at + 70) is not None
            at = low.find(b"\\", at + 2)
        else:
            at = low.find(b"\\", at + 1)
    return count


def _parsed_keys(parsed: Any) -> tuple[list[int], int]:
    """How often the objects give each field of `COUNTED`, where OCPI puts it (counted by
    `map` in C: a loop in Python cost a third of orjson's parse), then the tariffs' keys
    of their connectors (`_TARIFF_WORD`), and the connectors (not a word: whether the
    tariffs' keys are asked); and how many tokens they read as one-time (`one_time`)."""
    data = parsed.get("data", parsed) if parsed.__class__ is dict else parsed
    items = [item for item in (data if data.__class__ is list else (data,)) if item.__class__ is dict]
    found = [*_counted(items), 0, 0]
    tokens: list[dict[str, Any]] = []
    holders = [item for item in items if "tariffs" in item or "evses" in item]
    for name in _CARRIED:
        if any(map(contains, items, repeat(name))):
            inner = [node for node in map(dict.get, items, repeat(name)) if node.__class__ is dict]
            found = [a + b for a, b in zip(found, _counted(inner))] + found[len(COUNTED):]
            holders += inner
            if name == "cdr_token":
                tokens = inner
    if holders:
        _listed(found, holders)
    if found[len(SITE_KEYS)]:       # a token's uid: its type may say one-time
        tokens = [*tokens, *(item for item in items if "uid" in item)]
    return found, sum(map(one_time, map(dict.get, tokens, repeat("type"))))


def one_time(kind: Any) -> bool:
    """Whether a token's `type` says one-time (`plan/drivers.ONE_TIME_TOKENS`, in any casing)."""
    return kind.__class__ is str and kind.lower() == ONE_TIME


def _counted(items: list[dict[str, Any]]) -> list[int]:
    return [sum(map(contains, items, repeat(key))) for key in COUNTED]


def _listed(found: list[int], holders: list[dict[str, Any]]) -> None:
    """Adds the keys of the objects `holders` list (`_LISTED`: a CDR's tariffs, a site's
    EVSEs) and of their connectors, counted key by key over all of them by `map` (in C):
    a walk object by object cost a page of 1,000 locations 10 ms, a sixth of its parse
    and a third of `doubtful`. (A key counted in fewer places than the text holds it only
    makes the page doubtful: slower, never wrong.)"""
    evses = _entries(holders, "evses")
    tariffs = _entries(holders, "tariffs")
    connectors = _entries([*evses, *tariffs], "connectors")
    for index, count in enumerate(_counted(evses)):   # an EVSE's uid too
        found[index] += count
    for index, key in enumerate(SITE_KEYS):
        found[index] += sum(map(contains, tariffs, repeat(key))) \
            + sum(map(contains, connectors, repeat(key)))
    found[-2] += sum(map(contains, connectors, repeat("tariff_ids"))) \
        + sum(map(contains, connectors, repeat("tariff_id")))
    found[-1] += len(connectors)


def _entries(nodes: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    """The objects of the lists at `name` of `nodes` (a value of another type: none)."""
    return [entry for listed in map(dict.get, nodes, repeat(name)) if listed.__class__ is list
            for entry in listed if entry.__class__ is dict]


def mark(obj: dict[str, Any], pairs: list[tuple[str, Any]]) -> None:
    """Marks `obj` (built from `pairs`) REFUSED when two of its keys read as one site or
    party field, one connector's tariffs or one object that carries them (`CARRIERS`). An object within another keeps its mark: `refuse_marked` finds it under
    the object the page lists (the hook that calls this cannot tell the envelope, the
    list and a page's object apart)."""
    seen: set[str] = set()
    repeated: set[str] = set()
    kinds: list[Any] = []
    for key, value in pairs:
        if (field := site_field(key)) is not None:
            (repeated if field in seen else seen).add(field)
        elif key.__class__ is str and len(key) == 4 and key.lower() == "type":
            kinds.append(value)
    # a token's type given twice, read the last way as one that names a driver where an
    # earlier value said one-time: each ad hoc charge would be a driver of its own
    if len(kinds) > 1 and not one_time(kinds[-1]) and any(map(one_time, kinds)) \
            and not seen.isdisjoint(DRIVER_KEYS):
        repeated.add("type")
    if repeated:
        obj[REFUSED] = sorted(repeated)


@lru_cache(maxsize=4096)
def site_field(key: str) -> str | None:
    """The site or party field (or tariffs', or carrier of them) a key is read as (`wire_check._casing`: `Location_ID`,
    `locationId`; a key in other letters after NFKC, `ｌｏｃａｔｉｏｎ＿ｉｄ`), or None."""
    if len(key) > 40:
        return None
    if not key.isascii():
        key = unicodedata.normalize("NFKC", key)
    if (lower := key.lower()) in _EXACT:
        return lower
    folded = _CAMEL.sub("_", key).lower()
    return folded if folded in _EXACT else None


def refuse_marked(body: Any, unreadable: Callable[[str, int], Any]) -> Any:
    """`body`, parsed again by `mark`'s hook, with each object of its page that holds a
    mark, at any depth, made `unreadable(reason, digest)` (`body.Unreadable`): in a
    `data` list, a `data` object sent bare, or a list wrapped in one (`{"items": [...]}`).
    No mark is left in it. Only a body parsed again can hold one: others need no walk."""
    data = body.get("data") if body.__class__ is dict else body
    if data.__class__ is list:
        _refuse_listed(data, unreadable)
    elif data.__class__ is dict:
        if "last_updated" not in data and REFUSED not in data:   # a wrapped list, maybe
            for value in data.values():
                if value.__class__ is list:
                    _refuse_listed(value, unreadable)
        if fields := _marks(data, "", pop=True):    # a page of one object, sent bare
            body["data"] = _refused(data, fields, unreadable)
    _marks(body, "", pop=True)              # any left outside the objects (the envelope)
    return body


def holds_marks(body: Any) -> bool:
    """Whether a body parsed again holds an object `mark` marked, at any depth."""
    return bool(_marks(body, ""))


def _refuse_listed(items: list[Any], unreadable: Callable[[str, int], Any]) -> None:
    for index, item in enumerate(items):
        if item.__class__ is dict and (fields := _marks(item, "", pop=True)):
            items[index] = _refused(item, fields, unreadable)


def _refused(item: dict[str, Any], fields: list[str], unreadable: Callable[[str, int], Any]) -> Any:
    named = ", ".join(f"`{field}`" for field in sorted(set(fields)))
    if all(map(_a_drivers, fields)):
        which = "which driver it is"
    elif all(field.rpartition(".")[2] not in DRIVER_KEYS for field in fields):
        which = "which site or party it is"
    else:                           # an EVSE's uid, an energy contract's id
        which = "which of its values counts"
    return unreadable(f"gives {named} more than once ({which}, is unknown: "
                      "JSON parsers keep the last)", _digest(item))


def _a_drivers(field: str) -> bool:
    """Whether a refused field (its path) is one naming the record's driver: its own, or
    its token's (not an EVSE's `uid`)."""
    head, _, last = field.rpartition(".")
    return last in (*DRIVER_KEYS, "type") and head in ("", "cdr_token")


def _marks(node: Any, path: str, pop: bool = False) -> list[str]:
    """The fields marked within `node` (their path from it: `evses.connectors.id`),
    taken out of it with `pop`. Iterative: a platform may nest a thousand levels."""
    found: list[str] = []
    stack = [(node, path)]
    while stack:
        item, at = stack.pop()
        if item.__class__ is dict:
            if REFUSED in item:
                fields = item.pop(REFUSED) if pop else item[REFUSED]
                found.extend(f"{at}{field}" for field in fields)
            stack.extend((value, f"{at}{_shown(key)}.") for key, value in item.items()
                         if value.__class__ is dict or value.__class__ is list)
        elif item.__class__ is list:
            stack.extend((value, at) for value in item
                         if value.__class__ is dict or value.__class__ is list)
    return found


UNUSUAL_KEY = "(a field with an unusual name)"


def _shown(key: str) -> str:
    """A key on the way to a mark, as the refusal names it: as an unknown field's name is
    shown (`records.reportable_name`), else not at all (a platform's map keyed by a
    contract id put the id into the summary and OCX570)."""
    return key if reportable_name(key) else UNUSUAL_KEY


def _digest(item: dict[str, Any]) -> int:
    try:
        return hash(orjson.dumps(item, option=orjson.OPT_SORT_KEYS))
    except TypeError:
        return hash(repr(item))
