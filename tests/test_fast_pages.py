"""`get`'s fast path (`ocpi.fast_pages`) against the Python path a worker takes: a
page the fast path reads gives the same released objects, keys, stamps and withheld
counts, whatever the platform sent; and clean pages do take it."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocpispec.demo import Faults, charges, wire
from ocpispec.demo.tariffs import TARIFFS
from ocpispec.demo.world import World
from ocpispec.execute import workers
from ocpispec.execute.pipeline import Counts
from ocpispec.ocpi.accept import clean_judge
from ocpispec.ocpi.fast_pages import STAMP_PATTERN, page_reader
from ocpispec.ocpi.objects import ObjectCheck
from ocpispec.ocpi.release import Release

WORLD = World(5, 300)
RECORDS = {
    ("2.2.1", "sessions"): [charges.session("2.2.1", WORLD.charge(i)) for i in range(6)],
    ("2.3.0", "sessions"): [charges.session("2.3.0", WORLD.charge(i)) for i in range(6)],
    ("2.2.1", "tokens"): [wire.token("2.2.1", WORLD.driver(i)) for i in range(4)],
    ("2.3.0", "tokens"): [wire.token("2.3.0", WORLD.driver(i)) for i in range(4)],
    ("2.1.1", "sessions"): [charges.session("2.1.1", WORLD.charge(i)) for i in range(6)],
    ("2.1.1", "tokens"): [wire.token("2.1.1", WORLD.driver(i)) for i in range(4)],
    **{(version, "tariffs"): [wire.tariff(version, tariff) for tariff in TARIFFS.values()]
       for version in ("2.1.1", "2.2.1", "2.3.0")},
}
FAST = sorted(set(RECORDS) - {("2.1.1", "sessions")})   # a 2.1.1 session holds its location
OPENINGS = [frozenset(), frozenset({"kwh"}), frozenset({"cdr_token"}),
            frozenset({"charging_periods.dimensions.volume", "total_cost.excl_vat", "id"}),
            frozenset({"."}), frozenset({"uid", "energy_contract.contract_id", "location", "elements"})]
STAMPS = ["2025-01-01", "2025-01-01T10:00Z", "2025-02-29T10:00:00Z", "2024-02-29T10:00:00Z", "2025-04-31T10:00:00Z", "0000-01-01T00:00:00Z",
          "2025-01-01T24:00:00Z", "2025-01-01T10:00:60Z", "2025-01-01T10:00:00+00:00", "2025-01-01T10:00:00",
          "2025-01-01T10:00:00.5Z", "2025-01-01 10:00:00Z", "2025-01-01t10:00:00z", "1900-02-29T00:00:00Z",
          "2000-02-29T00:00:00Z", "2025-13-01T00:00:00Z", "２０２５-01-01T00:00:00Z", "2025-06-30T23:59:59Z"]
ODD = st.one_of(st.none(), st.integers(-2**63, 2**64 - 1), st.floats(allow_nan=False, allow_infinity=False),
                st.booleans(), st.text(max_size=40), st.sampled_from(STAMPS), st.just([1, {"a": 1}]),
                st.just({"x": {"y": 1}}), st.just(["a", "b"]), st.just([]), st.just({}),
                st.text(alphabet="ab\u2028\x00\"\\é😀", max_size=3))
# number literals as a platform may write them, put into the body's text
LITERALS = ["1E5", "1e400", "-0.0", "18446744073709551616", "9007199254740993", "1.0", "5e-324",
            "123456789012345678901234567890", "0.1e1", "-1", "1e-7", "2e20"]


# what a platform may add to the envelope that orjson refuses (or reads as a float) and
# msgspec, skipping an unknown key, does not look into
ENVELOPE_TAILS = {"inf": b',"x":1e400}', "utf8": b',"x":"\xff"}', "deep": b',"x":' + b"[" * 1100 + b"]" * 1100 + b"}",
                  "huge": b',"total":' + b"9" * 30 + b"}",
                  "nested": b',"errors":' + b"[" * 900 + b"]" * 900 + b"}"}   # JSON, but no pickle


def _slow(version: str, module: str, opened: frozenset[str], content: bytes) -> dict[str, Any] | None:
    """What a worker makes of the page without the fast path."""
    release = Release(version, module, opened, crawl_counts_unknown=True)
    check = ObjectCheck(version, module, None)
    workers._STATE, workers._FAST = (check, release.line, Counts(), None, clean_judge(check), None, None), None
    try:
        return workers.prepare_page(content)
    finally:
        workers._STATE = None


def _fast(version: str, module: str, opened: frozenset[str], content: bytes) -> dict[str, Any] | None:
    reader = page_reader(Release(version, module, opened, crawl_counts_unknown=True))
    return None if reader is None else reader(content)


def _same(fast: dict[str, Any], slow: dict[str, Any]) -> None:
    assert {k: v for k, v in fast.items() if k != "data"} == {k: v for k, v in slow.items() if k != "data"}
    assert len(fast["data"]) == len(slow["data"])
    for mine, theirs in zip(fast["data"].items(), slow["data"], strict=True):
        assert theirs[0] is None and theirs[1] is None      # the slow path found nothing either
        assert mine[2] == hash(theirs[2])                   # the key's fingerprint
        assert mine[:2] == theirs[:2] and mine[3] == theirs[3]
        (line, outcome), (their_line, their_outcome) = mine[4][0], theirs[4][0]
        assert _typed(orjson.loads(line)) == _typed(orjson.loads(their_line))
        assert line.endswith(b"\n") and line.count(b"\n") == 1
        assert Counter(dict(outcome[0])) == Counter(dict(their_outcome[0]))
        assert outcome[1:] == their_outcome[1:]


def _typed(value: Any) -> Any:
    """`value` with each number's type and sign beside it: `1`, `1.0` and `-0.0` differ."""
    if isinstance(value, dict):
        return {name: _typed(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_typed(item) for item in value]
    return (type(value).__name__, repr(value))


def _page(records: list[dict[str, Any]]) -> bytes:
    return orjson.dumps({"data": records, "status_code": 1000, "status_message": "Success",
                         "timestamp": "2026-01-01T00:00:00Z"})


@pytest.mark.parametrize("case", FAST, ids="-".join)
@pytest.mark.parametrize("opened", OPENINGS[:2], ids=["none", "kwh"])
def test_a_clean_page_takes_the_fast_path(case: tuple[str, str], opened: frozenset[str]) -> None:
    content = _page([_untimed(record) for record in RECORDS[case]])
    fast = _fast(*case, opened, content)
    assert fast is not None
    _same(fast, _slow(*case, opened, content))


@pytest.mark.parametrize(("opened", "again"), [
    (frozenset(), False), (frozenset({"kwh", "id"}), False),
    (frozenset({"start_date_time"}), True), (frozenset({"cdr_token"}), True),
    (frozenset({"charging_periods.dimensions.volume"}), True)],
    ids=["none", "leaves", "a DateTime", "an object whole", "a kept object"])
def test_released_leaves_are_taken_from_the_strict_objects(monkeypatch, opened: frozenset[str],
                                                           again: bool) -> None:
    """Where every released field is text, a number or a flag, the released objects are
    taken from the strict ones, not decoded again from the page's text; a DateTime (a
    `datetime` there), an object kept whole (a strict struct, written in its own order) or
    a kept object (one left out would be taken as one without fields) is decoded again.
    Either way the lines are those the Python path writes."""
    case = ("2.2.1", "sessions")
    content = _page([_untimed(record) for record in RECORDS[case]])
    read = page_reader(Release(*case, opened, crawl_counts_unknown=True))
    assert read is not None
    reader = read.__self__.reader.__self__    # type: ignore[attr-defined]
    decodes: list[bytes] = []
    public = reader.public

    class Counted:
        def decode(self, text: bytes) -> Any:
            decodes.append(text)
            return public.decode(text)
    monkeypatch.setattr(reader, "public", Counted())
    fast = read(content)
    assert fast is not None
    assert bool(decodes) is again
    _same(fast, _slow(*case, opened, content))


def _untimed(record: dict[str, Any]) -> dict[str, Any]:
    """A tariff without restrictions: their times of day (`HH:MM`) and dates are tested
    in Python only, so a tariff that has them takes the Python path."""
    if "elements" not in record:
        return record
    elements = [{k: v for k, v in element.items() if k != "restrictions"} for element in record["elements"]]
    return {**record, "elements": elements}


def test_a_tariff_restricted_by_time_takes_the_python_path() -> None:
    timed = [t for t in RECORDS[("2.2.1", "tariffs")] if any("restrictions" in e for e in t["elements"])]
    assert timed and _fast("2.2.1", "tariffs", frozenset(), _page(timed)) is None


@st.composite
def spoiled(draw: Any) -> tuple[str, str, list[dict[str, Any]]]:
    version, module = draw(st.sampled_from(sorted(RECORDS)))
    records = copy.deepcopy(draw(st.lists(st.sampled_from(RECORDS[(version, module)]), min_size=1, max_size=4)))
    for record in records:
        for _ in range(draw(st.integers(0, 2))):
            node = record
            while True:  # go down a few levels, then spoil, add or drop a field there
                name = draw(st.sampled_from(sorted(node) + ["x_new", "Odd Name", "kwh", "last_updated"]))
                below = node.get(name)
                if isinstance(below, list) and below and isinstance(below[0], dict) and draw(st.booleans()):
                    node = below[0]
                elif isinstance(below, dict) and draw(st.booleans()):
                    node = below
                elif name in node and draw(st.integers(0, 4)) == 0:
                    del node[name]
                    break
                else:
                    node[name] = copy.deepcopy(draw(ODD))
                    break
        if draw(st.booleans()):  # another key order
            keys = draw(st.permutations(list(record)))
            record_copy = {key: record[key] for key in keys}
            record.clear()
            record.update(record_copy)
    return version, module, records


@settings(max_examples=400, deadline=None)
@given(spoiled(), st.sampled_from(OPENINGS))
def test_a_page_the_fast_path_reads_is_read_as_the_python_path_reads_it(
        case: tuple[str, str, list[dict[str, Any]]], opened: frozenset[str]) -> None:
    version, module, records = case
    content = _page(records)
    fast = _fast(version, module, opened, content)
    if fast is not None:
        _same(fast, _slow(version, module, opened, content))


def _fits(version: str, module: str, content: bytes) -> bool:
    """What `run`'s workers ask of a page: whether its parsed objects fit the strict types."""
    from ocpispec.ocpi.fast_pages import strict_fit
    from ocpispec.timestamps import loose_timestamps

    fits = strict_fit(version, module)
    try:
        body = orjson.loads(content)
    except orjson.JSONDecodeError:
        return False
    loose = loose_timestamps(content)
    return fits is not None and not loose and fits(body["data"], content, loose, body) is True


def _fits_by_counts(version: str, module: str, content: bytes) -> bool:
    """`_fits` without the parsed body: the counts alone say that no key is given twice."""
    from ocpispec.ocpi.fast_pages import strict_fit
    from ocpispec.timestamps import loose_timestamps

    fits = strict_fit(version, module)
    try:
        body = orjson.loads(content)
    except orjson.JSONDecodeError:
        return False
    loose = loose_timestamps(content)
    return fits is not None and not loose and fits(body["data"], content, loose) is True


def _strict(version: str, module: str, content: bytes) -> dict[str, Any] | None:
    """What a worker makes of the page with the strict test (`strict_fit`, `clean_key`)."""
    from ocpispec.ocpi.accept import clean_key
    from ocpispec.ocpi.fast_pages import strict_fit

    release = Release(version, module, frozenset(), crawl_counts_unknown=True)
    check = ObjectCheck(version, module, None)
    workers._STATE, workers._FAST = (check, release.line, Counts(), None, clean_judge(check), None, None), None
    workers._STRICT, workers._KEY = strict_fit(version, module), clean_key(check)
    try:
        return workers.prepare_page(content)
    finally:
        workers._STATE = workers._STRICT = workers._KEY = None


@settings(max_examples=400, deadline=None)
@given(spoiled(), st.integers(0, 2**32))
def test_a_page_that_fits_the_strict_types_is_one_the_wire_reader_finds_nothing_on(
        case: tuple[str, str, list[dict[str, Any]]], seed: int) -> None:
    """`run`'s workers skip the wire reader on a page that fits (`strict_fit`), and the
    judge (`clean_key` keys it): every object of it must be one the reader finds nothing
    on, and the judge finds no problem with, keyed alike; the page as the platform wrote
    it (escapes, a key given twice, white space) as well as compact."""
    import random

    from ocpispec.ocpi.accept import clean_key
    from ocpispec.schema.wire_check import NOTHING

    version, module, records = case
    check = ObjectCheck(version, module, None)
    clean, key = clean_judge(check), clean_key(check)
    for content in (_page(records), _written({"data": records, "status_code": 1000}, random.Random(seed))):
        if not _fits(version, module, content):
            continue
        for record in orjson.loads(content)["data"]:
            assert clean(record) == (None, key(record)), record
            assert check.reader(record) is NOTHING, record


@settings(max_examples=300, deadline=None)
@given(spoiled(), st.integers(0, 2**32))
def test_a_worker_makes_the_same_of_a_page_with_the_strict_test_as_without(
        case: tuple[str, str, list[dict[str, Any]]], seed: int) -> None:
    """The worker's strict path (objects parsed once, tested by `msgspec.convert`,
    keyed without the judge) against its Python path (every object read and judged):
    the same problems, findings, keys, stamps and lines, on generated and hostile pages."""
    import random

    version, module, records = case
    for content in (_page(records), _written({"data": records, "status_code": 1000}, random.Random(seed))):
        slow, fast = _slow(version, module, frozenset(), content), _strict(version, module, content)
        assert (slow is None) == (fast is None)
        if slow is not None and fast is not None:
            assert fast == slow
            assert [list(obj) for obj in fast["data"]] == [list(obj) for obj in slow["data"]]


@settings(max_examples=300, deadline=None)
@given(spoiled(), st.integers(0, 2**32))
def test_every_page_the_text_decode_fitted_fits_the_parsed_objects(
        case: tuple[str, str, list[dict[str, Any]]], seed: int) -> None:
    """The strict test on the parsed objects loses no page the decode of the text took
    for a worker (which read the root's `last_updated` by pattern, the others in C, and
    no page with a loose DateTime)."""
    import random

    from ocpispec.ocpi.fast_pages import _Builder
    from ocpispec.timestamps import loose_timestamps

    version, module, records = case
    try:
        decoded = _Builder(version, module, frozenset()).fits()
    except Exception:   # no fast path for the module (`_NoFastPath`)
        return
    for content in (_page(records), _written({"data": records, "status_code": 1000}, random.Random(seed))):
        loose = loose_timestamps(content)
        if not loose and decoded.page(content, loose) is not None:
            assert _fits(version, module, content)


def test_run_workers_skip_the_reader_only_on_pages_that_fit() -> None:
    from ocpispec.ocpi.fast_pages import strict_fit

    clean = _page([_untimed(record) for record in RECORDS[("2.2.1", "sessions")]])
    assert _fits("2.2.1", "sessions", clean)
    unknown = _page([{**_untimed(record), "x_new": 1} for record in RECORDS[("2.2.1", "sessions")]])
    assert not _fits("2.2.1", "sessions", unknown)
    assert strict_fit("2.2.1", "cdrs") is None and strict_fit("2.2.1", "locations") is None


def _written(value: Any, rnd: Any) -> bytes:
    """`value` as JSON text a platform may write: keys and texts with characters escaped
    (`\\u006b`, `\\/`), a key given twice (its other value first or last), white space."""
    space = rnd.choice([b"", b" ", b"\n\t", b"\r\n  "])
    if isinstance(value, dict):
        items = [_written(name, rnd) + b":" + space + _written(item, rnd) for name, item in value.items()]
        if items and rnd.random() < 0.2:
            name = rnd.choice(list(value))
            twice = _written(name, rnd) + b":" + _written(rnd.choice([value[name], None, "x", 1, []]), rnd)
            items.insert(rnd.choice([0, len(items)]), twice)
        return b"{" + space + (b"," + space).join(items) + space + b"}"
    if isinstance(value, list):
        return b"[" + (b"," + space).join(_written(item, rnd) for item in value) + b"]"
    if isinstance(value, str) and rnd.random() < 0.3:
        return b'"' + b"".join(b"\\u%04x" % ord(c) if rnd.random() < 0.3 and ord(c) < 0x10000 else
                               b"\\/" if c == "/" else orjson.dumps(c)[1:-1] for c in value) + b'"'
    return orjson.dumps(value)


@settings(max_examples=300, deadline=None)
@given(spoiled(), st.sampled_from(OPENINGS), st.integers(0, 2**32))
def test_a_page_written_otherwise_is_read_as_the_python_path_reads_it(
        case: tuple[str, str, list[dict[str, Any]]], opened: frozenset[str], seed: int) -> None:
    import random

    version, module, records = case
    content = _written({"data": records, "status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"},
                       random.Random(seed))
    if (fast := _fast(version, module, opened, content)) is not None:
        slow = _slow(version, module, opened, content)
        assert slow is not None
        _same(fast, slow)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(LITERALS) | st.from_regex(r"\A-?(0|[1-9][0-9]{0,25})(\.[0-9]{1,20})?([eE][-+]?[0-9]{1,3})?\Z"),
       st.sampled_from(["kwh", "total_cost", "id"]), st.sampled_from(OPENINGS))
