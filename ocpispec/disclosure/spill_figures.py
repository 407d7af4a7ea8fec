"""The risk meter's figures, computed from the spill files of a finished meter
(`meter.RiskMeter.finished`): in memory with dicts and sets (`in_python`) below 15,000
rows, whose figures cost less than importing numpy, by sorting (`in_memory`, numpy) up
to 250,000 rows, above that by SQL after loading them into SQLite beside them.

A `MeterSpill` names the files' folder and what the meter measured, nothing of the rows:
the figures can be computed in this process, or in a worker process of the run while
the parent writes the sorted rows (`execute.row_stream`, `workers.PagePool.later`). The
meter removes the folder once they are.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from pathlib import Path
from typing import Any

from ocpispec.frozen import frozen
from ocpispec.disclosure.risk_records import MEMBER, POINT

BUCKETS = ("1", "2-4", "5-9", "10+")
# records loaded into SQLite at a time (as Python tuples, some 200 bytes each: 20,000 of
# them took 4 MB in each of the two threads at the end of a run of 1,000,000 rows)
_LOAD_BATCH = 2_000
NUMPY_ROWS = 15_000  # rows from which numpy's figures pay for its import (`in_python`)


def _in_memory_rows() -> int:
    """Up to how many rows the figures are computed in memory (`in_memory`); the
    environment variable is for tests that hold the two ways to each other."""
    import os

    from_env = os.environ.get("OCPISPEC_RISK_IN_MEMORY_ROWS")
    if from_env is not None and from_env.isdigit():
        return int(from_env)
    return 250_000


def _numpy_rows() -> int:
    """From how many rows the in-memory figures use numpy (`in_memory`): below it
    `in_python` computes them without importing numpy, which costs more than the figures
    of that many rows; the environment variable is for tests holding the two together."""
    import os

    from_env = os.environ.get("OCPISPEC_RISK_NUMPY_ROWS")
    if from_env is not None and from_env.isdigit():
        return int(from_env)
    return NUMPY_ROWS
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


@frozen
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


def database(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    # 1 MB, SQLite's least sort buffer (the cache bounds each sort): sorted passes need
    # no more, and 4 MB took 16 MB at 100,000 rows of risk figures (`bench_memory.py`)
    for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-1000",
                   "temp_store=FILE", "locking_mode=EXCLUSIVE"):
        conn.execute(f"PRAGMA {pragma}")
    return conn


@frozen
class MeterSpill:
    """A finished meter's spill files (`members`, `points`) in `folder`, of `rows` rows."""

    folder: Path
    quasi: tuple[str, ...]
    point_columns: tuple[str, ...]
    by_driver: bool
    rows: int
    links: Path | None = None  # the ids rows named together (`links.LinkSpill`)

    def figures(self) -> RiskFigures:
        if self.links is not None:
            from ocpispec.disclosure.links import relinked

            relinked(self.links, [(self.folder / "members", MEMBER), (self.folder / "points", POINT)])
        found = self._in_memory() if self.rows <= _in_memory_rows() else None
        connections: list[sqlite3.Connection] = []
        try:
            if found is None:
                found = self._in_sql(connections)
        finally:
            for conn in connections:
                conn.close()
        (drivers, total_classes, smallest, classes, rows), (one, two) = found
        return RiskFigures(self.quasi, "drivers" if self.by_driver else "records", self.rows,
                           drivers, total_classes, smallest, classes, rows,
                           self.point_columns, one, two)

    def _in_sql(self, connections: list[sqlite3.Connection]) -> tuple[tuple, tuple]:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1, thread_name_prefix="ocpispec-risk") as pool:
            unicity = pool.submit(self._unicity, connections)
            return self._classes(connections), unicity.result()

    def _in_memory(self) -> tuple[tuple, tuple] | None:
        """The figures by `in_python` or `in_memory` (numpy), or None where neither
        applies."""
        if self.rows < _numpy_rows():
            return self._in_python()
        try:
            from ocpispec.disclosure import in_memory
        except ImportError:  # numpy missing: SQL does it all
            return None
        classes, drivers = in_memory.members(self.folder / "members")
        figures = in_memory.class_figures(classes, drivers, BUCKETS)
        del classes, drivers
        if not self.point_columns or not self.rows or not self.by_driver:
            return figures, (None, None)
        return figures, in_memory.unicity(*in_memory.points(self.folder / "points"))

    def _in_python(self) -> tuple[tuple, tuple]:
        from ocpispec.disclosure import in_python

        figures = in_python.class_figures((self.folder / "members").read_bytes(), BUCKETS)
        if not self.point_columns or not self.rows or not self.by_driver:
            return figures, (None, None)
        return figures, in_python.unicity((self.folder / "points").read_bytes())

    def _records(self, name: str) -> Iterator[list[tuple]]:
        """The spill file `name` in batches of rows for SQL: (class, driver) or (point,
        driver, rank)."""
        size = MEMBER if name == "members" else POINT
        with (self.folder / name).open("rb") as spill:
            while chunk := spill.read(size * _LOAD_BATCH):
                if size == MEMBER:
                    yield [(chunk[at:at + 16], chunk[at + 16:at + 32])
                           for at in range(0, len(chunk), size)]
                else:
                    yield [(chunk[at:at + 16], chunk[at + 16:at + 32],
                            int.from_bytes(chunk[at + 32:at + 40], "big"))
                           for at in range(0, len(chunk), size)]

    def _classes(self, connections: list[sqlite3.Connection]
                 ) -> tuple[int, int, int | None, dict[str, int], dict[str, int]]:
        conn = self._database("members", _MEMBERS, "member_rows", 2, _MEMBERS_KEYED,
                              connections)
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
                  keyed: str, connections: list[sqlite3.Connection]) -> sqlite3.Connection:
        """The SQLite database of one spill file: its batches loaded, then keyed."""
        conn = database(self.folder / (name + ".sqlite"))
        connections.append(conn)
        conn.executescript(schema)
        insert = f"INSERT INTO {table} VALUES ({', '.join('?' * width)})"
        conn.execute("BEGIN")
        for batch in self._records(name):
            conn.executemany(insert, batch)
        conn.execute("COMMIT")
        conn.executescript(keyed)
        return conn

    def _unicity(self, connections: list[sqlite3.Connection]) -> tuple[float | None, float | None]:
        if not self.point_columns or not self.rows or not self.by_driver:
            return None, None  # unicity is about people: not measured without drivers
        conn = self._database("points", _POINTS, "point_rows", 3, _POINTS_KEYED, connections)
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


def figures_of(spill: MeterSpill) -> RiskFigures:
    """`spill.figures()`, as a worker process is handed it (`workers.PagePool.later`)."""
    return spill.figures()
