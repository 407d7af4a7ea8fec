"""One page of a module list, checked, keyed and deduplicated in one compiled loop.

`ObjectCheck.problem`, `ObjectCheck.key` and `RecentKeys.add` say what happens to one
object; this module does the same to a whole page, with the per-module parts (key
fields, required fields, their reasons) generated once per OCPI version and module
as straight-line Python, the way `schema.wire_codegen` compiles the type checks:

    accept = page_accepter(check, noted)   # per crawl; the text is built once
    fresh, duplicates, invalid = accept(objects, room, loose, keys)   # noted(invalid_print(obj)) per invalid one

An object the wire reader finds nothing wrong with (almost all of them) is judged
inline; one with findings goes through `ObjectCheck.problem`'s own logic
(`ObjectCheck.judge`), so reasons and counts are the same. `tests/test_accept.py`
holds both paths to `problem`, `key` and `RecentKeys.add` with hypothesis.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ocpispec.ids import key_text, key_text_source
from ocpispec.ocpi.body import Unreadable
from ocpispec.schema.wire_check import NOTHING
from ocpispec.generated_code import code_of

if TYPE_CHECKING:
    from ocpispec.ocpi.objects import ObjectCheck, RecentKeys

# (objects, room or None, loose timestamps, keys) -> (fresh, duplicates, invalid by reason)
Accepter = Callable[[list[Any], "int | None", bool, "RecentKeys"],
                    tuple[list[dict[str, Any]], int, dict[str, int]]]

_CACHE: dict[tuple, str] = {}


def page_accepter(check: ObjectCheck, noted: Callable[[int], bool] = lambda _: True) -> Accepter:
    """The compiled page loop of `check` (bound to its statistics), which hands `noted` the
    `invalid_print` of each invalid object; one it says was sent before is not counted
    again (a repeat would stand in for an object that never came, against `X-Total-Count`)."""
    from ocpispec.ocpi.objects import normalise_timestamps

    env: dict[str, Any] = {"read": check.reader, "NOTHING": NOTHING, "Unreadable": Unreadable,
                           "judge": check.judge, "normalise": normalise_timestamps,
                           "key_text": key_text, "noted": noted, "invalid_print": invalid_print}
    shape = (check.keys, check.needed, check.required, check.reader is not None)
    if shape not in _CACHE:
        _CACHE[shape] = _text(*shape)
    exec(code_of(_CACHE[shape]), env)  # noqa: S102 - text built from catalogue field names only
    return env["accept"]  # type: ignore[no-any-return]


def clean_judge(check: ObjectCheck) -> Callable[[dict[str, Any]], tuple[str | None, tuple]]:
    """For a worker process (`execute.workers`): the problem of an object the wire
    reader found nothing wrong with, judged inline as `accept` judges it, and its key."""
    shape = ("clean", check.keys, check.needed, check.required)
    if shape not in _CACHE:
        lines = ["def clean(obj):", "    if False:", "        pass",
                 *(line[8:] for line in _fast(check.needed, check.required)),
                 "    else:", f"        return None, ({_key(check.keys)},)",
                 "    return problem, None"]
        _CACHE[shape] = "\n".join(lines)
    env: dict[str, Any] = {"key_text": key_text}
    exec(code_of(_CACHE[shape]), env)  # noqa: S102 - text built from catalogue field names only
    return env["clean"]  # type: ignore[no-any-return]


def clean_key(check: ObjectCheck) -> Callable[[dict[str, Any]], tuple]:
    """For a worker process: the key of an object `clean_judge` would find no problem
    with (one that fits the strict types, `fast_pages.strict_fit`), as it keys it."""
    return key_reader(check.keys)


def fitted_accepter(check: ObjectCheck) -> Callable[[list[Any], int | None, RecentKeys],
                                                   tuple[list[dict[str, Any]], int, dict[str, int]]]:
    """`accept` for a page whose objects fit the strict types (`fitted_pages`): each is
    usable as it came, so only its key and the dedup remain, as `accept` does them."""
    shape = ("fitted", check.keys)
    if shape not in _CACHE:
        _CACHE[shape] = "\n".join([
            "def accept(objects, room, keys):",
            "    fresh = []",
            "    append = fresh.append",
            "    add = keys.add",
            "    duplicates = 0",
            "    for obj in objects:",
            "        if room is not None and len(fresh) >= room:",
            "            break",
            f"        if not add(({_key(check.keys)},), obj.get('last_updated')):",
            "            duplicates += 1",
            "            continue",
            "        append(obj)",
            "    return fresh, duplicates, {}"])
    env: dict[str, Any] = {"key_text": key_text}
    exec(code_of(_CACHE[shape]), env)  # noqa: S102 - text built from catalogue field names only
    return env["accept"]  # type: ignore[no-any-return]


def key_reader(keys: tuple[str, ...]) -> Callable[[dict[str, Any]], tuple]:
    """The key of an object as the page loop keys it: its `keys` fields read by
    `ids.key_text`, inline."""
    shape = ("key", keys)
    if shape not in _CACHE:
        _CACHE[shape] = _memo_key(keys)
    env: dict[str, Any] = {"key_text": key_text, "memo": [(None, None)] * len(keys)}
    exec(code_of(_CACHE[shape]), env)  # noqa: S102 - text built from catalogue field names only
    return env["key"]  # type: ignore[no-any-return]


def _memo_key(keys: tuple[str, ...]) -> str:
    """`key` with the party's fields (the same on nearly every object of a platform)
    read once: a text equal to the one before is given the key text made of it then (the
    same object, whose hash is kept), where `key_text` of each cost 1.5k instructions a
    realistic session. The object's own id is read each time."""
    lines = ["def key(obj):"]
    for index, name in enumerate(keys):
        if name not in _PARTY:
            continue
        # (a text and its key text as one item: stored at once, whatever thread reads it)
        lines += [f"    if (v{index} := obj.get({name!r})).__class__ is str and v{index} == (m{index} := memo[{index}])[0]:",
                  f"        k{index} = m{index}[1]",
                  "    else:",
                  f"        k{index} = {key_text_source(f'v{index}', f'_k{index}')}",
                  f"        if v{index}.__class__ is str:",
                  f"            memo[{index}] = (v{index}, k{index})"]
    parts = ", ".join(f"k{index}" if name in _PARTY else key_text_source(f"obj.get({name!r})", f"_k{index}")
                      for index, name in enumerate(keys))
    lines.append(f"    return ({parts},)")
    return "\n".join(lines)