def test_number_literals_are_read_alike(literal: str, name: str, opened: frozenset[str]) -> None:
    record = dict(RECORDS[("2.2.1", "sessions")][0])
    record[name] = "@@"
    content = _page([record]).replace(b'"@@"', literal.encode())
    try:
        orjson.loads(content)
    except orjson.JSONDecodeError:
        assert _fast("2.2.1", "sessions", opened, content) is None
        return
    if (fast := _fast("2.2.1", "sessions", opened, content)) is not None:
        _same(fast, _slow("2.2.1", "sessions", opened, content))


@pytest.mark.parametrize("body", [
    b"\xef\xbb\xbf" + _page(RECORDS[("2.2.1", "sessions")]),          # a byte order mark
    _page(RECORDS[("2.2.1", "sessions")]).replace(b'"NL"', b'"\\ud800"', 1),   # a lone surrogate
    _page(RECORDS[("2.2.1", "sessions")]).replace(b'"NL"', b'"N\xff"', 1),     # not UTF-8
    orjson.dumps(RECORDS[("2.2.1", "sessions")]),                      # no envelope
    b'{"data": null, "status_code": 1000}', b'{"status_code": 2001}', b"[]", b"",
    # envelope keys whose values msgspec would skip untested, or read otherwise than orjson
    *(_page(RECORDS[("2.2.1", "sessions")])[:-1] + tail for tail in ENVELOPE_TAILS.values()),
    _page(RECORDS[("2.2.1", "sessions")]).replace(b'"Success"', b"[" * 900 + b"]" * 900),
    _page(RECORDS[("2.2.1", "sessions")]).replace(b'"status_code":1000', b'"status_code":' + b"9" * 30),
])
def test_pages_the_fast_path_leaves_to_python(body: bytes) -> None:
    assert _fast("2.2.1", "sessions", frozenset(), body) is None


