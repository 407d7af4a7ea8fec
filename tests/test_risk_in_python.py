"""The risk meter's figures without numpy (`in_python`, for a spill of few rows) are
numpy's (`in_memory`), bit for bit, on spill records of every shape: digests sharing
their first 64-bit word, ties of rank, a (point, driver) recorded again with another
rank, drivers with one point or many, points held by one driver or several."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ocpispec.disclosure import in_memory, in_python
from ocpispec.disclosure.spill_figures import BUCKETS

# a digest from few words, so that records share classes, points, drivers and first words
_WORD = st.sampled_from([0, 1, 2, 2**63, 2**64 - 1])
_DIGEST = st.tuples(_WORD, _WORD).map(lambda words: b"".join(w.to_bytes(8, "big") for w in words))
_RANK = st.integers(0, 3) | st.integers(0, 2**63 - 1)


def _arrays(spill: bytes, width: int):
    import numpy as np

    return np.frombuffer(spill, dtype=">u8").astype(np.uint64).reshape(-1, width)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_DIGEST, _DIGEST), max_size=60))
def test_the_class_figures_are_numpys(members) -> None:
    spill = b"".join(cls + driver for cls, driver in members)
    words = _arrays(spill, 4)
    assert in_python.class_figures(spill, BUCKETS) == in_memory.class_figures(
        words[:, 0:2], words[:, 2:4], BUCKETS)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_DIGEST, _DIGEST, _RANK), max_size=60))
def test_the_unicity_shares_are_numpys(points) -> None:
    spill = b"".join(point + driver + rank.to_bytes(8, "big") for point, driver, rank in points)
    words = _arrays(spill, 5)
    expected = in_memory.unicity(words[:, 0:2], words[:, 2:4], words[:, 4].astype("int64"))
    assert in_python.unicity(spill) == expected
    assert repr(in_python.unicity(spill)) == repr(expected)  # as the figures print them
