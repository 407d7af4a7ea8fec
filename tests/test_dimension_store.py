"""A dimension table (`TableLookup`) answers the same in memory and spilled to SQLite:
`get` and `listed` as a plain dict of the normalized records would, with case folding,
missing keys, unreadable records and the per-id fallback; the spill lives in a private
folder that `close` removes, and a forked process reads it through its own connection."""

from __future__ import annotations

import math
import os
import stat
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocpispec.execute.dimension_store import RecordStore, decode, encode
from ocpispec.execute.jmes_compile import compile_expression
from ocpispec.execute.lookups import MAX_FALLBACK_KEYS, PerIdLookup, TableLookup, fold

NORMALIZE = compile_expression("{id: id, publish: publish, postal_code: postal_code, "
                               "evses: evses}", {})

ids = st.sampled_from(["LOC1", "loc1", " Loc1 ", "LOC2", "loc-3", "Ünï", "37", "", "x y"]) | \
    st.integers(-5, 40) | st.none() | st.booleans()
leaves = (st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.text(max_size=8)
          | st.floats(allow_nan=True, allow_infinity=True))
values = st.recursive(leaves, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=4), inner, max_size=3), max_leaves=8)
records = st.fixed_dictionaries({"id": ids}, optional={"publish": st.booleans() | st.none(),
                                                       "postal_code": values, "evses": values}) \
    | st.integers() | st.text(max_size=3)  # not an object: unreadable


def _same(left, right) -> bool:
    """Equal, with NaN equal to itself (a record holding NaN is still the same record)."""
    if isinstance(left, float) and isinstance(right, float) and math.isnan(left):
        return math.isnan(right)
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return list(left) == list(right) and all(_same(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(map(_same, left, right))
    return bool(left == right)


def _reference(rows: list) -> tuple[dict, int]:
    """The table as a dict, the way `TableLookup` kept it before it was bounded."""
    table, unreadable = {}, 0
    for row in rows:
        normalized = NORMALIZE(row) if isinstance(row, dict) else None
        folded = fold(normalized.get("id")) if isinstance(normalized, dict) else None
        if folded is None:
            unreadable += 1
        else:
            table[folded] = normalized
    return table, unreadable


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(records, max_size=25), asked=st.lists(ids, max_size=12))
def test_a_spilled_table_answers_as_the_dict_would(rows: list, asked: list) -> None:
    reference, unreadable = _reference(rows)
    fetched: list[str] = []

    def get_object(key: str) -> dict | None:
        fetched.append(key)
        return {"id": key.upper(), "publish": False} if key.strip().startswith("x") else None

    for bound in (0, 1 << 30):
        fallback = PerIdLookup(get_object, NORMALIZE)
        table = TableLookup(iter(rows), NORMALIZE, ("id",), fallback, bound=bound)
        try:
            assert table.table.spilled is (bound == 0 and bool(reference))
            assert len(table) == len(reference) and table.unreadable == unreadable
            for key in [*asked, *(row.get("id") for row in rows if isinstance(row, dict))]:
                expected = reference.get(fold(key)) if fold(key) is not None else None
                assert _same(table.listed(key), expected)
                found = table.get(key)
                if expected is None and fold(key) is not None:
                    expected = fallback.get(key)  # asked of the platform, once per key
                assert _same(found, expected)
                assert table.get(key) is found or found is None  # again: from the LRU
        finally:
            table.close()


def test_the_fallback_stays_bounded_with_a_spilled_table(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    fallback = PerIdLookup(lambda key: asked.append(key) or {"id": key}, NORMALIZE)
    table = TableLookup([{"id": "LOC1"}], NORMALIZE, ("id",), fallback, bound=0)
    try:
        for n in range(MAX_FALLBACK_KEYS + 50):
            table.get(f"other-{n}")
        assert len(asked) == len(fallback.cache) == MAX_FALLBACK_KEYS
        assert table.get("other-1") == {"id": "other-1", "publish": None, "postal_code": None,
                                        "evses": None}
        assert table.get("loc1")["id"] == "LOC1" and table.listed("other-1") is None
    finally:
        table.close()


@settings(max_examples=200, deadline=None)
@given(value=values)
def test_encoding_gives_back_the_same_value(value) -> None:
    assert _same(decode(encode(value)), value)


def test_values_json_cannot_carry_are_pickled() -> None:
    for value in ({"a": float("nan")}, [2**70], {"a": (1, 2)}, {1: "x"}, {"a": float("inf")}):
        assert encode(value)[:1] == b"\x80"
        assert _same(decode(encode(value)), value)
    assert encode({"id": "LOC1", "n": 1.5}) == b'{"id":"LOC1","n":1.5}'


def test_the_spill_is_private_and_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    small = RecordStore(bound=1 << 20)
    small.put("a", {"id": "A"})
    small.finish()
    assert not small.spilled and list(tmp_path.iterdir()) == []
    store = RecordStore(bound=300)
    for n in range(5000):  # spills, then flushes a batch at a time
        store.put(f"k{n % 4000}", {"id": f"K{n}"})
    store.finish()
    (folder,) = tmp_path.iterdir()
    assert folder.name.startswith("ocpispec-lookup-")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "records.sqlite").stat().st_mode) == 0o600
    assert len(store) == 4000 and store.get("k1") == {"id": "K4001"}  # the last one wins
    assert store.get("k4000") is None
    store.close()
    assert list(tmp_path.iterdir()) == []


