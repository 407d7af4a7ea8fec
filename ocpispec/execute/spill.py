"""Group keys as ordered bytes, and the SQLite file groups spill to.

`sort_key` encodes a group's key values so that comparing the bytes orders groups as
the aggregator always has (null, then booleans, numbers, text, then JSON of anything
else; each by value; a timestamp, bucket or weekday by what it stands for), and two different key tuples
never share bytes. It is the
group's identity in memory and the primary key on disk, so SQLite's `ORDER BY` (memcmp
on blobs) gives the rows in the same order as sorting in memory.

`SpillFile` is a temporary SQLite database (mode 0600, in a scratch folder of its own,
deleted when closed; `ocpispec.scratch`): a flush appends the pickled partial states of
the groups in memory (no lookups), and reading back sorts by key once and merges the
partial states of each group in the order they were written.
"""

from __future__ import annotations

import os
import pickle
import sqlite3
import struct
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from ocpispec.render.values import json_text
from ocpispec.scratch import ScratchFolder
from ocpispec.execute.value_order import Rank


def sort_key(keys: tuple[Any, ...], ranks: Mapping[int, Rank] | None = None) -> bytes:
    """`ranks`: by position, the keys whose texts order by a rank (`value_order`)."""
    if not ranks:
        return b"".join(_encode(key) for key in keys)
    return b"".join(_encode_ranked(key, ranks[index]) if index in ranks else _encode(key)
                    for index, key in enumerate(keys))


def _encode_ranked(key: Any, rank: Rank) -> bytes:
    """A text by its rank (fixed width), then as text, so two texts of one rank stay
    two keys; a text without a rank after them all."""
    if key.__class__ is not str:
        return _encode(key)
    ranked = rank(key)
    if ranked is None:
        return b"\x03\x02" + _text(key)
    return b"\x03\x01" + ranked + _text(key)


def _encode(key: Any) -> bytes:
    match key:
        case None:
            return b"\x00"
        case bool():
            return b"\x01" + (b"\x01" if key else b"\x00")
        case int() | float():
            return b"\x02" + _number(key) + _excess(key) + _text(repr(key))
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


def _excess(number: int | float) -> bytes:
    """What an integer has beyond its nearest float (10**20 and 10**20 - 8192 are one
    float): an exact tie-breaker, ordered like the integers themselves."""
    if number.__class__ is float:
        return b"\x01"
    try:
        excess = number - int(float(number))
    except OverflowError:  # beyond any float: all of it is excess (prefixed by +/-inf)
        excess = int(number)
    if excess == 0:
        return b"\x01"
    magnitude = abs(excess).to_bytes((abs(excess).bit_length() + 7) // 8, "big")
    if excess > 0:
        return b"\x02" + struct.pack(">H", len(magnitude)) + magnitude
    return b"\x00" + struct.pack(">H", 65535 - len(magnitude)) + bytes(255 - b for b in magnitude)


def _text(text: str) -> bytes:
    """UTF-8 (whose byte order is code point order), NUL escaped, NUL NUL ended: a
    shorter text sorts before its extensions and the next key cannot blur the end."""
    return text.encode("utf-8", "surrogatepass").replace(b"\x00", b"\x00\xff") + b"\x00\x00"


class SpillFile:
    """Partial group states appended in batches; read back once, ordered by key, with
    the partial states of one group merged in the order they were written."""

    def __init__(self, directory: str | None = None,
                 ranks: Mapping[int, Rank] | None = None) -> None:
        """`ranks`: the keys whose texts order by a rank (`sort_key`)."""
        self.ranks = ranks
        # by default in a scratch folder, which the next run removes if this one is killed
        self._folder = ScratchFolder("groups") if directory is None else None
        handle, self.path = tempfile.mkstemp(
            prefix="ocpispec-groups-", suffix=".sqlite",
            dir=directory if self._folder is None else self._folder.path)
        os.close(handle)
        self.db = sqlite3.connect(self.path)
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("CREATE TABLE parts (key BLOB, state BLOB)")
        self.flushes = 0

    def flush(self, states: Iterable[list]) -> None:
        """Append the in-memory group states (merged when read back)."""
        self.flushes += 1
        with self.db:
            self.db.executemany("INSERT INTO parts VALUES (?, ?)",
                                ((sort_key(state[0], self.ranks), pickle.dumps(state, 5))
                                 for state in states))

    def states(self, merge: Callable[[list, list], list]) -> Iterator[list]:
        """Every group once, in key order."""
        self.db.execute("CREATE INDEX parts_by_key ON parts (key)")
        current_key, current = None, None
        for key, blob in self.db.execute("SELECT key, state FROM parts ORDER BY key, rowid"):
            state = pickle.loads(blob)
            if key == current_key:
                current = merge(current, state)
                continue
            if current is not None:
                yield current
            current_key, current = key, state
        if current is not None:
            yield current

    def close(self) -> None:
        self.db.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        if self._folder is not None:
            self._folder.remove()