@pytest.mark.parametrize("stamp", STAMPS)
def test_a_timestamp_is_fast_only_where_python_reads_it_inline(stamp: str) -> None:
    import re
    from datetime import datetime

    record = dict(RECORDS[("2.2.1", "sessions")][0], end_date_time=stamp)
    fast = _fast("2.2.1", "sessions", frozenset(), _page([record]))
    try:
        inline = len(stamp) == 20 and datetime.fromisoformat(stamp) is not None
    except ValueError:
        inline = False
    canonical = re.fullmatch(STAMP_PATTERN.strip("^$"), stamp) is not None
    assert canonical == (stamp in {"2024-02-29T10:00:00Z", "2000-02-29T00:00:00Z", "2025-06-30T23:59:59Z"})
    assert fast is not None or not canonical
    assert inline or fast is None       # stricter than Python's inline test, never looser
    last = dict(RECORDS[("2.2.1", "sessions")][0], last_updated=stamp)   # the window's: canonical only
    assert (_fast("2.2.1", "sessions", frozenset(), _page([last])) is not None) == canonical


def test_an_escaped_timestamp_is_tested_as_text() -> None:
    """With an escape in the body, the scan for loose DateTimes cannot see every one."""
    record = dict(RECORDS[("2.2.1", "sessions")][0], end_date_time="2025-01-01T10:00:00.5Z")
    content = _page([record]).replace(b'00.5Z"', b'00.5\\u005a"')
    assert b"\\u005a" in content and _fast("2.2.1", "sessions", frozenset(), content) is None
    escaped_z = _page(RECORDS[("2.2.1", "sessions")]).replace(b'Z"', b'\\u005a"')
    fast = _fast("2.2.1", "sessions", frozenset(), escaped_z)
    assert fast is not None
    _same(fast, _slow("2.2.1", "sessions", frozenset(), escaped_z))