def test_a_reader_of_the_spill_caches_at_most_256_kib_of_pages() -> None:
    """A reader's page cache was SQLite's default, 2,000 KiB: at the 16,666 locations of a
    million realistic sessions (a 7 MB file) it filled, where the 1,666 of 100,000 stayed
    in memory (0.7 MB), unspilled. The LRU of decoded records answers a site's burst."""
    table = TableLookup([{"id": f"LOC{n}", "publish": n % 2 == 0, "postal_code": f"{n:05d}"}
                         for n in range(3000)], NORMALIZE, ("id",), bound=0)
    try:
        assert table.table.spilled and table.get("loc7")["publish"] is False
        reader = table.table._readers[os.getpid()]
        kib = -reader.execute("PRAGMA cache_size").fetchone()[0]
        assert 0 < kib <= 256
    finally:
        table.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_process_reads_the_spill_through_its_own_connection() -> None:
    table = TableLookup([{"id": f"LOC{n}", "publish": n % 2 == 0} for n in range(300)],
                        NORMALIZE, ("id",), bound=0)
    try:
        assert table.get("loc7")["publish"] is False  # the parent's connection is open
        parent_connection = table.table._readers[os.getpid()]
        read, write = os.pipe()
        child = os.fork()
        if child == 0:  # pragma: no cover - runs in the child
            try:
                ok = (table.listed("LOC8")["publish"] is True and table.get("nope") is None
                      and table.table._readers[os.getpid()] is not parent_connection)
                os.write(write, b"1" if ok else b"0")
            finally:
                os._exit(0)
        os.close(write)
        assert os.read(read, 1) == b"1"
        os.waitpid(child, 0)
        assert table.get("LOC299")["id"] == "LOC299"  # the parent's still works
    finally:
        table.close()


# ---- a whole run, spilled and not ---------------------------------------------------------

from test_run_e2e import profile_for, run_spec, source_env  # noqa: E402,F401 (fixtures)
from test_workers import MIXED, SPECS, _counts  # noqa: E402

from ocpispec.execute import dimension_store  # noqa: E402
from ocpispec.execute.workers import available  # noqa: E402


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("spec", ["joined", "rows"])
def test_a_run_with_a_spilled_table_delivers_the_same_bytes(
        run_spec, profile_for, demo_server_factory, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, forks, spec: str, workers: str) -> None:
    """Against the demo CPO (ids in mixed case, invalid and duplicate objects): the
    output and the counts with every location spilled to SQLite are those of the table
    in memory, in one process and in worker processes (which read the spilled file)."""
    if workers == "2" and not available():
        pytest.skip("needs fork")
    spill_root = tmp_path / "tmp"
    spill_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spill_root))
    spills: list[int] = []
    real_spill = dimension_store.RecordStore._spill
    monkeypatch.setattr(dimension_store.RecordStore, "_spill",
                        lambda self: spills.append(1) or real_spill(self))
    server = demo_server_factory(version="2.2.1", size=600, max_page_size=50, faults=MIXED)
    profile_for("cpo_production", server)
    outcomes = {}
    for bound in ("8388608", "0"):
        result = run_spec(SPECS[spec], server, "-q", "--allow-invalid", "100%", "--page-size",
                          "50", "--workers", workers, "--as-of", "2025-07-01T00:00:00Z",
                          out=f"b{bound}", env=source_env(
                              server, OCPISPEC_LOOKUP_IN_MEMORY_BYTES=bound))
        assert result.exit_code == 0, result.stderr
        outcomes[bound] = ((tmp_path / f"b{bound}").read_bytes(), _counts(tmp_path))
        assert [p.name for p in spill_root.iterdir() if "lookup" in p.name] == []  # removed
    assert spills == [1]  # only the run with the bound 0 spilled
    assert outcomes["0"] == outcomes["8388608"]
    counts = outcomes["0"][1]["datasets"][0]["counts"]
    assert counts["written"] and counts["excluded_private"]
    # `rows` reads its records in worker processes; a join with a per-id fallback keeps one
    assert forks == (["fork", "fork"] if workers == "2" and spec == "rows" else [])


