"""`gc_tuning.streaming()` sets the collector for a stream of records and gives back
the settings it found, also when the stream fails."""

from __future__ import annotations

import gc

import pytest

from ocpispec.gc_tuning import STREAMING_THRESHOLDS, streaming


def test_streaming_freezes_and_restores() -> None:
    before = gc.get_threshold()
    alive = [object() for _ in range(10)]
    with pytest.raises(RuntimeError), streaming():
        assert gc.get_threshold() == STREAMING_THRESHOLDS
        assert gc.get_freeze_count() >= len(alive)
        raise RuntimeError("the stream failed")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_cycles_are_still_collected_while_streaming() -> None:
    import weakref

    class Node:
        pass

    with streaming():
        node = Node()
        node.me = node  # a cycle: only the collector frees it
        ref = weakref.ref(node)
        del node
        gc.collect()
        assert ref() is None
