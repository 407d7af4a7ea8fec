"""The private-location check, remembered by the values a record sends.

Each record's verdict was cached by its location key and its party as folded
(`party_reader`: two `strip().lower()` per record) and the fold ran for every record at
a site, some 0.3 of a session's µs in a worker. It is now remembered by the location
key and the two party fields as sent: the verdict is a function of those three values.
The property: over records naming sites of two parties, in any spelling (case, spaces,
full width, missing or non-text fields), the cached check says what a check with no
cache says of each record."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import orjson

from hypothesis import given, settings
from hypothesis import strategies as st

from ocpispec.check.compiler import compile_file
from ocpispec.execute.functions import custom_functions
from ocpispec.execute.jmes_compile import compile_expression
from ocpispec.execute.lookups import TableLookup
from ocpispec.execute.pipeline import _privacy_check, normalizer_for
from ocpispec.execute.site_verdicts import SiteVerdicts
from ocpispec.plan import ir
from ocpispec.plan.planner import plan as make_plan

KEY = b"5b1e9c2d7a4f08e3c6b9d2a5f1e7c4b0a3d6f9e2c5b8a1d4f7e0c3b6a9d2f5e8"
SPEC = """export verdicts
  consumer "Test consumer"
  purpose "The privacy check's cache"
  legal basis public task "test"
  retention 1 months
  pseudonym key env VERDICT_KEY
source ocpi env URL token env TOKEN
from sessions
select
  pseudonymize(id) as session
output csv to "sessions.csv"
"""
SITES = [
    {"country_code": "NL", "party_id": "ABC", "id": "L1", "publish": True},
    {"country_code": "NL", "party_id": "ABC", "id": "L2", "publish": False},
    {"country_code": "DE", "party_id": "XYZ", "id": "L1", "publish": False},
    {"country_code": "DE", "party_id": "XYZ", "id": "L3", "publish": True},
]


def _checks(tmp: Path) -> tuple[Any, Any]:
    spec = tmp / "verdicts.ocx"
    spec.write_text(SPEC)
    dataset = make_plan(compile_file(spec)).datasets[0]
    functions = custom_functions(KEY, "verdicts")
    compile = lambda text: compile_expression(text, functions)  # noqa: E731
    lookup_step, privacy = dataset.step(ir.Lookup), dataset.step(ir.PrivacyFilter)
    site_normalizer = normalizer_for(dataset.get(lookup_step.normalize), "2.2.1")
    table = TableLookup(SITES, compile(site_normalizer), lookup_step.key,
                        party=lookup_step.party)
    normalizer = compile(normalizer_for(dataset.step(ir.Normalize), "2.2.1"))

    def fresh(record: dict) -> bool:   # a check of its own per record: nothing cached
        return _privacy_check(privacy, "2.2.1", compile, {lookup_step.id: table})(
            normalizer(record))

    assert privacy.party == (("country_code",), ("party_id",))   # the path remembered as sent
    cached = _privacy_check(privacy, "2.2.1", compile, {lookup_step.id: table})
    return (lambda record: cached(normalizer(record))), fresh


def _spelled(text: str) -> st.SearchStrategy[Any]:
    full_width = "".join(chr(ord(char) + 0xFEE0) for char in text)
    return st.sampled_from([text, text.lower(), f" {text} ", full_width, None, 7, ""])


_records = st.builds(
    lambda country, party, site: {"id": "S", "country_code": country, "party_id": party,
                                  "location_id": site, "status": "COMPLETED"},
    st.sampled_from(["NL", "DE"]).flatmap(_spelled),
    st.sampled_from(["ABC", "XYZ"]).flatmap(_spelled),
    st.sampled_from(["L1", "L2", "L3", "L9"]).flatmap(_spelled))


@settings(max_examples=200, deadline=None)
@given(records=st.lists(_records, min_size=1, max_size=30))
def test_the_cached_verdict_is_the_uncached_one(tmp_path_factory, records: list[dict]) -> None:
    cached, fresh = _checks(tmp_path_factory.mktemp("verdicts"))   # a fresh cache per example
    assert [cached(record) for record in records] == [fresh(record) for record in records]
    assert [cached(record) for record in records] == [fresh(record) for record in records]


def _memos(check: Any) -> list[dict]:
    """The dicts a check's closures hold (its memos), through the functions it closes over."""
    found: list[dict] = []
    queue, seen = [check], set()
    while queue:
        function = queue.pop()
        if id(function) in seen:
            continue
        seen.add(id(function))
        for cell in function.__closure__ or ():
            held = cell.cell_contents
            if held.__class__ is dict or held.__class__ is SiteVerdicts:
                found.append(held)
            elif callable(held) and getattr(held, "__closure__", None):
                queue.append(held)
    # a SiteVerdicts' own dict is closed over too (read without the attribute lookup)
    parts = {id(memo.by_party) for memo in found if memo.__class__ is SiteVerdicts}
    return [memo for memo in found if id(memo) not in parts]