def test_modules_with_flags_or_embedded_sites_have_no_fast_path() -> None:
    for version, module in [("2.2.1", "locations"), ("2.2.1", "cdrs"), ("2.1.1", "cdrs"), ("2.1.1", "sessions")]:
        assert page_reader(Release(version, module, frozenset(), crawl_counts_unknown=True)) is None
    # a release that counts unknown fields itself is the slow path's too
    assert page_reader(Release("2.2.1", "sessions", frozenset())) is None


def _pages(server: Any, module: str) -> Iterator[bytes]:
    import base64

    token = base64.b64encode(server.token.encode()).decode()
    with httpx.Client(headers={"Authorization": f"Token {token}"}) as client:
        offset = 0
        while True:
            answer = client.get(server.module_url(server.versions[0], module),
                                params={"offset": offset, "limit": 100,
                                                "date_from": "2000-01-01T00:00:00Z"})
            answer.raise_for_status()
            yield answer.content
            count = len(orjson.loads(answer.content)["data"])
            offset += count
            if count < 100:
                return


@pytest.mark.parametrize("version", ["2.2.1", "2.3.0"])
@pytest.mark.parametrize("faults", [Faults(), Faults(invalid_objects=20, unknown_fields=True,
                                                      naive_timestamps=True, type_confused_values=True)],
                         ids=["clean", "faulty"])