_PARTY = frozenset({"country_code", "party_id"})


def _fast(needed: tuple[str, ...], required: tuple[str, ...]) -> list[str]:
    fast = [f"            elif (v := obj.get({name!r})).__class__ is not str or not v.strip():\n"
            f"                problem = {f'missing key field `{name}`'!r}" for name in needed]
    fast += [f"            elif obj.get({name!r}) is None:\n"
             f"                problem = {f'missing required field `{name}`'!r}"
             for name in required]
    return fast


def _key(keys: tuple[str, ...]) -> str:
    return ", ".join(key_text_source(f"obj.get({name!r})", f"_k{index}") for index, name in enumerate(keys))


def _text(keys: tuple[str, ...], needed: tuple[str, ...], required: tuple[str, ...],
          reads: bool) -> str:
    fast = _fast(needed, required)
    key = _key(keys)
    lines = [
        "def accept(objects, room, loose, keys):",
        "    fresh = []",
        "    append = fresh.append",
        "    add = keys.add",
        "    duplicates = 0",
        "    invalid = {}",
        "    for obj in objects:",
        "        if room is not None and len(fresh) >= room:",
        "            break",
        "        if obj.__class__ is not dict:",
        "            problem = obj.reason if isinstance(obj, Unreadable) else 'not a JSON object'",
    ]
    if reads:
        lines += [
            "        else:",
            "            findings = read(obj)",
            "            if findings is not NOTHING:",
            "                problem = judge(obj, findings)",
            "            elif False:",
            "                pass",
            *fast,
            "            else:",
            "                problem = None",
        ]
    else:
        lines += ["        else:", "            problem = judge(obj, NOTHING)"]
    lines += [
        "        if problem is not None:",
        "            if noted(invalid_print(obj)):",
        "                invalid[problem] = invalid.get(problem, 0) + 1",
        "            continue",
        f"        if not add(({key},), obj.get('last_updated')):",
        "            duplicates += 1",
        "            continue",
        "        if loose:",
        "            normalise(obj)",
        "        append(obj)",
        "    return fresh, duplicates, invalid",
    ]
    return "\n".join(lines)


class Prepared(list):  # type: ignore[type-arg]
    """A page as worker processes read it (`executor.workers`): per object a tuple
    (problem, findings or None, key, last_updated, what the transformation made of it).
    The crawl judges it with `accept_prepared`, the executor's window with `[3]`.
    `stamps_raised` (set on a page of locations only where it holds): a location's
    `last_updated` was raised to its EVSE's there, which the crawl says as for a page it
    read itself (`objects.LOCATION_STAMPS`)."""

    __slots__ = ("stamps_raised",)
    prepared = True


def accept_prepared(items: Prepared, room: int | None, keys: RecentKeys, stats: Any,
                    module: str, noted: Callable[[int], bool] = lambda _: True) -> tuple[Prepared, int, dict[str, int]]:
    """`accept` for a prepared page: the same counts and statistics, in the same order;
    the dedup stays here, in one process, across every page. (An invalid object's item
    holds its `invalid_print` where a usable one holds its key.)"""
    fresh = Prepared()
    duplicates, invalid = 0, {}
    for item in items:
        if room is not None and len(fresh) >= room:
            break
        problem, findings = item[0], item[1]
        if findings is not None and stats is not None:
            stats.note_findings(module, findings)
        if problem is not None:
            if noted(item[2]):  # not sent before: counted once
                invalid[problem] = invalid.get(problem, 0) + 1
            continue
        if findings is not None and findings.unknown and stats is not None:
            stats.note_unknown(module, findings.unknown)
        if not keys.add(item[2], item[3]):
            duplicates += 1
            continue
        fresh.append(item)
    return fresh, duplicates, invalid


def invalid_print(obj: Any) -> int:
    """A fingerprint of an invalid object, which has no key to tell it again by: a platform
    ignoring `offset` sends it on every page, and such a page is one of objects sent before
    (the crawl stops on pages of them; one invalid object among them made every page look
    new, and the crawl asked for the same page for ever)."""
    if isinstance(obj, Unreadable):
        return hash(("unreadable", obj.digest))
    import orjson
    try:
        return hash(orjson.dumps(obj))
    except TypeError:   # an integer beyond 64 bits, nesting beyond orjson's: never told again
        return id(obj)
