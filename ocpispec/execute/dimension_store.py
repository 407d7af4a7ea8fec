"""The records of a dimension table (`lookups.TableLookup`) in bounded memory.

A record is kept encoded, as the bytes of its normalized form (only the fields the
plan reads: the normalizer projects them), about a fifth of the Python objects it
decodes to. Up to `in_memory_bytes()` of keys and records they stay in a dict; above
that the store spills to an SQLite file in a private temporary folder (0700, removed by
`close`) and memory holds only the pending batch. Either way a small LRU of decoded
records sits in front: the records of one site come in bursts. Like the dict it
replaces, `get` hands out the same object while it is in the LRU: callers never
change it (`pipeline._bind` copies it before adding the sub-bindings).

    store = RecordStore()
    store.put("loc1", {"id": "LOC1", ...})    # the last record of a key wins
    store.put_first("loc1", {...})            # ... unless put_first: then the first
    store.finish()                            # before the first `get`
    store.get("loc1")                         # equal to the one put (read only: shared)
    store.close()

Encoding: orjson where it gives back an equal value (the usual case: JSON values the
platform sent); pickle of the plain value otherwise (a NaN, an integer beyond 64 bits,
a tuple). Both are written by this process from values the normalizer made, and read
back only from the private folder; the first byte tells them apart (`{` or `[` against
pickle's `\\x80`).

Worker processes (`workers`, forked after the table is built) read the spilled file
through a connection of their own, opened on first use in that process; the builder's
connection is closed by `finish`, so no connection crosses a fork.
"""

from __future__ import annotations

import os
import pickle
import sqlite3
from collections import OrderedDict
from typing import Any

import orjson

# keys and encoded records held in memory before the table spills to disk: about
# 4,000 locations of the realistic benchmark (~440 bytes each with its key, ~540 as
# counted). Spilled, 16,666 locations cost no measurable time and 11 MB less peak RSS
# than in memory (docs/plan-and-run.md, Performance: memory)
IN_MEMORY_BYTES = 2 * 1024 * 1024
# decoded records kept in front of the store (about 2 KB each for a location)
LRU_SIZE = 1024
_BATCH = 2_000
# the page cache of a reader of the spilled file, in KiB (SQLite's default is 2,000): the
# LRU above answers a site's burst, the first pages of the B-tree stay in these 256 KiB,
# and a leaf page comes from the system's file cache; 2 MB more of a run's peak at
# 16,666 locations, for a table that at 1,666 held 0.7 MB in memory unspilled
READER_CACHE_KIB = 256


def in_memory_bytes() -> int:
    """The bound above which a table spills; the environment variable is for tests
    that hold the two ways to each other."""
    from_env = os.environ.get("OCPISPEC_LOOKUP_IN_MEMORY_BYTES")
    if from_env is not None and from_env.isdigit():
        return int(from_env)
    return IN_MEMORY_BYTES


def encode(value: Any) -> bytes:
    try:
        encoded = orjson.dumps(value)
    except TypeError:  # an integer beyond 64 bits, a key that is not text, ...
        return pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    if encoded[:1] not in (b"{", b"[") or orjson.loads(encoded) != value:
        return pickle.dumps(value, pickle.HIGHEST_PROTOCOL)  # NaN, infinity, tuples
    # a copy of its exact size: orjson's buffer is over-allocated by malloc and then
    # shrunk, and thousands of those kept while pages come and go fragment the heap
    # (measured: +75 MB of peak RSS for 16,666 locations, against +18 MB copied)
    return memoryview(encoded).tobytes()


def decode(encoded: bytes) -> Any:
    if encoded[:1] == b"\x80":
        return pickle.loads(encoded)  # noqa: S301 - written by `encode`, in a private folder
    return orjson.loads(encoded)