def test_the_demo_platform_s_pages_read_alike(demo_server_factory, version: str, faults: Faults) -> None:
    """Real pages over HTTP: clean ones take the fast path, faulty ones may not, and
    every page the fast path reads matches the Python path."""
    server = demo_server_factory(version=version, size=300, max_page_size=100, faults=faults)
    taken = 0
    for content in _pages(server, "sessions"):
        if (fast := _fast(version, "sessions", frozenset(), content)) is not None:
            taken += 1
            _same(fast, _slow(version, "sessions", frozenset(), content))
    assert taken > 0 if faults == Faults() else True


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 12), max_size=30), st.lists(st.integers(0, 12), max_size=10),
       st.none() | st.integers(0, 30), st.integers(4, 40))
def test_a_clean_page_is_deduplicated_as_one_object_at_a_time(
        page: list[int], seen: list[int], room: int | None, window: int) -> None:
    """`accept_clean` (whole pages where nothing repeats) keeps what adding each key in
    turn keeps, with the same repeats and the same keys remembered after."""
    from ocpispec.ocpi.clean_pages import CleanPage, accept_clean
    from ocpispec.ocpi.objects import RecentKeys

    fingerprints = [hash(("nl", "abc", f"s{n}")) for n in page]
    mine, theirs = RecentKeys(window), RecentKeys(window)
    for n in seen:
        mine.add(("nl", "abc", f"s{n}"))
        theirs.add(("nl", "abc", f"s{n}"))
    lines = [f"{n}\n".encode() for n in page]
    stamp = "2025-01-01T00:00:00Z"
    clean = CleanPage(lines, fingerprints, [stamp] * len(page), [0] * len(page), [("k",)])
    fresh, duplicates, invalid = accept_clean(clean, room, mine)
    expected, repeats = [], 0
    for line, fingerprint in zip(lines, fingerprints):
        if room is not None and len(expected) >= room:
            break
        if theirs.add_fingerprint(fingerprint, stamp):
            expected.append(line)
        else:
            repeats += 1
    assert list(fresh) == expected and duplicates == repeats and invalid == {}
    assert fresh.__class__ is CleanPage and len(fresh.stamps) == len(fresh)
    assert (mine._current, mine._previous) == (theirs._current, theirs._previous)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_get_writes_what_it_wrote_without_the_fast_path(run_cli, demo_server_factory, monkeypatch,
                                                        workers: str) -> None:
    """Over HTTP, with repeated objects, objects outside the window and a limit that
    ends inside a page: the same lines and summary with and without the fast path."""
    from test_cli_get import login

    server = demo_server_factory(version="2.2.1", size=9000, max_page_size=1000,
                                 faults=Faults(duplicate_objects=True, ignore_date_filters=True))
    login(run_cli, server)
    command = ("get", "sessions", "--include-private", "--date-from", "2025-01-15", "--date-to", "2025-11-01",
               "--page-size", "1000", "--workers", workers, "--concurrency", "1")  # pages read in turn
    outputs = []
    for fast in (True, False):
        if not fast:
            monkeypatch.setattr("ocpispec.cli.get._fast_path", lambda release, limit: None)
        whole = run_cli(*command)
        limited = run_cli(*command, "--limit", "5500")
        outputs.append((whole.exit_code, whole.stdout, whole.stderr, limited.stdout, limited.stderr))
    assert outputs[0] == outputs[1]
    assert outputs[0][0] == 0 and len(outputs[0][1].splitlines()) > 1000
    assert 5000 < len(outputs[0][3].splitlines()) < len(outputs[0][1].splitlines())  # cut inside a page
    assert "duplicates dropped: 0" not in outputs[0][2]


