"""Group keys as ordered bytes, and the SQLite file groups spill to.

`sort_key` encodes a group's key values so that comparing the bytes orders groups as
the aggregator always has (null, then booleans, numbers, text, then JSON of anything
else; each by value), and two different key tuples never share bytes. It is the
group's identity in memory and the primary key on disk, so SQLite's `ORDER BY` (memcmp
on blobs) gives the rows in the same order as sorting in memory.

`SpillFile` is a temporary SQLite database (mode 0600, deleted when closed) holding
pickled group states; flushing merges a batch of in-memory states into it.
"""

from __future__ import annotations

import os
import pickle
import sqlite3
import struct
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ocpispec.render.values import json_text


def sort_key(keys: tuple[Any, ...]) -> bytes:
    return b"".join(_encode(key) for key in keys)


def _encode(key: Any) -> bytes:
    match key:
        case None:
            return b"\x00"
        case bool():
            return b"\x01" + (b"\x01" if key else b"\x00")
        case int() | float():
            return b"\x02" + _number(key) + _text(repr(key))
        case str():
            return b"\x03" + _text(key)
    return b"\x04" + _text(json_text(key))


def _number(number: int | float) -> bytes:
    try:
        value = float(number)
    except OverflowError:
        value = float("inf") if number > 0 else float("-inf")
    bits = struct.unpack(">Q", struct.pack(">d", value))[0]
    bits = bits ^ 0xFFFF_FFFF_FFFF_FFFF if bits >> 63 else bits | (1 << 63)
    return struct.pack(">Q", bits)


def _text(text: str) -> bytes:
    """UTF-8 (whose byte order is code point order), NUL escaped, NUL NUL ended: a
    shorter text sorts before its extensions and the next key cannot blur the end."""
    return text.encode("utf-8", "surrogatepass").replace(b"\x00", b"\x00\xff") + b"\x00\x00"


class SpillFile:
    def __init__(self, directory: str | None = None) -> None:
        handle, self.path = tempfile.mkstemp(prefix="ocpispec-groups-", suffix=".sqlite",
                                             dir=directory)
        os.close(handle)
        self.db = sqlite3.connect(self.path)
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("CREATE TABLE groups (key BLOB PRIMARY KEY, state BLOB) WITHOUT ROWID")
        self.flushes = 0

    def flush(self, states: Iterable[list], merge: Callable[[list, list], list]) -> None:
        """Write the in-memory group states, merging each with its spilled one if any."""
        self.flushes += 1
        groups = {sort_key(state[0]): state for state in states}
        with self.db:
            keys = sorted(groups)
            for start in range(0, len(keys), 500):
                batch = keys[start:start + 500]
                marks = ",".join("?" * len(batch))
                for key, blob in self.db.execute(
                        f"SELECT key, state FROM groups WHERE key IN ({marks})", batch):
                    groups[key] = merge(groups[key], pickle.loads(blob))
            self.db.executemany("INSERT OR REPLACE INTO groups VALUES (?, ?)",
                                ((key, pickle.dumps(groups[key], 5)) for key in keys))

    def states(self) -> Iterator[tuple[bytes, list]]:
        for key, blob in self.db.execute("SELECT key, state FROM groups ORDER BY key"):
            yield key, pickle.loads(blob)

    def close(self) -> None:
        self.db.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass

