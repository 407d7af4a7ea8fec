"""The compiled page loop (`ocpi.accept`) against the per-object reference: the same
objects kept, in the same order and form, the same duplicates, the same invalid
reasons and the same statistics (fields nulled, deviations, unknown fields)."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ocpispec.demo import charges, wire
from ocpispec.demo.world import World
from ocpispec.ocpi.accept import page_accepter
from ocpispec.ocpi.body import Unreadable
from ocpispec.ocpi.objects import ObjectCheck, RecentKeys, normalise_timestamps
from ocpispec.ocpi.stats import FetchStats

WORLD = World(5, 200)
CASES = {
    ("2.2.1", "sessions"): [charges.session("2.2.1", WORLD.charge(i)) for i in range(6)],
    ("2.1.1", "sessions"): [charges.session("2.1.1", WORLD.charge(i)) for i in range(6)],
    ("2.3.0", "sessions"): [charges.session("2.3.0", WORLD.charge(i)) for i in range(6)],
    ("2.2.1", "locations"): [wire.location("2.2.1", WORLD.site(i)) for i in range(4)],
    ("2.2.1", "tokens"): [wire.token("2.2.1", WORLD.driver(i)) for i in range(4)],
}
ODD_VALUES = st.one_of(st.none(), st.integers(-3, 3), st.floats(allow_nan=False), st.booleans(),
                       st.text(max_size=5), st.just("x" * 300), st.just([]), st.just({}),
                       st.just("2025-02-30T00:00:00Z"), st.just("2025-03-01T12:00:00.5+00:00"),
                       st.just("COMPLETED"))


@st.composite
def pages(draw: Any) -> tuple[str, str, list[Any]]:
    version, module = draw(st.sampled_from(sorted(CASES)))
    bases = CASES[(version, module)]
    page: list[Any] = []
    for _ in range(draw(st.integers(0, 12))):
        choice = draw(st.integers(0, 9))
        if choice == 0:
            page.append(draw(st.sampled_from([[], "text", 3, Unreadable("invalid UTF-8")])))
            continue
        obj = copy.deepcopy(draw(st.sampled_from(bases)))
        for _ in range(draw(st.integers(0, 3))):
            _mutate(draw, obj)
        page.append(obj)
    return version, module, page


def _mutate(draw: Any, obj: dict[str, Any]) -> None:
    name = draw(st.sampled_from(sorted(obj) + ["x_extra", "Jan Jansen", "kWh", "Last_Updated"]))
    match draw(st.integers(0, 4)):
        case 0:
            obj.pop(name, None)
        case 1:
            obj[name] = copy.deepcopy(draw(ODD_VALUES))
        case 2 if isinstance(obj.get(name), str):
            obj[name] = obj[name].swapcase()  # another casing of a key: the same object
        case 3 if isinstance(obj.get(name), dict) and obj[name]:
            inner = draw(st.sampled_from(sorted(obj[name])))
            obj[name][inner] = copy.deepcopy(draw(ODD_VALUES))
        case _:
            obj[name] = copy.deepcopy(obj.get("last_updated"))


def _reference(check: ObjectCheck, page: list[Any], room: int | None, loose: bool,
               keys: RecentKeys) -> tuple[list[Any], int, dict[str, int]]:
    fresh: list[Any] = []
    duplicates, invalid = 0, {}
    for obj in page:
        if room is not None and len(fresh) >= room:
            break
        problem = check.problem(obj)
        if problem is not None:
            invalid[problem] = invalid.get(problem, 0) + 1
            continue
        if not keys.add(check.key(obj)):
            duplicates += 1
            continue
        if loose:
            normalise_timestamps(obj)
        fresh.append(obj)
    return fresh, duplicates, invalid


def _stats(stats: FetchStats) -> tuple[dict, dict, dict]:
    return stats.invalid_fields, stats.deviations, stats.unknown_fields


@settings(max_examples=300, deadline=None)
@given(pages(), st.one_of(st.none(), st.integers(0, 8)), st.booleans(), st.integers(1, 3))
def test_the_page_loop_does_what_the_reference_does(case: tuple[str, str, list[Any]],
                                                    room: int | None, loose: bool,
                                                    repeats: int) -> None:
    version, module, page = case
    old_stats, new_stats = FetchStats(), FetchStats()
    old_check, new_check = ObjectCheck(version, module, old_stats), ObjectCheck(version, module, new_stats)
    accept = page_accepter(new_check)
    old_keys, new_keys = RecentKeys(window=4), RecentKeys(window=4)
    for _ in range(repeats):  # the same page again: duplicates across pages
        old_page, new_page = copy.deepcopy(page), copy.deepcopy(page)
        expected = _reference(old_check, old_page, room, loose, old_keys)
        assert accept(new_page, room, loose, new_keys) == expected
        assert new_page == old_page  # fixed in place the same way
    assert _stats(new_stats) == _stats(old_stats)


def test_a_page_with_every_kind_of_problem() -> None:
    stats = FetchStats()
    accept = page_accepter(ObjectCheck("2.2.1", "sessions", stats))
    good = copy.deepcopy(CASES[("2.2.1", "sessions")][0])
    page = [good, {**good, "id": ""}, {**good, "id": good["id"].lower()}, [],
            {**good, "id": "S2", "meter_id": "m" * 300}, {**good, "id": "S3", "publish": 1},
            {**good, "id": "S4", "country_code": None}, {**good, "id": "S5", "party_id": " "}]
    fresh, duplicates, invalid = accept(page, None, False, RecentKeys())
    assert [obj["id"] for obj in fresh] == [good["id"], "S2", "S3"]
    assert duplicates == 1
    assert invalid == {"missing key field `id`": 1, "not a JSON object": 1,
                       "missing key field `country_code`": 1, "missing key field `party_id`": 1}
    assert stats.unknown_fields == {"sessions": {"publish": 1}}   # an OCPI name, shown
    assert fresh[1]["meter_id"] is None  # too long for OCPI: nulled, and counted
    assert stats.invalid_fields == {"sessions.meter_id (longer than 255 characters)": 1}


@settings(max_examples=300, deadline=None)
@given(pages())
def test_a_worker_s_inline_judge_agrees_with_the_reference(case: tuple[str, str, list[Any]]) -> None:
    """`clean_judge` (what a worker process runs on an object the wire reader found
    nothing wrong with) gives `judge`'s problem and, for a usable object, `key`."""
    from ocpispec.ocpi.accept import clean_judge
    from ocpispec.schema.wire_check import NOTHING

    version, module, page = case
    check = ObjectCheck(version, module)
    clean = clean_judge(check)
    for obj in page:
        if not isinstance(obj, dict) or check.reader(obj) is not NOTHING:
            continue
        problem = check.judge(obj, NOTHING)
        assert clean(obj) == (problem, None if problem else check.key(obj))


_PARTY_TEXTS = st.sampled_from(["NL", "nl", " NL ", "ＮＬ", "DE", "TNM", "tnm", "", "  ", "Ａ"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.fixed_dictionaries({}, optional={
    "country_code": st.one_of(_PARTY_TEXTS, ODD_VALUES), "party_id": st.one_of(_PARTY_TEXTS, ODD_VALUES),
    "id": st.one_of(_PARTY_TEXTS, ODD_VALUES), "uid": _PARTY_TEXTS, "type": _PARTY_TEXTS}), max_size=12))
def test_the_key_reader_keys_as_the_check_does(objects: list[dict[str, Any]]) -> None:
    """`key_reader`, which reads a party's fields once while they repeat, keys each object
    of a page as `ObjectCheck.key` does, whatever came before it."""
    from ocpispec.ocpi.accept import key_reader

    for version, module in (("2.2.1", "sessions"), ("2.1.1", "sessions"), ("2.2.1", "tokens")):
        check = ObjectCheck(version, module)
        key = key_reader(check.keys)
        assert [key(obj) for obj in objects] == [check.key(obj) for obj in objects]