def test_a_platform_whose_pages_never_fit_is_no_longer_tried() -> None:
    reader = page_reader(Release("2.2.1", "sessions", frozenset(), crawl_counts_unknown=True))
    assert reader is not None
    clean = _page(RECORDS[("2.2.1", "sessions")])
    loose = clean.replace(b'Z"', b'.000Z"')
    assert [reader(loose) for _ in range(4)] == [None] * 4
    assert reader(clean) is None                        # given up
    again = page_reader(Release("2.2.1", "sessions", frozenset(), crawl_counts_unknown=True))
    assert again is not None and again(clean) is not None   # each get tries afresh
    assert [again(loose) for _ in range(6)] == [None] * 6 and again(clean) is not None  # it fitted once


def _get_with_and_without_the_fast_path(run_cli, monkeypatch, server: Any, rewrite: Any,
                                        *options: str) -> list[tuple[int, str, str]]:
    """`get sessions` through a proxy rewriting the demo's answers: exit code, stdout
    and stderr with the fast path, then without it."""
    from fixtures_proxy import RewritingProxy

    outputs = []
    with RewritingProxy(server.origin, rewrite) as proxy:
        login = run_cli("login", proxy.origin + "/ocpi/cpo/versions", "--token", server.token, "--party", "NL-ABC")
        assert login.exit_code == 0, login.stderr
        for fast in (True, False):
            if not fast:
                monkeypatch.setattr("ocpispec.cli.get._fast_path", lambda release, limit: None)
            done = run_cli("get", "sessions", "--include-private", "--date-to", "2026-01-01", *options)
            outputs.append((done.exit_code, done.stdout, done.stderr))
    return outputs


@pytest.mark.parametrize("tail", sorted(ENVELOPE_TAILS))
@pytest.mark.parametrize("workers", ["1", "2"])
def test_an_envelope_key_the_transport_does_not_read_is_read_as_without_the_fast_path(
        run_cli, demo_server_factory, monkeypatch, tail: str, workers: str) -> None:
    """A value the transport never reads, beside `data`, that orjson refuses: the whole
    body is refused (not JSON), read as Windows-1252 with a warning, or read alike; the
    fast path wrote every session (1e400), without the warning (a byte not UTF-8), or
    stopped with an internal error (nested 1,100 deep: msgspec's RecursionError)."""
    server = demo_server_factory(version="2.2.1", size=300, max_page_size=100)

    def rewrite(path: str, status: int, headers: dict[str, str], body: bytes) -> tuple:
        if "/sessions" in path and status == 200:
            body = body.rstrip()[:-1] + ENVELOPE_TAILS[tail]
        return status, headers, body

    outputs = _get_with_and_without_the_fast_path(run_cli, monkeypatch, server, rewrite,
                                                  "--page-size", "100", "--workers", workers)
    assert outputs[0] == outputs[1]
    assert outputs[0][0] == (1 if tail in ("inf", "deep") else 0)


