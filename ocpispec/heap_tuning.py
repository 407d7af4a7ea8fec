"""The C allocator set for a stream of records: large blocks go back to the system when
freed, instead of staying in the heap as free space that counts in the resident set.

glibc's malloc serves a block of 128 KiB or more by `mmap` and returns it by `munmap`,
but raises that threshold to the size of each such block freed (up to 32 MiB), and the
heap's trim threshold to twice that. A run frees large blocks all the time (a page's
body, a page's parsed text, a batch of 20,000 rows, a pickled block of a sorted run, the
risk meter's arrays), so after the first ones every large block came from the heap: the
heap grew around them, small blocks allocated in between pinned it, and nothing was
given back. Measured in `benchmarks/bench_memory.py --data realistic` (glibc's
`mallinfo2` sampled every second): 48 to 52 MB of the heap free but held while 1,000,000
sessions streamed, 40 to 64 MB at 100,000, against 26 to 30 MB in use.

`return_large_blocks()` fixes the two thresholds (which also stops their rise): a block
of `MMAP_THRESHOLD` or more is mapped on its own and unmapped when freed, and free space
at the heap's top beyond `TRIM_THRESHOLD` is given back. It holds for the process (and
the worker processes it forks) from then on; elsewhere than glibc it does nothing.
Python's own small objects are not concerned (`pymalloc` maps arenas of its own).

A worker process of `run --workers N` is the other way round: it holds no stream, only
one page at a time, and every page allocates and frees the same few large blocks (the
page's text as received, the text `AsParsed` writes, the pickled answer). Mapped and
unmapped each time, each cost its pages' faults and zeroing again: 125,000 to 160,000
minor faults and 0.3 to 0.45 s of system time a worker over 200,000 realistic sessions.
`reuse_large_blocks()`, which a worker calls as it starts, serves blocks below
`WORKER_MMAP_THRESHOLD` from the heap, where the next page finds them again.
"""

from __future__ import annotations

MMAP_THRESHOLD = 128 * 1024   # glibc's default, kept from rising
TRIM_THRESHOLD = 256 * 1024
# a worker process (`execute.workers`) keeps its page-sized blocks in the heap instead
WORKER_MMAP_THRESHOLD = 8 << 20
WORKER_TRIM_THRESHOLD = 16 << 20
_M_TRIM_THRESHOLD = -1        # mallopt's parameters (malloc.h)
_M_MMAP_THRESHOLD = -3

_done = False


def return_large_blocks() -> bool:
    """The thresholds fixed (once per process); False where there is no glibc `mallopt`."""
    global _done
    if _done:
        return True
    _done = _set(MMAP_THRESHOLD, TRIM_THRESHOLD)
    return _done


def _set(mmap_threshold: int, trim_threshold: int) -> bool:
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # no C library to load, or no mallopt (macOS)
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, mmap_threshold)) and \
        bool(mallopt(_M_TRIM_THRESHOLD, trim_threshold))


def reuse_large_blocks() -> bool:
    """The thresholds of a worker process (`WORKER_MMAP_THRESHOLD`); False where there is
    no glibc `mallopt`."""
    return _set(WORKER_MMAP_THRESHOLD, WORKER_TRIM_THRESHOLD)
