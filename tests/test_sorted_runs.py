"""The sort of a row export's rows in bounded memory (`execute/sorted_runs.py`): runs
sorted in memory, spilled and merged a block at a time, give what a stable sort in
memory gives (and what the row-at-a-time heap merge it replaced gave), equal keys in
the order they came, values never compared; and `run --workers 2`, whose sort spills
its runs by bytes (`row_stream.RUN_BYTES`), delivers the same bytes as one process."""

from __future__ import annotations

import heapq
import pickle
from itertools import islice
from operator import itemgetter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_run_e2e import profile_for, run_spec  # noqa: F401 (fixtures)
from test_workers import MIXED, SPECS

from ocpispec.demo import Faults
from ocpispec.execute import row_stream, sorted_runs
from ocpispec.execute.sorted_runs import sorted_values
from ocpispec.execute.workers import available


class Value:
    """A value that says where it came from and refuses to be compared."""

    __slots__ = ("at",)

    def __init__(self, at: int) -> None:
        self.at = at

    def __eq__(self, other: object) -> bool:
        raise AssertionError("values are never compared")

    __lt__ = __gt__ = __le__ = __ge__ = __eq__
    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple:
        return Value, (self.at,)


def heap_merged(pairs: list, run_rows: int) -> list[int]:
    """The sort it replaced (`ordering.sorted_pairs` before): runs of `run_rows` pairs
    sorted by key, pickled and read back, merged a row at a time by `heapq.merge`."""
    key = itemgetter(0)
    source = iter(pairs)
    runs = []
    while run := sorted(islice(source, run_rows), key=key):
        runs.append(pickle.loads(pickle.dumps(run)))
    return [value.at for _, value in heapq.merge(*runs, key=key)]


# few distinct keys: most rows tie with others
byte_keys = st.binary(max_size=3).map(lambda b: b"\x02" + b.replace(b"\x00", b"\x00\xff") + b"\x00\x00")
tuple_keys = st.tuples(st.integers(0, 3), st.sampled_from(["a", "b", ""]))


@settings(max_examples=300, deadline=None)
@given(keys=st.one_of(st.lists(byte_keys, max_size=120), st.lists(tuple_keys, max_size=120)),
       pages=st.lists(st.integers(1, 9), min_size=1, max_size=6), budget=st.integers(1, 40),
       fan_in=st.integers(2, 5), block=st.integers(1, 6))
def test_the_block_merge_is_the_stable_sort_and_the_heap_merge(
        keys: list, pages: list[int], budget: int, fan_in: int, block: int) -> None:
    """Whatever the pages' sizes, the run bound, the runs merged at once (runs merged
    into larger ones, those again) and the rows per block on disk."""
    before, sorted_runs.BLOCK = sorted_runs.BLOCK, block
    try:
        _check_block_merge(keys, pages, budget, fan_in)
    finally:
        sorted_runs.BLOCK = before


def _check_block_merge(keys: list, pages: list[int], budget: int, fan_in: int) -> None:
    pairs = [(key, Value(at)) for at, key in enumerate(keys)]
    batches = []
    at = 0
    for size in pages * (len(pairs) + 1):  # the page sizes over and over
        if at >= len(pairs):
            break
        page = pairs[at:at + size]
        batches.append(([key for key, _ in page], [value for _, value in page], len(page)))
        at += size
    found = [value.at for values in sorted_values(iter(batches), budget, fan_in)
             for value in values]
    expected = [value.at for _, value in sorted(pairs, key=itemgetter(0))]
    assert found == expected
    assert found == heap_merged(pairs, max(1, budget))


def test_rows_that_fit_the_bound_are_sorted_without_a_file(monkeypatch: pytest.MonkeyPatch) -> None:
    made = []
    monkeypatch.setattr(sorted_runs, "ScratchFolder", lambda kind: made.append(kind))
    batches = [([b"b", b"a"], ["2", "1"], 2), ([b"a"], ["3"], 1)]
    assert list(sorted_values(iter(batches), 10)) == [["1", "3", "2"]]
    assert made == []


def test_a_merge_stopped_early_leaves_no_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    batches = [([bytes([n % 7, n])], [n], 1) for n in range(200)]
    merged = sorted_values(iter(batches), 10, 3)
    next(merged)
    assert [path.name.split("-")[1] for path in tmp_path.iterdir()] == ["order"]
    merged.close()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not available(), reason="needs fork")
@pytest.mark.parametrize("faults", [Faults(), MIXED], ids=["clean", "mixed"])
def test_spilled_runs_deliver_what_one_process_delivers(
        run_spec, profile_for, demo_server_factory, tmp_path: Path,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch, faults: Faults) -> None:
    """`--workers 2` sorts the lines the workers rendered in runs of a few kilobytes,
    merged two at a time into larger runs: the same file as one process, and as the
    workers' sort held in memory. Clean pages come whole (`RowPage`), a mixed platform's
    object by object, some as rows."""
    server = demo_server_factory(version="2.2.1", size=1500, max_page_size=100, faults=faults)
    profile_for("cpo_production", server)
    outputs = {}
    spilled: list[int] = []
    spill = sorted_runs._spill

    def counted(*args: object) -> Path:
        spilled.append(len(args[0]))  # type: ignore[arg-type]
        return spill(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(sorted_runs, "_spill", counted)
    for label, workers, run_bytes in (("one", "1", None), ("memory", "2", None),
                                      ("spilled", "2", 4_000)):
        with monkeypatch.context() as patched:
            if run_bytes is not None:
                patched.setattr(row_stream, "RUN_BYTES", run_bytes)
                patched.setattr(sorted_runs, "FAN_IN", 2)
            spilled.clear()
            result = run_spec(SPECS["rows"], server, "-q", "--allow-invalid", "100%",
                              "--page-size", "25", "--workers", workers,
                              "--as-of", "2025-07-01T00:00:00Z", out=label)
        assert result.exit_code == 0, result.stderr
        outputs[label] = (tmp_path / label).read_bytes()
        assert (len(spilled) >= 4) == (label == "spilled"), (label, spilled)
    assert outputs["spilled"] == outputs["one"] == outputs["memory"]
    assert outputs["one"].count(b"\n") > 100, outputs["one"].count(b"\n")