def test_a_2_1_1_session_without_its_location_is_invalid_with_the_fast_path_too(
        run_cli, demo_server_factory, monkeypatch) -> None:
    """OCPI 2.1.1 requires a session's `location`; the fast path, which leaves the site
    to the Python path, took a session without one for a clean one and wrote it."""
    server = demo_server_factory(version="2.1.1", size=300, max_page_size=100)

    def rewrite(path: str, status: int, headers: dict[str, str], body: bytes) -> tuple:
        if "/sessions" in path and status == 200:
            page = orjson.loads(body)
            for session in page["data"]:
                del session["location"]
            body = orjson.dumps(page)
        return status, headers, body

    outputs = _get_with_and_without_the_fast_path(run_cli, monkeypatch, server, rewrite, "--page-size", "100",
                                                  "--workers", "1")
    assert outputs[0] == outputs[1]
    assert outputs[0][0] == 1 and "missing required field `location`" in outputs[0][2]


def test_repeats_within_a_clean_page_are_told_as_without_the_fast_path(
        run_cli, demo_server_factory, monkeypatch) -> None:
    """A platform that lists an object twice within a page and counts the repeats in
    `X-Total-Count`: the incomplete crawl's reason says the pages listed objects again
    (the count may count them), with the fast path too."""
    server = demo_server_factory(version="2.2.1", size=300, max_page_size=100)

    def rewrite(path: str, status: int, headers: dict[str, str], body: bytes) -> tuple:
        if "/sessions" in path and status == 200:
            page = orjson.loads(body)
            page["data"] += page["data"][:1]
            body = orjson.dumps(page)
            headers["x-total-count"] = str(int(headers["x-total-count"]) + 3)
        return status, headers, body

    outputs = _get_with_and_without_the_fast_path(run_cli, monkeypatch, server, rewrite, "--page-size", "100",
                                                  "--workers", "1")
    assert outputs[0] == outputs[1]
    assert outputs[0][0] == 1 and "and pages listed 3 again" in outputs[0][2]


PLACES = st.one_of(st.none(), st.sampled_from(["NL", "ABC", "DE", "XYZ", "LOC1", "LOC2", " ", ""]),
                   st.integers(0, 3), st.just({"id": "LOC1"}), st.just([]))


@st.composite
def scoped(draw: Any) -> tuple[str, str, list[dict[str, Any]]]:
    """Pages of the modules `get` scopes by place (sessions, tariffs) whose party, site
    or id, or an embedded site, the platform chose oddly."""
    version, module, records = draw(spoiled())
    for record in records:
        for name in draw(st.lists(st.sampled_from(["country_code", "party_id", "location_id", "id",
                                                   "cdr_location", "location"]), max_size=3)):
            if draw(st.integers(0, 3)) == 0:
                record.pop(name, None)
            else:
                record[name] = draw(PLACES)
    return version, module, records


@settings(max_examples=400, deadline=None)
@given(scoped(), st.integers(0, 2**32))
def test_a_scoped_page_the_fast_path_reads_keeps_what_the_scope_keeps(
        case: tuple[str, str, list[dict[str, Any]]], seed: int) -> None:
    """Under `get`'s scope (`ocpi.public_scope`) a fast page gives each object's place
    as the scope reads it from the object, so the objects it keeps by place are those
    `PublicScope.keeps` keeps: a session at a site not known (not listed, not published,
    another party's) or without a site, a tariff no published connector names."""
    import random

    from ocpispec.ocpi.public_scope import PublicScope, place

    version, module, records = case
    if module not in ("sessions", "tariffs"):
        return
    content = _page(records)
    objects = orjson.loads(content)["data"]
    read = place if module == "sessions" else \
        (lambda obj: (obj.get("country_code"), obj.get("party_id"), obj.get("id")))
    rng = random.Random(seed)
    keys = [read(obj) for obj in objects if isinstance(obj, dict)]
    try:
        hash(tuple(keys))
    except TypeError:   # a place holding an object: the Python path's alone (no strict page holds one)
        return
    known = frozenset(key for key in keys if rng.random() < 0.5)
    scope = PublicScope(module, sites=known, tariffs=known)
    reader = page_reader(Release(version, module, frozenset(), crawl_counts_unknown=True, scope=scope))
    if version == "2.1.1" and module == "sessions":
        assert reader is None
        return
    assert reader is not None
    body = reader(content)
    if body is None:
        return
    page = body["data"]
    assert page.places == [read(obj) for obj in objects]
    kept = scope.keeps_places(page.places)
    assert (list(range(len(objects))) if kept is None else kept) == \
        [at for at, obj in enumerate(objects) if scope.keeps(obj)]
    slow = _slow_scoped(version, module, scope, content)
    assert slow is not None
    assert [bool(item[4][0][0]) for item in slow["data"]] == [scope.keeps(obj) for obj in objects]


