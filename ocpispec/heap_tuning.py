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
"""

from __future__ import annotations

MMAP_THRESHOLD = 128 * 1024   # glibc's default, kept from rising
TRIM_THRESHOLD = 256 * 1024
_M_TRIM_THRESHOLD = -1        # mallopt's parameters (malloc.h)
_M_MMAP_THRESHOLD = -3

_done = False


def return_large_blocks() -> bool:
    """The thresholds fixed (once per process); False where there is no glibc `mallopt`."""
    global _done
    if _done:
        return True
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # no C library to load, or no mallopt (macOS)
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    _done = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and \
        bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return _done
