"""Measuring re-identification risk while rows stream: equivalence classes over the
quasi-identifiers counted in distinct drivers, and unicity on known (place, time) points.

Memory stays bounded: every row adds one fixed-width (class, driver) record and at most
one (point, driver, rank) record to spill files in a private temporary folder; at the
end the figures are computed from them in memory by sorting (`in_memory`, numpy) up to
250,000 rows, and above that by SQL after loading them into SQLite there. The driver never reaches
the disk as it is: it is stored as a keyed hash under a random key drawn for the run
and never stored (`Drivers`), so the spill holds no identifier; the unicity ranks are
63-bit integers. The folder is private (0700) and deleted when the meter closes.

Unicity (de Montjoye et al. 2013) is estimated by sampling: for each driver, p of the
driver's distinct (place, time) points are chosen by a fixed-seed ranking (a hash of
the driver and the point keyed with a constant seed, so the same data always gives the
same figure and nothing personal or random seeds it), and the driver is unique when no
other driver's trace holds all p points. A driver with fewer than p points is judged on the points they have.

What a row becomes in the spill (its records, the names of classes and points, the
hidden driver) is `risk_records.py`'s, apart so worker processes measure rows alone.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ocpispec.disclosure.risk_records import MEMBER, POINT, measured
from ocpispec.scratch import ScratchFolder

BUCKETS = ("1", "2-4", "5-9", "10+")
_BATCH = 20_000
# records loaded into SQLite at a time (as Python tuples, some 200 bytes each: 20,000 of
# them took 4 MB in each of the two threads at the end of a run of 1,000,000 rows)
_LOAD_BATCH = 2_000


def _in_memory_rows() -> int:
    """Up to how many rows the figures are computed in memory (`in_memory`); the
    environment variable is for tests that hold the two ways to each other."""
    import os

    from_env = os.environ.get("OCPISPEC_RISK_IN_MEMORY_ROWS")
    if from_env is not None and from_env.isdigit():
        return int(from_env)
    return 250_000
# While rows stream, their records are appended to two plain files: an SQLite insert
# per row, from the thread that renders while the fetch threads run, would hand the
# interpreter lock back and forth once per row. Above the in-memory bound, `figures`
# loads each file into its own SQLite database and builds the keyed table there, the
# classes and the unicity sample in two threads (SQLite runs a statement without the
# lock).
_MEMBERS = """
CREATE TABLE member_rows (cls BLOB NOT NULL, driver BLOB NOT NULL);
CREATE TABLE members (cls BLOB NOT NULL, driver BLOB NOT NULL, rows INTEGER NOT NULL,
                      PRIMARY KEY (cls, driver)) WITHOUT ROWID;
"""
_MEMBERS_KEYED = """
INSERT INTO members SELECT cls, driver, COUNT(*) FROM member_rows GROUP BY cls, driver;
DROP TABLE member_rows;
"""
_POINTS = """
CREATE TABLE point_rows (point BLOB NOT NULL, driver BLOB NOT NULL, rank INTEGER NOT NULL);
CREATE TABLE points (point BLOB NOT NULL, driver BLOB NOT NULL, rank INTEGER NOT NULL,
                     PRIMARY KEY (point, driver)) WITHOUT ROWID;
