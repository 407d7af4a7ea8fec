"""Enforcing k-anonymity on a row export: buffer, count, recode locally, suppress.

Rows of one window are buffered in an SQLite file in a private temporary folder (memory
stays bounded), each with its driver as the meter hides it (`risk_records.Drivers`). Then:

1. the classes (rows with equal values in the rule's quasi-identifiers) are counted in
   distinct people: a row's driver read contract first and uid first, the ids linked
   over all rows (`people.People`, as aggregates count them); rows without a driver id
   (`nobody`, as the meter hides it) add no driver, as in the minimum group size of
   aggregates: they may be anyone, also a driver the class already counts;
2. the rows of every class with fewer than k drivers move one level up the hierarchy of
   each of those columns that has a level left (local recoding: only the failing
   classes are coarsened, the rest keep their detail), and the classes are counted
   again; this repeats while a level is left;
3. the rows of classes still under k are suppressed;
4. if the suppressed rows are more than the limit's share of all rows, the run fails
   (`LimitExceeded`) and nothing is released.

Rows come out in the order they came in. Every class released holds at least k drivers.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ocpispec.disclosure.meter import SpillFolder
from ocpispec.disclosure.people import People
from ocpispec.disclosure.risk_records import class_key

# rows held in memory at a time: pending while rows stream, recoded, released (a row
# pickled, with its class and hidden person, is some 400 bytes of objects: 20,000 of them
# held 6.7 MB of a realistic run, and as many again released while the sorted runs filled)
_BATCH = 2_000


@dataclass(frozen=True, slots=True)
class Enforced:
    """What enforcement did. `rate` is the suppressed share of rows, in percent."""

    k: int
    rows: int
    generalised: int
    suppressed: int
    suppressed_classes: int
    limit: float

    @property
    def rate(self) -> float:
        return round(100 * self.suppressed / self.rows, 3) if self.rows else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"k": self.k, "rows": self.rows, "generalised_rows": self.generalised,
                "suppressed_rows": self.suppressed,
                "suppressed_classes": self.suppressed_classes,
                "suppression_rate_percent": self.rate, "suppression_limit_percent": self.limit}


class LimitExceeded(Exception):
    def __init__(self, outcome: Enforced) -> None:
        super().__init__(f"{outcome.suppressed} of {outcome.rows} rows ({outcome.rate}%) "
                         f"would be suppressed, more than the limit of {outcome.limit}%")
        self.outcome = outcome


class KEnforcer:
    """`add(row, hidden, rank_base)` for every row, then iterate `released()`."""

    def __init__(self, k: int, over: Sequence[str],
                 levels: dict[str, Sequence[Callable[[Any], Any]]], limit: float,
                 fail: bool = True, nobody: bytes | None = None) -> None:
        """`fail` False (a sample, an assessment): the limit is reported, not applied.
        `nobody`: the hidden driver of rows without a driver id, which counts no one."""
        self.k, self.over, self.levels, self.limit = k, tuple(over), levels, limit
        self.nobody = nobody
        self.fail = fail
        self.depth = max((len(functions) for functions in levels.values()), default=0)
        self.folder = SpillFolder("k")
        self.conn = self.folder.database("rows.sqlite")
        self.conn.executescript(
            "CREATE TABLE rows (id INTEGER PRIMARY KEY, "
            "person BLOB NOT NULL, rank_base BLOB NOT NULL, level INTEGER NOT NULL DEFAULT 0, cls TEXT NOT NULL, "
            "row BLOB NOT NULL, recoded BLOB);")
        # rows are appended to a plain file while they stream and loaded into SQLite
        # (then indexed) when the rule is enforced: an insert per row from the rendering
        # thread would trade the interpreter lock with the fetch threads once per row
        self._spill = (self.folder.path / "rows").open("wb")
        self._pending: list[tuple[bytes, bytes, str, bytes]] = []
        self.outcome: Enforced | None = None
        self.people = People(nobody if nobody is not None else b"")

    def add(self, row: dict, hidden: bytes, rank_base: bytes, other: bytes | None = None
            ) -> None:
        """`other`: the driver read uid first (`plan.drivers.uid_first`), hidden alike,
        linked to `hidden` as one person's ids."""
        person = self.people.person(hidden, hidden if other is None else other)
        self._pending.append((person, rank_base,
                              self._class(row),
                              pickle.dumps(row, pickle.HIGHEST_PROTOCOL)))
        if len(self._pending) >= _BATCH:
            self._flush()

    def _class(self, row: dict) -> str:
        return class_key([row.get(name) for name in self.over])

    def _flush(self) -> None:
        if self._pending:
            pickle.dump(self._pending, self._spill, pickle.HIGHEST_PROTOCOL)
            self._pending = []

    def _load(self) -> None:
        """The spilled rows into SQLite, in the order they came, then indexed."""
        self._flush()
        self._spill.close()
        self.conn.execute("BEGIN")
        with (self.folder.path / "rows").open("rb") as spill:
            while True:
                try:
                    batch = pickle.load(spill)  # noqa: S301 - written by this enforcer
                except EOFError:
                    break
                find = self.people.find  # every row read: each row's person as linked at last
                self.conn.executemany("INSERT INTO rows (person, rank_base, cls, row) "
                                      "VALUES (?, ?, ?, ?)",
                                      [(find(person), *rest) for person, *rest in batch])
        self.conn.execute("COMMIT")
        self.conn.execute("CREATE INDEX rows_by_class ON rows (cls)")

    def enforce(self) -> Enforced:
        """Recode, then suppress; raises `LimitExceeded` past the limit."""
        self._load()
        conn = self.conn
        total = conn.execute("SELECT COUNT(*) FROM rows").fetchone()[0]
        for level in range(1, self.depth + 1):
            if not self._mark_failing():
                break
            self._recode(level)
        self._mark_failing()
        generalised = conn.execute("SELECT COUNT(*) FROM rows WHERE level > 0 AND cls NOT IN "
                                   "(SELECT cls FROM failing)").fetchone()[0]
        suppressed, classes = conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT cls) FROM rows WHERE cls IN "
            "(SELECT cls FROM failing)").fetchone()
        self.outcome = Enforced(self.k, total, generalised, suppressed, classes, self.limit)
        if self.fail and total and 100 * suppressed > self.limit * total:
            raise LimitExceeded(self.outcome)
        return self.outcome

    def _mark_failing(self) -> int:
        conn = self.conn
        conn.execute("DROP TABLE IF EXISTS failing")
        conn.execute("CREATE TABLE failing (cls TEXT PRIMARY KEY) WITHOUT ROWID")
        conn.execute("INSERT INTO failing SELECT cls FROM rows GROUP BY cls "
                     "HAVING COUNT(DISTINCT NULLIF(person, ?)) < ?", (self.nobody, self.k))
        return conn.execute("SELECT COUNT(*) FROM failing").fetchone()[0]

    def _recode(self, level: int) -> None:
        """Every row of a failing class, one level up (from its original values), a
        batch of rows at a time."""
        conn, last = self.conn, 0
        # `+cls`: read on by id, each row once; by the class index, every batch gathered
        # all the failing rows after `last` and sorted them by id for 2,000 of them
        while batch := conn.execute("SELECT id, row FROM rows WHERE id > ? AND +cls IN "
                                    "(SELECT cls FROM failing) ORDER BY id LIMIT ?",
                                    (last, _BATCH)).fetchall():
            updates = []
            for ident, blob in batch:
                row = pickle.loads(blob)
                for name, functions in self.levels.items():
                    if functions:
                        row[name] = functions[min(level, len(functions)) - 1](row.get(name))
                updates.append((level, self._class(row),
                                pickle.dumps(row, pickle.HIGHEST_PROTOCOL), ident))
            last = batch[-1][0]
            conn.execute("BEGIN")
            conn.executemany("UPDATE rows SET level = ?, cls = ?, recoded = ? WHERE id = ?",
                             updates)
            conn.execute("COMMIT")

    def released(self) -> Iterator[tuple[dict, bytes, bytes]]:
        """The rows that stay (recoded where needed), in arrival order, each with its
        hidden person (the class of its ids, as the rule counted it) and rank base (for
        the meter)."""
        cursor = self.conn.execute(
            "SELECT row, recoded, person, rank_base FROM rows WHERE cls NOT IN "
            "(SELECT cls FROM failing) ORDER BY id")
        while batch := cursor.fetchmany(_BATCH):
            for row, recoded, person, rank_base in batch:
                yield pickle.loads(recoded if recoded is not None else row), person, rank_base

    def close(self) -> None:
        try:
            self._spill.close()
            self.conn.close()
        finally:
            self.folder.remove()