def test_a_lookup_reads_its_dimension_one_page_at_a_time(
        run_spec, demo_server_factory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages fetched ahead of a table cost memory in proportion to their size (a page of
    locations parses to about 9 KB per object); the records keep the run's concurrency."""
    from ocpispec.ocpi import client

    seen: list[tuple[str, int]] = []
    real = client.Crawl.__init__

    def spy(self, transport, target, options, *args) -> None:
        seen.append((target.module, options.concurrency))
        real(self, transport, target, options, *args)

    monkeypatch.setattr(client.Crawl, "__init__", spy)
    server = demo_server_factory(version="2.2.1", size=300, max_page_size=20)
    result = run_spec(SPECS["joined"], server, "-q", "--concurrency", "4", "--workers", "1")
    assert result.exit_code == 0, result.stderr
    # (the second lists: the objects updated since each first one's `date_to`; the last,
    # one record stamped in the future, if any)
    assert seen == [("locations", 1), ("locations", 1), ("sessions", 4), ("sessions", 4),
                    ("sessions", 1)]


@pytest.mark.parametrize("bound", [0, 10**9], ids=["spilled", "in memory"])
def test_a_credit_cdr_never_hides_the_cdr_of_its_session(bound: int) -> None:
    """Keyed by session, the last CDR wins, but a credit CDR only where no other is:
    the original before or after it, and a CDR issued after it, stay the session's."""
    cdrs = [{"id": "A", "session_id": "S1"}, {"id": "A-C", "session_id": "S1", "credit": True},
            {"id": "B-C", "session_id": "S2", "credit": True}, {"id": "B", "session_id": "S2"},
            {"id": "C-C", "session_id": "S3", "credit": True},
            {"id": "D", "session_id": "S4"}, {"id": "D-C", "session_id": "S4", "credit": True},
            {"id": "D2", "session_id": "S4"}]
    normalize = compile_expression("{id: id, session_id: session_id}", {})
    table = TableLookup(iter(cdrs), normalize, ("session_id",), bound=bound,
                        secondary=lambda record: record.get("credit") is True)
    try:
        assert table.table.spilled == (bound == 0)
        assert {key: table.get(key)["id"] for key in ("S1", "S2", "S3", "S4")} == {
            "S1": "A", "S2": "B", "S3": "C-C", "S4": "D2"}
    finally:
        table.close()


PARTY_NORMALIZE = compile_expression("{country_code: country_code, party_id: party_id, id: id, "
                                     "publish: publish, postal_code: postal_code}", {})
PARTY = (("country_code",), ("party_id",))


@pytest.mark.parametrize("bound", [None, 0])
def test_an_id_two_parties_share_joins_each_record_to_its_own_partys_site(bound) -> None:
    """Ids are unique per party only. `get` and `listed` with a party find that party's
    site, and nothing without a party or for another party, even where only one party
    lists the id: a home charger's id another party's public site holds opens nothing
    (tests/privacy/test_party_sites.py)."""
    sites = [{"country_code": "BE", "party_id": "BEC", "id": "LOC1", "publish": True,
              "postal_code": "9000"},
             {"country_code": "BE", "party_id": "BEC", "id": "LOC2", "publish": True,
              "postal_code": "9001"},
             {"country_code": "DE", "party_id": "XYZ", "id": "loc1", "publish": False,
              "postal_code": "10115"},
             {"country_code": "be", "party_id": "bec", "id": "LOC1", "publish": True,
              "postal_code": "9050"}]
    table = TableLookup(iter(sites), PARTY_NORMALIZE, ("id",), bound=bound, party=PARTY,
                        closing=lambda site: site.get("publish") is not True)
    try:
        assert table.get("LOC1", ("be", "bec"))["postal_code"] == "9050"
        assert table.get(" Loc1", ("de", "xyz"))["postal_code"] == "10115"
        assert table.get("LOC1") is None
        assert table.get("LOC1", ("fr", "abc")) is None
        assert table.get("LOC2", ("de", "xyz")) is None
        assert table.get("LOC2", ("be", "bec"))["postal_code"] == "9001"
        assert table.listed("LOC1") is None
        assert table.listed("LOC1", ("de", "xyz"))["postal_code"] == "10115"
        assert len(table) == 3
    finally:
        table.close()