"""
_POINTS_KEYED = """
INSERT INTO points SELECT point, driver, MIN(rank) FROM point_rows GROUP BY point, driver;
DROP TABLE point_rows;
"""


# Unicity from the sample: the drivers each point has (one pass over `points`, which is
# keyed by point), then per sampled driver a lookup, and only where both of its points
# are shared a search for another driver holding both. The search walks the point with
# fewer drivers and stops at the first such driver: counting them all instead cost a
# minute on a million coarse rows (a k rule's output), where most points hold hundreds.
_POINT_SIZES = """
CREATE TEMP TABLE sizes (point BLOB PRIMARY KEY, drivers INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO sizes SELECT point, COUNT(*) FROM points GROUP BY point;
"""
_UNIQUE_AT_ONE = ("SELECT COUNT(*) FROM sample s JOIN sizes a ON a.point = s.a "
                  "WHERE a.drivers = 1")
_UNIQUE_AT_TWO = """
SELECT COUNT(*) FROM sample s JOIN sizes a ON a.point = s.a LEFT JOIN sizes b ON b.point = s.b
WHERE a.drivers = 1 OR (s.b IS NOT NULL AND (b.drivers = 1 OR NOT EXISTS (
    SELECT 1 FROM points walked JOIN points other
      ON other.point = CASE WHEN a.drivers <= b.drivers THEN s.b ELSE s.a END
     AND other.driver = walked.driver
    WHERE walked.point = CASE WHEN a.drivers <= b.drivers THEN s.a ELSE s.b END
      AND walked.driver != s.driver)))
"""


@dataclass(frozen=True, slots=True)
class RiskFigures:
    """What the meter found in one dataset's released rows. Shares are fractions."""

    quasi: tuple[str, ...]
    counted_in: str                  # "drivers" or "records"
    rows: int
    drivers: int
    classes: int
    smallest: int | None             # the smallest class, in `counted_in`
    classes_by_size: dict[str, int]  # bucket -> classes
    rows_by_size: dict[str, int]     # bucket -> rows in classes of that size
    points: tuple[str, ...] = ()     # the columns a (place, time) point is made of
    unique_1: float | None = None    # share of drivers unique on 1 known point
    unique_2: float | None = None    # ... on 2 known points

    def to_dict(self) -> dict[str, Any]:
        return {"quasi_identifiers": list(self.quasi), "counted_in": self.counted_in,
                "rows": self.rows, "drivers": self.drivers, "classes": self.classes,
                "smallest_class": self.smallest,
                "classes_by_size": dict(self.classes_by_size),
                "rows_by_size": dict(self.rows_by_size),
                "unicity": {"points": list(self.points), "one_point": self.unique_1,
                            "two_points": self.unique_2}}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RiskFigures:
        unicity = data.get("unicity") or {}
        return cls(tuple(data["quasi_identifiers"]), data["counted_in"], data["rows"],
                   data["drivers"], data["classes"], data.get("smallest_class"),
                   dict(data["classes_by_size"]), dict(data["rows_by_size"]),
                   tuple(unicity.get("points") or ()), unicity.get("one_point"),
                   unicity.get("two_points"))


def bucket(size: int) -> str:
    return "1" if size <= 1 else "2-4" if size <= 4 else "5-9" if size <= 9 else "10+"


class SpillFolder(ScratchFolder):
    """A private scratch folder (0700, `ocpispec.scratch`) for SQLite spills."""

    def database(self, name: str) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path / name, isolation_level=None, check_same_thread=False)
        # 1 MB, SQLite's least sort buffer (the cache bounds each sort): sorted passes need
        # no more, and 4 MB took 16 MB at 100,000 rows of risk figures (`bench_memory.py`)
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-1000",
                       "temp_store=FILE", "locking_mode=EXCLUSIVE"):
            conn.execute(f"PRAGMA {pragma}")
        return conn