def test_a_site_is_remembered_once(tmp_path: Path) -> None:
    """The verdict remembered as sent is not remembered by the folded party as well: at
    16,666 realistic sites a second memo of the same sites held 5 MB, in the privacy step
    and again in the crawl's judge of private copies (`LookedUpSites`)."""
    from ocpispec.execute.private_places import LookedUpSites

    spec = tmp_path / "verdicts.ocx"
    spec.write_text(SPEC)
    dataset = make_plan(compile_file(spec)).datasets[0]
    functions = custom_functions(KEY, "verdicts")
    compile = lambda text: compile_expression(text, functions)  # noqa: E731
    lookup_step, privacy = dataset.step(ir.Lookup), dataset.step(ir.PrivacyFilter)
    table = TableLookup(SITES, compile(normalizer_for(dataset.get(lookup_step.normalize), "2.2.1")),
                        lookup_step.key, party=lookup_step.party)
    check = _privacy_check(privacy, "2.2.1", compile, {lookup_step.id: table})
    normalizer = compile(normalizer_for(dataset.step(ir.Normalize), "2.2.1"))
    crawl_judge = LookedUpSites("sessions", "2.2.1", table.listed, privacy.party)
    records = [{"id": f"S{n}", "country_code": site["country_code"], "party_id": site["party_id"],
                "location_id": site["id"], "status": "COMPLETED"}
               for n in range(3) for site in SITES]
    for record in records:
        check(normalizer(record))
        crawl_judge.keeps(record)
    assert sorted(len(memo) for memo in _memos(check)) == [0, len(SITES)]
    assert (len(crawl_judge.as_sent), len(crawl_judge.verdicts)) == (len(SITES), 0)


def _held_bytes(memo: Any) -> int:
    """The bytes of the objects a memo holds (each counted once; not the shared
    `True`/`False`/`None`)."""
    total, seen, stack = 0, set(), [memo]
    while stack:
        held = stack.pop()
        if held is True or held is False or held is None or id(held) in seen:
            continue
        seen.add(id(held))
        total += sys.getsizeof(held)
        if held.__class__ is dict:
            stack.extend([*held.keys(), *held.values()])
        elif held.__class__ is tuple:
            stack.extend(held)
        elif held.__class__ is SiteVerdicts:
            stack.append(held.by_party)
    return total


def test_a_site_remembered_holds_its_id_not_the_texts_of_a_record(tmp_path: Path) -> None:
    """Each memo held a tuple of a record's three texts per site: the party's two texts,
    the same for every site of the party, once per site, some 270 bytes a site and 4.5 MB
    in each memo at the 16,666 sites of a million realistic sessions (`bench_memory.py`).
    A site now costs its id and a dict entry, its party's texts held once. Records are
    parsed from JSON, as a crawl reads them: each carries texts of its own."""
    from ocpispec.execute.private_places import LookedUpSites

    count = 2_000
    sites = [{"country_code": "NL", "party_id": "ABC", "id": f"SITE{n:06d}", "publish": n % 3 > 0}
             for n in range(count)]
    spec = tmp_path / "verdicts.ocx"
    spec.write_text(SPEC)
    dataset = make_plan(compile_file(spec)).datasets[0]
    compile = lambda text: compile_expression(text, custom_functions(KEY, "verdicts"))  # noqa: E731
    lookup_step, privacy = dataset.step(ir.Lookup), dataset.step(ir.PrivacyFilter)
    table = TableLookup(sites, compile(normalizer_for(dataset.get(lookup_step.normalize), "2.2.1")),
                        lookup_step.key, party=lookup_step.party)
    check = _privacy_check(privacy, "2.2.1", compile, {lookup_step.id: table})
    normalizer = compile(normalizer_for(dataset.step(ir.Normalize), "2.2.1"))
    crawl_judge = LookedUpSites("sessions", "2.2.1", table.listed, privacy.party)
    for n in range(count):
        record = orjson.loads(orjson.dumps({"id": f"S{n}", "country_code": "NL", "party_id": "ABC",
                                            "location_id": f"SITE{n:06d}", "status": "COMPLETED"}))
        assert check(normalizer(record)) is crawl_judge.keeps(record) is (n % 3 > 0)
    memos = [memo for memo in _memos(check) if len(memo)] + [crawl_judge.as_sent]
    assert [len(memo) for memo in memos] == [count, count]
    assert [_held_bytes(memo) // count < 150 for memo in memos] == [True, True], \
        [_held_bytes(memo) // count for memo in memos]
