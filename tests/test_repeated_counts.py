"""The counts that let a page skip the second parse (`repeated_counts.exact_counts`, run's
and get's fast paths; `repeated_keys.doubtful`, the slow path's) never pass a page on
which `repeated_keys.mark` refuses an object: a token `type` given one-time and then not,
the one-time value in any casing or with escaped letters, the key in other casing."""

from __future__ import annotations

import json
from typing import Any

import orjson
from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_fast_pages import RECORDS, _fast, _fits, _fits_by_counts, _page, _written, spoiled

from ocpispec.ocpi import repeated, repeated_keys
from ocpispec.ocpi.strict_pages import AsParsed

MARKER = "TYPE-TO-REPEAT"
_ENUM = ["AD_HOC_USER", "APP_USER", "OTHER", "RFID"]


@st.composite
def _spelt(draw, word: str) -> str:
    """`word` as a JSON text may write it: each letter in either case, some escaped."""
    out = []
    for char in word:
        char = char.lower() if draw(st.booleans()) else char.upper()
        out.append(f"\\u{ord(char):04{draw(st.sampled_from('xX'))}}" if draw(st.integers(0, 4)) == 0 else char)
    return "".join(out)


_FIRST_VALUE = st.one_of(st.sampled_from(_ENUM), _spelt("ad_hoc_user"), _spelt("rfid"))
_KEY = st.one_of(st.just("type"), _spelt("type"), st.just("ｔｙｐｅ"))


@settings(max_examples=300, deadline=None)
@example(module="sessions", key="type", first="Ad_Hoc_User", last="RFID")
@example(module="sessions", key="type", first="\\u0041D_HOC_USER", last="RFID")
@example(module="tokens", key="type", first="a\\u0064_hoc_USER", last="APP_USER")
@example(module="sessions", key="Type", first="AD_HOC_USER", last="RFID")
@given(st.sampled_from(["sessions", "tokens"]), _KEY, _FIRST_VALUE, st.sampled_from(_ENUM))
def test_no_count_passes_a_page_mark_refuses(module: str, key: str, first: str, last: str) -> None:
    records = [dict(record) for record in RECORDS[("2.2.1", module)]]
    if module == "sessions":
        records[1]["cdr_token"] = dict(records[1]["cdr_token"], type=MARKER)
    else:
        records[1]["type"] = MARKER
    content = _page(records).replace(f'"type":"{MARKER}"'.encode(),
                                     f'"{key}":"{first}","type":"{last}"'.encode())
    refused = repeated_keys.holds_marks(json.loads(content, object_pairs_hook=repeated._sited))
    if not refused:
        return
    parsed = orjson.loads(content)
    assert repeated_keys.doubtful(content, repeated_keys.folded(content), parsed)
    assert not _fits("2.2.1", module, content)           # run's workers
    assert _fast("2.2.1", module, frozenset(), content) is None     # get's reader


def test_a_page_with_one_time_types_given_once_keeps_the_fast_paths() -> None:
    records = [dict(record) for record in RECORDS[("2.2.1", "tokens")]]
    records[1]["type"] = "AD_HOC_USER"
    content = _page(records).replace(b'"RFID"', b'"\\u0052FID"')
    assert b"\\u0052" in content
    assert _fits("2.2.1", "tokens", content)
    assert _fast("2.2.1", "tokens", frozenset(), content) is not None
    assert not repeated_keys.doubtful(content, repeated_keys.folded(content), orjson.loads(content))


def test_the_one_time_tail_is_found_in_any_casing_and_nowhere_else() -> None:
    """`_ONE_TIME_TAIL` (IGNORECASE over bytes) finds the tail where a class per letter
    does: in every casing, and not with any one byte of it changed."""
    import itertools
    import re

    from ocpispec.ocpi.repeated_counts import _ONE_TIME_TAIL

    by_letter = re.compile(rb"_[hH][oO][cC]_[uU][sS][eE][rR]")
    word = b"_hoc_user"
    for cases in itertools.product(*((bytes([c]), bytes([c]).upper()) for c in word)):
        assert _ONE_TIME_TAIL.search(b'"AD' + b"".join(cases) + b'"') is not None
    for at, byte in itertools.product(range(len(word)), range(256)):
        text = word[:at] + bytes([byte]) + word[at + 1:]
        assert (_ONE_TIME_TAIL.fullmatch(text) is None) == (by_letter.fullmatch(text) is None), text


def _keys_once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    assert len({key for key, _ in pairs}) == len(pairs), [key for key, _ in pairs]
    return dict(pairs)


@settings(max_examples=300, deadline=None)
@given(spoiled(), st.integers(0, 2**32))
def test_a_text_written_as_orjson_writes_its_body_gives_no_key_twice(
        case: tuple[str, str, list[dict[str, Any]]], seed: int) -> None:
    """`AsParsed` (which spares a worker the counts) passes a page only where its text is
    orjson's writing of its parsed body: never one that gives a key twice (escaped, in
    other casing, or as it is), and the strict test then says what the counts say
    wherever they see no repeat."""
    import random

    version, module, records = case
    for content in (_page(records), _written({"data": records, "status_code": 1000}, random.Random(seed))):
        try:
            parsed = orjson.loads(content)
        except orjson.JSONDecodeError:
            continue
        if not AsParsed()(parsed, content):
            continue
        json.loads(content, object_pairs_hook=_keys_once)   # every key once, in every object
        assert not repeated_keys.holds_marks(json.loads(content, object_pairs_hook=repeated._sited))
        if _fits_by_counts(version, module, content):
            assert _fits(version, module, content)


def test_a_key_given_twice_is_never_written_as_parsed() -> None:
    content = _page(RECORDS[("2.2.1", "sessions")])
    assert AsParsed()(orjson.loads(content), content)
    twice = content.replace(b'"location_id":', b'"location_id":"ELSEWHERE","location_id":', 1)
    assert twice != content and not AsParsed()(orjson.loads(twice), twice)
    assert not _fits("2.2.1", "sessions", twice)
    spaced = content.replace(b'"kwh":', b'"kwh": ', 1)
    assert not AsParsed()(orjson.loads(spaced), spaced)
    assert _fits("2.2.1", "sessions", spaced) == _fits_by_counts("2.2.1", "sessions", spaced)


def test_a_platform_not_writing_as_orjson_writes_is_no_longer_asked() -> None:
    content = _page(RECORDS[("2.2.1", "sessions")])
    spaced = content.replace(b'"kwh":', b'"kwh": ', 1)
    asked = AsParsed()
    assert [asked(orjson.loads(spaced), spaced) for _ in range(4)] == [False] * 4
    assert not asked(orjson.loads(content), content)            # given up
    again = AsParsed()
    assert again(orjson.loads(content), content)
    assert [again(orjson.loads(spaced), spaced) for _ in range(6)] == [False] * 6
    assert again(orjson.loads(content), content)                 # it was written so once