class RiskMeter:
    """Feed it `add(hidden, rank_base, class_values, point)` per released row (see
    `Drivers`); `figures()` once, then `close()`."""

    def __init__(self, quasi: tuple[str, ...], points: tuple[str, ...],
                 by_driver: bool) -> None:
        self.quasi, self.point_columns, self.by_driver = quasi, points, by_driver
        self.folder = SpillFolder("risk")
        self._files = [(self.folder.path / name).open("wb") for name in ("members", "points")]
        self._members = bytearray()
        self._points = bytearray()
        self._connections: list[sqlite3.Connection] = []
        self.rows = 0

    def add(self, hidden: bytes, rank_base: bytes, values: Sequence[Any],
            point: Sequence[Any] | None) -> None:
        self.add_measured(*measured(hidden, rank_base, values,
                                    point if self.point_columns else None))

    def add_measured(self, member: bytes, point: bytes | None) -> None:
        """`add` for a row `measured` elsewhere (in a worker process)."""
        self.rows += 1
        self._members += member
        if point is not None:
            self._points += point
        if len(self._members) >= _BATCH * MEMBER:
            self._flush()

    def add_measured_many(self, members: bytes, points: bytes | None, rows: int) -> None:
        """`add_measured` of `rows` rows at once, their records end to end (a page a
        worker process measured whole, `ocpi.row_pages`)."""
        self.rows += rows
        self._members += members
        if points is not None:
            self._points += points
        if len(self._members) >= _BATCH * MEMBER:
            self._flush()

    def _flush(self) -> None:
        for records, file in zip((self._members, self._points), self._files):
            file.write(records)
        self._members, self._points = bytearray(), bytearray()

    def figures(self) -> RiskFigures:
        self._flush()
        for file in self._files:
            file.close()
        found = self._in_memory() if self.rows <= _in_memory_rows() else None
        if found is None:
            found = self._in_sql()
        (drivers, total_classes, smallest, classes, rows), (one, two) = found
        return RiskFigures(self.quasi, "drivers" if self.by_driver else "records", self.rows,
                           drivers, total_classes, smallest, classes, rows,
                           self.point_columns, one, two)

    def _in_sql(self) -> tuple[tuple, tuple]:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1, thread_name_prefix="ocpispec-risk") as pool:
            unicity = pool.submit(self._unicity)
            return self._classes(), unicity.result()

    def _in_memory(self) -> tuple[tuple, tuple] | None:
        """The figures by `in_memory` (numpy), or None where it does not apply."""
        try:
            from ocpispec.disclosure import in_memory
        except ImportError:  # numpy missing: SQL does it all
            return None
        classes, drivers = in_memory.members(self.folder.path / "members")
        figures = in_memory.class_figures(classes, drivers, BUCKETS)
        del classes, drivers
        if not self.point_columns or not self.rows or not self.by_driver:
            return figures, (None, None)
        return figures, in_memory.unicity(*in_memory.points(self.folder.path / "points"))

    def _records(self, name: str) -> Iterator[list[tuple]]:
        """The spill file `name` in batches of rows for SQL: (class, driver) or (point,
        driver, rank)."""
        size = MEMBER if name == "members" else POINT
        with (self.folder.path / name).open("rb") as spill:
            while chunk := spill.read(size * _LOAD_BATCH):
                if size == MEMBER:
                    yield [(chunk[at:at + 16], chunk[at + 16:at + 32])
                           for at in range(0, len(chunk), size)]
                else:
                    yield [(chunk[at:at + 16], chunk[at + 16:at + 32],
                            int.from_bytes(chunk[at + 32:at + 40], "big"))
                           for at in range(0, len(chunk), size)]

    def _classes(self) -> tuple[int, int, int | None, dict[str, int], dict[str, int]]:
        conn = self._database("members", _MEMBERS, "member_rows", 2, _MEMBERS_KEYED)
        classes = dict.fromkeys(BUCKETS, 0)
        rows = dict.fromkeys(BUCKETS, 0)
        smallest = None
        total_classes = 0
        for size, count in conn.execute("SELECT COUNT(*), SUM(rows) FROM members GROUP BY cls"):
            name = bucket(size)
            classes[name] += 1
            rows[name] += count
            total_classes += 1
            smallest = size if smallest is None or size < smallest else smallest
        drivers = conn.execute(
            "SELECT COUNT(*) FROM (SELECT DISTINCT driver FROM members)").fetchone()[0]
        return drivers, total_classes, smallest, classes, rows

    def _database(self, name: str, schema: str, table: str, width: int,
                  keyed: str) -> sqlite3.Connection:
        """The SQLite database of one spill file: its batches loaded, then keyed."""
        conn = self.folder.database(name + ".sqlite")
        self._connections.append(conn)
        conn.executescript(schema)
        insert = f"INSERT INTO {table} VALUES ({', '.join('?' * width)})"
        conn.execute("BEGIN")
        for batch in self._records(name):
            conn.executemany(insert, batch)
        conn.execute("COMMIT")
        conn.executescript(keyed)
        return conn

    def _unicity(self) -> tuple[float | None, float | None]:
        if not self.point_columns or not self.rows or not self.by_driver:
            return None, None  # unicity is about people: not measured without drivers
        conn = self._database("points", _POINTS, "point_rows", 3, _POINTS_KEYED)
        conn.execute("CREATE TEMP TABLE sample AS SELECT driver, "
                     "MAX(CASE WHEN r = 1 THEN point END) AS a, "
                     "MAX(CASE WHEN r = 2 THEN point END) AS b FROM (SELECT driver, point, "
                     "ROW_NUMBER() OVER (PARTITION BY driver ORDER BY rank, point) AS r "
                     "FROM points) WHERE r <= 2 GROUP BY driver")
        sampled = conn.execute("SELECT COUNT(*) FROM sample").fetchone()[0]
        if not sampled:
            return None, None
        conn.executescript(_POINT_SIZES)
        one = conn.execute(_UNIQUE_AT_ONE).fetchone()[0]
        two = conn.execute(_UNIQUE_AT_TWO).fetchone()[0]
        return round(one / sampled, 4), round(two / sampled, 4)

    def close(self) -> None:
        try:
            for file in self._files:
                file.close()
            for conn in self._connections:
                conn.close()
        finally:
            self.folder.remove()
