"""A run gives large blocks back to the system when it frees them
(`heap_tuning`): glibc's malloc raised its mmap threshold to the size of each large
block freed, so after a run's first page every page body, batch and sorted block came
from the heap, and small blocks allocated between them kept that space held: in
`bench_memory.py --data realistic` 48 to 64 MB of the exporter's heap was free but
resident, against 26 to 30 MB in use."""

from __future__ import annotations

import ctypes
import subprocess
import sys
import textwrap

import pytest

_HEAP = textwrap.dedent("""
    import ctypes, sys
    from ocpispec.heap_tuning import return_large_blocks

    class Info(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
            "uordblks", "fordblks", "keepcost")]

    info = ctypes.CDLL(None).mallinfo2
    info.restype = Info
    return_large_blocks()                  # as `execute` does before a run streams records
    large = bytearray(8 << 20)         # a large block freed: a page's body
    del large
    kept = [bytearray(1024) for _ in range(4096)]  # the heap's free fragments used up
    blocks = []
    for _ in range(64):
        blocks.append(bytearray(1 << 20))   # a large block (a batch, a page) ...
        kept.append(bytearray(1024))        # ... and a small one that stays
    del blocks
    print(info().fordblks)             # bytes free in the heap, still held
""")


@pytest.mark.skipif(not hasattr(ctypes.CDLL(None), "mallinfo2"), reason="glibc 2.33 or later")
def test_large_blocks_freed_while_streaming_are_not_held_by_the_heap() -> None:
    # a process of its own: the thresholds are the allocator's, for the whole process
    done = subprocess.run([sys.executable, "-c", _HEAP], capture_output=True, text=True,
                          check=True)
    held = int(done.stdout)
    assert held < 4 << 20, f"{held / 2**20:.0f} MiB of freed large blocks held by the heap"


_WORKER = textwrap.dedent("""
    import ctypes
    from ocpispec.execute.pipeline import Counts
    from ocpispec.execute.workers import PagePool
    from ocpispec.heap_tuning import return_large_blocks

    def in_heap(size=1 << 20):
        # whether a block of `size` comes from the heap (`[heap]`), not a mapping of its own
        block = bytearray(size)
        at = ctypes.addressof(ctypes.c_char.from_buffer(block))
        for line in open("/proc/self/maps"):
            if line.rstrip().endswith("[heap]"):
                low, high = (int(part, 16) for part in line.split()[0].split("-"))
                return low <= at < high
        return False

    if __name__ == "__main__":
        return_large_blocks()              # as `execute` does before it forks the workers
        print("parent", in_heap())
        pool = PagePool(2, "2.2.1", "sessions", lambda record: record, Counts())
        try:
            print("worker", pool.later(in_heap)())
        finally:
            pool.close()
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's heap, /proc")
def test_a_worker_serves_its_page_sized_blocks_from_its_heap(tmp_path) -> None:
    """A worker of `run --workers N` allocates and frees a page's large blocks on every
    page (its text, the text `AsParsed` writes, the pickled answer); mapped and unmapped
    each time, they cost 125,000 to 160,000 minor faults and 0.3 to 0.45 s of system time
    a worker over 200,000 realistic sessions. A worker serves them from its heap; the
    parent still maps each on its own (its resident set stays flat)."""
    script = tmp_path / "blocks.py"
    script.write_text(_WORKER)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          check=True)
    assert done.stdout.split() == ["parent", "False", "worker", "True"]