def _slow_scoped(version: str, module: str, scope: Any, content: bytes) -> dict[str, Any] | None:
    """What a worker makes of the page under `scope` without the fast path."""
    release = Release(version, module, frozenset(), crawl_counts_unknown=True, scope=scope)
    check = ObjectCheck(version, module, None)
    workers._STATE, workers._FAST = (check, release.line, Counts(), None, clean_judge(check), None, None), None
    try:
        return workers.prepare_page(content)
    finally:
        workers._STATE = None


@pytest.mark.parametrize("module", ["sessions", "tariffs"])
def test_a_scope_that_keeps_private_forms_takes_the_python_path(module: str) -> None:
    """`get --include-private` prints what is out of the scope in its private form
    (`Release.apply`); the fast path's places can only leave an object out."""
    from ocpispec.ocpi.public_scope import PublicScope

    scope = PublicScope(module, sites=frozenset(), tariffs=frozenset())
    kept = Release("2.2.1", module, frozenset(), crawl_counts_unknown=True, scope=scope,
                   keep_private=True)
    left_out = Release("2.2.1", module, frozenset(), crawl_counts_unknown=True, scope=scope)
    assert page_reader(kept) is None and page_reader(left_out) is not None



# every character `str.strip` strips, which are those `\s` matches (`strict_pages`)
WHITE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008" \
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
KEY_TEXTS = st.one_of(st.text(alphabet=WHITE, min_size=1, max_size=3),
                      st.builds(lambda pad, key: pad + key + pad, st.text(alphabet=WHITE, max_size=2),
                                st.sampled_from(["NL", "A", "x\u200b", "\u00e9"])))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["sessions", "tokens", "tariffs"]),
       st.lists(st.tuples(st.integers(0, 3), KEY_TEXTS, st.sampled_from(STAMPS)), min_size=1, max_size=6))
def test_a_page_s_key_texts_and_stamps_are_tested_a_page_at_a_time_as_one_by_one(
        module: str, changes: list[tuple[int, str, str]]) -> None:
    """The fast path tests that key texts hold more than white space, and that the root's
    `last_updated` is canonical, once per page (`strict_pages`): a page whose objects, any
    of them, hold a blank key or a stamp that is not `YYYY-MM-DDTHH:MM:SSZ` of a real day
    is left to the Python path whole; any other is read as the Python path reads it."""
    import re

    records = [_untimed(copy.deepcopy(record)) for record in RECORDS[("2.2.1", module)]]
    check = ObjectCheck("2.2.1", module, None)
    names = (*check.needed, "last_updated")     # the key texts, for sessions (id, country_code, party_id)
    for at, (which, text, stamp) in enumerate(changes):
        record, name = records[at % len(records)], names[which % len(names)]
        record[name] = stamp if name == "last_updated" else text
    content = _page(records)
    blank = any(not isinstance(record.get(name), str) or not record[name].strip()
                for record in records for name in check.needed)
    odd_stamp = any(re.fullmatch(STAMP_PATTERN.strip("^$"), record["last_updated"]) is None
                    for record in records)
    fast = _fast("2.2.1", module, frozenset(), content)
    assert (fast is None) == (blank or odd_stamp) or any(len(record[name]) > 2 for record in records
                                                         for name in ("country_code", "party_id"))
    if fast is not None:
        _same(fast, _slow("2.2.1", module, frozenset(), content))
    if blank:   # `run`'s workers: no object with a blank key fits
        assert not _fits("2.2.1", module, content)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(FAST), st.sampled_from(OPENINGS), st.integers(1, 8), st.data())
def test_what_each_object_withheld_is_told_as_one_by_one_whatever_fields_it_left_out(
        case: tuple[str, str], opened: frozenset[str], size: int, data: Any) -> None:
    """The fast path groups a page's objects by which fields they sent (`fast_columns`):
    objects that each leave out other fields, on one page, are each told to have withheld
    what the Python path finds they withheld."""
    version, module = case
    check = ObjectCheck(version, module, None)
    records = []
    for at in range(size):
        record = _untimed(copy.deepcopy(RECORDS[case][at % len(RECORDS[case])]))
        optional = sorted(set(record) - {*check.required, *check.needed})
        for name in data.draw(st.sets(st.sampled_from(optional), max_size=len(optional))) if optional else ():
            del record[name]
        records.append(record)
    content = _page(records)
    fast = _fast(version, module, opened, content)
    assert fast is not None
    _same(fast, _slow(version, module, opened, content))