class RecordStore:
    """Encoded records by folded key: in memory up to a bound, then in SQLite."""

    def __init__(self, bound: int | None = None) -> None:
        self.bound = in_memory_bytes() if bound is None else bound
        self._memory: dict[str, bytes] = {}
        self._bytes = 0
        self._spilled_count = 0
        self._folder: Any = None          # `disclosure.meter.SpillFolder`, once spilled
        self._writer: sqlite3.Connection | None = None
        self._readers: dict[int, sqlite3.Connection] = {}  # by process id
        self._recent: OrderedDict[str, Any] = OrderedDict()

    @property
    def spilled(self) -> bool:
        return self._folder is not None

    def put(self, key: str, record: Any) -> None:
        encoded = encode(record)
        memory = self._memory
        before = memory.get(key)
        if before is None:
            self._bytes += len(key) + len(encoded) + 100  # the dict slot, the two objects
        else:
            self._bytes += len(encoded) - len(before)
        memory[key] = encoded
        if self._writer is not None and len(memory) >= _BATCH:
            self._flush()
        elif self._writer is None and self._bytes > self.bound:
            self._spill()

    def put_first(self, key: str, record: Any) -> None:
        """`put`, unless the key already holds a record (which then stays)."""
        if key in self._memory or (self._writer is not None and self._writer.execute(
                "SELECT 1 FROM records WHERE key = ?", (key,)).fetchone() is not None):
            return
        self.put(key, record)

    def peek(self, key: str) -> Any:
        """The record a key holds while the store is written (before `finish`), or None;
        read past the cache `get` fills, which a later `put` would leave stale."""
        encoded = self._memory.get(key)
        if encoded is None and self._writer is not None:
            row = self._writer.execute("SELECT value FROM records WHERE key = ?",
                                       (key,)).fetchone()
            encoded = None if row is None else row[0]
        return None if encoded is None else decode(encoded)

    def finish(self) -> None:
        """Every record written: the pending batch flushed and the writer closed."""
        if self._writer is None:
            return
        self._flush()
        self._spilled_count = self._writer.execute("SELECT COUNT(*) FROM records").fetchone()[0]
        self._writer.close()
        self._writer = None

    def get(self, key: str) -> Any:
        recent = self._recent
        found = recent.get(key)
        if found is not None:
            recent.move_to_end(key)
            return found
        if self._folder is None:
            encoded = self._memory.get(key)
        else:
            row = self._reader().execute("SELECT value FROM records WHERE key = ?",
                                         (key,)).fetchone()
            encoded = None if row is None else row[0]
        if encoded is None:
            return None
        found = recent[key] = decode(encoded)
        if len(recent) > LRU_SIZE:
            recent.popitem(last=False)
        return found

    def __len__(self) -> int:
        return self._spilled_count if self._folder is not None else len(self._memory)

    def close(self) -> None:
        """The spilled file and its folder removed (this process's connections closed)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        # only this process's own: a worker's connections live (and end) in the worker,
        # and a parent's connection a worker inherited is never touched by the worker
        reader = self._readers.pop(os.getpid(), None)
        if reader is not None:
            reader.close()
        self._recent.clear()
        if self._folder is not None:
            self._folder.remove()

    # ---- on disk --------------------------------------------------------------------

    def _spill(self) -> None:
        from ocpispec.disclosure.meter import SpillFolder

        self._folder = SpillFolder("lookup")
        path = self._folder.path / "records.sqlite"
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        writer = sqlite3.connect(path)
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-2000"):
            writer.execute(f"PRAGMA {pragma}")
        writer.execute("CREATE TABLE records (key TEXT PRIMARY KEY, value BLOB NOT NULL) "
                       "WITHOUT ROWID")
        self._writer = writer
        self._flush()

    def _flush(self) -> None:
        assert self._writer is not None
        with self._writer:
            self._writer.executemany("INSERT OR REPLACE INTO records VALUES (?, ?)",
                                     self._memory.items())
        self._memory = {}
        self._bytes = 0

    def _reader(self) -> sqlite3.Connection:
        """This process's read-only connection to the finished file (a worker process
        opens its own: a connection never crosses a fork)."""
        pid = os.getpid()
        reader = self._readers.get(pid)
        if reader is None:
            path = (self._folder.path / "records.sqlite").as_uri()
            reader = sqlite3.connect(f"{path}?mode=ro&immutable=1", uri=True,
                                     check_same_thread=False)
            reader.execute(f"PRAGMA cache_size=-{READER_CACHE_KIB}")
            self._readers[pid] = reader
        return reader
